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
