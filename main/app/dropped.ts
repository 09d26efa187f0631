// What a drop of files opens. A folder dropped whole (a lab fixture, a session folder, the sample) arrives as all
// its files: its captures open, session.json opens the session it describes, the nodes' `ip -j` lists are read
// beside the captures, and the rest (manifest.json, README.md, make.sh…) is no capture and is left out, as a folder
// given to the CLI leaves it out. A file dropped alone is opened whatever it is, so that what it is not is said.

import { basename } from 'node:path';

import { SESSION_FILE } from '../capture/sessionFolder.ts';
import { HopscopeError } from '../common/errors.ts';
import { sniffFormat } from '../pcap/reader.ts';
import { CAPTURE_EXT } from '../session/inputs.ts';
import { IP_JSON_FILE } from '../session/interfaces.ts';

export interface Dropped {
  /** The dropped file's name (no folder). */
  name: string;
  /** Its first bytes at least (a capture is told by its magic). */
  bytes: Uint8Array;
}

/**
 * What a drop opens: the session its session.json describes (`session`: open the drop's folder), else its captures
 * by name. Throws SESSION_INVALID when several files were dropped and none is a capture.
 */
export function droppedInputs(files: readonly Dropped[]): { session: boolean; captures: string[] } {
  if (files.some((f) => f.name === SESSION_FILE)) return { session: true, captures: [] };
  const candidates = files.filter((f) => !IP_JSON_FILE.test(f.name));
  if (files.length === 1) return { session: false, captures: candidates.map((f) => f.name) };
  // A file named as a capture that is not one is reported (its open fails), not left out.
  const captures = candidates.filter((f) => CAPTURE_EXT.test(f.name) || sniffFormat(f.bytes) !== null);
  if (!captures.length) {
    const names = candidates.map((f) => basename(f.name));
    throw new HopscopeError(
      'SESSION_INVALID',
      names.length
        ? `no capture among the dropped files (${names.join(', ')}: none is pcap or pcapng)`
        : 'no capture among the dropped files (only interface lists)',
    );
  }
  return { session: false, captures: captures.map((f) => f.name) };
}
