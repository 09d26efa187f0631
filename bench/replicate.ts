// A recorded lab capture made large: each classic pcap of a folder written N times over, copy i moved i × (the
// recording's length in seconds + 2) later, with what tells one packet from another made each copy's own (IPv4 id
// + i, ICMP echo sequence + i, TCP sequence and acknowledgement numbers + i × 100000, a WireGuard transport
// message's counter + i × 1000; inside VXLAN, Geneve and IPIP too, as far as the snap length kept), the same change on
// every capture of a packet so that the copies correlate as the recording does, N times over. The folder's
// interface lists are copied beside. What the generator (generate.ts) does not make: WireGuard, whose pairing
// (correlate/wireguardJoin.ts) is measured on `tests/fixtures/calico-wireguard` × 6000 (1.02 M packets), and
// captures long enough for `stopped N` (a capture must run a second before and after a packet).
//
//   node bin/run-ts.mjs bench/replicate.ts FOLDER OUT N
//   node bin/hopscope.mjs correlate --summary OUT

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The copy's own numbers in the IPv4 packet at `l3` of `frame` (copy i). */
function renumber(frame: Buffer, l3: number, i: number): void {
  if (l3 + 20 > frame.length || frame[l3] >> 4 !== 4) return;
  frame.writeUInt16BE((frame.readUInt16BE(l3 + 4) + i) & 0xffff, l3 + 4);
  const proto = frame[l3 + 9];
  const l4 = l3 + (frame[l3] & 15) * 4;
  if (proto === 1 && l4 + 8 <= frame.length && (frame[l4] === 8 || frame[l4] === 0))
    frame.writeUInt16BE((frame.readUInt16BE(l4 + 6) + i) & 0xffff, l4 + 6);
  else if (proto === 6 && l4 + 12 <= frame.length) {
    frame.writeUInt32BE((frame.readUInt32BE(l4 + 4) + i * 100_000) >>> 0, l4 + 4);
    frame.writeUInt32BE((frame.readUInt32BE(l4 + 8) + i * 100_000) >>> 0, l4 + 8);
  } else if (proto === 4)
    renumber(frame, l4, i); // IPIP: the packet inside too
  else if (proto === 17 && l4 + 24 <= frame.length) {
    const dport = frame.readUInt16BE(l4 + 2);
    // VXLAN: the inner frame's packet too (UDP 8 bytes, VXLAN 8, inner Ethernet 14).
    if ((dport === 8472 || dport === 4789) && frame.readUInt16BE(l4 + 28) === 0x0800)
      renumber(frame, l4 + 30, i);
    // Geneve: after its 8 bytes and its options (their length in 4-byte words, the first byte's low six bits).
    const inner = l4 + 16 + (frame[l4 + 8] & 0x3f) * 4;
    if (dport === 6081 && inner + 14 <= frame.length && frame.readUInt16BE(inner + 12) === 0x0800)
      renumber(frame, inner + 14, i);
    const wireguard = frame.readUInt16BE(l4) === 51820 || dport === 51820;
    // Transport data (type 4): the counter's low 32 bits, little-endian, after type, reserved and receiver.
    if (wireguard && frame[l4 + 8] === 4)
      frame.writeUInt32LE((frame.readUInt32LE(l4 + 16) + i * 1000) >>> 0, l4 + 16);
  }
}

/** The first and last record's seconds of a classic little-endian pcap. */
function secondsSpan(file: string): [number, number] {
  const b = fs.readFileSync(file);
  let first = Infinity;
  let last = -Infinity;
  for (let o = 24; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8)) {
    first = Math.min(first, b.readUInt32LE(o));
    last = Math.max(last, b.readUInt32LE(o));
  }
  return [first, last];
}

/**
 * Writes `n` copies of the classic pcap `from` (little-endian; Ethernet, raw IP or Linux cooked) to `to`, `step` s
 * apart.
 */
function replicate(from: string, to: string, n: number, step: number): void {
  const b = fs.readFileSync(from);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 && b.readUInt32LE(0) !== 0xa1b23c4d)
    throw new Error(`${from}: not a little-endian classic pcap`);
  const linkType = b.readUInt32LE(20);
  // Where the IP packet starts and where its EtherType is: Ethernet, raw IP, Linux cooked (`-i any`: SLL, SLL2).
  const link =
    linkType === 1
      ? { l3: 14, type: 12 }
      : linkType === 101
        ? { l3: 0, type: -1 }
        : linkType === 113
          ? { l3: 16, type: 14 }
          : linkType === 276
            ? { l3: 20, type: 0 }
            : null;
  if (!link) throw new Error(`${from}: link type ${linkType} (Ethernet, raw IP or Linux cooked only)`);
  const records: Buffer[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const len = 16 + b.readUInt32LE(o + 8);
    records.push(b.subarray(o, o + len));
    o += len;
  }
  const out = Buffer.alloc(24 + records.reduce((s, r) => s + r.length, 0) * n);
  b.copy(out, 0, 0, 24);
  let o = 24;
  for (let i = 0; i < n; i++)
    for (const r of records) {
      r.copy(out, o);
      out.writeUInt32LE(r.readUInt32LE(0) + i * step, o);
      const frame = out.subarray(o + 16, o + r.length);
      if (link.type < 0) renumber(frame, link.l3, i);
      else if (frame.length >= link.l3 && frame.readUInt16BE(link.type) === 0x0800)
        renumber(frame, link.l3, i);
      o += r.length;
    }
  fs.writeFileSync(to, out);
}

/**
 * Writes folder `dir`'s classic pcaps into `out`, each `n` times over (copies a second further apart than the
 * recording lasts: no copy's packets among another's), and copies its interface lists beside them.
 */
export function replicateFolder(dir: string, out: string, n: number): void {
  fs.mkdirSync(out, { recursive: true });
  const pcaps = fs.readdirSync(dir).filter((f) => f.endsWith('.pcap'));
  const spans = pcaps.map((f) => secondsSpan(path.join(dir, f)));
  const step = Math.max(...spans.map(([, l]) => l)) - Math.min(...spans.map(([f]) => f)) + 2;
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.pcap')) replicate(path.join(dir, f), path.join(out, f), n, step);
    else if (/\.ip-\w+\.json$/.test(f)) fs.copyFileSync(path.join(dir, f), path.join(out, f));
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const [dir, out, times] = process.argv.slice(2);
  const n = Number(times);
  if (!dir || !out || !Number.isInteger(n) || n < 1) {
    console.error('usage: node bin/run-ts.mjs bench/replicate.ts FOLDER OUT N');
    process.exit(2);
  }
  replicateFolder(dir, out, n);
}
