// The capture bar's request → the capture library's options: tunnel following and delivery are the user's to
// choose (defaults: the library's, i.e. follow tunnels and buffered delivery), and the request is validated.

import { describe, expect, it } from 'vitest';

import { capturePlan, heldNodes, LiveCapture, requestOptions } from '../../main/app/liveCapture.ts';
import { NodeManager } from '../../main/app/nodes.ts';
import { validateRequest } from '../../main/app/validate.ts';
import type { CaptureRequest, NodeInfo } from '../../preload/api.ts';
import { ifaceKey, lateJoiners, tickCaptured } from '../../renderer/src/store/appStore.ts';
import { tempDir } from '../tempDir.ts';

const base: CaptureRequest = {
  targets: [{ node: 'node-1', iface: 'ens33' }],
  filter: 'icmp',
  snaplen: 0,
  excludeSsh: true,
};

describe('capture request options', () => {
  it("leaves tunnel following and delivery to the library's defaults when the request does not say", () => {
    const o = requestOptions(base);
    expect(o).toEqual({ filter: 'icmp', snaplen: undefined, excludeOwnSsh: true });
    expect('followTunnels' in o).toBe(false);
    expect('delivery' in o).toBe(false);
  });

  it('passes the choices through', () => {
    expect(requestOptions({ ...base, followTunnels: false, delivery: 'immediate', snaplen: 128 })).toEqual({
      filter: 'icmp',
      snaplen: 128,
      excludeOwnSsh: true,
      followTunnels: false,
      delivery: 'immediate',
    });
    expect(requestOptions({ ...base, followTunnels: true, delivery: 'buffered' })).toMatchObject({
      followTunnels: true,
      delivery: 'buffered',
    });
  });

  it('validates the new fields', () => {
    expect(validateRequest('startCapture', base)).toBeNull();
    expect(
      validateRequest('startCapture', { ...base, followTunnels: false, delivery: 'immediate' }),
    ).toBeNull();
    expect(validateRequest('startCapture', { ...base, delivery: 'fast' })).toMatch(/delivery/);
    expect(validateRequest('startCapture', { ...base, followTunnels: 'yes' })).toMatch(/followTunnels/);
    // The globs whose new matches are followed while capturing (a new pod's veth).
    expect(validateRequest('startCapture', { ...base, follow: ['node-1:veth*', 'cali*'] })).toBeNull();
    expect(validateRequest('startCapture', { ...base, follow: 'veth*' })).toMatch(/follow/);
    expect(validateRequest('startCapture', { ...base, follow: [3] })).toMatch(/follow/);
  });

  it('validates the globs for nodes joining late', () => {
    expect(validateRequest('startCapture', { ...base, selectors: ['cali*', 'node-2:eth*'] })).toBeNull();
    expect(validateRequest('startCapture', { ...base, selectors: ['node-2:'] })).toMatch(/selectors/);
    expect(validateRequest('startCapture', { ...base, selectors: ['a b'] })).toMatch(/selectors/);
    expect(validateRequest('startCapture', { ...base, selectors: 'cali*' })).toMatch(/selectors/);
  });
});

/** A node card as the back end lists it: `ifaces` listed interfaces (none: never discovered). */
function card(name: string, state: NodeInfo['state'], ifaces: string[] = []): NodeInfo {
  return {
    name,
    target: name,
    state,
    error: null,
    interfaces: ifaces.map((i) => ({
      name: i,
      kind: 'physical',
      mac: null,
      addresses: [],
      mtu: 1500,
      up: true,
      master: null,
      peer: null,
      vni: null,
      vxlanPort: null,
    })),
  };
}

describe('nodes joining the capture late', () => {
  const list = [
    card('node-1', 'connected', ['ens33', 'cni0']),
    card('node-2', 'connecting'),
    card('node-3', 'error'),
    card('node-4', 'idle'),
    card('node-5', 'connected', ['ens33']),
  ];
  const req: CaptureRequest = {
    ...base,
    targets: [
      { node: 'node-1', iface: 'ens33' },
      { node: 'node-5', iface: 'ens33' },
    ],
    selectors: ['ens*', 'node-2:cni*', 'node-9:*'],
  };

  it('takes the nodes with chosen interfaces, and those a glob names whose interfaces were never listed', () => {
    const plan = capturePlan(req, list);
    // node-4 was not connected by the user (idle): a glob does not connect it.
    expect(plan.nodes).toEqual(['node-1', 'node-5', 'node-2', 'node-3']);
    expect(plan.selectorsFor('node-1')).toEqual(['node-1:ens33']);
    expect(plan.globsFor('node-1')).toEqual([]);
    expect(plan.selectorsFor('node-2')).toEqual(['node-2:ens*', 'node-2:cni*']);
    expect(plan.selectorsFor('node-3')).toEqual(['node-3:ens*']);
    // Without globs: only the chosen interfaces' nodes.
    expect(capturePlan({ ...req, selectors: undefined }, list).nodes).toEqual(['node-1', 'node-5']);
    // Globs naming only idle nodes, and nothing chosen: no node at all (Start says to choose).
    expect(capturePlan({ ...req, targets: [], selectors: ['node-4:*'] }, list).nodes).toEqual([]);
  });

  it('the node panel names the same nodes, with their globs', () => {
    const chosen = new Set(req.targets.map((t) => `${t.node}\u0000${t.iface}`));
    expect(lateJoiners(list, chosen, req.selectors!)).toEqual([
      { node: 'node-2', globs: ['ens*', 'cni*'] },
      { node: 'node-3', globs: ['ens*'] },
    ]);
    expect(lateJoiners(list, chosen, [])).toEqual([]);
  });
});

