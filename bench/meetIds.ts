// Two senders whose IP ids meet: copies a live capture folder (bench/live.ts with HS_BENCH_KEEP=1) and gives
// sender B's datagrams the IP id of sender A's datagram `k` places later in sending order, on every interface
// (plain and inside VXLAN), header checksum fixed. The two senders' equal-size datagrams then share identity
// keys (IP id, lengths) a few tens of ms apart while their payloads differ, as two real senders' do whenever
// their id counters come within rate × lag of each other (one live bench run in six did this). Replay the copy
// with bench/liveWindow.ts --dir to see what the live window makes of it (forced cuts, snapshot cost).
//
//   node bin/run-ts.mjs bench/meetIds.ts SRC_DIR DST_DIR A_IP B_IP [K]      (K = 10)

import fs from 'node:fs';
import path from 'node:path';

const ETHERTYPE_IPV4 = 0x0800;
const VXLAN_PORT = 8472;
const PCAP_HEADER = 24;

/** Offset of the innermost IPv4 header of an Ethernet frame (through flannel's VXLAN), or -1. */
function innerIp(b: Uint8Array): number {
  const u16 = (at: number) => (b[at] << 8) | b[at + 1];
  if (b.length < 34 || u16(12) !== ETHERTYPE_IPV4) return -1;
  let ip = 14;
  if (b[ip + 9] === 17 && u16(ip + 22) === VXLAN_PORT) {
    ip += 20 + 8 + 8 + 14;
    if (b.length < ip + 20 || u16(ip - 2) !== ETHERTYPE_IPV4) return -1;
  }
  return ip;
}

/** Every record's frame of a classic little-endian pcap, as views into `data`. */
function* frames(data: Uint8Array): Generator<Uint8Array> {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let p = PCAP_HEADER; p + 16 <= data.length;) {
    const caplen = dv.getUint32(p + 8, true);
    yield data.subarray(p + 16, p + 16 + caplen);
    p += 16 + caplen;
  }
}

function ipv4Checksum(h: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function main(): void {
  const [src, dst, a, b, kArg] = process.argv.slice(2);
  if (!src || !dst || !a || !b) throw new Error('usage: meetIds.ts SRC_DIR DST_DIR A_IP B_IP [K]');
  const k = kArg === undefined ? 10 : Number(kArg);
  const addr = (s: string) => s.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  const ipA = addr(a);
  const ipB = addr(b);
  const srcOf = (f: Uint8Array, ip: number) =>
    ((f[ip + 12] << 24) | (f[ip + 13] << 16) | (f[ip + 14] << 8) | f[ip + 15]) >>> 0;
  const pcaps = fs.readdirSync(src).filter((n) => n.endsWith('.pcap'));
  // A's ids in sending order: every interface sees its datagrams in that order; take the one with most of them.
  let idsA: number[] = [];
  for (const n of pcaps) {
    const ids: number[] = [];
    for (const f of frames(fs.readFileSync(path.join(src, n)))) {
      const ip = innerIp(f);
      if (ip >= 0 && srcOf(f, ip) === ipA) ids.push((f[ip + 4] << 8) | f[ip + 5]);
    }
    if (ids.length > idsA.length) idsA = ids;
  }
  fs.mkdirSync(dst, { recursive: true });
  for (const n of fs.readdirSync(src).filter((x) => x.endsWith('.json')))
    fs.copyFileSync(path.join(src, n), path.join(dst, n));
  let changed = 0;
  for (const n of pcaps) {
    const data = fs.readFileSync(path.join(src, n));
    let i = 0;
    for (const f of frames(data)) {
      const ip = innerIp(f);
      if (ip < 0 || srcOf(f, ip) !== ipB) continue;
      const id = idsA[i++ + k];
      if (id === undefined) continue;
      f[ip + 4] = id >> 8;
      f[ip + 5] = id & 0xff;
      f[ip + 10] = f[ip + 11] = 0;
      const c = ipv4Checksum(f.subarray(ip, ip + 20));
      f[ip + 10] = c >> 8;
      f[ip + 11] = c & 0xff;
      changed++;
    }
    fs.writeFileSync(path.join(dst, n), data);
  }
  console.log(`${idsA.length} datagrams of ${a}; ${changed} frames of ${b} given their ids, ${k} places on`);
}

main();
