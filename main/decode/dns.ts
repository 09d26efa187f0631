// dns.ts — DNS messages (RFC 1035 §4.1): header, questions and the records of every section with names
// (compression pointers followed with a hop limit) and A/AAAA/CNAME/PTR/NS data, for the detail view; and
// tcpdump's one-line summary, read from the bytes as tcpdump reads them. It allocates, and it is never on the
// decodeFields hot path.
//  0 |              ID               |QR| Opcode |AA|TC|RD|RA| Z |RCODE|
//  4 |           QDCOUNT             |           ANCOUNT             |
//  8 |           NSCOUNT             |           ARCOUNT             |
// 12 | questions: QNAME QTYPE(2) QCLASS(2) … | answers: NAME TYPE CLASS TTL(4) RDLENGTH RDATA …
import { hex2, ipv4ToString, ipv6ToString, printable } from './format.ts';
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
export const MDNS_PORT = 5353;
const MDNS_TOP_BIT = 0x8000;

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
  /** The authority and additional sections, as far as they were captured whole (Wireshark shows them too). */
  authorities: DnsRecord[];
  additionals: DnsRecord[];
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

/** An extended label type (RFC 6891 §4.2) 1: a bit-string label (RFC 2673). */
const BIT_LABEL = 0x41;

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
    if (len === BIT_LABEL) {
      // RFC 2673's bit-string label (its count byte, then the bits), named as tcpdump and tshark name it.
      if (p + 1 >= end) return 'truncated';
      const bytes = ((b[p + 1] || 256) + 7) >> 3;
      if (p + 2 + bytes > end) return 'truncated';
      total += bytes + 2;
      if (total > MAX_NAME_LEN) return 'name longer than 255 bytes';
      const o: Out = { s: '' };
      bitLabel(b, p + 1, end, o);
      labels.push(o.s);
      p += 2 + bytes;
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
    authorities: [],
    additionals: [],
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
    const r = readRecord(b, at, end, p);
    if (!r.ok) return r;
    msg.answers.push(r.record);
    p = r.next;
  }
  // The other sections only add to the detail: a record that is cut or malformed ends them quietly.
  for (let i = 0; i < msg.nscount + msg.arcount; i++) {
    const r = readRecord(b, at, end, p);
    if (!r.ok) break;
    (i < msg.nscount ? msg.authorities : msg.additionals).push(r.record);
    p = r.next;
  }
  return { ok: true, msg };
}

