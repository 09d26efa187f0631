// dns.ts — DNS messages (RFC 1035 §4.1): header, questions and answer records with names (compression
// pointers followed with a hop limit) and A/AAAA/CNAME/PTR/NS data. For the detail view and summaries only:
// it allocates, and it is never on the decodeFields hot path.
//  0 |              ID               |QR| Opcode |AA|TC|RD|RA| Z |RCODE|
//  4 |           QDCOUNT             |           ANCOUNT             |
//  8 |           NSCOUNT             |           ARCOUNT             |
// 12 | questions: QNAME QTYPE(2) QCLASS(2) … | answers: NAME TYPE CLASS TTL(4) RDLENGTH RDATA …
import { ipv4ToString, ipv6ToString } from './format.ts';
import { u16, u32 } from './result.ts';

export const DNS_HEADER_LEN = 12;
const ID = 0;
const FLAGS = 2;
const QDCOUNT = 4;
const ANCOUNT = 6;
const NSCOUNT = 8;
const ARCOUNT = 10;
const MAX_POINTER_HOPS = 16;
const MAX_NAME_LEN = 255;
export const DNS_PORT = 53;

export const DNS_TYPES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  255: 'ANY',
};
const RCODES = ['NoError', 'FormErr', 'ServFail', 'NXDomain', 'NotImp', 'Refused'];

export interface DnsQuestion {
  name: string;
  type: number;
  cls: number;
  offset: number;
  length: number;
}

export interface DnsRecord extends DnsQuestion {
  ttl: number;
  /** Text form of the data (address, name) or '' when not decoded. */
  data: string;
}

export interface DnsMessage {
  id: number;
  flags: number;
  response: boolean;
  opcode: number;
  rcode: number;
  authoritative: boolean;
  truncatedFlag: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
}

export type DnsResult =
  | { ok: true; msg: DnsMessage }
  | { ok: false; kind: 'truncated' | 'malformed'; offset: number; reason: string };

export function rcodeName(r: number): string {
  return RCODES[r] ?? `rcode ${r}`;
}

/**
 * A label as text, in the master-file escaping of RFC 1035 §5.1: printable ASCII as is, '.' and '\\' escaped,
 * anything else as \\DDD, so a hostile name can never put a newline or terminal control into a summary.
 */
function labelText(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${String(c).padStart(3, '0')}`;
  }
  return s;
}

/** Reads a (possibly compressed) name at `p`; returns the name and the offset after it in the message. */
function readName(
  b: Uint8Array,
  msg: number,
  end: number,
  p: number,
): { name: string; next: number } | string {
  const labels: string[] = [];
  let next = -1;
  let hops = 0;
  let total = 0;
  for (;;) {
    if (p >= end) return 'truncated';
    const len = b[p];
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end) return 'truncated';
      if (++hops > MAX_POINTER_HOPS) return 'compression pointer loop';
      if (next < 0) next = p + 2;
      p = msg + (((len & 0x3f) << 8) | b[p + 1]);
      continue;
    }
    if ((len & 0xc0) !== 0) return `bad label type 0x${len.toString(16)}`;
    if (p + 1 + len > end) return 'truncated';
    total += len + 1;
    if (total > MAX_NAME_LEN) return 'name longer than 255 bytes';
    labels.push(labelText(b, p + 1, len));
    p += 1 + len;
  }
  return { name: labels.length ? labels.join('.') + '.' : '.', next };
}

/** Decodes the DNS message in b[at, end). `end` is the UDP payload's end clipped to the captured bytes. */
export function decodeDns(b: Uint8Array, at: number, end: number): DnsResult {
  if (end - at < DNS_HEADER_LEN) {
    return { ok: false, kind: 'truncated', offset: at, reason: `length ${end - at} < 12` };
  }
  const flags = u16(b, at + FLAGS);
  const msg: DnsMessage = {
    id: u16(b, at + ID),
    flags,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncatedFlag: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    qdcount: u16(b, at + QDCOUNT),
    ancount: u16(b, at + ANCOUNT),
    nscount: u16(b, at + NSCOUNT),
    arcount: u16(b, at + ARCOUNT),
    questions: [],
    answers: [],
  };
  let p = at + DNS_HEADER_LEN;
  const fail = (r: string, o: number): DnsResult =>
    r === 'truncated'
      ? { ok: false, kind: 'truncated', offset: o, reason: 'name cut short' }
      : { ok: false, kind: 'malformed', offset: o, reason: r };
  for (let i = 0; i < msg.qdcount; i++) {
    const n = readName(b, at, end, p);
    if (typeof n === 'string') return fail(n, p);
    if (n.next + 4 > end) return { ok: false, kind: 'truncated', offset: p, reason: 'question cut short' };
    msg.questions.push({
      name: n.name,
      type: u16(b, n.next),
      cls: u16(b, n.next + 2),
      offset: p,
      length: n.next + 4 - p,
    });
    p = n.next + 4;
  }
  for (let i = 0; i < msg.ancount; i++) {
    const n = readName(b, at, end, p);
    if (typeof n === 'string') return fail(n, p);
    const q = n.next;
    if (q + 10 > end) return { ok: false, kind: 'truncated', offset: p, reason: 'answer cut short' };
    const type = u16(b, q);
    const rdlen = u16(b, q + 8);
    const rd = q + 10;
    if (rd + rdlen > end) return { ok: false, kind: 'truncated', offset: p, reason: 'answer data cut short' };
    let data = '';
    if (type === 1 && rdlen === 4) data = ipv4ToString(u32(b, rd));
    else if (type === 28 && rdlen === 16) data = ipv6ToString(b, rd);
    else if (type === 16) data = txtStrings(b, rd, rd + rdlen);
    else if (type === 5 || type === 12 || type === 2) {
      const t = readName(b, at, end, rd);
      data = typeof t === 'string' ? '' : t.name;
    }
    msg.answers.push({
      name: n.name,
      type,
      cls: u16(b, q + 2),
      ttl: u32(b, q + 4),
      data,
      offset: p,
      length: rd + rdlen - p,
    });
    p = rd + rdlen;
  }
  return { ok: true, msg };
}

export const DNS_OFFSETS = { ID, FLAGS, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT };

/** A TXT record's character-strings as tcpdump prints them: each quoted, space-separated. */
function txtStrings(b: Uint8Array, at: number, end: number): string {
  const out: string[] = [];
  while (at < end) {
    const n = b[at];
    const stop = Math.min(end, at + 1 + n);
    let t = '';
    for (let i = at + 1; i < stop; i++) t += b[i] >= 0x20 && b[i] < 0x7f ? String.fromCharCode(b[i]) : '.';
    out.push(`"${t}"`);
    at = stop;
  }
  return out.join(' ');
}
