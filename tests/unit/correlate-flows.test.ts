// Flows two ways (main/correlate/flows.ts computeFlows): from the rows' flow tuple hashes, computed as rows are
// read and visited in row order, and by walking each journey's path (a live table keeps no hashes: the
// published row store). The same flows on every lab capture, NAT'ed connections included.

import { readdirSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { M_FLOW, ObservationTable } from '../../main/correlate/observations.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { FIXTURES, fixtureFiles, loadLanes } from './correlate-helpers.ts';

const SCENARIOS = readdirSync(FIXTURES).filter(
  (d) => !d.includes('.') && readdirSync(path.join(FIXTURES, d)).some((f) => f.endsWith('.pcap')),
);

function correlate(scenario: string, obs?: ObservationTable) {
  const { lanes, interfaces } = loadLanes(fixtureFiles(scenario));
  const c = new Correlator({}, decodeFields, obs);
  c.setInterfaces(interfaces);
  lanes.forEach((l) => {
    const cap = c.addCapture({ node: l.node, iface: l.iface, linkType: l.linkType });
    for (const r of l.records) c.pushFrame(cap, r.offset, r.sec, r.nsec, r.origLen, r.data);
  });
  return c.result();
}

/** An Ethernet + IPv4 + UDP frame (checksums left 0: nothing here checks them). */
function udpFrame(id: number, src: string, sport: number, dst: string, dport: number): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + 16);
  const dv = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, 0x0800);
  b[14] = 0x45;
  dv.setUint16(16, 20 + 8 + 16);
  dv.setUint16(18, id);
  b[22] = 64;
  b[23] = 17;
  b.set(src.split('.').map(Number), 26);
  b.set(dst.split('.').map(Number), 30);
  dv.setUint16(34, sport);
  dv.setUint16(36, dport);
  dv.setUint16(38, 8 + 16);
  b.fill(id & 0xff, 42);
  return b;
}

/** An Ethernet + IPv4 + TCP frame with these flags and sequence number (checksums left 0). */
function tcpFrame(
  id: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  seq: number,
): Uint8Array {
  const b = new Uint8Array(14 + 20 + 20);
  const dv = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dv.setUint16(12, 0x0800);
  b[14] = 0x45;
  dv.setUint16(16, 40);
  dv.setUint16(18, id);
  b[22] = 64;
  b[23] = 6;
  b.set(src.split('.').map(Number), 26);
  b.set(dst.split('.').map(Number), 30);
  dv.setUint16(34, sport);
  dv.setUint16(36, dport);
  dv.setUint32(38, seq);
  b[46] = 0x50;
  b[47] = flags;
  return b;
}
const [FIN, SYN, RST, ACK] = [0x01, 0x02, 0x04, 0x10];

