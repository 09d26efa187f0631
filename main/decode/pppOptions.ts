// pppOptions.ts — what follows a PPP control protocol message's header (RFC 1661 §5): the configuration options of
// LCP (RFC 1661 §6, 1570, 1990), IPCP (RFC 1332, 1877), IPv6CP (RFC 5072) and CCP (RFC 2118's MPPE/MPPC, RFC 3078),
// and LCP's magic number, data, rejected protocol or packet, as tshark 4.0 shows them in the packet detail.
//  | Code | Identifier |    Length     |  then for Configure-Request/Ack/Nak/Reject, options:
//  | Type | Length | Data …                (Length counts Type and Length)
//  for LCP's Echo-Request/Reply and Discard-Request: | Magic-Number (4) | Data …
import { hexRun, ipv4ToString, wiresharkText } from './format.ts';
import type { Layer, LayerField } from './layers.ts';
import { u16, u32 } from './result.ts';

/** Wireshark's names for PPP's protocols ("Protocol: Internet Protocol version 4 (0x0021)"). */
export const PPP_PROTOCOLS: Record<number, string> = {
  0x0021: 'Internet Protocol version 4',
  0x0031: 'Bridging PDU',
  0x0057: 'Internet Protocol version 6',
  0x00fd: 'Compressed datagram',
  0x8021: 'Internet Protocol Control Protocol',
  0x8057: 'IPv6 Control Protocol',
  0x80fd: 'Compression Control Protocol',
  0xc021: 'Link Control Protocol',
  0xc023: 'Password Authentication Protocol',
  0xc223: 'Challenge Handshake Authentication Protocol',
};
const CONF_REQUEST = 1;
const CONF_REJECT = 4;
const TERM_REQUEST = 5;
const TERM_ACK = 6;
const CODE_REJECT = 7;
const PROTOCOL_REJECT = 8;
const ECHO_REQUEST = 9;
const DISCARD_REQUEST = 11;
const IDENTIFICATION = 12;
const TIME_REMAINING = 13;
const OPTION_HEADER = 2;
/** Wireshark's ITEM_LABEL_LENGTH less its NUL: a longer title is cut there. */
const MAX_LABEL = 239;
const MAGIC_LEN = 4;

function f(name: string, value: string | number, offset: number, length: number): LayerField {
  return { name, value: String(value), offset, length };
}
const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

/** One option's kind: tshark's name, its length (exact, or the least with `atLeast`), what it shows of its data. */
interface OptionSpec {
  name: string;
  len: number;
  atLeast?: boolean;
  /** The option's title after its name (": 1500"), and the fields after Type and Length, for its data at `d`. */
  show?: (b: Uint8Array, d: number, dataLen: number) => { title: string; fields: LayerField[] };
}

// The async control character map's bits, highest first (tshark's names).
const ACCM_NAMES = [
  'US',
  'RS',
  'GS',
  'FS',
  'ESC',
  'SUB',
  'EM',
  'CAN',
  'ETB',
  'SYN',
  'NAK',
  'DC4',
  'DC3 (XOFF)',
  'DC2',
  'DC1 (XON)',
  'DLE',
  'SI',
  'SO',
  'CR',
  'FF',
  'VT',
  'LF',
  'HT',
  'BS',
  'BEL',
  'ACK',
  'ENQ',
  'EOT',
  'ETX',
  'STX',
  'SOH',
  'NUL',
];
const AUTH_PROTOCOLS: Record<number, string> = {
  0xc023: 'Password Authentication Protocol',
  0xc223: 'Challenge Handshake Authentication Protocol',
  0xc227: 'Extensible Authentication Protocol',
};
const CHAP_ALGORITHMS: Record<number, string> = { 5: 'CHAP with MD5', 128: 'MS-CHAP', 129: 'MS-CHAP-2' };
const CALLBACK_OPERATIONS = [
  'Location is determined by user authentication',
  'Message is dialing string',
  'Message is location identifier',
  'Message is E.164',
  'Message is distinguished name',
  'unassigned',
  'Location is determined during CBCP negotiation',
];
const IP_COMPRESSION: Record<number, string> = { 0x002d: 'VJ compression', 0x0061: 'IPHC compression' };
// MPPE/MPPC's supported bits (RFC 3078 §2.1), as tshark lists the set ones.
const MPPE_BITS: [number, string][] = [
  [0x01000000, 'H'],
  [0x80, 'M'],
  [0x40, 'S'],
  [0x20, 'L'],
  [0x10, 'D'],
  [0x01, 'C'],
];

/** A value of `n` bytes shown as "Label: value" in both the title and one field. */
const valued =
  (label: string, text: (b: Uint8Array, d: number) => string, title = true) =>
  (b: Uint8Array, d: number, dataLen: number) => ({
    title: title ? `: ${text(b, d)}` : '',
    fields: [f(label, text(b, d), d, dataLen)],
  });

