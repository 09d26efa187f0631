// The journey summaries (JSON `summary`, CSV, pcapng comments, the ladder) against tcpdump's own lines for the
// same packets: TCP flags in tcpdump's order and a TCP segment's length as its payload, not its IP length; the
// lengths past IP options and IPv6 extension headers; and IPv6 flows told apart by their addresses.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { innerSummary, ipv6Summary } from '../../main/correlate/hops.ts';
import { FLOW_KEY, packetFlowKey } from '../../main/correlate/identity.ts';
import { tcpFlagsString } from '../../main/decode/tcp.ts';
import { FrameSource } from '../../main/session/frames.ts';
import { tempDir } from '../tempDir.ts';
import { correlate, fixtureFiles } from './correlate-helpers.ts';

/** Every line of tcpdump -nn -r on a file, in file order. */
function tcpdumpLines(file: string): string[] {
  const r = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

/** The last "length N" of a line (tcpdump's, or a summary). */
function lengthOf(line: string): number {
  const all = [...line.matchAll(/length (\d+)/g)];
  if (!all.length) throw new Error(`no length in: ${line}`);
  return Number(all[all.length - 1][1]);
}

/** "Flags [X], … length N" of tcpdump's line for each TCP packet of a file, in file order. */
function tcpdumpTcp(file: string): string[] {
  const r = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(': Flags ['))
    .map((l) => {
      const m = /: Flags \[([^\]]*)\],.*?, length (\d+)/.exec(l);
      if (!m) throw new Error(`unexpected tcpdump line: ${l}`);
      return `Flags [${m[1]}], length ${m[2]}`;
    });
}

