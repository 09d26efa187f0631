// WireGuard (main/decode/wireguard.ts) on every message recorded between two wireguard-go nodes
// (tests/fixtures/wireguard: handshake initiation and response, transport data, keepalives, cookie replies, on
// UDP 51820 and 51871): its parse against tshark's wg fields (Wireshark 4.0, which decodes WireGuard by itself),
// whether a message's datalen can carry the packets the tunnel device saw, and its detail layer against tshark's
// PDML, whole and cut by the snaplen. tcpdump 4.99 has no WireGuard printer: the summaries stay "UDP, length N"
// (decode-summary compares every fixture's lines with tcpdump's).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { decodeLayers, walk, type Layer } from '../../main/decode/index.ts';
import { wireguardCanCarry, wireguardMessage, type WireGuardMessage } from '../../main/decode/wireguard.ts';
import { pcapOf } from '../pcapBytes.ts';
import { tempDir } from '../tempDir.ts';
import { FIXTURES } from './correlate-helpers.ts';
import { frames, pdml, type Frame, type PdmlItem } from './decode-helpers.ts';

const tmp = tempDir('hs-wireguard-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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

/** tshark's fields with bytes of their own in a WireGuard layer (the rest it derives: stream, response to…). */
const WG_FIELDS = [
  'wg.type',
  'wg.reserved',
  'wg.sender',
  'wg.receiver',
  'wg.ephemeral',
  'wg.encrypted_static',
  'wg.encrypted_timestamp',
  'wg.encrypted_empty',
  'wg.mac1',
  'wg.mac2',
  'wg.nonce',
  'wg.encrypted_cookie',
  'wg.counter',
  'wg.encrypted_packet',
];
/**
 * The encrypted parts tshark shows with no value and, cut by the snaplen, over what was captured of them (the
 * cookie it shows in hex, as ours does).
 */
const ENCRYPTED = [
  'wg.encrypted_static',
  'wg.encrypted_timestamp',
  'wg.encrypted_empty',
  'wg.encrypted_packet',
];
const OUR_ENCRYPTED = ['Encrypted Static', 'Encrypted Timestamp', 'Encrypted Empty', 'Encrypted Packet'];

/**
 * tshark's WireGuard layer in a packet as "title [pos+size]" and "Label: value [pos+size]" lines: an encrypted part,
 * which tshark shows without a value, with the value ours gives it from tshark's own size (the encrypted packet's
 * includes the 16-byte tag; a keepalive is the one tshark marks so). `whole`: only the fields outside ENCRYPTED.
 */
function tsharkWg(items: PdmlItem[], whole = true): string[] {
  const out: string[] = [];
  const at = items.findIndex((x) => x.kind === 'proto' && x.name === 'wg');
  if (at < 0) return out;
  const wg = items[at];
  out.push(`${wg.showname} [${wg.pos}+${wg.size}]`);
  for (let i = at + 1; i < items.length && items[i].depth > wg.depth; i++) {
    const x = items[i];
    if (x.depth !== wg.depth + 2) continue;
    // Every field of its own bytes is one of WG_FIELDS; the others it derives (size 0), but for the note it
    // writes on transport data cut short of 32 bytes, which it measures by what was captured.
    if (!WG_FIELDS.includes(x.name)) {
      const derived = x.size === 0 || x.name === '_ws.malformed' || x.show === 'Packet length is too small';
      expect({ name: x.name, show: x.show, derived }).toEqual({ name: x.name, show: x.show, derived: true });
      continue;
    }
    if (ENCRYPTED.includes(x.name) && !whole) continue;
    const span = `[${x.pos}+${x.size}]`;
    if (x.name === 'wg.encrypted_packet') {
      const keepalive = items.slice(i + 1).find((y) => y.depth <= x.depth || y.name === 'wg.keepalive');
      const data = x.size - 16;
      out.push(
        keepalive?.name === 'wg.keepalive'
          ? `Encrypted Packet: keepalive, datalen=0 and a 16-byte tag ${span}`
          : `Encrypted Packet: datalen=${data} and a 16-byte tag ${span}`,
      );
    } else if (ENCRYPTED.includes(x.name)) out.push(`${x.showname}: ${x.size} bytes ${span}`);
    else out.push(`${x.showname} ${span}`);
  }
  return out;
}

function ourWg(layers: Layer[], whole = true): string[] {
  return layers
    .filter((l) => l.protocol === 'wg')
    .flatMap((l) => [
      `${l.title} [${l.offset}+${l.length}]`,
      ...l.fields
        .filter((x) => whole || !OUR_ENCRYPTED.includes(x.name))
        .map((x) => `${x.name}: ${x.value} [${x.offset}+${x.length}]`),
    ]);
}

describe("WireGuard's detail layer", () => {
  it('has the fields tshark shows, named and valued as tshark shows them, for every recorded message', () => {
    // Ours read "Data (148 bytes)" after UDP.
    let layers = 0;
    for (const name of WIRE) {
      const file = path.join(DIR, name);
      const ws = pdml(file);
      frames(file).forEach((f, i) => {
        const ours = ourWg(decodeLayers(f.data, f.linkType));
        expect(ours, `${name} frame ${i + 1}`).toEqual(tsharkWg(ws[i]));
        layers += ours.length ? 1 : 0;
      });
    }
    expect(layers).toBe(32);
    const [init] = frames('wireguard/node-1__ens33.pcap');
    const ours = decodeLayers(init.data, init.linkType);
    expect(ours.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'wg']);
    expect(ours[3].fields.map((x) => x.name)).toEqual([
      'Type',
      'Reserved',
      'Sender',
      'Ephemeral',
      'Encrypted Static',
      'Encrypted Timestamp',
      'mac1',
      'mac2',
    ]);
  });

  it('cut by the snaplen, has the fields captured whole, as tshark shows them, and no encrypted part cut', () => {
    // Each message type, cut at every field's edges; the whole frames first, so that tshark knows the conversation
    // (it takes the first packet for WireGuard only when it holds more of it).
    const all = [
      ...frames('wireguard/node-1__ens33.pcap').slice(0, 14),
      ...frames('wireguard/cookie-reply.pcap'),
    ];
    const kinds = [all[0], all[1], all[2], all[8], all[10], all[14]];
    const data = [...kinds];
    const caplens = kinds.map((f) => f.data.length);
    for (const f of kinds)
      for (const c of [46, 47, 49, 50, 53, 54, 57, 58, 60, 74, 80, 92, 100, 130, 158, 170, 180])
        if (c < f.data.length) {
          data.push(f);
          caplens.push(c);
        }
    const cutFile = path.join(tmp, 'wg-cut.pcap');
    writeFileSync(
      cutFile,
      pcapOf(
        data.map((f) => f.data),
        caplens,
      ),
    );
    const ws = pdml(cutFile);
    data.forEach((f, i) => {
      const layers = decodeLayers(f.data.subarray(0, caplens[i]), 1);
      expect(ourWg(layers, false), `frame ${i + 1} cut at ${caplens[i]}`).toEqual(tsharkWg(ws[i], false));
      // An encrypted part is there when it was captured whole, and then it is the whole part.
      const wg = layers.find((l) => l.protocol === 'wg')!;
      const whole = decodeLayers(f.data, 1).find((l) => l.protocol === 'wg')!;
      expect(wg.fields).toEqual(whole.fields.filter((x) => x.offset + x.length <= caplens[i]));
      if (caplens[i] < f.data.length) expect(layers.at(-1)?.protocol).toBe('truncated');
    });
    // Short of the reserved bytes, tshark shows the type alone; ours waits for all four (the cut layer says what
    // was cut, after the bytes as data), as wireguardMessage needs them to tell WireGuard from other traffic on its
    // port.
    for (const c of [43, 45]) {
      const layers = decodeLayers(kinds[0].data.subarray(0, c), 1);
      expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'data', 'truncated']);
    }
  });

  it('is data on other ports, and where the payload is no WireGuard message', () => {
    const [init, , data] = frames('wireguard/node-1__ens33.pcap');
    const port = (f: Frame, p: number) => {
      const copy = Uint8Array.from(f.data);
      copy.set([p >> 8, p & 255, p >> 8, p & 255], 34);
      return copy;
    };
    const reserved = Uint8Array.from(data.data);
    reserved[43] = 1;
    for (const frame of [port(init, 51821), port(data, 4789 + 1), reserved]) {
      const ls = decodeLayers(frame, 1);
      expect(ls.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'data']);
    }
    expect(decodeLayers(port(data, 51871), 1).map((l) => l.protocol)).toContain('wg');
    // The tunnel device carries the pods' packets in clear.
    for (const f of frames('wireguard/node-2__flannel-wg.pcap'))
      expect(decodeLayers(f.data, f.linkType).map((l) => l.protocol)).toEqual(['ipv4', 'icmp', 'data']);
  });
});