const LCP_OPTIONS: Record<number, OptionSpec> = {
  0: { name: 'Vendor Specific', len: 6, atLeast: true },
  1: { name: 'Maximum Receive Unit', len: 4, show: valued('Maximum Receive Unit', (b, d) => `${u16(b, d)}`) },
  2: {
    name: 'Async Control Character Map',
    len: 6,
    show: (b, d) => {
      const map = u32(b, d);
      const set = ACCM_NAMES.filter((_, i) => map & (0x80000000 >>> i));
      const v = hex(map, 8);
      const what = map === 0 ? ' (None)' : map === 0xffffffff ? ' (All)' : '';
      const value = `${v}${set.length ? `, ${set.join(', ')}` : ''}${what}`;
      const title = what || ` (${set.join(', ')})`;
      return { title: `: ${v}${title}`, fields: [f('Async Control Character Map', value, d, 4)] };
    },
  },
  3: {
    name: 'Authentication Protocol',
    len: 4,
    atLeast: true,
    show: (b, d, n) => {
      const p = u16(b, d);
      const v = `${AUTH_PROTOCOLS[p] ?? 'Unknown'} (${hex(p, 4)})`;
      const fields = [f('Authentication Protocol', v, d, 2)];
      if (p === 0xc223 && n >= 3) {
        const a = b[d + 2];
        fields.push(f('Algorithm', `${CHAP_ALGORITHMS[a] ?? 'Unknown'} (${a})`, d + 2, 1));
      }
      return { title: `: ${v}`, fields };
    },
  },
  5: { name: 'Magic Number', len: 6, show: valued('Magic Number', (b, d) => hex(u32(b, d), 8)) },
  7: { name: 'Protocol Field Compression', len: 2 },
  8: { name: 'Address and Control Field Compression', len: 2 },
  13: {
    name: 'Callback',
    len: 3,
    atLeast: true,
    show: (b, d) => {
      const op = b[d];
      const name = CALLBACK_OPERATIONS[op] ?? 'Unknown';
      return { title: `: ${name}`, fields: [f('Operation', `${name} (${op})`, d, 1)] };
    },
  },
  17: { name: 'Multilink MRRU', len: 4, show: valued('MRRU', (b, d) => `${u16(b, d)}`) },
};

const address = (label: string) => valued(label, (b, d) => ipv4ToString(u32(b, d)), false);
const IPCP_OPTIONS: Record<number, OptionSpec> = {
  2: {
    name: 'IP Compression Protocol',
    len: 4,
    atLeast: true,
    show: (b, d, n) => {
      const p = u16(b, d);
      const fields = [f('IP Compression Protocol', `${IP_COMPRESSION[p] ?? 'Unknown'} (${hex(p, 4)})`, d, 2)];
      if (p === 0x002d && n >= 4) {
        fields.push(f('Max Slot ID', b[d + 2], d + 2, 1));
        const may = b[d + 3] & 1;
        fields.push(
          f(
            `.... ...${may} = Comp Slot ID`,
            may ? 'The slot identifier may be compressed' : 'The slot identifier must not be compressed',
            d + 3,
            1,
          ),
        );
      }
      return { title: '', fields };
    },
  },
  3: { name: 'IP Address', len: 6, show: address('IP Address') },
  129: { name: 'Primary DNS Server IP Address', len: 6, show: address('Primary DNS Address') },
  130: { name: 'Primary NBNS Server IP Address', len: 6, show: address('Primary NBNS Address') },
  131: { name: 'Secondary DNS Server IP Address', len: 6, show: address('Secondary DNS Address') },
  132: { name: 'Secondary NBNS Server IP Address', len: 6, show: address('Secondary NBNS Address') },
};
const IPV6CP_OPTIONS: Record<number, OptionSpec> = {
  1: {
    name: 'Interface Identifier',
    len: 10,
    show: (b, d) => ({
      title: '',
      fields: [f('Interface Identifier', hexRun(b, d, 8).replace(/(..)(?!$)/g, '$1:'), d, 8)],
    }),
  },
  2: IPCP_OPTIONS[2],
};
const CCP_OPTIONS: Record<number, OptionSpec> = {
  18: {
    name: 'Microsoft PPE/PPC',
    len: 6,
    show: (b, d) => {
      const bits = u32(b, d);
      const set = MPPE_BITS.filter(([m]) => bits & m).map(([, n]) => `, ${n}`);
      return { title: '', fields: [f('Supported Bits', `${hex(bits, 8)}${set.join('')}`, d, 4)] };
    },
  },
};
const OPTIONS: Record<string, Record<number, OptionSpec>> = {
  lcp: LCP_OPTIONS,
  ipcp: IPCP_OPTIONS,
  ipv6cp: IPV6CP_OPTIONS,
  ccp: CCP_OPTIONS,
};

