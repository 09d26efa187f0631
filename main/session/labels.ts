// Labels for capture inputs: `NODE:IFACE=FILE` arguments, `<node>__<iface>.pcap(ng)` file names, and
// `node-1/ens33` interface names in pcapng files (our own exports and other multi-interface captures).

import { existsSync } from 'node:fs';
import { basename } from 'node:path';

import { ifaceFromFileName } from '../capture/sessionFolder.ts';

export interface LabelledPath {
  path: string;
  /** Null when neither the argument nor the file name says (pcapng interface names may still). */
  node: string | null;
  iface: string | null;
  /**
   * The node's interface names by kernel index, when discovered: a `tcpdump -i any` (Linux cooked v2) capture's
   * packets then go to a lane per interface they were seen on, instead of one `any` lane.
   */
  ifnames?: Record<number, string>;
}

/** NODE:IFACE=FILE; a node name of letters (any script), digits, `.`, `_`, `-` (as a file name may give it). */
const EXPLICIT = /^([\p{L}\p{N}][\p{L}\p{N}._-]*):([^=/]+)=(.+)$/u;

/** Parses one FILE or NODE:IFACE=FILE argument. */
export function parseLabelledArg(arg: string): LabelledPath {
  // A file of that very name (`k8s:lab=x.pcap` in the working folder) is that file, not a label.
  const m = existsSync(arg) ? null : EXPLICIT.exec(arg);
  if (m) return { path: m[3], node: m[1], iface: m[2] };
  const fromName = ifaceFromFileName(basename(arg));
  return { path: arg, node: fromName?.node ?? null, iface: fromName?.iface ?? null };
}

/** `node-1/ens33` (our pcapng if_name) → its parts; null for a plain interface name. */
export function splitInterfaceName(name: string): { node: string; iface: string } | null {
  const i = name.indexOf('/');
  if (i <= 0 || i === name.length - 1) return null;
  return { node: name.slice(0, i), iface: name.slice(i + 1) };
}

/** A fallback node name for an unlabelled file: its base name without the extension. */
export function fallbackNode(path: string): string {
  return basename(path).replace(/\.(pcapng|pcap|cap)$/i, '') || 'capture';
}

/** The `NODE:IFACE=FILE` argument that parseLabelledArg reads back as that label; null when the names cannot be. */
export function labelledArg(node: string, iface: string, path: string): string | null {
  const arg = `${node}:${iface}=${path}`;
  const m = EXPLICIT.exec(arg);
  return m && m[1] === node && m[2] === iface && m[3] === path && !existsSync(arg) ? arg : null;
}
