// What the journey filter (journeyFilter.ts) reads of each journey, built once per session: its words as text and
// its addresses, MACs, ports, protocols and lengths as typed-array columns, so that a compiled filter is a pass of
// closures over arrays, with no object per journey.

import { Grow } from './liveCorrelatorColumns.ts';
import { parseIpv4 } from '../session/interfaces.ts';

/** Where an address, MAC or port sits in a hop's header: a `src`/`dst` qualifier asks for one, none for either. */
export const ROLE_SRC = 1;
export const ROLE_DST = 2;
export const ROLE_ANY = ROLE_SRC | ROLE_DST;

/** A journey's inner packet family (the first hop's). */
export const FAMILY_IP = 4;
export const FAMILY_IP6 = 6;

/** JourneyIndex.hops bits: what some hop of the journey carried around or beside its inner packet. */
export const HOP_VXLAN = 1; // a VXLAN outer header: outer IPv4 and UDP
export const HOP_IPIP = 2; // an IPIP outer header: outer IPv4, protocol 4
export const HOP_VLAN = 4; // an 802.1Q/802.1ad tag on the outer frame
/** An IPv4 destination (inner or outer) that is a subnet broadcast of the interface the hop was captured on. */
export const HOP_IP_BCAST = 8;
export const HOP_GENEVE = 16; // a Geneve outer header: outer IPv4 and UDP

/** The transport a port was seen in (JourneyIndex.port's high bits). */
export const PORT_TCP = 1;
export const PORT_UDP = 2;
export const PORT_SCTP = 4;
export const PORT_ANY = PORT_TCP | PORT_UDP | PORT_SCTP;
const PORT_KIND_SHIFT = 16;

/**
 * What the filter reads of each journey: its words (between single spaces, one at each end, so that ` ${w} `
 * finds a whole word), its inner family and protocol, what its hops carried besides (HOP_*), the shortest and
 * longest frame of its hops, the captures its hops were seen on, and the addresses (inner at every hop, outer headers too), Ethernet MACs (outer and
 * VXLAN inner) and ports (inner and VXLAN outer) its hops carry, with their role. Journeys are appended in order;
 * per-journey ranges into flat columns keep it to a few arrays for any number of journeys.
 */
export class JourneyIndex {
  /**
   * Journey k's words, for k < texts.length: built after the columns and only for a filter that has words
   * (LoadedSession), or with them by finish().
   */
  texts: string[] = [];
  family = new Grow((n) => new Uint8Array(n), 1024);
  /** The inner packet's IP protocol, -1 when not known. */
  proto = new Grow((n) => new Int16Array(n), 1024);
  hops = new Grow((n) => new Uint8Array(n), 1024);
  /** The shortest and longest frame (original length on the wire, as tcpdump's `len`) of any hop. */
  minLen = new Grow((n) => new Uint32Array(n), 1024);
  maxLen = new Grow((n) => new Uint32Array(n), 1024);
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
  /** Ports as `port | PORT_* << 16` (read with portNumber/portKind). */
  portStart = new Grow((n) => new Uint32Array(n), 1024);
  port = new Grow((n) => new Uint32Array(n), 4096);
  portRole = new Grow((n) => new Uint8Array(n), 4096);
  /** The captures (indices into `captureNames`) journey k's hops were seen on: cap[capStart[k] .. capStart[k + 1]). */
  capStart = new Grow((n) => new Uint32Array(n), 1024);
  cap = new Grow((n) => new Uint16Array(n), 4096);
  /**
   * Built on demand (`vlan N`, a second `vlan`: LoadedSession reads the tagged hops' frames again) for journeys
   * [0, vlanIds.count): each tagged hop's tags, as depth and VLAN id, tag[start[k] .. start[k + 1]).
   */
  vlanIds: VlanIds | null = null;
  /** Each capture's node and interface, lower case (the filter is): what an interface glob is matched against. */
  captureNames: { node: string; iface: string }[] = [];
  private hopBits = 0;
  private shortest = 0xffffffff;
  private longest = 0;

  constructor() {
    this.v4Start.push(0);
    this.v6Start.push(0);
    this.macStart.push(0);
    this.portStart.push(0);
    this.capStart.push(0);
  }