/**
 * The options of a Configure-Request, -Ack, -Nak or -Reject from `at` to `stop`, as tshark nests them: an
 * "Options: (N bytes), MRU, Magic Number…" subtree with one child per option (its Type, Length and data fields).
 * An option whose length its type does not allow is named with what is wrong ("Magic Number (with option length =
 * 7 bytes; should be 6)"), one that runs past the options ends them; an unknown one is "Unknown (0x63) (4 bytes)",
 * left out of the list in the title, as tshark does.
 */
function optionsLayer(b: Uint8Array, at: number, stop: number, protocol: string): Layer {
  const specs = OPTIONS[protocol] ?? {};
  const children: Layer[] = [];
  const names: string[] = [];
  for (let p = at; p < stop;) {
    const type = b[p];
    const spec = specs[type];
    const name = spec?.name ?? `Unknown (${hex(type, 2)})`;
    const bad = (why: string, len: number, listed = true) => {
      if (listed && spec) names.push(name);
      children.push({
        protocol: `${protocol}.opt`,
        title: `${name} (${why})`,
        offset: p,
        length: len,
        fields: [],
      });
    };
    if (p + 1 >= stop) {
      bad('length byte past end of options', stop - p, false);
      break;
    }
    const len = b[p + 1];
    const s = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;
    if (len < OPTION_HEADER) {
      bad(`with too-short option length = ${s(len)}`, Math.min(OPTION_HEADER, stop - p), false);
      break;
    }
    if (p + len > stop) {
      bad(`option length = ${s(len)} says option goes past end of options`, 0, false);
      break;
    }
    if (!spec) {
      children.push({
        protocol: `${protocol}.opt`,
        title: `${name} (${s(len)})`,
        offset: p,
        length: len,
        fields: [],
      });
    } else if (spec.atLeast ? len < spec.len : len !== spec.len) {
      bad(`with option length = ${s(len)}; should be ${spec.atLeast ? 'at least ' : ''}${spec.len}`, len);
    } else {
      const shown = spec.show?.(b, p + OPTION_HEADER, len - OPTION_HEADER) ?? { title: '', fields: [] };
      names.push(name);
      children.push({
        protocol: `${protocol}.opt`,
        title: name + shown.title,
        offset: p,
        length: len,
        fields: [f('Type', `${name} (${type})`, p, 1), f('Length', len, p + 1, 1), ...shown.fields],
      });
    }
    p += len;
  }
  // The known options' names, as far as Wireshark's 240-byte label (with its NUL) holds them.
  const title = `Options: (${s2(stop - at)}), ${names.join(', ')}`.slice(0, MAX_LABEL);
  return { protocol: `${protocol}.options`, title, offset: at, length: stop - at, fields: [], children };
}
const s2 = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

/**
 * What a control protocol's message (LCP, IPCP, IPv6CP, CCP) carries after its 4-byte header at `at`, up to `stop`:
 * fields added to `fields` and subtrees returned, as tshark shows them: a configuration message's options; LCP's
 * magic number and data, message or seconds remaining; a rejected protocol (with the rejected message's own layer
 * when it is one `message` reads) or packet; a termination's data.
 */
export function pppControlBody(
  b: Uint8Array,
  at: number,
  stop: number,
  protocol: string,
  fields: LayerField[],
  message: (at: number, stop: number, proto: number) => Layer | null,
): Layer[] {
  const code = b[at];
  let p = at + 4;
  if (p >= stop) return [];
  if (code >= CONF_REQUEST && code <= CONF_REJECT) return [optionsLayer(b, p, stop, protocol)];
  const rest = (name: string) => {
    if (p < stop) fields.push(f(name, hexRun(b, p, stop - p), p, stop - p));
  };
  if (code === TERM_REQUEST || code === TERM_ACK) rest('Data');
  else if (code === CODE_REJECT)
    fields.push(f(`Rejected Packet (${s2(stop - p)})`, hexRun(b, p, stop - p), p, stop - p));
  else if (protocol !== 'lcp') return [];
  else if (code === PROTOCOL_REJECT && p + 2 <= stop) {
    const rejected = u16(b, p);
    fields.push(
      f('Rejected Protocol', `${PPP_PROTOCOLS[rejected] ?? 'Unknown'} (${hex(rejected, 4)})`, p, 2),
    );
    const inner = message(p + 2, stop, rejected);
    return inner ? [inner] : [];
  } else if (code >= ECHO_REQUEST && code <= TIME_REMAINING && p + MAGIC_LEN <= stop) {
    fields.push(f('Magic Number', hex(u32(b, p), 8), p, MAGIC_LEN));
    p += MAGIC_LEN;
    if (code <= DISCARD_REQUEST) rest('Data');
    else {
      if (code === TIME_REMAINING && p + 4 <= stop) {
        fields.push(f('Seconds Remaining', `${u32(b, p)} seconds`, p, 4));
        p += 4;
      }
      if (p < stop && (code === IDENTIFICATION || code === TIME_REMAINING))
        fields.push(f('Message', wiresharkText(b, p, stop - p), p, stop - p));
    }
  }
  return [];
}
