// The journey filter: a small expression language that reads like tcpdump's (and/&&, or/||, not/!, parentheses,
// [src|dst] host/net/port, ip/ip6, ether host, vni, plus any word of a journey), parsed and compiled once per
// query and evaluated per journey on a JourneyIndex built once per session (words as text, addresses and MACs as
// typed-array columns), so a million journeys filter without compiling anything per journey.

import { Grow } from './liveCorrelatorColumns.ts';
import { parseIpv4, parseMac } from '../session/interfaces.ts';

/** Where an address or MAC sits in a hop's header: a `src`/`dst` qualifier asks for one, none for either. */
export const ROLE_SRC = 1;
export const ROLE_DST = 2;
const ROLE_ANY = ROLE_SRC | ROLE_DST;

/** A journey's inner packet family (the first hop's). */
export const FAMILY_IP = 4;
export const FAMILY_IP6 = 6;

/**
 * What the filter reads of each journey: its words (between single spaces, one at each end, so that ` ${w} `
 * finds a whole word), its family, and the addresses (inner at every hop, outer headers too) and Ethernet MACs
 * (outer and VXLAN inner) its hops carry, with their role. Journeys are appended in order; per-journey ranges
 * into flat columns keep it to a few arrays for any number of journeys.
 */
export class JourneyIndex {
  texts: string[] = [];
  family = new Grow((n) => new Uint8Array(n), 1024);
  /** Journey k's IPv4 addresses are v4[v4Start[k] .. v4Start[k + 1]). */
  v4Start = new Grow((n) => new Uint32Array(n), 1024);
  v4 = new Grow((n) => new Uint32Array(n), 4096);
  v4Role = new Grow((n) => new Uint8Array(n), 4096);
  /** IPv6 addresses as 4 big-endian 32-bit words each: journey k's are v6[4 * v6Start[k] ..). */
  v6Start = new Grow((n) => new Uint32Array(n), 1024);
  v6 = new Grow((n) => new Uint32Array(n), 1024);
  v6Role = new Grow((n) => new Uint8Array(n), 256);
  /** MACs as 48-bit numbers. */
  macStart = new Grow((n) => new Uint32Array(n), 1024);
  mac = new Grow((n) => new Float64Array(n), 4096);
  macRole = new Grow((n) => new Uint8Array(n), 4096);

  constructor() {
    this.v4Start.push(0);
    this.v6Start.push(0);
    this.macStart.push(0);
  }

  get count(): number {
    return this.texts.length;
  }

  /** An IPv4 address of the journey being added (once per address and role). */
  addIpv4(a: number, role: number): void {
    const from = this.v4Start.data[this.count];
    for (let i = from; i < this.v4.length; i++)
      if (this.v4.data[i] === a) {
        this.v4Role.data[i] |= role;
        return;
      }
    this.v4.push(a);
    this.v4Role.push(role);
  }

  /** An IPv6 address (text, as the hop ladder prints it) of the journey being added; unreadable ones are skipped. */
  addIpv6(text: string, role: number): void {
    const w = parseIpv6(text);
    if (!w) return;
    const from = this.v6Start.data[this.count];
    const d = this.v6.data;
    for (let i = from; i < this.v6Role.length; i++)
      if (d[4 * i] === w[0] && d[4 * i + 1] === w[1] && d[4 * i + 2] === w[2] && d[4 * i + 3] === w[3]) {
        this.v6Role.data[i] |= role;
        return;
      }
    this.v6.append(w);
    this.v6Role.push(role);
  }

  addMac(mac: number, role: number): void {
    if (mac < 0) return;
    const from = this.macStart.data[this.count];
    for (let i = from; i < this.mac.length; i++)
      if (this.mac.data[i] === mac) {
        this.macRole.data[i] |= role;
        return;
      }
    this.mac.push(mac);
    this.macRole.push(role);
  }

  /** Ends the journey being added: its searchable text (any case; split into filter words here) and family. */
  finish(text: string, family: number): void {
    // Split at parentheses as the filter is (`record(s)` typed finds the words `record` and `s`).
    const words = text.toLowerCase().replace(/[()]/g, ' ').split(/\s+/);
    this.texts.push(` ${words.map(filterWord).filter(Boolean).join(' ')} `);
    this.family.push(family);
    this.v4Start.push(this.v4.length);
    this.v6Start.push(this.v6Role.length);
    this.macStart.push(this.mac.length);
  }

