// Shared by the packet-detail tests (decode-ipv6ext, decode-detail-fixes): fixture frames, a layer tree as lines,
// tshark's PDML text, and bytes for frames built by hand.

import { execFileSync } from 'node:child_process';
import path from 'node:path';

import type { Layer } from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { FIXTURES } from './correlate-helpers.ts';

export interface Frame {
  data: Uint8Array;
  linkType: number;
}

/** Every record of a capture (a path under tests/fixtures, or absolute). */
export function frames(file: string): Frame[] {
  const out: Frame[] = [];
  readCaptureFileSync(path.isAbsolute(file) ? file : path.join(FIXTURES, file), (rec) =>
    out.push({ data: rec.data, linkType: rec.linkType }),
  );
  return out;
}

/** A layer and its subtrees as lines: "title [offset+length]", then "  name: value [offset+length]". */
export function tree(l: Layer, indent = ''): string[] {
  return [
    `${indent}${l.title} [${l.offset}+${l.length}]`,
    ...l.fields.map((x) => `${indent}  ${x.name}: ${x.value} [${x.offset}+${x.length}]`),
    ...(l.children ?? []).flatMap((c) => tree(c, `${indent}  `)),
  ];
}

/** An attribute of tshark's PDML as text. */
export const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

export const be16 = (n: number) => [n >> 8, n & 255];

/** An IPv6 address's 16 bytes ("fd00::1"). */
export function a6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, ''];
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t].flatMap(be16);
}

export interface PdmlItem {
  kind: 'proto' | 'field';
  name: string;
  showname: string;
  /** The value as tshark shows it alone (a subtree without a name, "Option: blksize = 400", has only this). */
  show: string;
  pos: number;
  size: number;
  depth: number;
}

/** tshark's PDML of a capture: per packet, its protocols and fields in order, with their depth. */
export function pdml(file: string): PdmlItem[][] {
  const text = execFileSync('tshark', ['-r', file, '-T', 'pdml'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 << 20,
  });
  return text
    .split('<packet>')
    .slice(1)
    .map((packet) => {
      const items: PdmlItem[] = [];
      for (const raw of packet.split('\n')) {
        const m = /^(\s*)<(proto|field) (.*?)\/?>$/.exec(raw);
        if (!m) continue;
        const attr = (k: string) => unescape(new RegExp(`\\b${k}="([^"]*)"`).exec(m[3])?.[1] ?? '');
        items.push({
          kind: m[2] as 'proto' | 'field',
          name: attr('name'),
          showname: attr('showname'),
          show: attr('show'),
          pos: Number(attr('pos')),
          size: Number(attr('size')),
          depth: m[1].length,
        });
      }
      return items;
    });
}