describe('flows from the rows’ tuple hashes and from the journeys’ paths', () => {
  it('a client port used again by a later connection (after a FIN or RST) starts another flow; a SYN sent again does not', () => {
    // tests/fixtures/port-reuse: three connections 10.98.3.1:40000 → 10.98.3.2:8080 (ended by the client's RST,
    // by the server's FIN first, by the client's FIN), then a SYN to a dropping port and its retransmission.
    for (const obs of [undefined, ObservationTable.published()]) {
      const res = correlate('port-reuse', obs);
      expect(res.journeyCount).toBe(30);
      const flows = Array.from(res.flowOf);
      const runs = [flows.slice(0, 8), flows.slice(8, 18), flows.slice(18, 28), flows.slice(28)];
      for (const run of runs) expect(new Set(run).size).toBe(1);
      expect(new Set(runs.map((r) => r[0])).size).toBe(4);
      expect(res.flowCount).toBe(4);
      // Each connection's SYN opens its flow, and its SYN-ACK is the reply.
      for (const k of [8, 18]) expect([res.flowRole(k), res.flowRole(k + 1)]).toEqual(['request', 'reply']);
    }
  });

  it('port reuse through a NAT: the end seen on the pod’s side only still parts the connections', () => {
    for (const obs of [undefined, ObservationTable.published()]) {
      const c = new Correlator({}, decodeFields, obs);
      const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
      const eth1 = c.addCapture({ node: 'n1', iface: 'eth1', linkType: 1 });
      let t = 0;
      const push = (cap: number, f: Uint8Array) =>
        c.pushFrame(cap, 0, 1_700_000_000, (t += 10_000), f.length, f);
      const client = (id: number, flags: number, seq: number) => {
        push(eth0, tcpFrame(id, '10.0.0.1', 40000, '10.96.0.9', 80, flags, seq));
        push(eth1, tcpFrame(id, '10.0.0.1', 40000, '10.1.1.1', 8080, flags, seq));
      };
      const pod = (id: number, flags: number, seq: number) =>
        push(eth1, tcpFrame(id, '10.1.1.1', 8080, '10.0.0.1', 40000, flags, seq));
      client(1, SYN, 1000);
      pod(2, SYN | ACK, 5000);
      pod(3, RST | ACK, 5001); // seen on the pod's side only
      client(4, SYN, 9000);
      pod(5, SYN | ACK, 7000);
      pod(6, ACK | FIN, 7001);
      const res = c.result();
      expect(res.journeyCount).toBe(6);
      expect(Array.from(res.flowOf)).toEqual([0, 0, 0, 1, 1, 1]);
    }
  });

  it('a SYN sent again (same initial sequence number) stays in its attempt; another ISN is another connection', () => {
    for (const obs of [undefined, ObservationTable.published()]) {
      const c = new Correlator({}, decodeFields, obs);
      const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
      let t = 0;
      const push = (f: Uint8Array) => c.pushFrame(eth0, 0, 1_700_000_000, (t += 1_000_000), f.length, f);
      const client = (id: number, flags: number, seq: number) =>
        push(tcpFrame(id, '10.0.0.1', 40000, '10.0.0.2', 8080, flags, seq));
      const server = (id: number, flags: number, seq: number) =>
        push(tcpFrame(id, '10.0.0.2', 8080, '10.0.0.1', 40000, flags, seq));
      // A connect refused twice, then accepted: the kernel's SYN retries keep their ISN (one attempt, one flow).
      client(1, SYN, 100);
      server(2, RST | ACK, 0);
      client(3, SYN, 100);
      server(4, RST | ACK, 0);
      client(5, SYN, 100);
      server(6, SYN | ACK, 700);
      client(7, ACK, 101);
      // The client restarts while that connection stands (no FIN or RST seen): its new SYN (another ISN) gets a
      // challenge ACK, RSTs it, and sends that SYN again: all of it a second connection.
      client(8, SYN, 900);
      server(9, ACK, 701);
      client(10, RST, 101);
      client(11, SYN, 900);
      server(12, SYN | ACK, 1500);
      const res = c.result();
      expect(res.journeyCount).toBe(12);
      expect(Array.from(res.flowOf)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    }
  });

  it('two clients SNAT’ed onto one node port: the second is its own flow, the first’s end seen client-side only', () => {
    for (const obs of [undefined, ObservationTable.published()]) {
      const c = new Correlator({}, decodeFields, obs);
      const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
      const veth = c.addCapture({ node: 'n1', iface: 'veth1', linkType: 1 });
      let t = 0;
      const push = (cap: number, f: Uint8Array) =>
        c.pushFrame(cap, 0, 1_700_000_000, (t += 10_000), f.length, f);
      // Client-side tuple on eth0 (to the NodePort), pod-side tuple on veth1 (SNAT'ed to the node's 50000).
      const conn = (client: string, cport: number) => ({
        out: (id: number, flags: number, seq: number, both = true) => {
          push(eth0, tcpFrame(id, client, cport, '10.96.0.9', 30080, flags, seq));
          if (both) push(veth, tcpFrame(id, '10.0.0.100', 50000, '10.1.1.1', 8080, flags, seq));
        },
        back: (id: number, flags: number, seq: number) => {
          push(veth, tcpFrame(id, '10.1.1.1', 8080, '10.0.0.100', 50000, flags, seq));
          push(eth0, tcpFrame(id, '10.96.0.9', 30080, client, cport, flags, seq));
        },
      });
      const a = conn('192.168.1.10', 40000);
      a.out(1, SYN, 100);
      a.back(2, SYN | ACK, 500);
      a.out(3, ACK, 101);
      a.out(4, RST, 101, false); // dropped by the node: seen on eth0 only
      const b = conn('192.168.1.11', 41000);
      b.out(5, SYN, 7000);
      b.back(6, SYN | ACK, 9000);
      b.out(7, ACK, 7001);
      const res = c.result();
      expect(res.journeyCount).toBe(7);
      expect(Array.from(res.flowOf)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    }
  });

  it('an ICMP error rewritten by NAT (its quote too) crosses the NAT as one journey, in its datagram’s flow', () => {
    // tests/fixtures/nat-icmp: UDP to a NodePort, DNAT'ed and masqueraded to a pod that answers port unreachable.
    for (const obs of [undefined, ObservationTable.published()]) {
      const res = correlate('nat-icmp', obs);
      expect(res.journeyCount).toBe(6);
      const errors = [...Array(res.journeyCount).keys()].filter((k) => res.rows.proto(res.firstRow(k)) === 1);
      expect(errors).toHaveLength(2);
      for (const k of errors) {
        const hops = res.hops(k);
        expect(hops.map((h) => `${h.node}/${h.iface}`)).toEqual(['node-1/veth1', 'node-1/ens33']);
        expect(hops[1].changes).toEqual(expect.arrayContaining(['nat-src', 'nat-dst']));
        expect(res.flowOf[k]).toBe(res.flowOf[k - 1]);
        expect(res.flowRole(k)).toBe('reply');
      }
    }
  });

  it('an ICMP error cut by the snaplen inside its quoted UDP header still crosses the NAT as one journey', () => {
    // nat-icmp with ens33 captured at a snaplen of 67: the errors' quoted UDP length (frame bytes 66–67) cut in half.
    // The quote's tail hashed what was left and was "known", so the cut copy never met the whole one on veth1.
    for (const obs of [undefined, ObservationTable.published()]) {
      const { lanes, interfaces } = loadLanes(fixtureFiles('nat-icmp'));
      const c = new Correlator({}, decodeFields, obs);
      c.setInterfaces(interfaces);
      for (const l of lanes) {
        const cap = c.addCapture({ node: l.node, iface: l.iface, linkType: l.linkType });
        for (const r of l.records)
          c.pushFrame(
            cap,
            r.offset,
            r.sec,
            r.nsec,
            r.origLen,
            l.iface === 'ens33' ? r.data.slice(0, 67) : r.data,
          );
      }
      const res = c.result();
      const errors = [...Array(res.journeyCount).keys()].filter((k) => res.rows.proto(res.firstRow(k)) === 1);
      expect(errors).toHaveLength(2);
      for (const k of errors) expect(res.hops(k).map((h) => h.iface)).toEqual(['veth1', 'ens33']);
    }
  });

  it('a need-to-frag quoting a VXLAN packet joins the flow of the pod connection inside it', () => {
    // tests/fixtures/vxlan-pmtu (crafted): two pods' connections share one outer tuple; each big segment draws an
    // underlay router's need-to-frag.
    for (const obs of [undefined, ObservationTable.published()]) {
      const res = correlate('vxlan-pmtu', obs);
      expect(res.journeyCount).toBe(6);
      const flows = Array.from(res.flowOf);
      expect(flows).toEqual([flows[0], flows[0], flows[0], flows[3], flows[3], flows[3]]);
      expect(flows[0]).not.toBe(flows[3]);
      expect([res.flowRole(2), res.flowRole(5)]).toEqual(['reply', 'reply']);
    }
  });

  it('a need-to-frag quoting a Geneve packet joins the flow of the pod connection inside it', () => {
    // tests/fixtures/geneve-pmtu (crafted): as vxlan-pmtu over Geneve, past an option (Ethernet inside) or none (IP
    // inside).
    for (const obs of [undefined, ObservationTable.published()]) {
      const res = correlate('geneve-pmtu', obs);
      expect(res.journeyCount).toBe(6);
      const flows = Array.from(res.flowOf);
      expect(flows).toEqual([flows[0], flows[0], flows[0], flows[3], flows[3], flows[3]]);
      expect(flows[0]).not.toBe(flows[3]);
      expect([res.flowRole(2), res.flowRole(5)]).toEqual(['reply', 'reply']);
    }
  });

  it('join a journey’s second tuple (after DNAT) to a later journey that has only that one', () => {
    // One node: a datagram to a service address on eth0, DNAT'ed to a pod on eth1 (one journey, two tuples),
    // then the pod's answer seen on eth1 only (one tuple: the DNAT'ed one). One flow, whichever tuple a journey's
    // first row in row order carries.
    for (const obs of [undefined, ObservationTable.published()]) {
      const c = new Correlator({}, decodeFields, obs);
      const eth0 = c.addCapture({ node: 'n1', iface: 'eth0', linkType: 1 });
      const eth1 = c.addCapture({ node: 'n1', iface: 'eth1', linkType: 1 });
      const push = (cap: number, nsec: number, f: Uint8Array) =>
        c.pushFrame(cap, 0, 1_700_000_000, nsec, f.length, f);
      push(eth0, 0, udpFrame(100, '10.0.0.1', 1000, '10.96.0.9', 80));
      push(eth1, 10_000, udpFrame(100, '10.0.0.1', 1000, '10.1.1.1', 8080));
      push(eth1, 1_000_000, udpFrame(200, '10.1.1.1', 8080, '10.0.0.1', 1000));
      const res = c.result();
      expect(res.journeyCount).toBe(2);
      expect(res.journeyRows(0)).toHaveLength(2);
      expect(res.flowCount).toBe(1);
    }
  });

  it('are the same on every lab capture', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(9);
    let natJourneys = 0;
    for (const scenario of SCENARIOS) {
      const fast = correlate(scenario);
      const walked = correlate(scenario, ObservationTable.published());
      expect([fast.rows.flowTuples, walked.rows.flowTuples]).toEqual([true, false]);
      expect(walked.journeyCount, scenario).toBe(fast.journeyCount);
      expect(fast.flowCount, scenario).toBe(walked.flowCount);
      expect(Array.from(fast.flowOf), scenario).toEqual(Array.from(walked.flowOf));
      expect(Array.from(fast.flowFirst), scenario).toEqual(Array.from(walked.flowFirst));
      if (fast.journeyCount > 0) expect(fast.flowCount, scenario).toBeGreaterThan(0);
      // Journeys whose rows carry two tuples (DNAT/SNAT between hops): what joins two directions' flows.
      for (let k = 0; k < fast.journeyCount; k++) {
        const tuples = new Set<string>();
        for (let r = fast.firstRow(k); r >= 0; r = fast.nextRow(r))
          if ((fast.rows.missing[r] & M_FLOW) === 0)
            tuples.add(`${fast.rows.flowHi[r]}/${fast.rows.flowLo[r]}`);
        if (tuples.size > 1) natJourneys++;
      }
    }
    expect(natJourneys).toBeGreaterThan(0);
  });
});
