// pcapng blocks (draft-ietf-opsawg-pcapng), little-endian: one Section Header Block, one Interface Description
// Block per node/interface, Enhanced Packet Blocks with a packet id and a comment. Writes into a Sink.
//
//  Block: | type (4) | total length (4) | body … | options … | total length (4) |
//  Option: | code (2) | length (2) | value, padded to 4 |        opt_endofopt = code 0, length 0

import type { Sink } from './sink.ts';

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_MACADDR = 6;
const IF_TSRESOL = 9;
const EPB_PACKETID = 5;
const EPB_HEADER = 28;
const TSRESOL_NANO = 9;

const enc = new TextEncoder(); // headers only; packet comments encode straight into the sink
const pad4 = (n: number): number => (n + 3) & ~3;

interface Opt {
  code: number;
  value: Uint8Array;
}

function strOpt(code: number, s: string): Opt {
  return { code, value: enc.encode(s) };
}

function optsLen(opts: Opt[]): number {
  if (opts.length === 0) return 0;
  return opts.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4;
}

function writeOpts(dv: DataView, b: Uint8Array, at: number, opts: Opt[]): number {
  if (opts.length === 0) return at;
  for (const o of opts) {
    dv.setUint16(at, o.code, true);
    dv.setUint16(at + 2, o.value.length, true);
    b.set(o.value, at + 4);
    b.fill(0, at + 4 + o.value.length, at + 4 + pad4(o.value.length));
    at += 4 + pad4(o.value.length);
  }
  dv.setUint32(at, 0, true);
  return at + 4;
}

function block(
  sink: Sink,
  type: number,
  body: (dv: DataView, b: Uint8Array, at: number) => number,
  size: number,
): void {
  const b = sink.reserve(size);
  const at0 = sink.offset;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(at0, type, true);
  dv.setUint32(at0 + 4, size, true);
  const end = body(dv, b, at0 + 8);
  dv.setUint32(end, size, true);
  if (end + 4 - at0 !== size) throw new Error(`pcapng block size mismatch ${end + 4 - at0} != ${size}`);
  sink.commit(size);
}

export interface ShbInfo {
  application: string;
  os?: string;
  hardware?: string;
  comment?: string;
}

export function writeShb(sink: Sink, info: ShbInfo): void {
  const opts: Opt[] = [strOpt(SHB_USERAPPL, info.application)];
  if (info.os) opts.push(strOpt(SHB_OS, info.os));
  if (info.hardware) opts.push(strOpt(SHB_HARDWARE, info.hardware));
  if (info.comment) opts.push(strOpt(OPT_COMMENT, info.comment));
  const size = 28 + optsLen(opts);
  block(
    sink,
    BT_SHB,
    (dv, b, at) => {
      dv.setUint32(at, BYTE_ORDER_MAGIC, true);
      dv.setUint16(at + 4, 1, true);
      dv.setUint16(at + 6, 0, true);
      // Section length unknown: -1.
      dv.setUint32(at + 8, 0xffffffff, true);
      dv.setUint32(at + 12, 0xffffffff, true);
      return writeOpts(dv, b, at + 16, opts);
    },
    size,
  );
}

export interface IdbInfo {
  linkType: number;
  snaplen: number;
  name: string;
  description?: string;
  /** 48-bit MAC, -1 or undefined when none. */
  mac?: number;
}

export function writeIdb(sink: Sink, info: IdbInfo): void {
  const opts: Opt[] = [strOpt(IF_NAME, info.name)];
  if (info.description) opts.push(strOpt(IF_DESCRIPTION, info.description));
  if (info.mac !== undefined && info.mac >= 0) {
    const m = new Uint8Array(6);
    for (let i = 0; i < 6; i++) m[i] = Math.floor(info.mac / 2 ** (8 * (5 - i))) % 256;
    opts.push({ code: IF_MACADDR, value: m });
  }
  opts.push({ code: IF_TSRESOL, value: Uint8Array.of(TSRESOL_NANO) });
  const size = 20 + optsLen(opts);
  block(
    sink,
    BT_IDB,
    (dv, b, at) => {
      dv.setUint16(at, info.linkType, true);
      dv.setUint16(at + 2, 0, true);
      dv.setUint32(at + 4, info.snaplen, true);
      return writeOpts(dv, b, at + 8, opts);
    },
    size,
  );
}

/** Splits sec·1e9 + nsec into the EPB's high and low 32-bit words, exactly, without BigInt. */
export function tsWords(sec: number, nsec: number): [number, number] {
  // sec·1953125 < 2^53 and ·2^9 only moves the exponent: sec·1e9 is an exact double (< 2^61).
  const a = sec * 1953125 * 512;
  let hi = Math.floor(a / 4294967296);
  let lo = a - hi * 4294967296 + nsec;
  if (lo >= 4294967296) {
    hi += 1;
    lo -= 4294967296;
  }
  return [hi, lo];
}

/** One Enhanced Packet Block at (sec, nsec) since the epoch (if_tsresol 9). */
export function writeEpb(
  sink: Sink,
  iface: number,
  sec: number,
  nsec: number,
  data: Uint8Array,
  origLen: number,
  packetId: number,
  comment: string,
): void {
  const maxComment = comment.length * 3;
  const worst = EPB_HEADER + pad4(data.length) + (maxComment ? 4 + pad4(maxComment) : 0) + 12 + 4 + 4;
  const b = sink.reserve(worst);
  const dv = sink.view;
  const at0 = sink.offset;
  const [hi, lo] = tsWords(sec, nsec);
  dv.setUint32(at0, BT_EPB, true);
  dv.setUint32(at0 + 8, iface, true);
  dv.setUint32(at0 + 12, hi, true);
  dv.setUint32(at0 + 16, lo, true);
  dv.setUint32(at0 + 20, data.length, true);
  dv.setUint32(at0 + 24, origLen, true);
  b.set(data, at0 + EPB_HEADER);
  let at = at0 + EPB_HEADER + data.length;
  const padded = at0 + EPB_HEADER + pad4(data.length);
  b.fill(0, at, padded);
  at = padded;
  if (comment || packetId > 0) {
    if (comment) {
      const n = sink.encodeAt(comment, at + 4);
      dv.setUint16(at, OPT_COMMENT, true);
      dv.setUint16(at + 2, n, true);
      b.fill(0, at + 4 + n, at + 4 + pad4(n));
      at += 4 + pad4(n);
    }
    if (packetId > 0) {
      dv.setUint16(at, EPB_PACKETID, true);
      dv.setUint16(at + 2, 8, true);
      dv.setUint32(at + 4, packetId >>> 0, true);
      dv.setUint32(at + 8, Math.floor(packetId / 4294967296), true);
      at += 12;
    }
    dv.setUint32(at, 0, true);
    at += 4;
  }
  const size = at + 4 - at0;
  dv.setUint32(at0 + 4, size, true);
  dv.setUint32(at, size, true);
  sink.commit(size);
}
