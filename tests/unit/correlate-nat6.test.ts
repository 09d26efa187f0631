// IPv6 through real kernel NAT (tests/fixtures/nat6: ip6tables DNAT [fd77::20]:30080 → [fd44::5]:8080 and
// MASQUERADE on one node, captured on its client-side `ens33` and pod-side `veth1`). IPv6 has no IP id: each packet
// must still be one journey across the NAT, on the fields NAT leaves alone, with the rewrites as nat-dst/nat-src,
// and the flows must pair as IPv4's do (tests/fixtures/nat-icmp): the TCP connection one flow, and each ICMPv6 port
// unreachable, rewritten back by conntrack (its quote too), a reply in the flow of the datagram it answers.

import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { ObservationTable } from '../../main/correlate/observations.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { correlate, fixtureFiles, pushedLanes } from './correlate-helpers.ts';

const FILES = fixtureFiles('nat6');
const TCP = 6;
const UDP = 17;
const ICMPV6 = 58;

/** The fixture through the session's ingest, hop addresses read back from the frames. */
function load(): { res: CorrelationResult; frames: FrameSource } {
  const res = correlate(FILES);
  return { res, frames: new FrameSource(res) };
}

/** The fixture pushed lane by lane into a Correlator over `obs` (pushedLanes). */
function pushed(obs?: ObservationTable): CorrelationResult {
  return pushedLanes(FILES, obs);
}

/** Journey k as one line: each hop's lane, addresses (and ports), hop limit and changes. */
function line(res: CorrelationResult, k: number): string {
  return res
    .hops(k)
    .map((h) => {
      const ends =
        h.srcPort === null ? `${h.src} > ${h.dst}` : `${h.src}.${h.srcPort} > ${h.dst}.${h.dstPort}`;
      const changes = h.changes.length ? ` [${h.changes.join(' ')}]` : '';
      return `${h.node}/${h.iface} ${ends} hl ${h.ttl}${changes}`;
    })
    .join(' | ');
}

const journeys = (res: CorrelationResult) => [...Array(res.journeyCount).keys()];
const ofProto = (res: CorrelationResult, proto: number) =>
  journeys(res).filter((k) => res.rows.proto(res.firstRow(k)) === proto);

const NAT_IN =
  'node-1/ens33 fd77::10.40001 > fd77::20.30080 hl 64 | ' +
  'node-1/veth1 fd44::1.40001 > fd44::5.8080 hl 63 [mac ttl nat-dst nat-src]';
const NAT_OUT =
  'node-1/veth1 fd44::5.8080 > fd44::1.40001 hl 64 | ' +
  'node-1/ens33 fd77::20.30080 > fd77::10.40001 hl 63 [mac ttl nat-dst nat-src]';

describe('IPv6 through ip6tables DNAT + MASQUERADE (nat6)', () => {
  it('pings routed to the pod: one journey each, ens33 to veth1 or back, the hop limit decremented, no NAT', () => {
    const { res, frames } = load();
    try {
      const pings = ofProto(res, ICMPV6).filter((k) => res.rows.icmpType(res.firstRow(k)) >= 128);
      expect(pings.map((k) => line(res, k))).toEqual(
        [1, 2, 3].flatMap(() => [
          'node-1/ens33 fd77::10 > fd44::5 hl 64 | node-1/veth1 fd77::10 > fd44::5 hl 63 [mac ttl]',
          'node-1/veth1 fd44::5 > fd77::10 hl 64 | node-1/ens33 fd44::5 > fd77::10 hl 63 [mac ttl]',
        ]),
      );
      expect(pings.map((k) => res.rows.icmpType(res.firstRow(k)))).toEqual([128, 129, 128, 129, 128, 129]);
      // One flow per sequence number: each request with its reply.
      const flows = pings.map((k) => res.flowOf[k]);
      expect(flows).toEqual([flows[0], flows[0], flows[2], flows[2], flows[4], flows[4]]);
      expect(new Set(flows).size).toBe(3);
      expect(pings.map((k) => res.flowRole(k))).toEqual([
        'request',
        'reply',
        'request',
        'reply',
        'request',
        'reply',
      ]);
    } finally {
      frames.close();
    }
  });

  it('each segment of the TCP connection crosses the NAT as one journey, the connection one flow', () => {
    const { res, frames } = load();
    try {
      const tcp = ofProto(res, TCP);
      // Handshake, the request and the response with their ACKs, a FIN each way and their ACKs (how the close
      // interleaves varies between recordings).
      expect(tcp.length).toBeGreaterThanOrEqual(10);
      const fromClient = tcp.filter((k) => res.hops(k)[0].iface === 'ens33');
      expect(fromClient.map((k) => line(res, k))).toEqual(fromClient.map(() => NAT_IN));
      const fromPod = tcp.filter((k) => res.hops(k)[0].iface === 'veth1');
      expect(fromPod.map((k) => line(res, k))).toEqual(fromPod.map(() => NAT_OUT));
      expect(fromClient.length + fromPod.length).toBe(tcp.length);
      expect([fromClient[0], fromPod[0]]).toEqual([tcp[0], tcp[1]]); // SYN, SYN-ACK
      expect(fromPod.length).toBeGreaterThanOrEqual(4);
      expect(new Set(tcp.map((k) => res.flowOf[k])).size).toBe(1);
      for (const k of fromClient) expect(res.flowRole(k)).toBe('request');
      for (const k of fromPod) expect(res.flowRole(k)).toBe('reply');
    } finally {
      frames.close();
    }
  });

  it('an ICMPv6 port unreachable rewritten by conntrack (its quote too) is one journey, in its datagram’s flow', () => {
    const { res, frames } = load();
    try {
      const udp = ofProto(res, UDP);
      const errors = ofProto(res, ICMPV6).filter((k) => res.rows.icmpType(res.firstRow(k)) === 1);
      expect(udp.map((k) => line(res, k))).toEqual(
        udp.map(
          () =>
            'node-1/ens33 fd77::10.40000 > fd77::20.30080 hl 64 | ' +
            'node-1/veth1 fd44::1.40000 > fd44::5.8080 hl 63 [mac ttl nat-dst nat-src]',
        ),
      );
      expect(errors.map((k) => line(res, k))).toEqual(
        udp.map(
          () =>
            'node-1/veth1 fd44::5 > fd44::1 hl 64 | node-1/ens33 fd77::20 > fd77::10 hl 63 [mac ttl nat-dst nat-src]',
        ),
      );
      expect(errors).toHaveLength(2);
      for (const [i, k] of errors.entries()) {
        expect(k).toBe(udp[i] + 1); // each datagram's error right after it
        expect(res.flowOf[k]).toBe(res.flowOf[udp[0]]);
        expect(res.flowRole(k)).toBe('reply');
        expect(res.flowRole(udp[i])).toBe('request');
        // A journey that ends on veth1 names its last hop's destination MAC a pod: split at the NAT, the error's
        // first half named the node's own veth1 one.
        expect(res.hops(k)[0].eth).toMatchObject({ srcOwner: 'pod behind node-1/veth1', dstOwner: null });
      }
      // Apart from the TCP connection's flow (the same client and node port, another protocol).
      expect(res.flowOf[udp[0]]).not.toBe(res.flowOf[ofProto(res, TCP)[0]]);
    } finally {
      frames.close();
    }
  });

  it('the same journeys and flows from the rows’ tuples and from the published row store’s paths', () => {
    const fast = pushed();
    const walked = pushed(ObservationTable.published());
    for (const res of [fast, walked]) {
      // Every packet (pings, TCP segments, datagrams and their errors) one journey of two hops.
      expect(res.journeyCount).toBe(res.rowCount / 2);
      for (const k of journeys(res)) expect(res.journeyRows(k)).toHaveLength(2);
      expect(res.flowCount).toBe(5);
    }
    expect(Array.from(walked.flowOf)).toEqual(Array.from(fast.flowOf));
  });
});

