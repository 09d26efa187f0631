// What a drop of files opens. A folder dropped whole (a lab fixture, a session folder, the sample) arrives as all
// its files: its captures open, session.json opens the session it describes, the nodes' `ip -j` lists are read
// beside the captures, and the rest (manifest.json, README.md, make.sh…) is no capture and is left out, as a folder
// given to the CLI leaves it out. A file dropped alone is opened whatever it is, so that what it is not is said.
// Each dropped folder's files are copied into a folder of its own, so that two files of one name (node-1__ens33.pcap
// of two fixture folders dropped together) are both kept, and their panes are told apart by their folders.

import { basename } from 'node:path';

import { ifaceFromFileName, SESSION_FILE } from '../capture/sessionFolder.ts';
import { HopscopeError } from '../common/errors.ts';
import { sniffFormat } from '../pcap/reader.ts';
import { CAPTURE_EXT } from '../session/inputs.ts';
import { IP_JSON_FILE } from '../session/interfaces.ts';
import { fallbackNode, labelledArg } from '../session/labels.ts';

export interface Dropped {
  /** The dropped file's name (no folder). */
  name: string;
  /** The name of the folder it was dropped in (a folder dropped whole), if any. */
  folder?: string;
  /** Its first bytes at least (a capture is told by its magic). */
  bytes: Uint8Array;
}

/** A dropped file placed in the scratch folder: `dir` (its folder there, '' for the top) and its name. */
export interface Placed extends Dropped {
  dir: string;
}

/** A folder name as one path component of the scratch folder (never `..`, never a separator). */
function component(folder: string | undefined): string {
  return (folder ?? '').replace(/[/\\\0]/g, '_').replace(/^\.+/, '');
}

/**
 * Where each dropped file goes: its folder's own folder (loose files at the top). A name already taken there (two
 * files of one name that no folder tells apart) goes to `DIR~2`, `DIR~3`…, so that no file overwrites another.
 */
export function placeDropped(files: readonly Dropped[]): Placed[] {
  const taken = new Set<string>();
  // A folder and a loose file of one name cannot both be at the top.
  const dirs = new Set<string>();
  const top = new Set<string>();
  const free = (dir: string, name: string) =>
    !taken.has(`${dir}/${name}`) && (dir ? !top.has(dir) : !dirs.has(name));
  return files.map((f) => {
    const base = component(f.folder);
    let dir = base;
    for (let n = 2; !free(dir, f.name); n++) dir = `${base}~${n}`;
    taken.add(`${dir}/${f.name}`);
    if (dir) dirs.add(dir);
    else top.add(f.name);
    return { ...f, dir };
  });
}

/** What a drop opens, relative to the scratch folder. */
export interface DropOpen {
  /** Folders whose session.json opens the session it describes. */
  sessions: string[];
  /** Capture files (`dir/name`), each with the label it opens with when its name alone would not tell it apart. */
  captures: { file: string; label: { node: string; iface: string } | null }[];
}

const rel = (f: Placed) => (f.dir ? `${f.dir}/${f.name}` : f.name);

/** The capture files a session.json lists (`captures[].file`); null when it is not a session document. */
function listedCaptures(bytes: Uint8Array): Set<string> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { captures?: unknown }).captures))
    return null;
  const out = new Set<string>();
  for (const c of (doc as { captures: unknown[] }).captures)
    if (c && typeof c === 'object' && typeof (c as { file?: unknown }).file === 'string')
      out.add((c as { file: string }).file);
  return out;
}

/**
 * What a drop opens: the session each session.json describes (its folder), and the captures no session.json
 * lists, by name. Captures of one name in several folders open labelled by their folder (`node-1/ens33~fixture`,
 * an unnamed `trace.pcap`'s `trace/fixture`). Throws SESSION_INVALID when several files were dropped and none is
 * a capture.
 */
export function droppedInputs(files: readonly Placed[]): DropOpen {
  const sessionFiles = files.filter((f) => f.name === SESSION_FILE);
  // A session's captures open through its session.json; captures dropped with it that it does not list (other
  // folders', loose files, ones it never recorded) open beside it rather than being left out without a word.
  const listed = new Set<string>();
  for (const s of sessionFiles)
    for (const file of listedCaptures(s.bytes) ?? []) listed.add(s.dir ? `${s.dir}/${file}` : file);
  const candidates = files.filter(
    (f) => f.name !== SESSION_FILE && !IP_JSON_FILE.test(f.name) && !listed.has(rel(f)),
  );
  let captures: Placed[];
  if (files.length === 1) captures = candidates;
  else {
    // A file named as a capture that is not one is reported (its open fails), not left out.
    captures = candidates.filter((f) => CAPTURE_EXT.test(f.name) || sniffFormat(f.bytes) !== null);
    if (!captures.length && !sessionFiles.length) {
      const names = candidates.map((f) => basename(f.name));
      throw new HopscopeError(
        'SESSION_INVALID',
        names.length
          ? `no capture among the dropped files (${names.join(', ')}: none is pcap or pcapng)`
          : 'no capture among the dropped files (only interface lists)',
      );
    }
  }
  // A session's capture counts too: a capture of its name dropped beside it is told apart by its folder.
  const count = new Map<string, number>();
  for (const name of [...listed].map((l) => l.split('/').pop()!)) count.set(name, (count.get(name) ?? 0) + 1);
  for (const f of captures) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  return {
    sessions: sessionFiles.map((f) => f.dir),
    captures: captures.map((f) => ({
      file: rel(f),
      label: (count.get(f.name) ?? 0) > 1 ? folderLabel(f) : null,
    })),
  };
}

/**
 * The label that tells a capture from another of its name: its name's node and interface with the folder after
 * `~` (as a name captured again is `NAME~N`), or, for a name that gives none, the file's base name as the node
 * and the folder as the interface. The top folder (loose files) is `~1`.
 */
function folderLabel(f: Placed): { node: string; iface: string } {
  const tag = f.dir.replace(/^~/, '') || '1';
  const named = ifaceFromFileName(f.name);
  return named
    ? { node: named.node, iface: `${named.iface}~${tag}` }
    : { node: fallbackNode(f.name), iface: tag };
}

/** The arguments (loadInputs') that open `open` from the scratch folder `dir`. */
export function droppedArgs(open: DropOpen, dir: string): string[] {
  const at = (r: string) => (r ? `${dir}/${r}` : dir);
  return [
    ...open.sessions.map(at),
    ...open.captures.map(
      (c) => (c.label && labelledArg(c.label.node, c.label.iface, at(c.file))) || at(c.file),
    ),
  ];
}
