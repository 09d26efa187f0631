// igmp.ts — IGMP (RFC 2236 §2, RFC 3376 §4): enough for tcpdump-style summaries of the membership reports
// that bridges and pods send on every lab interface, and the offsets and names the detail view's layer reads.
//  0 |     Type      | Max Resp Code |           Checksum            |
//  4 |     Group Address (v1/v2, query)  |  v3 report: Reserved (2) | Number of Group Records (2) |
//  8 | v3 query: Resv|S|QRV |  QQIC  |     Number of Sources (2)     | Source Address [i] …
import { ipv4ToString } from './format.ts';
import { u16, u32 } from './result.ts';

export const IPPROTO_IGMP = 2;
const TYPE = 0;
const MAX_RESP = 1;
const GROUP = 4;
const V3_NSOURCES = 10;
const V3_QUERY_LEN = 12;
/** 100 tenths of a second: the max response time tcpdump leaves unsaid. */
const DEFAULT_MAX_RESP = 100;
const V3_NRECORDS = 6;
const CHECKSUM = 2;
const V3_FLAGS = 8;
const V3_QQIC = 9;
export const IGMP_MIN_LEN = 8;
export const IGMP_QUERY = 0x11;
export const IGMP_V1_REPORT = 0x12;
const IGMP_V2_REPORT = 0x16;
const IGMP_V2_LEAVE = 0x17;
export const IGMP_V3_REPORT = 0x22;
export const IGMP_OFFSETS = { TYPE, MAX_RESP, CHECKSUM, GROUP, V3_FLAGS, V3_QQIC, V3_NSOURCES, V3_NRECORDS };
export const IGMP_V3_QUERY_LEN = V3_QUERY_LEN;

/** Wireshark's names for the message types. */
export const IGMP_TYPES: Record<number, string> = {
  [IGMP_QUERY]: 'Membership Query',
  [IGMP_V1_REPORT]: 'Membership Report',
  [IGMP_V2_REPORT]: 'Membership Report',
  [IGMP_V2_LEAVE]: 'Leave Group',
  [IGMP_V3_REPORT]: 'Membership Report',
};

/** The version a message of `len` bytes is (RFC 3376 §7.1: a query's length and max response code say it). */
export function igmpVersion(type: number, len: number, maxResp: number): number {
  if (type === IGMP_QUERY) return len >= V3_QUERY_LEN ? 3 : maxResp === 0 ? 1 : 2;
  return type === IGMP_V1_REPORT ? 1 : type === IGMP_V3_REPORT ? 3 : 2;
}

/** A v3 query's max response code in tenths of a second: from 128 on a float, mantissa 4 bits, exponent 3 (§4.1.1). */
export function igmpV3MaxResp(mrc: number): number {
  return mrc < 128 ? mrc : ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3);
}

/**
 * tcpdump's wording for an IGMP message of `len` bytes at `at` (print-igmp.c). Cut by the snaplen (or the IP
 * payload shorter than the message), it reads as far as tcpdump gets, then " [|igmp]": "igmp v3 report [|igmp]",
 * " [|igmp]" alone when a report's group was not captured.
 */
export function igmpSummary(b: Uint8Array, at: number, len: number): string {
  const cap = Math.min(b.length, at + len);
  const has = (bytes: number) => at + bytes <= cap;
  const cut = (s: string) => `${s} [|igmp]`;
  if (!has(1)) return cut('');
  const type = b[at + TYPE];
  const group = () => ipv4ToString(u32(b, at + GROUP));
  switch (type) {
    case IGMP_QUERY:
      return len >= V3_QUERY_LEN ? igmpV3Query(b, at, len, has, cut) : igmpQuery(b, at, len, has, cut);
    case IGMP_V1_REPORT:
      return has(IGMP_MIN_LEN) ? `igmp v1 report ${group()}${len !== 8 ? ` [len ${len}]` : ''}` : cut('');
    case IGMP_V2_REPORT:
      return has(IGMP_MIN_LEN) ? `igmp v2 report ${group()}` : cut('');
    case IGMP_V2_LEAVE:
      return has(IGMP_MIN_LEN) ? `igmp leave ${group()}` : cut('');
    case IGMP_V3_REPORT: {
      const s = 'igmp v3 report';
      if (len < IGMP_MIN_LEN || len % 4) return `${s} [invalid len ${len}]`;
      return has(IGMP_MIN_LEN) ? `${s}, ${u16(b, at + V3_NRECORDS)} group record(s)` : cut(s);
    }
    default:
      return `igmp-${type}`;
  }
}

type Has = (bytes: number) => boolean;
type Cut = (s: string) => string;

/** A v1 or v2 query (8 bytes): v1 has no max response time; v2's default (10 s) goes unsaid. */
function igmpQuery(b: Uint8Array, at: number, len: number, has: Has, cut: Cut): string {
  let s = 'igmp query';
  if (!has(MAX_RESP + 1)) return cut(s);
  const mrt = b[at + MAX_RESP];
  if (mrt === 0) s += ' v1';
  else s += mrt !== DEFAULT_MAX_RESP ? ` v2 [max resp time ${mrt}]` : ' v2';
  if (!has(GROUP + 4)) return cut(s);
  const group = u32(b, at + GROUP);
  if (group !== 0) s += ` [gaddr ${ipv4ToString(group)}]`;
  return len !== 8 ? `${s} [len ${len}]` : s;
}

/** A v3 query (RFC 3376 §4.1): the max response code's time when not 10 s, the group and its sources' count. */
function igmpV3Query(b: Uint8Array, at: number, len: number, has: Has, cut: Cut): string {
  let s = 'igmp query v3';
  if (len & 3) return `${s} [invalid len ${len}]`;
  if (!has(MAX_RESP + 1)) return cut(s);
  const mrc = b[at + MAX_RESP];
  const mrt = igmpV3MaxResp(mrc);
  if (mrc !== DEFAULT_MAX_RESP) {
    s += ` [max resp time ${mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relativeTime(Math.trunc(mrt / 10))}]`;
  }
  if (!has(GROUP + 4)) return cut(s);
  const group = u32(b, at + GROUP);
  if (group === 0) return s;
  s += ` [gaddr ${ipv4ToString(group)}`;
  if (!has(V3_NSOURCES + 2)) return cut(s);
  const sources = u16(b, at + V3_NSOURCES);
  if (sources > 0)
    s += len < V3_QUERY_LEN + 4 * sources ? ' [invalid number of sources]' : `, ${sources} source(s)`;
  return `${s}]`;
}

/** Seconds as tcpdump writes a duration: "1m30s", "2h", "0s". */
function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  let s = '';
  for (const [unit, n] of [
    ['y', 31_536_000],
    ['w', 604_800],
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (secs >= n) {
      s += `${Math.trunc(secs / n)}${unit}`;
      secs %= n;
    }
  }
  return s;
}