  /** Journeys in the columns. */
  get count(): number {
    return this.family.length;
  }

  /** A hop of the journey being added: its frame's original length and HOP_* bits. */
  addHop(len: number, bits: number): void {
    this.hopBits |= bits;
    if (len < this.shortest) this.shortest = len;
    if (len > this.longest) this.longest = len;
  }

  /** An IPv4 address of the journey being added (once per address and role). */
  addIpv4(a: number, role: number): void {
    const from = this.v4Start.data[this.count];
    for (let i = from; i < this.v4.length; i++)
      if (this.v4.data[i] === a) {
        this.v4Role.data[i] |= role;
        return;
      }
    put32(this.v4, a);
    put8(this.v4Role, role);
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
    put8(this.v6Role, role);
  }

  addMac(mac: number, role: number): void {
    if (mac < 0) return;
    const from = this.macStart.data[this.count];
    for (let i = from; i < this.mac.length; i++)
      if (this.mac.data[i] === mac) {
        this.macRole.data[i] |= role;
        return;
      }
    put64(this.mac, mac);
    put8(this.macRole, role);
  }

  /** A capture (index into captureNames) a hop of the journey being added was seen on (once per capture). */
  addCapture(c: number): void {
    const from = this.capStart.data[this.count];
    for (let i = from; i < this.cap.length; i++) if (this.cap.data[i] === c) return;
    put16(this.cap, c);
  }

  /** A TCP, UDP or SCTP port (kind PORT_*) of the journey being added. */
  addPort(port: number, kind: number, role: number): void {
    if (port < 0) return;
    const v = (port | (kind << PORT_KIND_SHIFT)) >>> 0;
    const from = this.portStart.data[this.count];
    for (let i = from; i < this.port.length; i++)
      if (this.port.data[i] === v) {
        this.portRole.data[i] |= role;
        return;
      }
    put32(this.port, v);
    put8(this.portRole, role);
  }

  /**
   * Ends the journey being added: its searchable text (any case; split into filter words here), more words already
   * as filterText gives them (`clean`: the index does not split them again), family and protocol.
   */
  finish(text: string, family: number, proto: number, clean = ''): void {
    this.addText(text, clean);
    this.finishColumns(family, proto);
  }

  /** The searchable text of journey texts.length (finish's `text` and `clean`), when the columns come apart. */
  addText(text: string, clean = ''): void {
    this.texts.push(` ${filterText(text)} ${clean} `);
  }

  /** Ends the columns of the journey being added: its family and protocol (its words come with addText). */
  finishColumns(family: number, proto: number): void {
    put8(this.family, family);
    putI16(this.proto, proto);
    put8(this.hops, this.hopBits);
    put32(this.minLen, this.shortest === 0xffffffff ? 0 : this.shortest);
    put32(this.maxLen, this.longest);
    this.hopBits = 0;
    this.shortest = 0xffffffff;
    this.longest = 0;
    put32(this.v4Start, this.v4.length);
    put32(this.v6Start, this.v6Role.length);
    put32(this.macStart, this.mac.length);
    put32(this.portStart, this.port.length);
    put32(this.capStart, this.cap.length);
  }

  /** The index of journeys [0, count) alone (a live window's frozen journeys, kept for the next snapshot). */
  prefix(count: number): JourneyIndex {
    const n = Math.min(count, this.count);
    const out = new JourneyIndex();
    out.texts = this.texts.slice(0, n);
    for (const c of ['family', 'proto', 'hops', 'minLen', 'maxLen'] as const)
      out[c].append(this[c].data.subarray(0, n) as never);
    out.v4Start.setAt(0, this.v4Start.data.subarray(0, n + 1));
    out.v4.append(this.v4.data.subarray(0, this.v4Start.data[n]));
    out.v4Role.append(this.v4Role.data.subarray(0, this.v4Start.data[n]));
    out.v6Start.setAt(0, this.v6Start.data.subarray(0, n + 1));
    out.v6.append(this.v6.data.subarray(0, 4 * this.v6Start.data[n]));
    out.v6Role.append(this.v6Role.data.subarray(0, this.v6Start.data[n]));
    out.macStart.setAt(0, this.macStart.data.subarray(0, n + 1));
    out.mac.append(this.mac.data.subarray(0, this.macStart.data[n]));
    out.macRole.append(this.macRole.data.subarray(0, this.macStart.data[n]));
    out.portStart.setAt(0, this.portStart.data.subarray(0, n + 1));
    out.port.append(this.port.data.subarray(0, this.portStart.data[n]));
    out.portRole.append(this.portRole.data.subarray(0, this.portStart.data[n]));
    out.capStart.setAt(0, this.capStart.data.subarray(0, n + 1));
    out.cap.append(this.cap.data.subarray(0, this.capStart.data[n]));
    out.captureNames = this.captureNames;
    return out;
  }
}

