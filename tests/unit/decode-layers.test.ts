// decodeLayers, the packet detail's layer tree, on real lab frames: what each layer is called and which bytes
// it covers, compared with what tshark -V says of the same frames.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { decodeLayers, type Layer } from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { FIXTURES, fixtureCopy } from './correlate-helpers.ts';

interface Frame {
  data: Uint8Array;
  linkType: number;
}

/** Record `n` (1-based, as tshark numbers it) of a capture file. */
function frame(file: string, n: number): Frame {
  let out: Frame | undefined;
  readCaptureFileSync(path.isAbsolute(file) ? file : path.join(FIXTURES, file), (rec) => {
    if (rec.index === n - 1) out = { data: rec.data, linkType: rec.linkType };
  });
  if (!out) throw new Error(`no record ${n} in ${file}`);
  return out;
}

/** The bytes of the frame that no layer covers. */
function uncovered(layers: Layer[], len: number): number[] {
  const seen = new Uint8Array(len);
  for (const l of layers) seen.fill(1, l.offset, l.offset + l.length);
  return [...seen.keys()].filter((i) => !seen[i]);
}

describe('a frame cut by the snaplen', () => {
  // flannel-vxlan node-1/ens33 #3: an echo request in VXLAN; the inner Ethernet header starts at byte 50.
  const cutCopy = (snaplen: number) =>
    frame(path.join(fixtureCopy('flannel-vxlan', { snaplen }), 'node-1__ens33.pcap'), 3);

  it('ends with a layer over the captured bytes of the header it cut, named for it', () => {
    const fr = cutCopy(60);
    const layers = decodeLayers(fr.data, fr.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'vxlan', 'truncated']);
    expect(layers[4]).toMatchObject({
      title: 'Ethernet (inner), 10 of 14 bytes captured: cut by the snaplen',
      offset: 50,
      length: 10,
    });
    expect(layers[4].fields.map((x) => `${x.name}: ${x.value}`)).toEqual([
      'Captured: 10 of 14 bytes',
      "Missing: 4 bytes from byte 60, past the capture's snaplen",
    ]);
    expect(uncovered(layers, fr.data.length)).toEqual([]);
  });

  it('names the outer headers when they are the ones cut', () => {
    const title = (snaplen: number) => {
      const fr = cutCopy(snaplen);
      const layers = decodeLayers(fr.data, fr.linkType);
      expect(uncovered(layers, fr.data.length)).toEqual([]);
      const l = layers[layers.length - 1];
      return `${l.title} [${l.offset}+${l.length}]`;
    };
    expect(title(10)).toBe('Ethernet, 10 of 14 bytes captured: cut by the snaplen [0+10]');
    expect(title(14)).toBe('IPv4, 0 of 20 bytes captured: cut by the snaplen [14+0]');
    expect(title(20)).toBe('IPv4, 6 of 20 bytes captured: cut by the snaplen [14+6]');
    expect(title(40)).toBe('UDP, 6 of 8 bytes captured: cut by the snaplen [34+6]');
    expect(title(45)).toBe('VXLAN, 3 of 8 bytes captured: cut by the snaplen [42+3]');
  });

  it('over a payload cut after whole headers, covers the captured part of that payload', () => {
    // The inner ICMP header ends at byte 92; the echo's 56 data bytes are cut after 8.
    const fr = cutCopy(100);
    const layers = decodeLayers(fr.data, fr.linkType);
    expect(layers.at(-1)).toMatchObject({
      protocol: 'truncated',
      title: 'ICMP payload, 8 of 56 bytes captured: cut by the snaplen',
      offset: 92,
      length: 8,
    });
  });

  it('keeps an IPv6 header cut in an extension header in one layer', () => {
    // frag-igmp #21: IPv6 (bytes 14–53) with an 8-byte destination options header (54–61), cut at 58.
    const fr = frame('frag-igmp/frag-igmp.pcap', 21);
    const layers = decodeLayers(fr.data.subarray(0, 58), fr.linkType);
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'truncated']);
    expect(layers[1]).toMatchObject({
      title: 'IPv6 with extension headers, 44 of 48 bytes captured: cut by the snaplen',
      offset: 14,
      length: 44,
    });
  });
});

/** Every record of a fixture capture. */
function frames(file: string): Frame[] {
  const out: Frame[] = [];
  readCaptureFileSync(path.join(FIXTURES, file), (rec) =>
    out.push({ data: rec.data, linkType: rec.linkType }),
  );
  return out;
}

