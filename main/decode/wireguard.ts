// WireGuard's four messages (the WireGuard whitepaper, §5.4), carried in UDP: Calico's `wireguard.cali` and
// flannel's `flannel-wg` use port 51820, Cilium's `cilium_wg0` 51871. tcpdump 4.99 has no printer for them (its
// line stays "UDP, length N"); tshark calls them "Handshake Initiation", "Handshake Response", "Cookie Reply" and
// "Transport Data, receiver=0x…, counter=N, datalen=M".
//
//   | type (1) | reserved, zero (3) | ...
//   initiation (148 bytes): sender (4) | ephemeral (32) | static (48) | timestamp (28) | mac1 (16) | mac2 (16)
//   response (92 bytes):    sender (4) | receiver (4) | ephemeral (32) | empty (16) | mac1 (16) | mac2 (16)
//   cookie reply (64):      receiver (4) | nonce (24) | cookie (32)
//   transport data (≥ 32):  receiver (4) | counter (8, little-endian) | the packet, encrypted | tag (16)
//
// The packet is padded with zeros to a multiple of 16 bytes, but never past the tunnel device's MTU: a packet at
// an MTU that is not a multiple of 16 (1420, wg-quick's and flannel's) goes unpadded, so the encrypted part can be
// any length (tests/fixtures/wireguard: datalen 1420).
//
// The receiver and sender indices are written little-endian on the wire; tshark shows them as the 32-bit number
// read that way.

import { hexRun } from './format.ts';

export const WIREGUARD_PORTS: readonly number[] = [51820, 51871];

export const WG_INITIATION = 1;
export const WG_RESPONSE = 2;
export const WG_COOKIE_REPLY = 3;
export const WG_TRANSPORT_DATA = 4;

/** The bytes a transport data message adds around the encrypted packet: its 16-byte header and 16-byte tag. */
export const WG_DATA_OVERHEAD = 32;

export interface WireGuardMessage {
  type: 1 | 2 | 3 | 4;
  /** The sender index (initiation, response), or null. */
  sender: number | null;
  /** The receiver index (response, cookie reply, transport data), or null. */
  receiver: number | null;
  /** Transport data's counter (a 64-bit nonce; exact up to 2^53), or null. */
  counter: number | null;
  /** Transport data's encrypted packet length without the tag (the padded plaintext: tshark's datalen), or null. */
  dataLength: number | null;
}

function le32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** Whether `port` is one WireGuard listens on in the CNIs above. */
export function isWireGuardPort(port: number): boolean {
  return port === 51820 || port === 51871;
}

/**
 * The WireGuard message in `b[at, end)` (a UDP payload), or null when it is not one: an unknown type, non-zero
 * reserved bytes, or a length other than its type's (transport data: at least 32 bytes, as tshark asks; not always
 * a multiple of 16, see above). `end` is how far the payload was captured; `length` is its length on the wire (the
 * UDP length less 8), which a snap length may have cut.
 */
export function wireguardMessage(
  b: Uint8Array,
  at: number,
  end: number,
  length: number,
): WireGuardMessage | null {
  if (end - at < 4 || b[at + 1] !== 0 || b[at + 2] !== 0 || b[at + 3] !== 0) return null;
  const type = b[at];
  const has = (n: number): boolean => end - at >= n;
  switch (type) {
    case WG_INITIATION:
      if (length !== 148) return null;
      return {
        type,
        sender: has(8) ? le32(b, at + 4) : null,
        receiver: null,
        counter: null,
        dataLength: null,
      };
    case WG_RESPONSE:
      if (length !== 92) return null;
      return {
        type,
        sender: has(8) ? le32(b, at + 4) : null,
        receiver: has(12) ? le32(b, at + 8) : null,
        counter: null,
        dataLength: null,
      };
    case WG_COOKIE_REPLY:
      if (length !== 64) return null;
      return {
        type,
        sender: null,
        receiver: has(8) ? le32(b, at + 4) : null,
        counter: null,
        dataLength: null,
      };
    case WG_TRANSPORT_DATA:
      if (length < WG_DATA_OVERHEAD) return null;
      return {
        type,
        sender: null,
        receiver: has(8) ? le32(b, at + 4) : null,
        counter: has(16) ? le32(b, at + 8) + le32(b, at + 12) * 0x1_0000_0000 : null,
        dataLength: length - WG_DATA_OVERHEAD,
      };
    default:
      return null;
  }
}

/**
 * Whether a transport data message whose encrypted packet is `dataLength` bytes (tshark's datalen) can carry an IP
 * packet of `packetLength` bytes: WireGuard pads the packet with zeros to a multiple of 16, but never past the
 * device's MTU (so a packet of the MTU's size, not a multiple of 16, goes unpadded or padded up to the MTU).
 * A keepalive carries nothing (`dataLength` 0).
 */
export function wireguardCanCarry(dataLength: number, packetLength: number): boolean {
  if (packetLength <= 0 || dataLength < packetLength) return false;
  const padded = (packetLength + 15) & ~15;
  return dataLength === padded || (dataLength < padded && dataLength >= packetLength);
}

/** tshark's names of the four messages ("Type: Handshake Initiation (1)"). */
export const WG_TYPE_NAMES: Record<number, string> = {
  [WG_INITIATION]: 'Handshake Initiation',
  [WG_RESPONSE]: 'Handshake Response',
  [WG_COOKIE_REPLY]: 'Cookie Reply',
  [WG_TRANSPORT_DATA]: 'Transport Data',
};