describe('a running capture and its late nodes', () => {
  it('holds the nodes it captures on and those it waits for (still connecting), not those it lost or that failed', () => {
    // The capture session's node states: node-2 joining late, node-3's connect failed, node-4 lost mid-capture.
    expect(
      heldNodes([
        { name: 'node-1', state: 'connected' },
        { name: 'node-2', state: 'connecting' },
        { name: 'node-3', state: 'failed' },
        { name: 'node-4', state: 'lost' },
        { name: 'node-5', state: 'pending' },
        { name: 'node-6', state: 'closed' },
      ]),
    ).toEqual(['node-1', 'node-2', 'node-5']);
  });

  it('ticks what the capture took up on a node since the last counters, once', () => {
    const c = (node: string, iface: string) => ({
      node,
      iface,
      packets: 0,
      bytes: 0,
      drops: 0,
      state: 'running' as const,
      error: null,
    });
    const stats = (counters: ReturnType<typeof c>[], sessionId = 's') => ({
      sessionId,
      elapsedMs: 0,
      running: true,
      nodes: ['node-1', 'node-2'],
      counters,
    });
    const chosen = new Set([ifaceKey('node-1', 'ens33')]);
    const first = stats([c('node-1', 'ens33')]);
    expect(tickCaptured(chosen, null, first)).toBe(chosen);
    // node-2 joined: its ens33 (a glob's pick) is ticked.
    const joined = stats([c('node-1', 'ens33'), c('node-2', 'ens33')]);
    const ticked = tickCaptured(chosen, first, joined);
    expect([...ticked]).toEqual([ifaceKey('node-1', 'ens33'), ifaceKey('node-2', 'ens33')]);
    // Unticked by the user after: the same counters again leave it unticked.
    expect(tickCaptured(chosen, joined, joined)).toBe(chosen);
    // Another capture's counters are new to this one.
    expect(tickCaptured(chosen, joined, stats(joined.counters, 't')).size).toBe(2);
  });
});

describe('a capture started on a glob alone (nothing ticked, nothing matching yet)', () => {
  const list = [
    card('node-1', 'connected', ['ens33', 'cni0']),
    card('node-2', 'connecting'),
    card('node-4', 'idle', ['ens33']),
  ];
  const req: CaptureRequest = { ...base, targets: [], follow: ['node-1:veth*'] };

  it('takes the connected nodes a followed glob names, waiting there for what it matches', () => {
    const plan = capturePlan(req, list);
    expect(plan.nodes).toEqual(['node-1']);
    expect(plan.waiting).toEqual(['node-1']);
    // What the glob matches there at the start (nothing yet), and what session.json's node warnings name.
    expect(plan.globsFor('node-1')).toEqual(['node-1:veth*']);
    // `veth*` names every node: node-1 waits; node-2 (never listed) and node-4 (not connected by the user) do not.
    expect(capturePlan({ ...req, follow: ['veth*'] }, list).waiting).toEqual(['node-1']);
    // An exact name never widens: no node waits for it.
    expect(capturePlan({ ...req, follow: ['node-1:veth0'] }, list).nodes).toEqual([]);
    // A node with a ticked interface captures it: the glob widens that capture, it does not make the node wait.
    expect(capturePlan({ ...req, targets: [{ node: 'node-1', iface: 'ens33' }] }, list).waiting).toEqual([]);
  });

  it('is a request Start may make', async () => {
    expect(validateRequest('startCapture', req)).toBeNull();
    // Refused before anything starts when it names no node the user connected (none here: an empty node list).
    const nodes = new NodeManager(
      () => undefined,
      () => undefined,
    );
    const ev = {
      stats: () => undefined,
      batch: () => undefined,
      node: () => undefined,
      session: () => undefined,
    };
    await expect(LiveCapture.start(req, nodes, tempDir('hs-wait-'), ev)).rejects.toThrow(
      'choose at least one interface (the globs name no node that was connected)',
    );
    await expect(
      LiveCapture.start({ ...req, follow: ['node-1:veth0'] }, nodes, tempDir('hs-wait-'), ev),
    ).rejects.toThrow('choose at least one interface, or a glob to wait for');
  });
});