  /** The index of journeys [0, count) alone (a live window's frozen journeys, kept for the next snapshot). */
  prefix(count: number): JourneyIndex {
    const n = Math.min(count, this.count);
    const out = new JourneyIndex();
    out.texts = this.texts.slice(0, n);
    out.family.append(this.family.data.subarray(0, n));
    out.v4Start.setAt(0, this.v4Start.data.subarray(0, n + 1));
    out.v4.append(this.v4.data.subarray(0, this.v4Start.data[n]));
    out.v4Role.append(this.v4Role.data.subarray(0, this.v4Start.data[n]));
    out.v6Start.setAt(0, this.v6Start.data.subarray(0, n + 1));
    out.v6.append(this.v6.data.subarray(0, 4 * this.v6Start.data[n]));
    out.v6Role.append(this.v6Role.data.subarray(0, this.v6Start.data[n]));
    out.macStart.setAt(0, this.macStart.data.subarray(0, n + 1));
    out.mac.append(this.mac.data.subarray(0, this.macStart.data[n]));
    out.macRole.append(this.macRole.data.subarray(0, this.macStart.data[n]));
    return out;
  }
}

/** A word as the filter compares it: without the trailing `,` `:` `;` of a summary's text. */
export function filterWord(w: string): string {
  return w.replace(/[,;:]+$/, '');
}

export type Dir = 'src' | 'dst' | null;

/** A parsed filter. Every qualified word (`host`, `port`, `vni`, `src X`, `A > B`) is a word of the index. */
export type FilterExpr =
  | { op: 'and' | 'or'; a: FilterExpr; b: FilterExpr }
  | { op: 'not'; a: FilterExpr }
  | { op: 'word'; word: string }
  | { op: 'net'; dir: Dir; v6: boolean; addr: number[]; bits: number }
  | { op: 'ether'; dir: Dir; mac: number }
  | { op: 'family'; family: number };

/** Why a filter could not be read, with where (0-based character offset). */
export class JourneyFilterError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

interface Token {
  /** Lower case, as filterWord trims it. */
  text: string;
  /** Lower case, untrimmed (`net fd44::` keeps its colons). */
  raw: string;
  at: number;
}

/** tcpdump's operators split words wherever they stand; `!` only where a word starts (`!udp`). */
function tokenize(filter: string): Token[] {
  const out: Token[] = [];
  const s = filter.toLowerCase();
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '!') {
      out.push({ text: c, raw: c, at: i++ });
    } else if ((c === '&' || c === '|') && s[i + 1] === c) {
      out.push({ text: c + c, raw: c + c, at: i });
      i += 2;
    } else {
      const at = i;
      while (i < s.length && !/[\s()]/.test(s[i]) && !((s[i] === '&' || s[i] === '|') && s[i + 1] === s[i]))
        i++;
      const raw = s.slice(at, i);
      const w = filterWord(raw);
      if (w) out.push({ text: w, raw, at });
    }
  }
  return out;
}

const AND = new Set(['and', '&&']);
const OR = new Set(['or', '||']);
const NOT = new Set(['not', '!']);
/** Words that are grammar, never a journey's word. */
const KEYWORDS = new Set([
  ...AND,
  ...OR,
  ...NOT,
  '(',
  ')',
  '>',
  'src',
  'dst',
  'host',
  'net',
  'port',
  'ether',
  'ip',
  'ip6',
  'vni',
  'proto',
]);

type Qualifier = { kind: 'host' | 'net' | 'port' | 'ether' | 'vni'; dir: Dir };

/**
 * Parses a journey filter; null for an empty one (every journey). Precedence as pcap's: not binds tightest; and,
 * or and two terms side by side (an and) are equal and associate left to right.
 * Throws JourneyFilterError for a filter it cannot read.
 */
export function parseJourneyFilter(filter: string): FilterExpr | null {
  const p = new Parser(tokenize(filter), filter.length);
  if (!p.tokens.length) return null;
  const e = p.expr();
  const t = p.peek();
  if (t) {
    if (t.text === ')') throw new JourneyFilterError(`unmatched ")" at column ${t.at + 1}`, t.at);
    throw new JourneyFilterError(`unexpected "${t.text}" at column ${t.at + 1}`, t.at);
  }
  return e;
}