/** The resource record at `p` of the message at `at` (RFC 1035 §4.1.3), and where the next one starts. */
function readRecord(
  b: Uint8Array,
  at: number,
  end: number,
  p: number,
):
  | { ok: true; record: DnsRecord; next: number }
  | { ok: false; kind: 'truncated' | 'malformed'; offset: number; reason: string } {
  const n = readName(b, at, end, p);
  if (typeof n === 'string')
    return n === 'truncated'
      ? { ok: false, kind: 'truncated', offset: p, reason: 'name cut short' }
      : { ok: false, kind: 'malformed', offset: p, reason: n };
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
  const record = {
    name: n.name,
    type,
    cls: u16(b, q + 2),
    ttl: u32(b, q + 4),
    data,
    offset: p,
    length: rd + rdlen - p,
  };
  return { ok: true, record, next: rd + rdlen };
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

// tcpdump's one-line summary (print-domain.c's domain_print without -v), byte for byte where it reads, so that a
// message the snaplen cut reads as far as tcpdump gets, then " [|domain]".
const OPCODES = [
  '',
  ' inv_q',
  ' stat',
  ' op3',
  ' notify',
  ' update',
  ' op6',
  ' op7',
  ' op8',
  ' updateA',
  ' updateD',
  ' updateDA',
  ' updateM',
  ' updateMA',
  ' zoneInit',
  ' zoneRef',
];
const RESPONSE_CODES = [
  '',
  ' FormErr',
  ' ServFail',
  ' NXDomain',
  ' NotImp',
  ' Refused',
  ' YXDomain',
  ' YXRRSet',
  ' NXRRSet',
  ' NotAuth',
  ' NotZone',
  ' Resp11',
  ' Resp12',
  ' Resp13',
  ' Resp14',
  ' NoChange',
  ' BadVers',
  'Resp17',
  ' Resp18',
  ' Resp19',
  ' Resp20',
  'Resp21',
  ' Resp22',
  ' BadCookie',
];
/** ns_type2str's names beyond DNS_TYPES, for the types a cluster's DNS sees. */
const TCPDUMP_TYPES: Record<number, string> = {
  ...DNS_TYPES,
  13: 'HINFO',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  50: 'NSEC3',
  64: 'SVCB',
  65: 'HTTPS',
  252: 'AXFR',
  257: 'CAA',
};
const CLASS_NAMES: Record<number, string> = { 1: 'IN', 3: 'CHAOS', 4: 'HS', 255: 'ANY' };
const T_A = 1;
const T_NS = 2;
const T_CNAME = 5;
const T_PTR = 12;
const T_MX = 15;
const T_TXT = 16;
const T_AAAA = 28;
const T_SRV = 33;
const T_DNAME = 39;
const T_OPT = 41;
const C_IN = 1;
const OPCODE_IQUERY = 1;
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_AD = 0x0020;
const FLAG_CD = 0x0010;
/** The flag bits whose being set in a query tcpdump calls weird ("[b2&3=0x…]"). */
const QUERY_ODD_BITS = 0x6cf;
const MAX_NAME_CHARS = 255;
/** A name's printing gave up (a cut, a bad pointer or label). */
const FAILED = -1;

type Out = { s: string };

/**
 * What tcpdump -n prints for the DNS message at `at` whose UDP payload is `len` bytes, captured up to `snap` (the
 * captured end, or the datagram's if sooner): "4660+ [1au] A? example.test. (41)", "4660 NXDomain*- 0/1/0 (95)";
 * cut, what it printed before it ran out, then " [|domain]".
 */
export function dnsSummary(b: Uint8Array, at: number, len: number, snap: number, mdns = false): string {
  if (len < DNS_HEADER_LEN) return `domain [length ${len} < ${DNS_HEADER_LEN}] (invalid)`;
  const o: Out = { s: '' };
  const trunc = () => `${o.s} [|domain]`;
  if (at + DNS_HEADER_LEN > snap) return trunc();
  const flags = u16(b, at + FLAGS);
  const qd = u16(b, at + QDCOUNT);
  let an = u16(b, at + ANCOUNT);
  const ns = u16(b, at + NSCOUNT);
  const ar = u16(b, at + ARCOUNT);
  const opcode = (flags >> 11) & 0xf;
  const id = u16(b, at + ID);
  if (flags & FLAG_QR) {
    const rcode = (flags & 0xf) | (optRcode(b, at, snap, qd, an + ns, ar) << 4);
    const rc = RESPONSE_CODES[rcode] ?? ` Resp${rcode & 0xfff}`;
    o.s = `${id}${OPCODES[opcode]}${rc}${flags & FLAG_AA ? '*' : ''}${flags & FLAG_RA ? '' : '-'}`;
    o.s += `${flags & FLAG_TC ? '|' : ''}${flags & FLAG_AD ? '$' : ''}`;
    if (qd !== 1) o.s += ` [${qd}q]`;
    let cp = at + DNS_HEADER_LEN;
    for (let i = 0; i < qd; i++) {
      if (i !== 0) o.s += ',';
      cp = skipName(b, cp, snap);
      if (cp < 0) return trunc();
      cp += 4;
    }
    o.s += ` ${an}/${ns}/${ar}`;
    if (an) {
      cp = printRecord(b, at, cp, snap, o, mdns);
      if (cp < 0) return trunc();
      an--;
      while (cp < snap && an) {
        o.s += ',';
        cp = printRecord(b, at, cp, snap, o, mdns);
        if (cp < 0) return trunc();
        an--;
      }
    }
    if (an) return trunc();
  } else {
    o.s = `${id}${OPCODES[opcode]}${flags & FLAG_RD ? '+' : ''}${flags & FLAG_CD ? '%' : ''}`;
    if (flags & QUERY_ODD_BITS) o.s += ` [b2&3=0x${flags.toString(16)}]`;
    if (opcode === OPCODE_IQUERY) {
      if (qd) o.s += ` [${qd}q]`;
      if (an !== 1) o.s += ` [${an}a]`;
    } else {
      if (an) o.s += ` [${an}a]`;
      if (qd !== 1) o.s += ` [${qd}q]`;
    }
    if (ns) o.s += ` [${ns}n]`;
    if (ar) o.s += ` [${ar}au]`;
    let left = qd;
    let cp = at + DNS_HEADER_LEN;
    if (left) {
      cp = printQuestion(b, at, cp, snap, o, mdns);
      if (cp < 0) return trunc();
      left--;
      while (cp < snap && left) {
        cp = printQuestion(b, at, cp, snap, o, mdns);
        if (cp < 0) return trunc();
        left--;
      }
    }
    if (left) return trunc();
  }
  return `${o.s} (${len})`;
}

/** The extended rcode bits of an OPT record in the additional section, where tcpdump finds it before the cut. */
function optRcode(b: Uint8Array, at: number, snap: number, qd: number, records: number, ar: number): number {
  let cp = at + DNS_HEADER_LEN;
  for (let i = 0; i < qd; i++) {
    cp = skipName(b, cp, snap);
    if (cp < 0) return 0;
    cp += 4;
    if (cp >= snap) return 0;
  }
  for (let i = 0; i < records; i++) {
    cp = skipName(b, cp, snap);
    if (cp < 0) return 0;
    cp += 8;
    if (cp + 2 > snap) return 0;
    cp += 2 + u16(b, cp);
    if (cp >= snap) return 0;
  }
  for (let i = 0; i < ar; i++) {
    cp = skipName(b, cp, snap);
    if (cp < 0 || cp + 2 > snap) return 0;
    const type = u16(b, cp);
    cp += 4;
    if (cp + 1 > snap) return 0;
    if (type === T_OPT) return b[cp];
    cp += 4;
    if (cp + 2 > snap) return 0;
    cp += 2 + u16(b, cp);
    if (cp >= snap) return 0;
  }
  return 0;
}

/** ns_nskip: past the name at `cp` (a pointer ends it), or FAILED when cut or of a label type it cannot skip. */
function skipName(b: Uint8Array, cp: number, snap: number): number {
  if (cp >= snap) return FAILED;
  let i = b[cp++];
  while (i) {
    const kind = i & 0xc0;
    if (kind === 0xc0) return cp + 1;
    if (kind === 0x40) {
      // An EDNS0 bit-string label (RFC 2673), the only extended label type tcpdump skips.
      if ((i & 0x3f) !== 1 || cp >= snap) return FAILED;
      const bits = b[cp++] || 256;
      cp += (bits + 7) >> 3;
    } else if (kind === 0x80) return FAILED;
    else cp += i;
    if (cp >= snap) return FAILED;
    i = b[cp++];
  }
  return cp;
}

/** ns_qprint: " A? example.test." for the question at `cp`; where it ends, or FAILED. */
function printQuestion(b: Uint8Array, msg: number, cp: number, snap: number, o: Out, mdns: boolean): number {
  const after = skipName(b, cp, snap);
  if (after < 0 || after + 4 > snap) return FAILED;
  o.s += ` ${typeName(u16(b, after))}`;
  const raw = u16(b, after + 2);
  // mDNS (RFC 6762 §5.4) takes the class's top bit for "unicast response wanted".
  const cls = mdns ? raw & ~MDNS_TOP_BIT : raw;
  if (cls !== C_IN) o.s += ` ${CLASS_NAMES[cls] ?? `(Class ${cls})`}`;
  if (mdns) o.s += raw & MDNS_TOP_BIT ? ' (QU)' : ' (QM)';
  o.s += '? ';
  const end = printName(b, msg, cp, snap, o);
  return end < 0 ? FAILED : end + 4;
}

/** ns_rprint without -v: " A 10.96.0.10" for the record at `cp`; where it ends, `snap` or FAILED when cut. */
function printRecord(b: Uint8Array, msg: number, cp: number, snap: number, o: Out, mdns: boolean): number {
  cp = skipName(b, cp, snap);
  if (cp < 0 || cp + 10 > snap) return snap;
  const type = u16(b, cp);
  const raw = u16(b, cp + 2);
  // mDNS (RFC 6762 §10.2) takes the class's top bit for "cache flush".
  const cls = mdns ? raw & ~MDNS_TOP_BIT : raw;
  if (cls !== C_IN && type !== T_OPT) o.s += ` ${CLASS_NAMES[cls] ?? `(Class ${cls})`}`;
  if (mdns && raw & MDNS_TOP_BIT) o.s += ' (Cache flush)';
  const optFlags = u16(b, cp + 6);
  const rdlen = u16(b, cp + 8);
  cp += 10;
  const rp = cp + rdlen;
  o.s += ` ${typeName(type)}`;
  if (rp > snap) return FAILED;
  switch (type) {
    case T_A:
      if (cp + 4 > snap) return FAILED;
      o.s += ` ${b[cp]}.${b[cp + 1]}.${b[cp + 2]}.${b[cp + 3]}`;
      break;
    case T_NS:
    case T_CNAME:
    case T_PTR:
    case T_DNAME:
      o.s += ' ';
      if (printName(b, msg, cp, snap, o) < 0) return FAILED;
      break;
    case T_MX:
      o.s += ' ';
      if (cp + 2 > snap || printName(b, msg, cp + 2, snap, o) < 0) return FAILED;
      o.s += ` ${u16(b, cp)}`;
      break;
    case T_TXT:
      while (cp < rp) {
        o.s += ' "';
        const n = b[cp];
        if (cp + 1 + n > snap) {
          o.s += printable(b, cp + 1, snap - cp - 1);
          return FAILED;
        }
        o.s += printable(b, cp + 1, n);
        cp += 1 + n;
        o.s += '"';
      }
      break;
    case T_SRV:
      o.s += ' ';
      if (cp + 6 > snap || printName(b, msg, cp + 6, snap, o) < 0) return FAILED;
      o.s += `:${u16(b, cp + 4)} ${u16(b, cp)} ${u16(b, cp + 2)}`;
      break;
    case T_AAAA:
      if (cp + 16 > snap) return FAILED;
      o.s += ` ${ipv6ToString(b, cp)}`;
      break;
    case T_OPT:
      o.s += ` UDPsize=${cls}${optFlags & 0x8000 ? ' DO' : ''}`;
      if (cp < rp) {
        o.s += ' [';
        while (cp < rp) {
          cp = printEdnsOption(b, cp, snap, o);
          if (cp < 0) return FAILED;
          if (cp < rp) o.s += ',';
        }
        o.s += ']';
      }
      break;
  }
  return rp;
}

// RFC 6891 §6.1.2 options and the algorithm numbers RFC 6975's DAU, DHU and N3U list, as print-domain.c names them.
const EDNS_OPTIONS: Record<number, string> = {
  1: 'LLQ',
  2: 'UL',
  3: 'NSID',
  5: 'DAU',
  6: 'DHU',
  7: 'N3U',
  8: 'ECS',
  9: 'EXPIRE',
  10: 'COOKIE',
  11: 'KEEPALIVE',
  12: 'PADDING',
  13: 'CHAIN',
  14: 'KEY-TAG',
  16: 'CLIENT-TAG',
  17: 'SERVER-TAG',
};
const E_DAU = 5;
const E_DHU = 6;
const E_N3U = 7;
const E_ECS = 8;
const E_EXPIRE = 9;
const E_COOKIE = 10;
const E_KEEPALIVE = 11;
const E_PADDING = 12;
const E_CHAIN = 13;
const E_KEYTAG = 14;
const DAU_ALGORITHMS: Record<number, string> = {
  0: 'DELETE',
  1: 'RSAMD5',
  2: 'DH',
  3: 'DS',
  5: 'RSASHA1',
  6: 'DSA-NSEC3-SHA1',
  7: 'RSASHA1-NSEC3-SHA1',
  8: 'RSASHA256',
  10: 'RSASHA512',
  12: 'ECC-GOST',
  13: 'ECDSAP256SHA256',
  14: 'ECDSAP384SHA384',
  15: 'ED25519',
  16: 'ED448',
  252: 'INDIRECT',
  253: 'PRIVATEDNS',
  254: 'PRIVATEOID',
};
const DHU_ALGORITHMS: Record<number, string> = {
  1: 'SHA-1',
  2: 'SHA-256',
  3: 'GOST_R_34.11-94',
  4: 'SHA-384',
};
const N3U_ALGORITHMS: Record<number, string> = { 1: 'SHA-1' };
const INVALID = ' (invalid)';

/**
 * eopt_print: the EDNS option at `cp` of an OPT record, "NSID 6e733031", "ECS 10.0.0.0/24/0", "COOKIE
 * 0001020304050607 08…", "PADDING (3)", "Opt99 6162" (tcpdump's " (invalid)" for a length its type does not allow);
 * where the next one starts, or FAILED when its header or data was not captured.
 */
function printEdnsOption(b: Uint8Array, cp: number, snap: number, o: Out): number {
  if (cp + 2 > snap) return FAILED;
  const code = u16(b, cp);
  o.s += EDNS_OPTIONS[code] ?? `Opt${code}`;
  if (cp + 4 > snap) return FAILED;
  const len = u16(b, cp + 2);
  const d = cp + 4;
  if (d + len > snap) return FAILED;
  if (len === 0) return d;
  o.s += ' ';
  const bytes = (from: number, n: number) => {
    let t = '';
    for (let i = 0; i < n; i++) t += hex2(b[from + i]);
    return t;
  };
  const algorithms = (names: Record<number, string>) => {
    const out: string[] = [];
    for (let i = 0; i < len; i++) out.push(names[b[d + i]] ?? `Alg_${b[d + i]}`);
    return out.join(' ');
  };
  switch (code) {
    case E_ECS:
      o.s += ecsText(b, d, len);
      break;
    case E_COOKIE:
      // The client's 8 bytes, then the server's (8 to 32) after a space.
      if (len < 8 || (len > 8 && len < 16) || len > 40) o.s += INVALID;
      else o.s += len > 8 ? `${bytes(d, 8)} ${bytes(d + 8, len - 8)}` : bytes(d, 8);
      break;
    case E_KEEPALIVE:
      o.s += len !== 2 ? INVALID : `${(u16(b, d) / 10).toFixed(1)} sec`;
      break;
    case E_EXPIRE:
      o.s += len !== 4 ? INVALID : `${u32(b, d)} sec`;
      break;
    case E_PADDING:
      o.s += `(${len})`;
      break;
    case E_KEYTAG: {
      if (len % 2) o.s += INVALID;
      else {
        const tags: number[] = [];
        for (let i = 0; i < len; i += 2) tags.push(u16(b, d + i));
        o.s += tags.join(' ');
      }
      break;
    }
    case E_DAU:
      o.s += algorithms(DAU_ALGORITHMS);
      break;
    case E_DHU:
      o.s += algorithms(DHU_ALGORITHMS);
      break;
    case E_N3U:
      o.s += algorithms(N3U_ALGORITHMS);
      break;
    case E_CHAIN:
      // fqdn_print with the option's end as the message's start, as print-domain.c calls it (its result unused).
      printName(b, d + len, d, snap, o);
      break;
    default:
      o.s += bytes(d, len);
  }
  return d + len;
}

/** print_eopt_ecs: "FAMILY-ADDRESS/SOURCE/SCOPE" of an RFC 7871 client subnet of `len` bytes at `d`. */
function ecsText(b: Uint8Array, d: number, len: number): string {
  if (len < 4) return INVALID;
  const family = u16(b, d);
  const source = b[d + 2];
  const scope = b[d + 3];
  const bits = family === 1 ? 32 : family === 2 ? 128 : 0;
  if (!bits || len - 4 > bits / 8) return INVALID;
  if (source > bits || scope > bits || (source + 7) >> 3 !== len - 4) return INVALID;
  const padded = new Uint8Array(16);
  padded.set(b.subarray(d + 4, d + len));
  const addr = bits === 32 ? ipv4ToString(u32(padded, 0)) : ipv6ToString(padded, 0);
  return `${addr}/${source}/${scope}`;
}

/**
 * fqdn_print: the name at `cp` in the message at `msg`, each label followed by "."; a pointer must point back
 * before where the name (or the last pointer) was; an RFC 2673 bit-string label as tcpdump prints it,
 * "\\[xabc/12]". Where the name ends in the record, or FAILED.
 */
function printName(b: Uint8Array, msg: number, cp: number, snap: number, o: Out): number {
  let l = labelLen(b, cp, snap, o);
  if (l < 0) return FAILED;
  // Unsigned, as in C: a name read with its message's start after it (an EDNS CHAIN option's) takes any pointer.
  let maxOffset = (cp - msg) >>> 0;
  let i = b[cp++];
  let rp = (i & 0xc0) !== 0xc0 ? cp + l : -1;
  let compressed = false;
  let chars = 0;
  if (i === 0) {
    o.s += '.';
    return rp;
  }
  while (i && cp < snap) {
    if ((i & 0xc0) === 0xc0) {
      if (!compressed) {
        rp = cp + 1;
        compressed = true;
      }
      const offset = ((i << 8) | b[cp]) & 0x3fff;
      if (offset >= maxOffset) {
        o.s += '<BAD PTR>';
        return FAILED;
      }
      maxOffset = offset;
      cp = msg + offset;
      if (cp >= snap) return FAILED;
      i = b[cp];
      l = labelLen(b, cp, snap, o);
      if (l < 0) return FAILED;
      cp++;
      continue;
    }
    if ((i & 0xc0) === 0x40) {
      if (!bitLabel(b, cp, snap, o)) return FAILED;
    } else {
      const n = chars + l <= MAX_NAME_CHARS ? l : chars < MAX_NAME_CHARS ? MAX_NAME_CHARS - chars : 0;
      if (n > 0) {
        if (cp + n > snap) {
          o.s += printable(b, cp, snap - cp);
          return FAILED;
        }
        o.s += printable(b, cp, n);
      }
      chars += l;
    }
    cp += l;
    if (chars <= MAX_NAME_CHARS) o.s += '.';
    chars++;
    if (cp >= snap) return FAILED;
    i = b[cp];
    l = labelLen(b, cp, snap, o);
    if (l < 0) return FAILED;
    cp++;
    if (!compressed) rp += l + 1;
  }
  if (chars > MAX_NAME_CHARS) o.s += '<DOMAIN NAME TOO LONG>';
  return rp;
}

/**
 * labellen: how many bytes the label whose length byte is at `cp` has after it (a bit-string label's count byte
 * and bits; a pointer's second byte is the caller's), or -1, saying why for a label type fqdn_print does not print:
 * reserved (0x80, "<BAD LABEL TYPE>") or an extended type other than bit-string labels ("<ELT n>").
 */
function labelLen(b: Uint8Array, cp: number, snap: number, o: Out): number {
  if (cp >= snap) return -1;
  const i = b[cp];
  const kind = i & 0xc0;
  if (kind === 0x80) o.s += '<BAD LABEL TYPE>';
  else if (kind === 0x40 && (i & 0x3f) !== 1) o.s += `<ELT ${i & 0x3f}>`;
  else if (kind === 0x40) return cp + 1 < snap ? (((b[cp + 1] || 256) + 7) >> 3) + 1 : -1;
  else return i;
  return -1;
}

/**
 * blabel_print: an RFC 2673 bit-string label whose count byte is at `cp`, "\\[x" and its bits in hex (a last
 * partial byte masked to its bits, one digit when 4 or fewer), then "/COUNT]"; false where the capture ends first
 * (what was printed stays, as tcpdump's does).
 */
function bitLabel(b: Uint8Array, cp: number, snap: number, o: Out): boolean {
  const count = b[cp] || 256;
  o.s += '\\[x';
  let p = cp + 1;
  let left = count;
  for (; left > 7; left -= 8, p++) {
    if (p >= snap) return false;
    o.s += hex2(b[p]);
  }
  if (left > 0 && p >= snap) return false;
  if (left > 4) o.s += hex2(b[p] & (0xff << (8 - left)));
  else if (left > 0) o.s += ((b[p] >> 4) & 0x0f & (0x0f << (4 - left))).toString(16);
  o.s += `/${count}]`;
  return true;
}

function typeName(t: number): string {
  return TCPDUMP_TYPES[t] ?? `Type${t}`;
}
