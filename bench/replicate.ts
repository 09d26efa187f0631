// A recorded lab capture made large: each classic pcap of a folder written N times over, copy i moved i seconds
// later, with what tells one packet from another made each copy's own (IPv4 id + i, ICMP echo sequence + i, TCP
// sequence and acknowledgement numbers + i × 100000, a WireGuard transport message's counter + i × 1000; inside
// VXLAN and IPIP too), the same change on every capture of a packet so that the copies correlate as the recording
// does, N times over. The folder's
// interface lists are copied beside. What the generator (generate.ts) does not make: WireGuard, whose pairing
// (correlate/wireguardJoin.ts) is measured on `tests/fixtures/calico-wireguard` × 6000 (1.02 M packets).
//
//   node bin/run-ts.mjs bench/replicate.ts FOLDER OUT N
//   node bin/hopscope.mjs correlate --summary OUT

import fs from 'node:fs';
import path from 'node:path';

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
    const wireguard = frame.readUInt16BE(l4) === 51820 || dport === 51820;
    // Transport data (type 4): the counter's low 32 bits, little-endian, after type, reserved and receiver.
    if (wireguard && frame[l4 + 8] === 4)
      frame.writeUInt32LE((frame.readUInt32LE(l4 + 16) + i * 1000) >>> 0, l4 + 16);
  }
}

/** Writes `n` copies of the classic pcap `from` (little-endian, Ethernet or raw IP) to `to`. */
function replicate(from: string, to: string, n: number): void {
  const b = fs.readFileSync(from);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 && b.readUInt32LE(0) !== 0xa1b23c4d)
    throw new Error(`${from}: not a little-endian classic pcap`);
  const linkType = b.readUInt32LE(20);
  if (linkType !== 1 && linkType !== 101)
    throw new Error(`${from}: link type ${linkType} (Ethernet or raw IP only)`);
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
      out.writeUInt32LE(r.readUInt32LE(0) + i, o);
      const frame = out.subarray(o + 16, o + r.length);
      if (linkType === 101) renumber(frame, 0, i);
      else if (frame.length >= 14 && frame.readUInt16BE(12) === 0x0800) renumber(frame, 14, i);
      o += r.length;
    }
  fs.writeFileSync(to, out);
}

const [dir, out, times] = process.argv.slice(2);
const n = Number(times);
if (!dir || !out || !Number.isInteger(n) || n < 1) {
  console.error('usage: node bin/run-ts.mjs bench/replicate.ts FOLDER OUT N');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(dir)) {
  if (f.endsWith('.pcap')) replicate(path.join(dir, f), path.join(out, f), n);
  else if (/\.ip-\w+\.json$/.test(f)) fs.copyFileSync(path.join(dir, f), path.join(out, f));
}
