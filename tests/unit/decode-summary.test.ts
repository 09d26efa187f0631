// Our one-line summaries against what tcpdump itself prints for every fixture packet (tcpdump -S -n, and
// with -e for the link level), continuation lines (VXLAN's inner frame) joined with a space.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, summarize } from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures');

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

/**
 * tcpdump's lines per packet, without the timestamp, continuation lines joined with a space (a hex dump's lines
 * without their tab, as our summaries join them).
 */
function tcpdumpLines(file: string, link: boolean): string[] {
  const args = ['-S', '-n', '-r', file];
  if (link) args.unshift('-e');
  const text = execFileSync('tcpdump', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^\d\d:\d\d:\d\d\.\d+ (.*)$/.exec(line);
    if (m) out.push(m[1]);
    else
      out[out.length - 1] +=
        ` ${line.replace(/^\t(?=0x[0-9a-f]{4}: )|^\t\t(?=\[(gap ack block|dup TSN) #)/, '')}`;
  }
  return out;
}

/**
 * The one thing our summaries do not print as tcpdump does: SNMP (either port 161 or 162), whose ASN.1 tcpdump
 * decodes and ours leaves as "UDP, length N". Every other line of every fixture is compared.
 */
const NOT_CLAIMED = /\.16[12](: | > )/;