/** fd00::N as 16 bytes. */
const addr6 = (n: number) => [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n >> 8, n & 0xff];

/**
 * Ethernet + IPv6 (flow label 0, as most stacks other than Linux send) + ICMPv6 port unreachable from `from` to
 * `to`, quoting a UDP datagram `to`:5353 → `quotedDst`:53 carrying `payload` (checksums left 0).
 */
function portUnreachable(from: number, to: number, quotedDst: number, payload: string): Uint8Array {
  const udp = 8 + payload.length;
  const icmp = 8 + 40 + udp;
  const b = new Uint8Array(14 + 40 + icmp);
  const dv = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, 0x86dd);
  const ip6 = (at: number, len: number, next: number, hops: number, src: number, dst: number) => {
    b[at] = 0x60;
    dv.setUint16(at + 4, len);
    b[at + 6] = next;
    b[at + 7] = hops;
    b.set(addr6(src), at + 8);
    b.set(addr6(dst), at + 24);
  };
  ip6(14, icmp, ICMPV6, 64, from, to);
  b[54] = 1; // destination unreachable
  b[55] = 4; // port unreachable
  ip6(62, udp, UDP, 63, to, quotedDst);
  dv.setUint16(102, 5353);
  dv.setUint16(104, 53);
  dv.setUint16(106, udp);
  b.set(new TextEncoder().encode(payload), 110);
  return b;
}

describe('ICMPv6 errors, whose key has no addresses (NAT rewrites them)', () => {
  it('two hosts’ errors for two datagrams of one size on one lane, 1 ms apart: two journeys, two flows', () => {
    // A resolver's queries to two dead servers, answered at once: only the quoted payloads differ in what NAT
    // leaves alone (the addresses and ports in the error and in its quote are what a NAT rewrites).
    const c = new Correlator({}, decodeFields);
    const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
    const a = portUnreachable(0xa, 1, 0xa, 'query 1 to a....');
    const b = portUnreachable(0xb, 1, 0xb, 'query 2 to b....');
    c.pushFrame(eth0, 0, 1_700_000_000, 0, a.length, a);
    c.pushFrame(eth0, 0, 1_700_000_000, 1_000_000, b.length, b);
    const res = c.result();
    expect(res.journeyCount).toBe(2);
    expect(res.flowCount).toBe(2);
  });

  it('an error cut by the snaplen inside its quote’s payload still joins its full copy across the NAT', () => {
    const c = new Correlator({}, decodeFields);
    const eth1 = c.addCapture({ node: 'n1', iface: 'eth1', linkType: 1 });
    const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
    // From the pod to the node's address, then rewritten back to the client (the quote with it).
    const inside = portUnreachable(0x44, 0x20, 0x44, 'hello, a payload');
    const outside = portUnreachable(0x20, 0x10, 0x20, 'hello, a payload');
    c.pushFrame(eth1, 0, 1_700_000_000, 0, inside.length, inside);
    c.pushFrame(eth0, 0, 1_700_000_000, 5_000, outside.length, outside.subarray(0, 114));
    const res = c.result();
    expect(res.journeyCount).toBe(1);
    expect(res.hops(0).map((h) => h.changes)).toEqual([[], ['nat-dst', 'nat-src']]);
  });
});
