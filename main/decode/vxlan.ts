// vxlan.ts — RFC 7348 §5. Flannel uses UDP 8472, IANA 4789; ports come from DecodeOptions.
//  0 |R|R|R|R|I|R|R|R|               Reserved                        |
//  4 |               VXLAN Network Identifier (VNI)  |   Reserved    |
//  8 | inner Ethernet frame …
import { need, ok, NEXT_ETHERNET, type Step } from './result.ts';

export const VXLAN_HEADER_LEN = 8;
const FLAGS = 0;
const VNI = 4;
export const VXLAN_FLAG_I = 0x08;

export interface VxlanHeader {
  flags: number;
  vni: number;
  /** The I flag: the VNI is valid. */
  vniValid: boolean;
}

export function newVxlanHeader(): VxlanHeader {
  return { flags: 0, vni: -1, vniValid: false };
}

export function decodeVxlan(b: Uint8Array, at: number, lim: number, h: VxlanHeader, s: Step): boolean {
  if (!need(b, at, VXLAN_HEADER_LEN, lim, s, 'vxlan')) return false;
  h.flags = b[at + FLAGS];
  h.vni = (b[at + VNI] << 16) | (b[at + VNI + 1] << 8) | b[at + VNI + 2];
  h.vniValid = (h.flags & VXLAN_FLAG_I) !== 0;
  return ok(s, at + VXLAN_HEADER_LEN, lim, NEXT_ETHERNET);
}

export const VXLAN_OFFSETS = { FLAGS, VNI };

/**
 * A lookup of configured UDP ports: a 64 Ki table per options array, cached (dispatch is data). One cache per
 * tunnel kind, so VXLAN's and Geneve's arrays do not evict each other packet after packet.
 */
export function portTableCache(): (ports: readonly number[]) => Uint8Array {
  const tables = new WeakMap<readonly number[], Uint8Array>();
  let lastPorts: readonly number[] | null = null;
  let lastTable: Uint8Array = NO_PORTS;
  return (ports) => {
    // The same options object packet after packet: skip the WeakMap lookup.
    if (ports === lastPorts) return lastTable;
    // Options can arrive from the UI over IPC: anything but a list of ports selects none.
    if (!Array.isArray(ports)) return NO_PORTS;
    let t = tables.get(ports);
    if (!t) {
      t = new Uint8Array(65536);
      for (const p of ports) if (Number.isInteger(p) && p >= 0 && p < 65536) t[p] = 1;
      tables.set(ports, t);
    }
    lastPorts = ports;
    lastTable = t;
    return t;
  };
}
const NO_PORTS = new Uint8Array(65536);

/** The 64 Ki lookup table of the configured VXLAN ports. */
export const vxlanPortTable = portTableCache();
