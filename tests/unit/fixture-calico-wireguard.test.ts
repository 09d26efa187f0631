// What the recorded calico-wireguard set holds (tests/fixtures/calico-wireguard, made by the lab's scenario of that
// name: wireguard-go serving wireguard.cali on each node). Read with decode/wireguard.ts: on ens33 nothing between
// the nodes but WireGuard from port 51820 to port 51820, one handshake, then transport data whose counters run
// without a gap, each message carrying (in counter order) the packet its node routed into wireguard.cali; no outer
// datagram is fragmented, which needs wireguard-go to know the device's 1440-byte MTU.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  WG_INITIATION,
  WG_RESPONSE,
  WG_TRANSPORT_DATA,
  wireguardCanCarry,
  wireguardMessage,
  type WireGuardMessage,
} from '../../main/decode/wireguard.ts';
import { FIXTURES } from './correlate-helpers.ts';
import { frames, type Frame } from './decode-helpers.ts';

const DIR = join(FIXTURES, 'calico-wireguard');
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const ETH_HEADER_LEN = 14;
const ETHERTYPE_IPV4 = 0x0800;
// IPv4 (RFC 791 §3.1) and UDP (RFC 768) offsets.
const IP_TOTAL_LEN = 2;
const IP_FLAGS_FRAG = 6;
const IP_PROTO = 9;
const IP_SRC = 12;
const IP_DST = 16;
const IP_MF_OFFSET_MASK = 0x3fff;
const PROTO_UDP = 17;
const UDP_HEADER_LEN = 8;
const WG_PORT = 51820;
const NODE_IP = { 'node-1': '10.1.10.9', 'node-2': '10.1.10.10' } as const;
const POD_BLOCK_PREFIX = { 'node-1': '10.100.84.', 'node-2': '10.100.247.' } as const;
type Node = keyof typeof NODE_IP;

const be16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const ip = (b: Uint8Array, at: number): string => Array.from(b.subarray(at, at + 4)).join('.');

interface Ip4 {
  src: string;
  dst: string;
  proto: number;
  totalLen: number;
  fragmented: boolean;
  /** Offset of the IPv4 header in the frame. */
  at: number;
}

function ipv4(f: Frame): Ip4 | null {
  let at = 0;
  if (f.linkType === LINKTYPE_ETHERNET) {
    if (be16(f.data, 12) !== ETHERTYPE_IPV4) return null;
    at = ETH_HEADER_LEN;
  } else if (f.linkType !== LINKTYPE_RAW || f.data[0] >> 4 !== 4) return null;
  const b = f.data;
  return {
    src: ip(b, at + IP_SRC),
    dst: ip(b, at + IP_DST),
    proto: b[at + IP_PROTO],
    totalLen: be16(b, at + IP_TOTAL_LEN),
    fragmented: (be16(b, at + IP_FLAGS_FRAG) & IP_MF_OFFSET_MASK) !== 0,
    at,
  };
}

interface Sent {
  from: Node;
  msg: WireGuardMessage;
  outerLen: number;
}

/** The WireGuard messages on a node's ens33, in capture order; fails on anything else between the nodes. */
function wireguardOnEns33(node: Node): Sent[] {
  const out: Sent[] = [];
  for (const f of frames(join(DIR, `${node}__ens33.pcap`))) {
    expect(f.linkType).toBe(LINKTYPE_ETHERNET);
    const h = ipv4(f);
    const nodes = Object.values(NODE_IP) as string[];
    if (!h || !nodes.includes(h.src) || !nodes.includes(h.dst)) continue;
    expect(h.fragmented, `${h.src} > ${h.dst} ${h.totalLen} bytes`).toBe(false);
    expect(h.proto).toBe(PROTO_UDP);
    const udp = h.at + 20;
    expect([be16(f.data, udp), be16(f.data, udp + 2)]).toEqual([WG_PORT, WG_PORT]);
    const msg = wireguardMessage(f.data, udp + UDP_HEADER_LEN, f.data.length, be16(f.data, udp + 4) - 8);
    expect(msg).not.toBeNull();
    out.push({ from: h.src === NODE_IP['node-1'] ? 'node-1' : 'node-2', msg: msg!, outerLen: h.totalLen });
  }
  return out;
}

/** IPv4 lengths of the packets a node routed into its wireguard.cali (from its own pod block), in order. */
function routedIntoTunnel(node: Node): number[] {
  return frames(join(DIR, `${node}__wireguard.cali.pcap`))
    .map((f) => {
      expect(f.linkType).toBe(LINKTYPE_RAW);
      return ipv4(f);
    })
    .filter((h): h is Ip4 => h !== null && h.src.startsWith(POD_BLOCK_PREFIX[node]))
    .map((h) => h.totalLen);
}

describe('tests/fixtures/calico-wireguard', () => {
  // Read inside each test, so that what a reading finds wrong fails that test.
  const onEns = (node: Node): Sent[] => wireguardOnEns33(node);

  it('ens33: one handshake started by node-1, then transport data addressed to the index each side chose', () => {
    const [init, resp, ...rest] = onEns('node-1');
    expect([init.from, init.msg.type]).toEqual(['node-1', WG_INITIATION]);
    expect([resp.from, resp.msg.type]).toEqual(['node-2', WG_RESPONSE]);
    expect(resp.msg.receiver).toBe(init.msg.sender);
    expect(rest.length).toBeGreaterThan(20);
    for (const s of rest) {
      expect(s.msg.type).toBe(WG_TRANSPORT_DATA);
      expect(s.msg.receiver).toBe(s.from === 'node-1' ? resp.msg.sender : init.msg.sender);
      expect(s.outerLen).toBeLessThanOrEqual(1500);
    }
    // Both nodes saw the same datagrams.
    expect(onEns('node-2').map((s) => [s.from, s.msg.type, s.msg.counter])).toEqual(
      onEns('node-1').map((s) => [s.from, s.msg.type, s.msg.counter]),
    );
  });

  for (const node of ['node-1', 'node-2'] as const) {
    it(`${node}: each packet routed into wireguard.cali leaves ens33 in one transport data message, counters 0, 1, 2, …`, () => {
      const data = onEns(node).filter((s) => s.from === node && s.msg.type === WG_TRANSPORT_DATA);
      expect(data.map((s) => s.msg.counter)).toEqual(data.map((_, i) => i));
      const packets = routedIntoTunnel(node);
      expect(data).toHaveLength(packets.length);
      packets.forEach((len, i) =>
        expect(
          wireguardCanCarry(data[i].msg.dataLength!, len),
          `#${i}: ${len} in ${data[i].msg.dataLength}`,
        ).toBe(true),
      );
    });
  }

  it('a ping (84 bytes) is padded to 96; a full TCP segment (1440, the MTU) to nothing, its datagram 1500 bytes', () => {
    const lengths = onEns('node-1')
      .filter((s) => s.from === 'node-1' && s.msg.type === WG_TRANSPORT_DATA)
      .map((s) => [s.msg.dataLength, s.outerLen]);
    expect(lengths).toContainEqual([96, 156]);
    expect(lengths.filter(([d]) => d === 1440)).toEqual([
      [1440, 1500],
      [1440, 1500],
      [1440, 1500],
    ]);
  });
});
