// The observation table's narrow columns: every accessor gives back what the decoder produced (-1 for absent)
// on real lab frames, and values that do not fit the narrow encoding (4 GiB offsets, 64 KiB frames, many MAC
// pairs, IPv6 jumbo lengths) widen their column instead of wrapping.

import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { computeIdentity, createIdentity } from '../../main/correlate/identity.ts';
import { ObservationTable } from '../../main/correlate/observations.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { createPacketFields, DEFAULT_DECODE_OPTIONS, type PacketFields } from '../../main/decode/fields.ts';
import { FIXTURES, readPcap } from './correlate-helpers.ts';

const LINKTYPE_AT = 20;

/** Every frame of the files, with its link type (from the pcap header). */
function frames(paths: string[]): { data: Uint8Array; origLen: number; linkType: number }[] {
  return paths.flatMap((p) => {
    const pcap = readPcap(p);
    const linkType = new DataView(pcap.header.buffer, pcap.header.byteOffset).getUint32(LINKTYPE_AT, true);
    return pcap.records.map((r) => ({ data: r.data, origLen: r.origLen, linkType }));
  });
}

// ICMP + VXLAN + ARP (flannel-vxlan), TCP/UDP through kube-proxy NAT, IPIP and SLL (any-calico-ipip), and
// IPv6 NDP/MLD/ICMPv6 (synthetic/edge/veth.pcap).
const SOURCES = [
  join(FIXTURES, 'flannel-vxlan', 'node-1__ens33.pcap'),
  join(FIXTURES, 'flannel-vxlan', 'node-1__veth2053e67d.pcap'),
  join(FIXTURES, 'kube-proxy', 'client__ens33.pcap'),
  join(FIXTURES, 'kube-proxy', 'node-1__cbr0.pcap'),
  join(FIXTURES, 'any-calico-ipip', 'node-1__any.pcap'),
  join(FIXTURES, 'synthetic', 'edge', 'veth.pcap'),
];

/** What the table must give back for a row appended from `f`. */
function expected(f: PacketFields) {
  const arp = f.arpOp >= 0;
  return {
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    ttl: f.ttl,
    proto: f.proto,
    ipId: f.ipId,
    ipLen: f.ipTotalLen,
    icmpType: arp ? f.arpOp : f.icmpType,
    icmpId: f.icmpId,
    icmpSeq: f.icmpSeq,
    tcpFlags: f.tcpFlags,
    // A cooked capture's (SLL/SLL2) source address is kept as well, without a destination.
    ethSrc: f.hasEth || f.linkPktType >= 0 ? f.ethSrc : -1,
    ethDst: f.hasEth ? f.ethDst : -1,
    encapSrc: f.encapCount > 0 ? f.encapOuterSrc[0] : -1,
    innerEthSrc: f.encapCount > 0 ? f.innerEthSrc : -1,
  };
}

function actual(t: ObservationTable, r: number) {
  return {
    srcPort: t.srcPort(r),
    dstPort: t.dstPort(r),
    ttl: t.ttl(r),
    proto: t.proto(r),
    ipId: t.ipId(r),
    ipLen: t.ipLen(r),
    icmpType: t.icmpType(r),
    icmpId: t.icmpId(r),
    icmpSeq: t.icmpSeq(r),
    tcpFlags: t.tcpFlags(r),
    ethSrc: t.ethSrc(r),
    ethDst: t.ethDst(r),
    encapSrc: t.encap(r, 1),
    innerEthSrc: t.encap(r, 7),
  };
}