describe('the IP layers', () => {
  it('name every protocol the lab captures carry in their protocol field', () => {
    const values = new Set<string>();
    for (const fr of [...frames('ip-protocols/ip-protocols.pcap'), ...frames('frag-igmp/frag-igmp.pcap')])
      for (const l of decodeLayers(fr.data, fr.linkType))
        for (const x of l.fields)
          if (x.name === 'Protocol' || x.name === 'Next header' || x.name === 'Upper-layer protocol')
            if (l.protocol === 'ipv4' || l.protocol === 'ipv6') values.add(x.value);
    // tshark -V: "Protocol: IGMP (2)", "Generic Routing Encapsulation (47)", "OSPF IGP (89)", …
    expect([...values].sort()).toEqual(
      expect.arrayContaining([
        'IGMP (2)',
        'GRE (47)',
        'ESP (50)',
        'AH (51)',
        'OSPF (89)',
        'PIM (103)',
        'VRRP (112)',
        'SCTP (132)',
      ]),
    );
    expect([...values].filter((v) => v.startsWith('proto ') && !/^proto (0|44|60) /.test(v))).toEqual([]);
  });
});

describe('SCTP', () => {
  it('is a layer with its chunks, the fields tshark shows (sctp-flannel-vxlan, a pod veth and cni0 after a DNAT)', () => {
    for (const name of ['node-1__veth2053e67d.pcap', 'node-1__cni0.pcap']) {
      const file = path.join(FIXTURES, 'sctp-flannel-vxlan', name);
      const fields = [
        'frame.number',
        'sctp.srcport',
        'sctp.dstport',
        'sctp.verification_tag',
        'sctp.checksum',
        'sctp.chunk_type',
        'sctp.chunk_length',
        'sctp.data_tsn_raw',
        'sctp.data_payload_proto_id',
        'sctp.init_initiate_tag',
        'sctp.initack_initiate_tag',
        'sctp.sack_cumulative_tsn_ack_raw',
      ];
      const args = ['-r', file, '-Y', 'sctp', '-T', 'fields', ...fields.flatMap((x) => ['-e', x])];
      const rows = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .map((r) => r.trimEnd());
      expect(rows).toHaveLength(28);
      const all = frames(`sctp-flannel-vxlan/${name}`);
      const ours = rows.map((row) => {
        const n = Number(row.split('\t')[0]);
        const sctp = decodeLayers(all[n - 1].data, all[n - 1].linkType).find((l) => l.protocol === 'sctp');
        if (!sctp) return `${n}: no sctp layer`;
        const chunk = sctp.children![0];
        const v = (name: string) => sctp.fields.find((x) => x.name === name)?.value ?? '';
        const c = (name: string) => chunk.fields.find((x) => x.name === name)?.value ?? '';
        const type = Number(/\((\d+)\)$/.exec(c('Chunk type'))![1]);
        return [
          n,
          v('Source port'),
          v('Destination port'),
          v('Verification tag'),
          v('Checksum'),
          type,
          c('Chunk length'),
          c('TSN'),
          c('Payload protocol identifier'),
          type === 1 ? c('Initiate tag') : '',
          type === 2 ? c('Initiate tag') : '',
          c('Cumulative TSN ACK'),
        ]
          .join('\t')
          .trimEnd();
      });
      expect(ours).toEqual(rows);
    }
    const init = decodeLayers(frames('sctp-flannel-vxlan/node-1__cni0.pcap')[0].data, 1).at(-1)!;
    expect(init).toMatchObject({
      protocol: 'sctp',
      title: 'Stream Control Transmission Protocol, Src Port: 40001, Dst Port: 9899 (INIT)',
      offset: 34,
      length: 32,
      children: [{ protocol: 'sctp.chunk', title: 'INIT chunk', offset: 46, length: 20 }],
    });
  });
});