/** VlanIds.tag: a tag's depth above its 12-bit VLAN id. */
export const VLAN_DEPTH_SHIFT = 12;
export const VLAN_ID_MASK = 0xfff;

/**
 * Per journey, the distinct tags of its tagged hops (JourneyIndex.vlanIds): each as `depth << VLAN_DEPTH_SHIFT |
 * id`, depth 0 the outermost tag (a QinQ frame's outer), 1 the next (its inner), as tcpdump's first and second
 * `vlan` read them.
 */
export class VlanIds {
  start = new Grow((n) => new Uint32Array(n), 1024);
  tag = new Grow((n) => new Uint16Array(n), 256);

  constructor() {
    this.start.push(0);
  }

  get count(): number {
    return this.start.length - 1;
  }

  /** A tag of the journey being added, at `depth` (0: outermost) with VLAN id `vid` (once per depth and id). */
  add(depth: number, vid: number): void {
    const t = (depth << VLAN_DEPTH_SHIFT) | vid;
    for (let i = this.start.data[this.count]; i < this.tag.length; i++) if (this.tag.data[i] === t) return;
    this.tag.push(t);
  }

  /** Ends the journey being added. */
  finish(): void {
    this.start.push(this.tag.length);
  }
}

// Appends, one function per element type: Grow.push's one store site, shared by every column's array type, is
// megamorphic and was a fifth of a large session's index build; each of these sees one type.
function put8(g: Grow<Uint8Array>, v: number): void {
  const at = g.extend(1);
  g.data[at] = v;
}
function put16(g: Grow<Uint16Array>, v: number): void {
  const at = g.extend(1);
  g.data[at] = v;
}
function putI16(g: Grow<Int16Array>, v: number): void {
  const at = g.extend(1);
  g.data[at] = v;
}
function put32(g: Grow<Uint32Array>, v: number): void {
  const at = g.extend(1);
  g.data[at] = v;
}
function put64(g: Grow<Float64Array>, v: number): void {
  const at = g.extend(1);
  g.data[at] = v;
}

export function portNumber(v: number): number {
  return v & 0xffff;
}

export function portKind(v: number): number {
  return v >>> PORT_KIND_SHIFT;
}

/**
 * Text as the filter's words, joined by single spaces: lower case, split at parentheses as the filter is
 * (`record(s)` typed finds the words `record` and `s`), each as filterWord trims it.
 */
export function filterText(text: string): string {
  const lower = text.toLowerCase();
  const words = (/[()]/.test(lower) ? lower.replace(/[()]/g, ' ') : lower).split(/\s+/);
  return words.map(filterWord).filter(Boolean).join(' ');
}

/** A word as the filter compares it: without the trailing `,` `:` `;` of a summary's text. */
export function filterWord(w: string): string {
  // Most words end otherwise (the index's build calls this for every word of every journey's text).
  const last = w.charCodeAt(w.length - 1);
  if (last !== 0x2c && last !== 0x3b && last !== 0x3a) return w;
  const t = w.replace(/[,;:]+$/, '');
  if (t.length === w.length) return w;
  // An IPv6 address ending in `::` keeps it, also before a summary's `:` (`IP6 :: > ff02::16:`, `fd00:::`): cut to
  // `fd00`, `host fd00::` had no address, and `::` alone was no word at all.
  const v6 = w.includes('::') ? /^(.*?::):?[,;]*$/.exec(w) : null;
  return v6 && parseIpv6(v6[1]) !== null ? v6[1] : t;
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