/** Why a filter cannot be read, null when it can. */
export function journeyFilterError(filter: string): string | null {
  try {
    parseJourneyFilter(filter);
    return null;
  } catch (e) {
    if (e instanceof JourneyFilterError) return e.message;
    throw e;
  }
}

class Parser {
  private i = 0;
  /** The last qualified primitive's qualifier, inherited by an address after and/or (`port 80 or 443`). */
  private last: Qualifier | null = null;
  private afterOperator = false;

  constructor(
    readonly tokens: Token[],
    private readonly end: number,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token | undefined {
    return this.tokens[this.i++];
  }

  private fail(message: string, at = this.peek()?.at ?? this.end): never {
    throw new JourneyFilterError(message, at);
  }

  /**
   * pcap-filter(7): "Alternation and concatenation have equal precedence and associate left to right", so
   * `a or b and c` is `(a or b) and c`. Two terms side by side are an `and` of the same precedence.
   */
  expr(): FilterExpr {
    let e = this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || t.text === ')') return e;
      let op: 'and' | 'or' = 'and';
      if (AND.has(t.text) || OR.has(t.text)) {
        op = OR.has(t.text) ? 'or' : 'and';
        this.next();
        this.operand(t);
        this.afterOperator = true;
      }
      e = { op, a: e, b: this.unary() };
    }
  }

  /** An operator needs a term after it. */
  private operand(op: Token): void {
    const t = this.peek();
    if (!t || t.text === ')' || AND.has(t.text) || OR.has(t.text))
      this.fail(`"${op.text}" at column ${op.at + 1} needs a term after it`, op.at);
  }

  private unary(): FilterExpr {
    const t = this.peek();
    if (!t) return this.fail('the filter ends where a term should be');
    if (AND.has(t.text) || OR.has(t.text))
      this.fail(`"${t.text}" at column ${t.at + 1} needs a term before it`, t.at);
    if (NOT.has(t.text)) {
      this.next();
      this.operand(t);
      return { op: 'not', a: this.unary() };
    }
    if (t.text === '(') {
      this.next();
      if (this.peek()?.text === ')') this.fail(`empty parentheses at column ${t.at + 1}`, t.at);
      const e = this.expr();
      if (this.peek()?.text !== ')') this.fail(`"(" at column ${t.at + 1} has no matching ")"`, t.at);
      this.next();
      return e;
    }
    if (t.text === ')') this.fail(`unmatched ")" at column ${t.at + 1}`, t.at);
    const inherit = this.afterOperator;
    this.afterOperator = false;
    return this.primitive(inherit);
  }

  /** The word after a keyword (not a keyword itself), or a reason. */
  private argument(what: string, kw: Token): Token {
    const t = this.peek();
    if (!t || KEYWORDS.has(t.text)) this.fail(`"${kw.text}" at column ${kw.at + 1} needs ${what}`, kw.at);
    return this.next()!;
  }

  private primitive(inherit: boolean): FilterExpr {
    const t = this.next()!;
    const w = t.text;
    if (w === 'ip') return { op: 'family', family: FAMILY_IP };
    if (w === 'ip6') return { op: 'family', family: FAMILY_IP6 };
    if (w === 'proto') {
      // tcpdump writes `proto \tcp` (a protocol name) or `proto 6`.
      const p = this.argument('a protocol name or number', t).text.replace(/^\\/, '');
      return word(PROTO_NUMBERS[p] ?? p);
    }
    if (w === 'ether') {
      let dir: Dir = null;
      const q = this.peek();
      if (q?.text === 'src' || q?.text === 'dst') {
        dir = q.text;
        this.next();
      }
      if (this.peek()?.text === 'host') this.next();
      else if (!dir)
        this.fail(`"ether" at column ${t.at + 1} needs host, src or dst and a MAC address`, t.at);
      return this.qualified({ kind: 'ether', dir }, this.argument('a MAC address', t));
    }
    if (w === 'src' || w === 'dst') {
      const q = this.peek();
      const kind = q?.text === 'host' || q?.text === 'net' || q?.text === 'port' ? q.text : 'host';
      if (kind === q?.text) this.next();
      const what = kind === 'net' ? 'a network' : kind === 'port' ? 'a port number' : 'an address';
      return this.qualified({ kind, dir: w }, this.argument(what, t));
    }
    if (w === 'host') return this.qualified({ kind: 'host', dir: null }, this.argument('an address', t));
    if (w === 'net') return this.qualified({ kind: 'net', dir: null }, this.argument('a network', t));
    if (w === 'port') return this.qualified({ kind: 'port', dir: null }, this.argument('a port number', t));
    if (w === 'vni') return this.qualified({ kind: 'vni', dir: null }, this.argument('a VXLAN id', t));
    if (w === '>') this.fail(`">" at column ${t.at + 1} needs an address on each side`, t.at);
    // `A > B`: a hop from A to B (a summary's `10.244.0.12 > 10.244.1.34:` pasted in).
    if (this.peek()?.text === '>') {
      const gt = this.next()!;
      const b = this.peek();
      if (!b || KEYWORDS.has(b.text))
        this.fail(`">" at column ${gt.at + 1} needs an address on each side`, gt.at);
      this.next();
      this.last = null;
      return word(`${w}>${b.text}`);
    }
    // pcap's shorthand: `port 80 or 443`, `src net 10.0.0.0/8 or 192.168.0.0/16` (only for a word of that shape).
    if (inherit && this.last && fits(this.last.kind, w)) return this.qualified(this.last, t);
    if (parseMac(w) >= 0) return { op: 'ether', dir: null, mac: parseMac(w) };
    if (w.includes('/') && parseNet(w)) return this.qualified({ kind: 'net', dir: null }, t);
    this.last = null;
    return word(w);
  }

  private qualified(q: Qualifier, arg: Token): FilterExpr {
    this.last = q;
    const a = arg.text;
    const at = arg.at;
    switch (q.kind) {
      case 'host':
        return word(q.dir ? `${q.dir}=${a}` : a);
      case 'port': {
        if (!/^\d{1,5}$/.test(a) || +a > 65535)
          this.fail(`port "${a}" at column ${at + 1} is not a number 0–65535`, at);
        const n = +a;
        if (q.dir) return word(`${q.dir === 'src' ? 'sport' : 'dport'}=${n}`);
        return { op: 'or', a: word(`sport=${n}`), b: word(`dport=${n}`) };
      }
      case 'vni':
        if (!/^\d{1,8}$/.test(a) || +a > 0xffffff)
          this.fail(`vni "${a}" at column ${at + 1} is not a number 0–16777215`, at);
        return word(`vni=${+a}`);
      case 'ether': {
        const mac = parseMac(a);
        if (mac < 0)
          this.fail(`"${a}" at column ${at + 1} is not a MAC address (like 00:0c:29:2f:33:85)`, at);
        return { op: 'ether', dir: q.dir, mac };
      }
      case 'net': {
        const n = parseNet(arg.raw);
        if (!n)
          this.fail(`net "${a}" at column ${at + 1} is not an IPv4 or IPv6 network (like 10.244.0.0/16)`, at);
        if (typeof n === 'string') this.fail(`net "${a}" at column ${at + 1}: ${n}`, at);
        return { op: 'net', dir: q.dir, ...n };
      }
    }
  }
}