const TYPE = 0;
const RESERVED = 1;
/** Where transport data's encrypted packet starts (after type, reserved, receiver and counter). */
const DATA_PACKET = 16;
const TAG_LEN = 16;

/** How a field's bytes are shown: a 32-bit index, a 64-bit counter, a key in base64, bytes in hex, or only a size. */
type Show = 'index' | 'counter' | 'base64' | 'hex' | 'size';

/** Each message's fields after type and reserved: tshark's name, offset in the message, length, how it is shown. */
const WG_LAYOUTS: Record<number, readonly [string, number, number, Show][]> = {
  [WG_INITIATION]: [
    ['Sender', 4, 4, 'index'],
    ['Ephemeral', 8, 32, 'base64'],
    ['Encrypted Static', 40, 48, 'size'],
    ['Encrypted Timestamp', 88, 28, 'size'],
    ['mac1', 116, 16, 'hex'],
    ['mac2', 132, 16, 'hex'],
  ],
  [WG_RESPONSE]: [
    ['Sender', 4, 4, 'index'],
    ['Receiver', 8, 4, 'index'],
    ['Ephemeral', 12, 32, 'base64'],
    ['Encrypted Empty', 44, 16, 'size'],
    ['mac1', 60, 16, 'hex'],
    ['mac2', 76, 16, 'hex'],
  ],
  [WG_COOKIE_REPLY]: [
    ['Receiver', 4, 4, 'index'],
    ['Nonce', 8, 24, 'hex'],
    ['Encrypted Cookie', 32, 32, 'hex'],
  ],
  [WG_TRANSPORT_DATA]: [
    ['Receiver', 4, 4, 'index'],
    ['Counter', 8, 8, 'counter'],
  ],
};

export interface WireGuardField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i += 3) {
    const n =
      (b[at + i] << 16) | ((i + 1 < len ? b[at + i + 1] : 0) << 8) | (i + 2 < len ? b[at + i + 2] : 0);
    s += BASE64[n >> 18] + BASE64[(n >> 12) & 63];
    s += i + 1 < len ? BASE64[(n >> 6) & 63] : '=';
    s += i + 2 < len ? BASE64[n & 63] : '=';
  }
  return s;
}

function show(b: Uint8Array, at: number, len: number, how: Show): string {
  switch (how) {
    case 'index':
      return `0x${le32(b, at).toString(16).padStart(8, '0')}`;
    case 'counter':
      return ((BigInt(le32(b, at + 4)) << 32n) | BigInt(le32(b, at))).toString();
    case 'base64':
      return base64(b, at, len);
    case 'hex':
      return hexRun(b, at, len);
    case 'size':
      return `${len} bytes`;
  }
}

/**
 * The WireGuard message in `b[at, end)` (a UDP payload of `length` bytes on the wire; see wireguardMessage) as
 * tshark's detail shows it: title "WireGuard Protocol", then Type, Reserved and the message's fields whose bytes
 * were captured, with tshark's names and values (indices as 0x…, the ephemeral key in base64, MACs, nonce and
 * cookie in hex). The encrypted parts tshark shows without a value (Encrypted Static, Timestamp, Empty, Packet)
 * say their size here; the Encrypted Packet, which includes the 16-byte tag, says its datalen (tshark's Info:
 * the padded packet's length) or that it is a keepalive. Null when it is not a WireGuard message.
 */
export function wireguardFields(
  b: Uint8Array,
  at: number,
  end: number,
  length: number,
): { title: string; fields: WireGuardField[]; length: number } | null {
  const m = wireguardMessage(b, at, end, length);
  if (!m) return null;
  const cap = Math.min(end, b.length, at + length);
  const fields: WireGuardField[] = [];
  const add = (name: string, o: number, len: number, value: () => string) => {
    if (at + o + len <= cap) fields.push({ name, value: value(), offset: at + o, length: len });
  };
  add('Type', TYPE, 1, () => `${WG_TYPE_NAMES[m.type]} (${m.type})`);
  add('Reserved', RESERVED, 3, () => hexRun(b, at + RESERVED, 3));
  for (const [name, o, len, how] of WG_LAYOUTS[m.type]) add(name, o, len, () => show(b, at + o, len, how));
  if (m.type === WG_TRANSPORT_DATA && m.dataLength !== null) {
    const data = m.dataLength;
    add('Encrypted Packet', DATA_PACKET, data + TAG_LEN, () =>
      data ? `datalen=${data} and a ${TAG_LEN}-byte tag` : `keepalive, datalen=0 and a ${TAG_LEN}-byte tag`,
    );
  }
  return { title: 'WireGuard Protocol', fields, length: cap - at };
}

/**
 * The counter of a transport data message in `b[at, end)` carrying a packet (not a keepalive), as
 * wireguardMessage reads it, or -1 when the payload is not one or its counter was not captured. Allocates nothing:
 * the correlator asks it of every datagram on WireGuard's ports.
 */
export function transportDataCounter(b: Uint8Array, at: number, end: number, length: number): number {
  if (end - at < 16 || b[at] !== WG_TRANSPORT_DATA || b[at + 1] !== 0 || b[at + 2] !== 0 || b[at + 3] !== 0)
    return -1;
  // Any length past the overhead: padding stops at the device MTU, which need not be a multiple of 16.
  if (length <= WG_DATA_OVERHEAD) return -1;
  return le32(b, at + 8) + le32(b, at + 12) * 0x1_0000_0000;
}
