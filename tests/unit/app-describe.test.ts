// describe.ts: the packet detail's layer tree as the app sends it to the renderer, from decodeLayers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { layersOf } from '../../main/app/describe.ts';
import { decodeLayers } from '../../main/decode/index.ts';
import { readCaptureFileSync } from '../../main/pcap/index.ts';
import { FIXTURES } from './correlate-helpers.ts';

/** Record `n` (1-based, as tshark numbers it) of a fixture capture. */
function fixtureFrame(file: string, n: number): { data: Uint8Array; linkType: number } {
  let out: { data: Uint8Array; linkType: number } | undefined;
  readCaptureFileSync(path.join(FIXTURES, file), (rec) => {
    if (rec.index === n - 1) out = { data: rec.data, linkType: rec.linkType };
  });
  if (!out) throw new Error(`no record ${n} in ${file}`);
  return out;
}

describe('layersOf', () => {
  it("names each layer by decodeLayers' title, not its protocol key", () => {
    // flannel-vxlan node-1/ens33 #3: the first echo request, in VXLAN.
    const fr = fixtureFrame('flannel-vxlan/node-1__ens33.pcap', 3);
    const names = layersOf(fr.data, fr.linkType).map((l) => l.name);
    expect(names).toEqual(decodeLayers(fr.data, fr.linkType).map((l) => l.title));
    expect(names.slice(0, 4)).toEqual([
      'Ethernet II, Src: 00:0c:29:10:a9:6c, Dst: 00:0c:29:2f:33:85',
      'Internet Protocol Version 4, Src: 10.1.10.9, Dst: 10.1.10.10',
      'User Datagram Protocol, Src Port: 54436, Dst Port: 8472',
      'Virtual eXtensible Local Area Network, VNI: 1',
    ]);
  });
});