/** `proto N` by the names the journey text carries. */
const PROTO_NUMBERS: Record<string, string> = {
  '1': 'icmp',
  '2': 'igmp',
  '4': 'ipip',
  '6': 'tcp',
  '17': 'udp',
  '47': 'gre',
  '58': 'icmp6',
};

function word(w: string): FilterExpr {
  return { op: 'word', word: w };
}

function fits(kind: Qualifier['kind'], w: string): boolean {
  switch (kind) {
    case 'host':
      return parseIpv4(w) !== null || (w.includes(':') && parseIpv6(w) !== null);
    case 'port':
    case 'vni':
      return /^\d+$/.test(w);
    case 'ether':
      return parseMac(w) >= 0;
    case 'net':
      return /[./:]/.test(w) && !!parseNet(w);
  }
}

/**
 * A network as tcpdump takes it: `a.b.c.d/len`, `a.b.c.d` (/32), `a.b.c` (/24), `a.b` (/16), `a` (/8) with an
 * optional `/len`, or an IPv6 address with an optional `/len`. A string says why it is wrong (host bits set, as
 * tcpdump refuses), null that it is no network at all.
 */
export function parseNet(s: string): { v6: boolean; addr: number[]; bits: number } | string | null {
  const slash = s.indexOf('/');
  const a = slash < 0 ? s : s.slice(0, slash);
  const len = slash < 0 ? null : s.slice(slash + 1);
  if (len !== null && !/^\d{1,3}$/.test(len)) return null;
  let v6 = false;
  let addr: number[];
  let bits: number;
  if (a.includes(':')) {
    const w = parseIpv6(a);
    if (!w) return null;
    v6 = true;
    addr = [...w];
    bits = len === null ? 128 : +len;
    if (bits > 128) return `/${len} is longer than 128 bits`;
  } else {
    const parts = a.split('.');
    if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || +p > 255)) return null;
    const full = parts.concat(['0', '0', '0']).slice(0, 4).join('.');
    addr = [parseIpv4(full)!];
    bits = len === null ? 8 * parts.length : +len;
    if (bits > 32) return `/${len} is longer than 32 bits`;
  }
  const mask = masks(bits, addr.length);
  if (addr.some((x, i) => (x & ~mask[i]) >>> 0 !== 0)) return 'non-network bits set (tcpdump refuses it too)';
  return { v6, addr, bits };
}