describe('IGMP', () => {
  it('is a layer with the fields tshark -V shows (frag-igmp: queries v1–v3, a v1 report)', () => {
    const file = path.join(FIXTURES, 'frag-igmp/frag-igmp.pcap');
    const fields = [
      'frame.number',
      'igmp.version',
      'igmp.type',
      'igmp.max_resp',
      'igmp.maddr',
      'igmp.num_src',
    ];
    const args = ['-r', file, '-Y', 'igmp', '-T', 'fields', ...fields.flatMap((x) => ['-e', x])];
    const rows = execFileSync('tshark', [...args, '-e', 'igmp.saddr', '-e', 'igmp.qrv', '-e', 'igmp.qqic'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .map((r) => r.trimEnd());
    expect(rows).toHaveLength(8);
    const all = frames('frag-igmp/frag-igmp.pcap');
    const ours = rows.map((row) => {
      const n = Number(row.split('\t')[0]);
      const layers = decodeLayers(all[n - 1].data, all[n - 1].linkType);
      const igmp = layers.find((l) => l.protocol === 'igmp');
      if (!igmp) return `${n}: no igmp layer`;
      const v = (name: string) => igmp.fields.filter((x) => x.name === name).map((x) => x.value);
      const mrt = v('Max resp time').map((x) => String(Math.round(parseFloat(x) * 10)));
      return [
        n,
        v('Version'),
        v('Type').map((x) => /\((0x..)\)/.exec(x)![1]),
        mrt,
        v('Multicast address'),
        v('Number of sources'),
        v('Source address').join(','),
        v('QRV'),
        v('QQIC'),
      ]
        .join('\t')
        .trimEnd();
    });
    expect(ours).toEqual(rows);
    const v3 = decodeLayers(all[30].data, all[30].linkType).at(-1)!;
    expect(v3).toMatchObject({
      title: 'Internet Group Management Protocol v3, Membership Query, 239.98.0.1',
      offset: 34,
      length: 20,
    });
  });

  it("lists a v3 report's group records (kubenet node-1/ens33 #1, as tshark -V)", () => {
    const fr = frame('kubenet/node-1__ens33.pcap', 1);
    const igmp = decodeLayers(fr.data, fr.linkType).at(-1)!;
    expect(igmp.title).toBe('Internet Group Management Protocol v3, Membership Report');
    expect(igmp.fields.map((x) => `${x.name}: ${x.value} [${x.offset}+${x.length}]`)).toEqual([
      'Version: 3 [38+0]',
      'Type: Membership Report (0x22) [38+1]',
      'Reserved: 0x00 [39+1]',
      'Checksum: 0xf993 [40+2]',
      'Number of group records: 1 [44+2]',
      'Group record: 224.0.0.106, Change To Exclude Mode, 0 source(s) [46+8]',
    ]);
  });
});

describe('802.3 frames', () => {
  const file = 'ip-protocols/ip-protocols.pcap';

  it('read as IEEE 802.3 Ethernet, LLC and STP (RSTP, MSTP, TCN, and a Linux bridge’s Config BPDUs)', () => {
    const all = frames(file);
    for (const n of [29, 30, 31, 34, 35, 36, 37, 38]) {
      const layers = decodeLayers(all[n - 1].data, all[n - 1].linkType);
      expect(
        layers.slice(0, 3).map((l) => l.protocol),
        `#${n}`,
      ).toEqual(['ethernet', 'llc', 'stp']);
      expect(layers[0].title).toMatch(/^IEEE 802\.3 Ethernet, Src: /);
      expect(layers[0].fields[2]).toMatchObject({ name: 'Length', offset: 12, length: 2 });
      expect(layers[1].fields.map((x) => `${x.name}: ${x.value}`)).toEqual([
        'DSAP: Spanning Tree BPDU (0x42), Individual',
        'SSAP: Spanning Tree BPDU (0x42), Command',
        'Control field: U, func=UI (0x03)',
      ]);
    }
    const tcn = decodeLayers(all[30].data, all[30].linkType);
    expect(tcn[2]).toMatchObject({
      title: 'Spanning Tree Protocol, Spanning Tree, Topology Change Notification',
      offset: 17,
      length: 4,
    });
    expect(tcn[3]).toMatchObject({ protocol: 'data', title: 'Padding (39 bytes)' });
  });

  it("give a BPDU's fields as tshark -V reads them", () => {
    const rows = execFileSync(
      'tshark',
      ['-r', path.join(FIXTURES, file), '-Y', 'stp.type!=0x80', '-T', 'fields', '-e', 'frame.number']
        .concat(
          ['stp.flags', 'stp.root.hw', 'stp.root.cost', 'stp.bridge.hw', 'stp.port'].flatMap((x) => [
            '-e',
            x,
          ]),
        )
        .concat(['stp.msg_age', 'stp.max_age', 'stp.hello', 'stp.forward'].flatMap((x) => ['-e', x])),
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n');
    expect(rows).toHaveLength(7);
    const all = frames(file);
    const ours = rows.map((row) => {
      const n = Number(row.split('\t')[0]);
      const stp = decodeLayers(all[n - 1].data, all[n - 1].linkType).find((l) => l.protocol === 'stp')!;
      const v = (name: string) => stp.fields.find((x) => x.name === name)!.value;
      return [
        n,
        v('BPDU flags').split(' ')[0],
        v('Root identifier').slice(5),
        v('Root path cost'),
        v('Bridge identifier').slice(5),
        v('Port identifier'),
        ...['Message age', 'Max age', 'Hello time', 'Forward delay'].map((x) => parseFloat(v(x))),
      ].join('\t');
    });
    expect(ours).toEqual(rows);
  });
});
