// Oracle: tshark decodes every fixture capture and must agree with decodeFields (and the layer walk) on every
// packet's outer and innermost fields: addresses, TTL, IP id, protocol, ports, VNI, ICMP type/id/seq, TCP
// seq/ack/flags, MACs, ARP, Linux cooked header. tshark is installed by scripts/setup-debian.sh.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createPacketFields,
  decodeFields,
  ENCAP_GENEVE,
  ENCAP_VXLAN,
  ipv4ToString,
  ipv6ToString,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  macToString,
  walk,
} from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { tempDir } from '../tempDir.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures');

/** Lab captures plus the recorded edge cases (the synthetic byte-order copies would only repeat them). */
function captures(): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) {
        if (depth < 2) visit(p, depth + 1);
      } else if (
        f.endsWith('.pcap') &&
        (!p.includes(`${path.sep}synthetic${path.sep}`) || p.includes(`${path.sep}edge${path.sep}`))
      ) {
        out.push(p);
      }
    }
  };
  visit(FIX, 0);
  return out.sort();
}

const FIELDS = [
  'ip.src',
  'ip.dst',
  'ip.ttl',
  'ip.id',
  'ip.proto',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'udp.srcport',
  'udp.dstport',
  'vxlan.vni',
  'geneve.vni',
  'icmp.type',
  'icmp.code',
  'icmp.ident',
  'icmp.seq',
  'icmpv6.type',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'eth.src',
  'eth.dst',
  'arp.opcode',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
  'sll.pkttype',
  'sll.ifindex',
  'dns.id',
  'dns.qry.name',
  'dns.a',
  'dns.cname',
] as const;
type Field = (typeof FIELDS)[number];

const tmp = tempDir('hs-oracle-');

/** One tshark run over all captures, concatenated in order (mergecap -a) so it is fast. */
function tsharkRows(files: string[]): Record<Field, string[]>[] {
  const merged = path.join(tmp, 'all.pcapng');
  execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...files]);
  const args = [
    '-r',
    merged,
    '-o',
    'ip.defragment:FALSE',
    '-o',
    'ipv6.defragment:FALSE',
    '-d',
    'udp.port==8472,vxlan',
    '-T',
    'fields',
  ];
  for (const f of FIELDS) args.push('-e', f);
  args.push('-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,');
  const text = execFileSync('tshark', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const cols = line.split('|');
      const row = {} as Record<Field, string[]>;
      FIELDS.forEach((f, i) => (row[f] = cols[i] ? cols[i].split(',') : []));
      return row;
    });
}

const num = (s: string | undefined) => (s === undefined || s === '' ? -1 : Number(s));