/** The prefix mask of `bits` bits as `words` 32-bit words. */
function masks(bits: number, words: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < words; i++) {
    const b = Math.max(0, Math.min(32, bits - 32 * i));
    out.push(b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0);
  }
  return out;
}

/** An IPv6 address as 4 big-endian 32-bit words (`::`, a dotted IPv4 tail and a `%zone` allowed); null if not one. */
export function parseIpv6(s: string): Uint32Array | null {
  let t = s;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const groups: number[] = [];
  const dotted = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]);
    if (v4 === null) return null;
    t = `${t.slice(0, t.length - dotted[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const read = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = read(halves[0]);
  const tail = halves.length === 2 ? read(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return w;
}

/** A compiled filter: does journey k match? Bound to the index as it stands (compile after adding journeys). */
export type JourneyTest = (k: number) => boolean;

/** Compiles a parsed filter against an index: closures over its columns, one needle string per word. */
export function compileJourneyFilter(e: FilterExpr, ix: JourneyIndex): JourneyTest {
  switch (e.op) {
    case 'and': {
      const a = compileJourneyFilter(e.a, ix);
      const b = compileJourneyFilter(e.b, ix);
      return (k) => a(k) && b(k);
    }
    case 'or': {
      const a = compileJourneyFilter(e.a, ix);
      const b = compileJourneyFilter(e.b, ix);
      return (k) => a(k) || b(k);
    }
    case 'not': {
      const a = compileJourneyFilter(e.a, ix);
      return (k) => !a(k);
    }
    case 'word': {
      const needle = ` ${e.word} `;
      const texts = ix.texts;
      return (k) => texts[k].includes(needle);
    }
    case 'family': {
      const fam = ix.family.data;
      return (k) => fam[k] === e.family;
    }
    case 'ether': {
      const start = ix.macStart.data;
      const mac = ix.mac.data;
      const role = ix.macRole.data;
      const want = roleOf(e.dir);
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++)
          if (mac[i] === e.mac && (role[i] & want) !== 0) return true;
        return false;
      };
    }
    case 'net': {
      const want = roleOf(e.dir);
      if (!e.v6) {
        const start = ix.v4Start.data;
        const a = ix.v4.data;
        const role = ix.v4Role.data;
        const mask = masks(e.bits, 1)[0];
        const net = e.addr[0];
        return (k) => {
          for (let i = start[k]; i < start[k + 1]; i++)
            if ((a[i] & mask) >>> 0 === net && (role[i] & want) !== 0) return true;
          return false;
        };
      }
      const start = ix.v6Start.data;
      const a = ix.v6.data;
      const role = ix.v6Role.data;
      const m = masks(e.bits, 4);
      const [n0, n1, n2, n3] = e.addr;
      return (k) => {
        for (let i = start[k]; i < start[k + 1]; i++) {
          const o = 4 * i;
          if (
            (role[i] & want) !== 0 &&
            (a[o] & m[0]) >>> 0 === n0 &&
            (a[o + 1] & m[1]) >>> 0 === n1 &&
            (a[o + 2] & m[2]) >>> 0 === n2 &&
            (a[o + 3] & m[3]) >>> 0 === n3
          )
            return true;
        }
        return false;
      };
    }
  }
}

function roleOf(dir: Dir): number {
  return dir === 'src' ? ROLE_SRC : dir === 'dst' ? ROLE_DST : ROLE_ANY;
}
