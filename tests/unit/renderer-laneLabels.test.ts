// The timeline's lane labels fitted by measured width: long node names ellipsized, never drawn over an interface.
import { describe, expect, it } from 'vitest';

import { ellipsize, layoutLaneLabels } from '../../renderer/src/lib/laneLabels.ts';

/** A monospace font of 7 px per character. */
const mono = (t: string) => t.length * 7;
const LONG = 'ip-10-1-10-9.eu-west-1.compute.internal';

describe('lane labels', () => {
  it('ellipsizes to the longest prefix that fits with its ellipsis', () => {
    expect(ellipsize('ens33', 35, mono)).toBe('ens33');
    expect(ellipsize('flannel.1', 35, mono)).toBe('flan…');
    expect(ellipsize('flannel.1', 6, mono)).toBe('');
  });

  it('short names keep the minimum column, each lane its interface, a node named on its first lane', () => {
    const l = layoutLaneLabels(
      [
        { node: 'node-1', iface: 'ens33' },
        { node: 'node-1', iface: 'flannel.1' },
        { node: 'node-2', iface: 'ens33' },
      ],
      mono,
      150,
      300,
    );
    expect(l.width).toBe(150);
    expect(l.lanes.map((x) => [x.node, x.iface])).toEqual([
      ['node-1', 'ens33'],
      ['', 'flannel.1'],
      ['node-2', 'ens33'],
    ]);
  });

  it('long node names: the column widens to its limit, the node is ellipsized, the interface stays whole', () => {
    const lanes = [
      { node: LONG, iface: 'ens33' },
      { node: LONG, iface: 'veth2053e67d' },
    ];
    const l = layoutLaneLabels(lanes, mono, 150, 240);
    expect(l.width).toBe(240);
    for (const x of l.lanes) {
      expect(x.iface).toBe(lanes[l.lanes.indexOf(x)].iface);
      // Nothing drawn past the column, and the node ends before the interface begins.
      expect(x.ifaceX + mono(x.iface)).toBeLessThanOrEqual(l.width);
      expect(x.nodeX + mono(x.node)).toBeLessThan(x.ifaceX);
    }
    expect(l.lanes[0].node).toMatch(/^ip-10-1-10-9\..*…$/);
    expect(l.lanes[1].full).toBe(`${LONG}/veth2053e67d`);
  });

  it('an interface too long for the column is cut too, after the node keeps a few characters', () => {
    const l = layoutLaneLabels([{ node: LONG, iface: 'a-very-long-interface-name0' }], mono, 150, 150);
    const [x] = l.lanes;
    expect(x.node.length).toBeGreaterThanOrEqual(4);
    expect(x.iface).toMatch(/^a-very-long-.*…$/);
    expect(x.ifaceX + mono(x.iface)).toBeLessThanOrEqual(150);
    expect(x.nodeX + mono(x.node)).toBeLessThan(x.ifaceX);
  });
});