describe('tshark agrees with our decoder on every fixture packet', () => {
  const files = captures();
  const rows = tsharkRows(files);
  const packets: { where: string; data: Uint8Array; linkType: number }[] = [];
  for (const file of files) {
    readCaptureFileSync(file, (r) =>
      packets.push({
        where: `${path.relative(FIX, file)}#${r.index + 1}`,
        data: r.data,
        linkType: r.linkType,
      }),
    );
  }

  it('tshark saw the same packets', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(rows.length).toBe(packets.length);
  });

  it('outer and innermost fields match', () => {
    const out = createPacketFields();
    const failures: string[] = [];
    let compared = 0;
    let dnsCompared = 0;
    packets.forEach((p, i) => {
      const t = rows[i];
      decodeFields(p.data, p.linkType, out);
      const chain = walk(p.data, p.linkType);
      const diff = (what: string, ours: unknown, theirs: unknown) => {
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
          failures.push(`${p.where} ${what}: ours ${JSON.stringify(ours)} tshark ${JSON.stringify(theirs)}`);
        }
        compared++;
      };
      // IPv4 headers outermost first (tshark adds any header quoted in an ICMP error after them).
      const v4 = chain.nodes.flatMap((n) => (n.kind === 'ipv4' ? [n.h] : []));
      diff(
        'ip.src',
        v4.map((h) => ipv4ToString(h.src)),
        t['ip.src'].slice(0, v4.length),
      );
      diff(
        'ip.dst',
        v4.map((h) => ipv4ToString(h.dst)),
        t['ip.dst'].slice(0, v4.length),
      );
      diff(
        'ip.ttl',
        v4.map((h) => h.ttl),
        t['ip.ttl'].slice(0, v4.length).map(Number),
      );
      diff(
        'ip.id',
        v4.map((h) => h.id),
        t['ip.id'].slice(0, v4.length).map(Number),
      );
      diff(
        'ip.proto',
        v4.map((h) => h.proto),
        t['ip.proto'].slice(0, v4.length).map(Number),
      );
      // The flat fields: each encapsulation's outer header, then the innermost packet.
      for (let e = 0; e < out.encapCount; e++) {
        if (out.encapOuterSrc[e] < 0) continue;
        diff(`encap${e}.src`, ipv4ToString(out.encapOuterSrc[e]), t['ip.src'][e]);
        diff(`encap${e}.dst`, ipv4ToString(out.encapOuterDst[e]), t['ip.dst'][e]);
        diff(`encap${e}.ttl`, out.encapOuterTtl[e], num(t['ip.ttl'][e]));
      }
      const vxlans = Array.from(out.encapType.subarray(0, out.encapCount)).filter(
        (x) => x === ENCAP_VXLAN,
      ).length;
      // An ICMP error's quote may hold a VXLAN packet too (tests/fixtures/vxlan-pmtu): tshark decodes it, after
      // the packet's own; the decoder does not look inside quotes.
      const quoting = out.proto === 1 && [3, 4, 5, 11, 12].includes(out.icmpType);
      diff(
        'vxlan.vni',
        Array.from(out.encapVni.subarray(0, vxlans)),
        (quoting ? t['vxlan.vni'].slice(0, vxlans) : t['vxlan.vni']).map(Number),
      );
      diff(
        'vxlan ports',
        Array.from(out.encapSrcPort.subarray(0, vxlans)),
        t['udp.srcport'].slice(0, vxlans).map(Number),
      );
      // Geneve (tshark decodes UDP 6081 as Geneve itself), its outer UDP ports among the tunnels' (outermost first).
      const types = Array.from(out.encapType.subarray(0, out.encapCount));
      diff(
        'geneve.vni',
        types.flatMap((x, e) => (x === ENCAP_GENEVE ? [out.encapVni[e]] : [])),
        (quoting
          ? t['geneve.vni'].slice(0, types.filter((x) => x === ENCAP_GENEVE).length)
          : t['geneve.vni']
        ).map(Number),
      );
      const udpTunnels = types.filter((x) => x === ENCAP_VXLAN || x === ENCAP_GENEVE).length;
      diff(
        'geneve ports',
        types.flatMap((x, e) => (x === ENCAP_GENEVE ? [out.encapSrcPort[e], out.encapDstPort[e]] : [])),
        types.flatMap((x, e) =>
          x === ENCAP_GENEVE ? [num(t['udp.srcport'][e]), num(t['udp.dstport'][e])] : [],
        ),
      );
      if (out.ipVersion === 4) {
        const k = out.encapCount;
        diff('inner ip.src', ipv4ToString(out.src), t['ip.src'][k]);
        diff('inner ip.dst', ipv4ToString(out.dst), t['ip.dst'][k]);
        diff('inner ip.ttl', out.ttl, num(t['ip.ttl'][k]));
        diff('inner ip.id', out.ipId, num(t['ip.id'][k]));
        diff('inner ip.proto', out.proto, num(t['ip.proto'][k]));
      } else if (out.ipVersion === 6) {
        diff('ipv6.src', ipv6ToString(p.data, out.src6Offset), t['ipv6.src'][0]);
        diff('ipv6.dst', ipv6ToString(p.data, out.dst6Offset), t['ipv6.dst'][0]);
        diff('ipv6.hlim', out.ttl, num(t['ipv6.hlim'][0]));
      }
      if (out.proto === 17 && out.l4Offset >= 0) {
        diff('udp.srcport', out.srcPort, num(t['udp.srcport'][udpTunnels]));
        diff('udp.dstport', out.dstPort, num(t['udp.dstport'][udpTunnels]));
      }
      if (out.proto === 6 && out.l4Offset >= 0) {
        diff('tcp.ports', [out.srcPort, out.dstPort], [num(t['tcp.srcport'][0]), num(t['tcp.dstport'][0])]);
        diff('tcp.seq/ack', [out.tcpSeq, out.tcpAck], [num(t['tcp.seq_raw'][0]), num(t['tcp.ack_raw'][0])]);
        diff('tcp.flags', out.tcpFlags, num(t['tcp.flags'][0]));
      }
      if (out.proto === 1 && out.l4Offset >= 0) {
        // An error (unreachable, source quench, redirect, time exceeded, parameter problem) has no id or seq of
        // its own: tshark's first ones are then the quoted packet's (an echo's).
        const error = [3, 4, 5, 11, 12].includes(out.icmpType);
        diff(
          'icmp',
          [out.icmpType, out.icmpCode, ...(error ? [] : [out.icmpId, out.icmpSeq])],
          [
            num(t['icmp.type'][0]),
            num(t['icmp.code'][0]),
            ...(error ? [] : [num(t['icmp.ident'][0]), num(t['icmp.seq'][0])]),
          ],
        );
        if (error) expect([out.icmpId, out.icmpSeq]).toEqual([-1, -1]);
      }
      if (out.proto === 58 && out.l4Offset >= 0) diff('icmpv6.type', out.icmpType, num(t['icmpv6.type'][0]));
      const macs = out.hasEth ? [macToString(out.ethSrc)] : [];
      const dmacs = out.hasEth ? [macToString(out.ethDst)] : [];
      if (out.innerEthSrc >= 0) {
        macs.push(macToString(out.innerEthSrc));
        dmacs.push(macToString(out.innerEthDst));
      }
      diff('eth.src', macs, t['eth.src'].slice(0, macs.length));
      diff('eth.dst', dmacs, t['eth.dst'].slice(0, dmacs.length));
      if (out.arpOp >= 0) {
        diff(
          'arp',
          [out.arpOp, ipv4ToString(out.arpSenderIp), ipv4ToString(out.arpTargetIp)],
          [num(t['arp.opcode'][0]), t['arp.src.proto_ipv4'][0], t['arp.dst.proto_ipv4'][0]],
        );
      }
      const dns = chain.nodes.find((n) => n.kind === 'dns');
      if (dns?.kind === 'dns') {
        const m = dns.msg;
        diff('dns.id', m.id, num(t['dns.id'][0]));
        // tshark 4.0 cuts a name with an RFC 2673 bit-string label short ("\\[x0a/8].in-a" for
        // "\\[x0a/8].in-addr.arpa", "\\[" or nothing for others; tests/fixtures/decode-edges/dns.pcap): such names
        // are compared with tcpdump's instead (decode-summary-cuts).
        if (!m.questions.some((q) => q.name.startsWith('\\[x')))
          diff(
            'dns.qry.name',
            m.questions.map((q) => q.name.replace(/\.$/, '')),
            t['dns.qry.name'],
          );
        // tshark's dns.a are every section's A records (the lab's SRV answer has its target's in additionals).
        const records = [...m.answers, ...m.authorities, ...m.additionals];
        diff(
          'dns.a',
          records.filter((a) => a.type === 1).map((a) => a.data),
          t['dns.a'],
        );
        diff(
          'dns.cname',
          m.answers.filter((a) => a.type === 5).map((a) => a.data.replace(/\.$/, '')),
          t['dns.cname'],
        );
        dnsCompared++;
      }
      if (p.linkType === LINKTYPE_LINUX_SLL || p.linkType === LINKTYPE_LINUX_SLL2) {
        diff('sll.pkttype', out.linkPktType, num(t['sll.pkttype'][0]));
        diff('sll.ifindex', out.linkIfIndex, num(t['sll.ifindex'][0]));
      }
    });
    expect(failures.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(5000);
    expect(dnsCompared).toBeGreaterThanOrEqual(4); // the edge capture's queries and answers
  });
});