describe('ObservationTable narrow columns', () => {
  it('give back every decoded field of real lab frames, -1 where the decoder had none', () => {
    const all = frames(SOURCES);
    // Capacity 16: the columns grow (by copying) many times on the way.
    const t = new ObservationTable(16);
    const f = createPacketFields();
    const id = createIdentity();
    const want: ReturnType<typeof expected>[] = [];
    const v6: boolean[] = [];
    const seen = { absentPort: 0, port: 0, arp: 0, ipv6: 0, vxlan: 0, tcp: 0, sll: 0 };
    all.forEach((fr, i) => {
      decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
      computeIdentity(f, fr.data, id);
      t.append(i % 3, i * 1000, fr.data.length, fr.origLen, 0, i, f, id);
      want.push(expected(f));
      v6.push(f.ipVersion === 6);
      if (f.srcPort < 0) seen.absentPort++;
      else seen.port++;
      if (f.arpOp >= 0) seen.arp++;
      if (f.ipVersion === 6) seen.ipv6++;
      if (f.encapCount > 0) seen.vxlan++;
      if (f.tcpFlags >= 0) seen.tcp++;
      if (fr.linkType !== 1) seen.sll++;
    });
    // The sources really cover each kind of row (else this test would prove less than it says).
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(0);
    expect(t.length).toBe(all.length);
    for (let r = 0; r < t.length; r++) {
      expect(actual(t, r), `row ${r}`).toEqual(want[r]);
      expect(t.fileOffset[r]).toBe(r * 1000);
      expect(t.caplen[r]).toBe(all[r].data.length);
      expect(t.origLen[r]).toBe(all[r].origLen);
      expect(t.isIpv6(r)).toBe(v6[r]);
    }
  });

  it('shares columns between fields no row has together, and compares rows by the fields they have', () => {
    // Real frames: an ICMP echo (flannel-vxlan veth) and a TCP segment (kube-proxy), then variants of each.
    const icmp = frames([SOURCES[1]]).find((fr) => {
      const f = createPacketFields();
      decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
      return f.icmpType === 8;
    })!;
    const tcp = frames([SOURCES[2]]).find((fr) => {
      const f = createPacketFields();
      decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
      return f.tcpFlags >= 0;
    })!;
    const t = new ObservationTable(4);
    const id = createIdentity();
    const row = (fr: typeof icmp, change: Partial<PacketFields> = {}) => {
      const f = createPacketFields();
      decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
      Object.assign(f, change);
      return t.append(0, 0, 60, 60, 0, 0, f, id);
    };
    const e0 = row(icmp);
    const e1 = row(icmp, { icmpId: 4242 }); // another ping process: same addresses, no ports
    const s0 = row(tcp);
    const s1 = row(tcp, { tcpFlags: 0x18 }); // another segment's flags: the same conversation
    const s2 = row(tcp, { srcPort: 1 });
    // Both kinds in one row (no decoder gives that): the ICMP ones kept aside, read back exact.
    const d0 = row(tcp, { icmpType: 8, icmpId: 7, icmpSeq: 9 });
    const d1 = row(tcp, { icmpType: 8, icmpId: 8, icmpSeq: 9 });
    expect([t.srcPort(e0), t.icmpId(e1), t.icmpType(s0), t.tcpFlags(s1)]).toEqual([-1, 4242, -1, 0x18]);
    expect([t.srcPort(d0), t.icmpType(d0), t.icmpId(d0), t.icmpSeq(d0)]).toEqual([t.srcPort(s0), 8, 7, 9]);
    expect(t.tcpFlags(d0)).toBe(t.tcpFlags(s0));
    // sameInner: TTL, addresses, ports, and the ICMP id where there are no ports (SNAT remaps it as a port: two
    // echoes differing only there are two packets, not a duplicated frame).
    expect(t.sameInner(e0, e1)).toBe(false);
    expect(t.sameInner(e0, row(icmp))).toBe(true);
    expect(t.sameInner(s0, s2)).toBe(false);
    // sameTuple: the ICMP id is part of an echo's tuple; TCP flags are not part of a conversation's.
    expect(t.sameTuple(e0, e1)).toBe(false);
    expect(t.sameTuple(s0, s1)).toBe(true);
    expect(t.sameTuple(s0, s2)).toBe(false);
    expect(t.sameTuple(d0, d1)).toBe(false);
    expect(t.sameTuple(d0, row(tcp, { icmpType: 8, icmpId: 7, icmpSeq: 9 }))).toBe(true);
  });

  it('keeps extreme values exact: 0 and 65535 are not "absent", over-wide ones are not wrapped', () => {
    const fr = frames([SOURCES[0]])[2];
    const f = createPacketFields();
    const id = createIdentity();
    const t = new ObservationTable(4);
    const cases: Partial<PacketFields>[] = [
      { srcPort: 0, dstPort: 65535, ttl: 0, proto: 0, ipId: 0, ipTotalLen: 0, icmpId: 0, icmpSeq: 65535 },
      { srcPort: 65535, dstPort: 0, ttl: 255, proto: 255, ipId: 65535, ipTotalLen: 65535, tcpFlags: 0x1ff },
      { ipTotalLen: 65575, icmpType: 255 }, // an IPv6 packet of the largest payload length: 65,535 + 40
      { ipTotalLen: 70000, icmpId: 65535 },
    ];
    for (const c of cases) {
      decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
      Object.assign(f, c);
      t.append(0, 0, 0, 0, 0, 0, f, id);
    }
    // An ARP opcode past Int16's range (the old Int16 column wrapped it negative).
    decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
    f.arpOp = 40000;
    t.append(0, 0, 0, 0, 0, 0, f, id);
    const read = (r: number, k: string) =>
      (t as unknown as Record<string, (r: number) => number>)[k].call(t, r);
    const names: Record<string, string> = { ipTotalLen: 'ipLen' };
    cases.forEach((c, r) => {
      for (const [k, v] of Object.entries(c)) expect(read(r, names[k] ?? k), `row ${r} ${k}`).toBe(v);
    });
    expect(t.icmpType(4)).toBe(40000);
  });

  it('widens fileOffset past 4 GiB, lengths past 64 KiB and MAC-pair ids past 65,535, keeping earlier rows', () => {
    const fr = frames([SOURCES[1]])[2];
    const f = createPacketFields();
    const id = createIdentity();
    decodeFields(fr.data, fr.linkType, f, DEFAULT_DECODE_OPTIONS);
    const t = new ObservationTable(1024);
    const pairs = 70_000;
    const srcBase = f.ethSrc;
    for (let i = 0; i < pairs; i++) {
      f.ethSrc = srcBase + i; // distinct MAC pairs: the 65,536th id no longer fits 16 bits
      const big = i === pairs - 2;
      t.append(0, big ? 5 * 2 ** 32 + 7 : i * 100, big ? 200_000 : 98, big ? 262_144 : 98, 0, i, f, id);
    }
    expect(t.fileOffset).toBeInstanceOf(Float64Array);
    expect(t.caplen).toBeInstanceOf(Uint32Array);
    expect(t.fileOffset[pairs - 2]).toBe(5 * 2 ** 32 + 7);
    expect(t.caplen[pairs - 2]).toBe(200_000);
    expect(t.origLen[pairs - 2]).toBe(262_144);
    for (const r of [0, 1, 65_534, 65_535, 65_536, pairs - 3, pairs - 1]) {
      expect(t.ethSrc(r)).toBe(srcBase + r);
      expect(t.ethDst(r)).toBe(f.ethDst);
      expect(t.fileOffset[r]).toBe(r * 100);
      expect(t.caplen[r]).toBe(98);
    }
  });
});