describe('summaries match tcpdump', () => {
  const files = captures();
  let icmpLines = 0;
  let skipped = 0;

  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s', (_name, file) => {
    const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
    readCaptureFileSync(file, (r) => recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }));
    for (const link of [false, true]) {
      const theirs = tcpdumpLines(file, link);
      expect(theirs.length).toBe(recs.length);
      let icmp = 0;
      recs.forEach((r, i) => {
        let t = theirs[i];
        // SLL2 carries an ifindex; tcpdump names it from the reading machine's interfaces (padded to 5), we
        // print '?' (padded the same way).
        if (r.linkType === LINKTYPE_LINUX_SLL2) t = t.replace(/^\S+ +/, '?     ');
        if (NOT_CLAIMED.test(t)) {
          skipped++;
          return;
        }
        if (t.includes('ICMP')) icmp++;
        const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
        expect({ packet: i + 1, link, line: ours }).toEqual({ packet: i + 1, link, line: t });
      });
      icmpLines += icmp;
    }
  });

  it("ip-protocols: GRE, ESP, AH, SCTP, PIM, OSPF, VRRP and BPDU lines are all tcpdump's", () => {
    // Every packet of the fixture, not only the claimed ones: none may be left as ip-proto-N or an ethertype.
    const file = path.join(FIX, 'ip-protocols', 'ip-protocols.pcap');
    const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
    readCaptureFileSync(file, (r) => recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }));
    for (const link of [false, true]) {
      // Exactly: the SCTP lines end in a space, as tcpdump's do (ours did not).
      const theirs = tcpdumpLines(file, link);
      expect(theirs.length).toBe(recs.length);
      recs.forEach((r, i) => {
        const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
        expect({ packet: i + 1, link, line: ours }).toEqual({ packet: i + 1, link, line: theirs[i] });
      });
    }
    const all = tcpdumpLines(file, true).join('\n');
    for (const what of [
      'GREv0, proto IPv4',
      'GREv0, key=0x61, seq 5, proto IPv6',
      'proto TEB',
      'ESP(spi=',
      'AH(spi=',
      ': sctp (1) [INIT]',
      ', (2) [DATA]',
      'PIMv2, Hello',
      'OSPFv2, Hello',
      'authtype simple',
      'VRRPv3',
      '802.3, length 38: LLC, dsap STP',
      'STP 802.1d, Config, Flags [Topology change]',
      'STP 802.1w, Rapid STP',
      'STP 802.1s',
      'STP 802.1d, Topology Change',
    ])
      expect(all).toContain(what);
  });

  it("sctp-flannel-vxlan: every SCTP line, on every interface and inside VXLAN, is tcpdump's", () => {
    // The lab's associations (pod to pod, through a DNAT, an INIT answered by ABORT): every packet, exactly.
    const dir = path.join(FIX, 'sctp-flannel-vxlan');
    const files = readdirSync(dir).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBe(8);
    let all = '';
    for (const f of files) {
      const file = path.join(dir, f);
      const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
      readCaptureFileSync(file, (r) => recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }));
      for (const link of [false, true]) {
        const theirs = tcpdumpLines(file, link);
        expect(theirs.length).toBe(recs.length);
        recs.forEach((r, i) => {
          const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
          expect({ f, packet: i + 1, link, line: ours }).toEqual({ f, packet: i + 1, link, line: theirs[i] });
        });
        all += theirs.join('\n');
      }
    }
    for (const chunk of [
      'INIT',
      'INIT ACK',
      'COOKIE ECHO',
      'COOKIE ACK',
      'DATA',
      'SACK',
      'HB REQ',
      'HB ACK',
      'SHUTDOWN',
      'SHUTDOWN ACK',
      'SHUTDOWN COMPLETE',
      'ABORT',
    ])
      expect(all).toContain(`(1) [${chunk}] `);
    expect(all).toContain('OTV, flags [I] (0x08), overlay 0, instance 1');
  });

  it('a SYN whose options the snaplen cut (editcap -s 54 to 74) reads like tcpdump prints it', () => {
    const tmp = tempDir('hs-syn-');
    try {
      const cuts = new Set<string>();
      for (let snap = 54; snap <= 74; snap++) {
        const cut = path.join(tmp, `syn-${snap}.pcap`);
        execFileSync('editcap', [
          '-F',
          'pcap',
          '-s',
          String(snap),
          path.join(FIX, 'ip-protocols', 'ip-protocols.pcap'),
          cut,
        ]);
        const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
        readCaptureFileSync(cut, (r) =>
          recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }),
        );
        for (const link of [false, true]) {
          const theirs = tcpdumpLines(cut, link);
          recs.forEach((r, i) => {
            if (!/Flags \[S\]/.test(theirs[i])) return;
            const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
            expect({ snap, link, line: ours }).toEqual({ snap, link, line: theirs[i] });
            cuts.add(theirs[i].replace(/^.*options \[/, '').replace(/\d{3,}/g, 'N'));
          });
        }
      }
      // Cut at a kind byte (after a comma), at a length byte, inside an option's data (a ">" when an option came
      // before it), and not at all.
      expect([...cuts].sort()).toEqual([
        ' [|tcp]',
        'mss N, [|tcp]',
        'mss N,sackOK, [|tcp]',
        'mss N,sackOK,TS [|tcp]>',
        'mss N,sackOK,TS val N ecr 0, [|tcp]',
        'mss N,sackOK,TS val N ecr 0,nop, [|tcp]',
        'mss N,sackOK,TS val N ecr 0,nop,wscale 10], length 0',
        'mss N,sackOK,TS val N ecr 0,nop,wscale [|tcp]>',
        'mss [|tcp]',
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.each([30, 38, 60, 64, 80, 96])(
    'captures cut by snaplen %i (editcap -s) read like tcpdump prints them',
    (snap) => {
      const tmp = tempDir('hs-snap-');
      try {
        let compared = 0;
        let optionCuts = 0;
        for (const rel of [
          'flannel-vxlan/node-1__ens33.pcap',
          'calico-ipip/node-1__ens33.pcap',
          'kube-proxy/node-1__cbr0.pcap',
        ]) {
          const cut = path.join(tmp, rel.replace('/', '_'));
          execFileSync('editcap', ['-F', 'pcap', '-s', String(snap), path.join(FIX, rel), cut]);
          const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
          readCaptureFileSync(cut, (r) =>
            recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }),
          );
          for (const link of [false, true]) {
            const theirs = tcpdumpLines(cut, link);
            expect(theirs.length).toBe(recs.length);
            recs.forEach((r, i) => {
              const t = theirs[i];
              if (/options \[[^\]]*\[\|tcp\]/.test(t)) optionCuts++;
              const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
              expect({ file: rel, packet: i + 1, link, line: ours }).toEqual({
                file: rel,
                packet: i + 1,
                link,
                line: t,
              });
              compared++;
            });
          }
        }
        expect(compared).toBeGreaterThan(40);
        // At 60 and 64 bytes the SYNs' options are cut (tcpdump prints those before the cut).
        if (snap === 60 || snap === 64) expect(optionCuts).toBeGreaterThan(0);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );

  it("SLL and SLL2 lines are padded as tcpdump pads them ('?' for an unknown packet type)", () => {
    // tcpdump prints SLL2's interface "%-5s " and direction "%-3s ", and with -e SLL's direction "%3s "; ours had
    // one space after each ("? In IP …", "M f6:e8:…").
    const tmp = tempDir('hs-sll-');
    try {
      const ip = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 1, 0, 1];
      const mac = [2, 0, 0, 0, 0, 1, 0, 0];
      // Packet type 7 is none of In, B, M, P, Out.
      const sll = Uint8Array.from([0, 7, 0, 1, 0, 6, ...mac, 8, 0, ...ip]);
      const sll2 = Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 7, 6, ...mac, ...ip]);
      const files = [
        ...['edge/any-sll.pcap', 'edge/any-sll2.pcap'].map((f) => path.join(FIX, 'synthetic', f)),
        ...['any-calico-ipip', 'any-flannel-vxlan'].map((d) => path.join(FIX, d, 'node-1__any.pcap')),
        path.join(tmp, 'sll-type7.pcap'),
        path.join(tmp, 'sll2-type7.pcap'),
      ];
      writeFileSync(files[4], pcapOf([sll], undefined, undefined, LINKTYPE_LINUX_SLL));
      writeFileSync(files[5], pcapOf([sll2], undefined, undefined, LINKTYPE_LINUX_SLL2));
      let compared = 0;
      for (const file of files) {
        const recs: { data: Uint8Array; linkType: number; origLen: number }[] = [];
        readCaptureFileSync(file, (r) =>
          recs.push({ data: r.data, linkType: r.linkType, origLen: r.origLen }),
        );
        for (const link of [false, true]) {
          const theirs = tcpdumpLines(file, link);
          recs.forEach((r, i) => {
            // The interface tcpdump names from this machine's (padded to 5) is ours '?' (padded the same way).
            const t = r.linkType === LINKTYPE_LINUX_SLL2 ? theirs[i].replace(/^\S+ +/, '?     ') : theirs[i];
            const ours = summarize(r.data, r.linkType, { link, origLen: r.origLen });
            expect({ file: path.basename(file), packet: i + 1, link, line: ours }).toEqual({
              file: path.basename(file),
              packet: i + 1,
              link,
              line: t,
            });
            compared++;
          });
        }
      }
      expect(compared).toBeGreaterThan(100);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a protocol tcpdump does not name reads " ip-proto-N LEN" after the addresses, with tcpdump\'s two spaces', () => {
    const tmp = tempDir('hs-proto-');
    try {
      const eth = (type: number) => [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, type >> 8, type & 255];
      const ip4 = (proto: number, flags: number, payload: number[]) => [
        ...[0x45, 0, 0, 20 + payload.length, 0, 1, flags, 0, 64, proto, 0, 0],
        ...[10, 0, 0, 1, 10, 0, 0, 2, ...payload],
      ];
      const a6 = (last: number) => [0xfd, ...new Array<number>(14).fill(0), last];
      const ip6 = (next: number, payload: number[]) => [
        ...[0x60, 0, 0, 0, 0, payload.length, next, 64, ...a6(1), ...a6(2), ...payload],
      ];
      const built = [
        [...eth(0x0800), ...ip4(253, 0, [1, 2, 3, 4])],
        // A first fragment (more fragments), and IPv6 with a first fragment's header.
        [...eth(0x0800), ...ip4(253, 0x20, [1, 2, 3, 4, 5, 6, 7, 8])],
        [...eth(0x86dd), ...ip6(253, [1, 2, 3, 4])],
        [...eth(0x86dd), ...ip6(44, [253, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4])],
      ].map((f) => Uint8Array.from(f));
      const file = path.join(tmp, 'proto-253.pcap');
      writeFileSync(file, pcapOf(built));
      for (const link of [false, true]) {
        const ours = built.map((f) => summarize(f, 1, { link }));
        expect(ours).toEqual(tcpdumpLines(file, link));
        expect(ours.every((l) => l.includes(':  ip-proto-253 ') || l.includes(')  ip-proto-253 '))).toBe(
          true,
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('compared the ICMP lines of every scenario, and left out only the SNMP ones', () => {
    expect(icmpLines).toBeGreaterThan(300);
    // decode-edges/ports.pcap's datagram from port 161, with and without -e.
    expect(skipped).toBe(2);
  });
});
