// igmp.ts — IGMP (RFC 2236 §2, RFC 3376 §4): only enough for tcpdump-style summaries of the membership
// reports that bridges and pods send on every lab interface.
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
const IGMP_QUERY = 0x11;
const IGMP_V1_REPORT = 0x12;
const IGMP_V2_REPORT = 0x16;
const IGMP_V2_LEAVE = 0x17;
const IGMP_V3_REPORT = 0x22;

/** tcpdump's wording, or null when the message is cut short. */
export function igmpSummary(b: Uint8Array, at: number, len: number): string | null {
  if (at + 8 > b.length) return null;
  const type = b[at + TYPE];
  switch (type) {
    case IGMP_QUERY:
      return len >= 12 ? igmpV3Query(b, at, len) : igmpQuery(b, at, len);
    case IGMP_V1_REPORT:
      return `igmp v1 report ${ipv4ToString(u32(b, at + GROUP))}${len !== 8 ? ` [len ${len}]` : ''}`;
    case IGMP_V2_REPORT:
      return `igmp v2 report ${ipv4ToString(u32(b, at + GROUP))}`;
    case IGMP_V2_LEAVE:
      return `igmp leave ${ipv4ToString(u32(b, at + GROUP))}`;
    case IGMP_V3_REPORT:
      return `igmp v3 report, ${u16(b, at + V3_NRECORDS)} group record(s)`;
    default:
      return `igmp-${type}`;
  }
}

/** A v1 or v2 query (8 bytes): v1 has no max response time; v2's default (10 s) goes unsaid. */
function igmpQuery(b: Uint8Array, at: number, len: number): string {
  const mrt = b[at + MAX_RESP];
  let s = 'igmp query';
  if (mrt === 0) s += ' v1';
  else s += mrt !== DEFAULT_MAX_RESP ? ` v2 [max resp time ${mrt}]` : ' v2';
  const group = u32(b, at + GROUP);
  if (group !== 0) s += ` [gaddr ${ipv4ToString(group)}]`;
  return len !== 8 ? `${s} [len ${len}]` : s;
}

/** A v3 query (RFC 3376 §4.1): the max response code's time when not 10 s, the group and its sources' count. */
function igmpV3Query(b: Uint8Array, at: number, len: number): string | null {
  let s = 'igmp query v3';
  if (len & 3) return `${s} [invalid len ${len}]`;
  if (at + V3_QUERY_LEN > b.length) return null;
  const mrc = b[at + MAX_RESP];
  // Codes from 128 on are a floating-point value: mantissa 4 bits, exponent 3 bits (§4.1.1), in 0.1 s.
  const mrt = mrc < 128 ? mrc : ((mrc & 0x0f) | 0x10) << (((mrc & 0x70) >> 4) + 3);
  if (mrc !== DEFAULT_MAX_RESP) {
    s += ` [max resp time ${mrt < 600 ? `${(mrt * 0.1).toFixed(1)}s` : relativeTime(Math.trunc(mrt / 10))}]`;
  }
  const group = u32(b, at + GROUP);
  if (group === 0) return s;
  s += ` [gaddr ${ipv4ToString(group)}`;
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
