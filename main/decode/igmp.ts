// igmp.ts — IGMP (RFC 2236 §2, RFC 3376 §4): only enough for tcpdump-style summaries of the membership
// reports that bridges and pods send on every lab interface.
//  0 |     Type      | Max Resp Code |           Checksum            |
//  4 |     Group Address (v1/v2, query)  |  v3 report: Reserved (2) | Number of Group Records (2) |
import { ipv4ToString } from './format.ts';
import { u16, u32 } from './result.ts';

export const IPPROTO_IGMP = 2;
const TYPE = 0;
const GROUP = 4;
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
      return len >= 12 ? 'igmp query v3' : `igmp query v2 [max resp time ${b[at + 1]}]`;
    case IGMP_V1_REPORT:
      return `igmp v1 report ${ipv4ToString(u32(b, at + GROUP))}`;
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
