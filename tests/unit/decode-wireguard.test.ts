// WireGuard (main/decode/wireguard.ts) on every message recorded between two wireguard-go nodes
// (tests/fixtures/wireguard: handshake initiation and response, transport data, keepalives, cookie replies, on
// UDP 51820 and 51871): its parse against tshark's wg fields (Wireshark 4.0, which decodes WireGuard by itself),
// and whether a message's datalen can carry the packets the tunnel device saw. tcpdump 4.99 has no WireGuard
// printer: the summaries stay "UDP, length N" (decode-summary compares every fixture's lines with tcpdump's).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { walk } from '../../main/decode/index.ts';
import { wireguardCanCarry, wireguardMessage, type WireGuardMessage } from '../../main/decode/wireguard.ts';
import { FIXTURES } from './correlate-helpers.ts';
import { frames, type Frame } from './decode-helpers.ts';

const DIR = path.join(FIXTURES, 'wireguard');
/** The captures on the veth (Ethernet, every message in UDP); the tunnel devices' files carry the pods' packets. */
const WIRE = ['node-1__ens33.pcap', 'node-2__ens33.pcap', 'cookie-reply.pcap'];

/** The UDP payload of a frame: where it starts, how far it was captured, its length on the wire, the ports. */
function udpPayload(data: Uint8Array, linkType = 1) {
  const nodes = walk(data, linkType).nodes;
  const i = nodes.findIndex((n) => n.kind === 'udp');
  const u = nodes[i];
  if (u?.kind !== 'udp') return null;
  const p = nodes[i + 1];
  const at = u.at + u.len;
  return {
    at,
    end: p ? p.at + p.len : at,
    length: u.end - at,
    ports: [u.h.srcPort, u.h.dstPort],
  };
}

function parse(f: Frame): WireGuardMessage | null {
  const p = udpPayload(f.data, f.linkType);
  return p && wireguardMessage(f.data, p.at, p.end, p.length);
}

interface Theirs {
  type: number;
  sender: number | null;
  receiver: number | null;
  counter: number | null;
  dataLength: number | null;
}

/** tshark's wg fields per frame (null where it found no WireGuard), datalen from its Info column (0: keepalive). */
function tsharkMessages(file: string): (Theirs | null)[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-T',
      'fields',
      '-e',
      'wg.type',
      '-e',
      'wg.sender',
      '-e',
      'wg.receiver',
      '-e',
      'wg.counter',
    ].concat(['-e', '_ws.col.Info']),
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const [type, sender, receiver, counter, info] = line.split('\t');
      if (!type) return null;
      const datalen = /datalen=(\d+)/.exec(info)?.[1];
      return {
        type: Number(type),
        sender: sender ? parseInt(sender, 16) : null,
        receiver: receiver ? parseInt(receiver, 16) : null,
        counter: counter ? Number(counter) : null,
        dataLength: datalen ? Number(datalen) : info.startsWith('Keepalive') ? 0 : null,
      };
    });
}

describe('WireGuard messages as wireguardMessage reads them', () => {
  it("has tshark's type, sender and receiver indices, counter and datalen for every recorded message", () => {
    const seen = new Map<string, number>();
    for (const name of WIRE) {
      const file = path.join(DIR, name);
      const theirs = tsharkMessages(file);
      const ours = frames(file).map(parse);
      expect(ours.length).toBe(theirs.length);
      ours.forEach((m, i) => {
        expect(m, `${name} frame ${i + 1}`).toEqual(theirs[i]);
        const kind = m?.dataLength === 0 ? 'keepalive' : String(m?.type);
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      });
    }
    // Every message type, keepalives among the transport data (two captures of each message on the veth).
    expect(Object.fromEntries(seen)).toEqual({ 1: 2, 2: 2, 3: 2, 4: 20, keepalive: 6 });
  });

  it('reads the indices as tshark does, little-endian: the response names the initiation’s sender', () => {
    const [init, response, data] = frames('wireguard/node-1__ens33.pcap').map(parse);
    expect(response?.receiver).toBe(init?.sender);
    // The first transport data goes to the responder's index.
    expect(data?.receiver).toBe(response?.sender);
    const cookie = frames('wireguard/cookie-reply.pcap').map(parse)[0];
    expect(cookie?.type).toBe(3);
  });

  it('is on Cilium’s port 51871 too', () => {
    const last = frames('wireguard/node-1__ens33.pcap').at(-1)!;
    expect(udpPayload(last.data)?.ports).toEqual([51871, 51871]);
    expect(parse(last)).toMatchObject({ type: 4, dataLength: 96 });
  });

  it('says which of the tunnel device’s packets each transport data message can carry (padding stops at the MTU)', () => {
    // node-1 sent each request to flannel-wg before ens33 and got each reply on ens33 first: in order, the i-th
    // data message carries the i-th packet.
    const data = frames('wireguard/node-1__ens33.pcap')
      .map(parse)
      .filter((m) => m?.type === 4 && m.dataLength)
      .map((m) => m!.dataLength!);
    const packets = frames('wireguard/node-1__flannel-wg.pcap').map((f) => f.data.length);
    expect(packets).toHaveLength(data.length);
    expect(data).toEqual([96, 96, 128, 128, 1040, 1040, 1420, 1420, 96, 96]);
    expect(packets).toContain(1420); // an IP packet at the MTU: padded to 1420, not 1424
    for (const [i, d] of data.entries())
      for (const n of packets) expect(wireguardCanCarry(d, n), `${d} ${n}`).toBe(packets[i] === n);
    expect(wireguardCanCarry(0, 84)).toBe(false); // a keepalive carries nothing
  });

  it('cut by the snaplen, has the indices and counter captured, whatever is cut of the rest', () => {
    for (const name of WIRE)
      for (const f of frames(path.join('wireguard', name))) {
        const p = udpPayload(f.data)!;
        const whole = wireguardMessage(f.data, p.at, p.end, p.length)!;
        for (let end = p.at; end <= p.end; end++) {
          const m = wireguardMessage(f.data.subarray(0, end), p.at, end, p.length);
          const n = end - p.at;
          if (n < 4) {
            expect(m).toBeNull();
            continue;
          }
          expect(m).toEqual({
            type: whole.type,
            sender: n >= 8 ? whole.sender : null,
            receiver: whole.receiver !== null && n >= (whole.type === 2 ? 12 : 8) ? whole.receiver : null,
            counter: whole.counter !== null && n >= 16 ? whole.counter : null,
            dataLength: whole.dataLength,
          });
        }
      }
  });
});
