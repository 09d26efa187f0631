// The inner traffic between the two pods: ping sessions (echo request + reply) and TCP connections (a data
// segment + its ACK), drawn from a seeded PRNG so every run writes byte-identical captures.

import {
  ICMP_ECHO_HEADER_LEN,
  IPV4_HEADER_LEN,
  PROTO_ICMP,
  PROTO_TCP,
  TCP_ACK,
  TCP_HEADER_LEN,
  TCP_PSH,
  writeIcmpEcho,
  writeIpv4,
  writeTcp,
} from './frames.ts';
import { NODE1, NODE2, type NodeSide } from './flannelPath.ts';

/** mulberry32: small, fast and good enough to make traffic look irregular; deterministic per seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PING_PAYLOAD = 56; // ping's default -s 56: 98-byte frames
const MSS = 1450 - IPV4_HEADER_LEN - TCP_HEADER_LEN; // flannel.1's MTU 1450 bounds the inner packet
const ICMP_ECHO_REQUEST = 8;
const ICMP_ECHO_REPLY = 0;
/** Share of events that are pings (the rest are TCP); tuned so the mix averages ~288 bytes per record. */
const PING_SHARE = 0.615;

interface PingSession {
  from: NodeSide;
  to: NodeSide;
  id: number;
  seq: number;
}

interface TcpConn {
  client: NodeSide;
  server: NodeSide;
  clientPort: number;
  serverPort: number;
  clientSeq: number;
  serverSeq: number;
}

export interface InnerPacket {
  from: NodeSide;
  to: NodeSide;
  len: number;
  /** A per-flow hash: Linux derives the VXLAN UDP source port from the inner flow the same way. */
  flowHash: number;
}

/** One event: a packet and the answer it causes (the answer leaves `answerDelayNs` after the first arrives). */
export class TrafficModel {
  readonly rnd: () => number;
  readonly first = new Uint8Array(1600);
  readonly second = new Uint8Array(1600);
  readonly firstPkt: InnerPacket = { from: NODE1, to: NODE2, len: 0, flowHash: 0 };
  readonly secondPkt: InnerPacket = { from: NODE2, to: NODE1, len: 0, flowHash: 0 };
  answerDelayNs = 0;
  private readonly pool: Uint8Array;
  private readonly pings: PingSession[] = [];
  private readonly conns: TcpConn[] = [];
  private readonly ipId = new Map<NodeSide, number>();

  constructor(seed: number) {
    this.rnd = prng(seed);
    this.pool = new Uint8Array(1 << 16);
    for (let i = 0; i < this.pool.length; i++) this.pool[i] = (this.rnd() * 256) | 0;
    for (let i = 0; i < 4; i++) {
      const fromNode1 = i < 3;
      this.pings.push({
        from: fromNode1 ? NODE1 : NODE2,
        to: fromNode1 ? NODE2 : NODE1,
        id: 0x1000 + ((this.rnd() * 0xe000) | 0),
        seq: 1,
      });
    }
    for (let i = 0; i < 16; i++) {
      const fromNode1 = i % 2 === 0;
      this.conns.push({
        client: fromNode1 ? NODE1 : NODE2,
        server: fromNode1 ? NODE2 : NODE1,
        clientPort: 32768 + ((this.rnd() * 28000) | 0),
        serverPort: fromNode1 ? 9376 : 8877, // the walkthrough's pod ports
        clientSeq: (this.rnd() * 0xffffffff) >>> 0,
        serverSeq: (this.rnd() * 0xffffffff) >>> 0,
      });
    }
    this.ipId.set(NODE1, (this.rnd() * 0xffff) | 0);
    this.ipId.set(NODE2, (this.rnd() * 0xffff) | 0);
  }

  /** Fills first/second for the event starting at tNs (ns since baseSec). */
  next(tNs: number, baseSec: number): void {
    if (this.rnd() < PING_SHARE) this.ping(tNs, baseSec);
    else this.tcp(tNs);
  }

  private nextId(n: NodeSide): number {
    const id = ((this.ipId.get(n) as number) + 1) & 0xffff;
    this.ipId.set(n, id);
    return id;
  }