describe('journey summaries say what tcpdump says', () => {
  // kube-proxy: curls through a ClusterIP and a NodePort, SYNs with options, requests and replies with data.
  const files = fixtureFiles('kube-proxy').filter((f) => tcpdumpTcp(f).length > 0);

  it('for every TCP packet of the kube-proxy captures: the flags and the payload length', () => {
    expect(files.length).toBeGreaterThan(4);
    let compared = 0;
    let withData = 0;
    for (const file of files) {
      const want = tcpdumpTcp(file);
      const res = correlate([file]);
      const got: string[] = [];
      for (let r = 0; r < res.rowCount; r++) {
        if (res.rows.tcpFlags(r) < 0) continue;
        got.push(/Flags \[[^\]]*\], length \d+$/.exec(innerSummary(res.rows, r))![0]);
      }
      expect(got, file).toEqual(want);
      compared += got.length;
      withData += got.filter((g) => !g.endsWith('length 0')).length;
    }
    expect(compared).toBeGreaterThan(300);
    expect(withData).toBeGreaterThan(50); // requests and replies, not only handshakes
  });

  // ip-options (README there): record route on ICMP, router alert on UDP and TCP, a hop-by-hop header on IPv6.
  const [optionsFile] = fixtureFiles('ip-options');

  it('says the length tcpdump says past IPv4 options (ICMP, UDP, TCP) and IPv6 extension headers', () => {
    const lines = tcpdumpLines(optionsFile);
    const res = correlate([optionsFile]);
    expect(res.rowCount).toBe(lines.length);
    const v4: [string, string][] = [];
    const v6: [string, string][] = [];
    for (let r = 0; r < res.rowCount; r++) {
      // Without a frame reader (as here) an IPv6 row's summary comes from the columns alone.
      if (res.rows.isIpv6(r)) v6.push([ipv6Summary(res.rows, r, '', ''), lines[r]]);
      else v4.push([innerSummary(res.rows, r), lines[r]]);
    }
    // Every IPv4 packet: the echoes' 60-byte headers, the 24-byte ones of A's UDP and TCP, B's plain replies.
    expect(v4.length).toBe(16);
    for (const [got, want] of v4) expect(lengthOf(got), `${got}\n${want}`).toBe(lengthOf(want));
    expect(v4.filter(([g]) => /echo (request|reply), .*length 64$/.test(g))).toHaveLength(4);
    expect(v4.some(([g]) => / UDP, length 22$/.test(g))).toBe(true);
    expect(v4.some(([g]) => /Flags \[P\.\], length 8$/.test(g))).toBe(true);
    // IPv6: UDP and TCP payloads after the 8-byte hop-by-hop header, ICMPv6 messages whole; TCP with its flags.
    expect(v6.length).toBe(24);
    for (const [got, want] of v6) expect(lengthOf(got), `${got}\n${want}`).toBe(lengthOf(want));
    expect(v6.filter(([, w]) => w.includes(' HBH ')).length).toBeGreaterThan(5);
    for (const [got, want] of v6.filter(([, w]) => w.includes(': Flags ['))) {
      expect(/Flags \[[^\]]*\]/.exec(got)?.[0], got).toBe(/Flags \[[^\]]*\]/.exec(want)![0]);
    }
  });

  it('IPv6 flows: two connections from the same port of two addresses are two flows; an ICMPv6 echo and its reply one', () => {
    const res = correlate([optionsFile]);
    const lines = tcpdumpLines(optionsFile);
    // Journeys here are single packets, in file order.
    expect(res.journeyCount).toBe(lines.length);
    const flowsOf = (re: RegExp) => new Set(lines.flatMap((l, k) => (re.test(l) ? [res.flowOf[k]] : [])));
    const from1 = flowsOf(/fd99::1 > fd99::2: HBH 40000 >/);
    const from3 = flowsOf(/fd99::3\.40000 >/);
    expect(from1.size).toBe(1);
    expect(from3.size).toBe(1);
    expect([...from1][0]).not.toBe([...from3][0]);
    // The replies (fd99::2.8080 > fd99::1.40000) are in their connection's flow, as replies.
    const replies1 = lines.flatMap((l, k) => (l.includes('fd99::2.8080 > fd99::1.40000') ? [k] : []));
    expect(replies1.length).toBeGreaterThan(3);
    for (const k of replies1) {
      expect(res.flowOf[k]).toBe([...from1][0]);
      expect(res.flowRole(k)).toBe('reply');
    }
    const echo = lines.flatMap((l, k) => (/ICMP6, echo (request|reply)/.test(l) ? [k] : []));
    expect(echo).toHaveLength(2);
    expect(res.flowOf[echo[0]]).toBe(res.flowOf[echo[1]]);
    expect(echo.map((k) => res.flowRole(k))).toEqual(['request', 'reply']);
  });

  it("ICMP errors and IGMP: the decoder's line from the frame (the columns only know 'type 3', 'ip-proto-2')", () => {
    const files = [
      optionsFile,
      ...fixtureFiles('flannel-vxlan').filter((f) => f.endsWith('node-1__cni0.pcap')),
    ];
    let seen = 0;
    for (const file of files) {
      const lines = tcpdumpLines(file).map((l) => l.replace(/^\S+ IP /, ''));
      const res = correlate([file]);
      const frames = new FrameSource(res);
      try {
        for (let k = 0; k < res.journeyCount; k++) {
          const r = res.firstRow(k);
          if (res.rows.isIpv6(r) || res.rows.proto(r) === 6 || res.rows.proto(r) === 17) continue;
          if (res.rows.proto(r) === 1 && [0, 8].includes(res.rows.icmpType(r))) continue;
          expect(res.journeySummary(k), file).toBe(lines[r]);
          seen++;
        }
      } finally {
        frames.close();
      }
    }
    // The port unreachable of ip-options, and cni0's IGMP report.
    expect(seen).toBe(2);
  });

  it('a UDP echo (the same bytes back) is two journeys of one flow, in IPv4 and IPv6 (which has no IP id)', () => {
    const [file] = fixtureFiles('router-errors');
    const lines = tcpdumpLines(file);
    const res = correlate([file]);
    const echo = lines.flatMap((l, r) => (/\.9: UDP|\.9 > /.test(l) ? [r] : []));
    expect(echo).toHaveLength(4); // request and reply, twice
    for (const [req, rep] of [echo.slice(0, 2), echo.slice(2)]) {
      const [jq, jr] = [res.journeyOfRow(req), res.journeyOfRow(rep)];
      expect(jq).not.toBe(jr);
      expect([res.journeyRows(jq), res.journeyRows(jr)]).toEqual([[req], [rep]]);
      expect(res.flowOf[jq]).toBe(res.flowOf[jr]);
      expect([res.flowRole(jq), res.flowRole(jr)]).toEqual(['request', 'reply']);
    }
  });

  it('TCP options cut by the snaplen (editcap -s 60): ports and flags as tcpdump prints them, one flow a connection', () => {
    const dir = tempDir('hs-cut-');
    const cut = join(dir, 'client__ens33.pcap');
    const e = spawnSync('editcap', ['-s', '60', files.find((f) => f.endsWith('client__ens33.pcap'))!, cut]);
    expect(e.status, String(e.stderr)).toBe(0);
    const want = tcpdumpLines(cut)
      .filter((l) => l.includes(': Flags ['))
      .map((l) => /IP (\S+ > \S+): Flags \[([^\]]*)\]/.exec(l)!.slice(1).join(' '));
    expect(want.length).toBeGreaterThan(20);
    const res = correlate([cut]);
    const got: string[] = [];
    const flowOfConnection = new Map<string, Set<number>>();
    for (let k = 0; k < res.journeyCount; k++) {
      const r = res.firstRow(k);
      const m = /^(\S+ > \S+): Flags \[([^\]]*)\] \[\|tcp\]$/.exec(innerSummary(res.rows, r));
      if (!m) continue;
      got.push(`${m[1]}: ${m[2]}`.replace(': ', ' '));
      const ends = [`${res.rows.src[r]}.${res.rows.srcPort(r)}`, `${res.rows.dst[r]}.${res.rows.dstPort(r)}`]
        .sort()
        .join();
      flowOfConnection.set(ends, (flowOfConnection.get(ends) ?? new Set()).add(res.flowOf[k]));
    }
    expect(got.sort()).toEqual(want.sort());
    // Each connection (both directions) is one flow: before, the cut segments had no ports and no flow.
    for (const flows of flowOfConnection.values()) expect(flows.size).toBe(1);
  });

  it('an ICMP timestamp query and its reply are one flow, as an echo and its reply are; each kind its own', () => {
    const [file] = fixtureFiles('router-errors');
    const lines = tcpdumpLines(file);
    const res = correlate([file]);
    const at = (re: RegExp) => res.journeyOfRow(lines.findIndex((l) => re.test(l)));
    const [query, reply] = [at(/time stamp query/), at(/time stamp reply/)];
    expect(res.flowOf[query]).toBe(res.flowOf[reply]);
    expect([res.flowRole(query), res.flowRole(reply)]).toEqual(['request', 'reply']);
    // An echo request with the same addresses, id and seq is another flow.
    const key = (type: number) => {
      expect(packetFlowKey(1, type, 85, 1, 0x0a620102, -1, 0x0a620202, -1)).toBe(true);
      return [...FLOW_KEY].join();
    };
    expect(key(13)).toBe(key(14));
    expect(key(8)).toBe(key(0));
    expect(key(8)).not.toBe(key(13));
    expect(packetFlowKey(1, 3, 85, 1, 0x0a620102, -1, 0x0a620202, -1)).toBe(false); // an error: no flow
  });

  it('an ICMP error joins the flow of the packet it quotes, as a reply (both families, echo and UDP quoted)', () => {
    const [file] = fixtureFiles('router-errors');
    const lines = tcpdumpLines(file);
    const res = correlate([file]);
    const errors = [
      /unreachable - need to frag/,
      /packet too big/,
      /ICMP time exceeded in-transit/,
      /ICMP6, time exceeded in-transit/,
      /admin prohibited filter/,
      /unreachable prohibited/,
      /udp port 53 unreachable/,
    ];
    const flows = new Set<number>();
    for (const re of errors) {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, String(re)).toBeGreaterThan(0);
      // In this capture each error comes right after the packet it answers (journeys are single packets).
      const [error, cause] = [res.journeyOfRow(i), res.journeyOfRow(i - 1)];
      expect(lines[i - 1]).not.toMatch(/ICMP6?, .*(unreachable|too big|exceeded)/);
      expect(res.flowOf[error], lines[i]).toBe(res.flowOf[cause]);
      expect([res.flowRole(cause), res.flowRole(error)], lines[i]).toEqual(['request', 'reply']);
      flows.add(res.flowOf[error]);
    }
    // Each error in its own packet's flow, not all in one.
    expect(flows.size).toBe(errors.length);
    // The address mask request (no reply, no error) stays a flow of its own.
    const mask = res.journeyOfRow(lines.findIndex((l) => l.includes('address mask request')));
    expect(res.flowFirst[res.flowOf[mask]]).toBe(mask);
    expect([...res.flowOf].filter((f) => f === res.flowOf[mask])).toHaveLength(1);
  });

  it('orders the flags as tcpdump does (print-tcp.c: F S R P . U E W)', () => {
    const [F, S, R, P, A, U, E, W] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80];
    expect(tcpFlagsString(S | A)).toBe('S.');
    expect(tcpFlagsString(F | P | A)).toBe('FP.');
    expect(tcpFlagsString(U | A)).toBe('.U');
    expect(tcpFlagsString(S | E | W)).toBe('SEW');
    expect(tcpFlagsString(R | A)).toBe('R.');
    expect(tcpFlagsString(0)).toBe('none');
  });
});