  private ping(tNs: number, baseSec: number): void {
    const s = this.pings[(this.rnd() * this.pings.length) | 0];
    const sec = baseSec + Math.floor(tNs / 1e9);
    const usec = Math.floor((tNs % 1e9) / 1000);
    const icmpLen = ICMP_ECHO_HEADER_LEN + PING_PAYLOAD;
    const ipLen = IPV4_HEADER_LEN + icmpLen;
    for (const [buf, pkt, from, to, type] of [
      [this.first, this.firstPkt, s.from, s.to, ICMP_ECHO_REQUEST],
      [this.second, this.secondPkt, s.to, s.from, ICMP_ECHO_REPLY],
    ] as const) {
      const at = writeIpv4(buf, 0, {
        totalLen: ipLen,
        id: this.nextId(from),
        dontFragment: true,
        ttl: 64,
        proto: PROTO_ICMP,
        src: from.podIp,
        dst: to.podIp,
      });
      writeIcmpEcho(buf, at, type, s.id, s.seq, PING_PAYLOAD, sec, usec);
      pkt.from = from;
      pkt.to = to;
      pkt.len = ipLen;
      pkt.flowHash = (s.id * 2654435761) >>> 0;
    }
    s.seq++;
    this.answerDelayNs = 8_000 + this.rnd() * 40_000;
  }

  private tcp(tNs: number): void {
    const c = this.conns[(this.rnd() * this.conns.length) | 0];
    const fromClient = this.rnd() < 0.6;
    const r = this.rnd();
    const payload = r < 0.4 ? 40 + ((this.rnd() * 260) | 0) : MSS;
    const tsVal = Math.floor(tNs / 1e6) + 1_000_000;
    const [from, to] = fromClient ? [c.client, c.server] : [c.server, c.client];
    const [fromPort, toPort] = fromClient ? [c.clientPort, c.serverPort] : [c.serverPort, c.clientPort];
    const dataSeq = fromClient ? c.clientSeq : c.serverSeq;
    const peerSeq = fromClient ? c.serverSeq : c.clientSeq;
    const flowHash = ((c.clientPort * 2654435761) ^ c.serverPort) >>> 0;

    // The data segment.
    let ipLen = IPV4_HEADER_LEN + TCP_HEADER_LEN + payload;
    let at = writeIpv4(this.first, 0, {
      totalLen: ipLen,
      id: this.nextId(from),
      dontFragment: true,
      ttl: 64,
      proto: PROTO_TCP,
      src: from.podIp,
      dst: to.podIp,
    });
    const off = (this.rnd() * (this.pool.length - payload)) | 0;
    this.first.set(this.pool.subarray(off, off + payload), at + TCP_HEADER_LEN);
    const win = 502;
    writeTcp(
      this.first,
      0,
      at,
      {
        srcPort: fromPort,
        dstPort: toPort,
        seq: dataSeq,
        ack: peerSeq,
        flags: TCP_ACK | TCP_PSH,
        window: win,
        tsVal,
        tsEcr: tsVal - 1,
      },
      payload,
    );
    Object.assign(this.firstPkt, { from, to, len: ipLen, flowHash });

    // Its ACK, from the other side.
    const acked = (dataSeq + payload) >>> 0;
    ipLen = IPV4_HEADER_LEN + TCP_HEADER_LEN;
    at = writeIpv4(this.second, 0, {
      totalLen: ipLen,
      id: this.nextId(to),
      dontFragment: true,
      ttl: 64,
      proto: PROTO_TCP,
      src: to.podIp,
      dst: from.podIp,
    });
    writeTcp(
      this.second,
      0,
      at,
      {
        srcPort: toPort,
        dstPort: fromPort,
        seq: peerSeq,
        ack: acked,
        flags: TCP_ACK,
        window: win,
        tsVal,
        tsEcr: tsVal,
      },
      0,
    );
    Object.assign(this.secondPkt, { from: to, to: from, len: ipLen, flowHash });
    if (fromClient) c.clientSeq = acked;
    else c.serverSeq = acked;
    this.answerDelayNs = 20_000 + this.rnd() * 180_000;
  }
}
