// IPC and WebSocket argument validation under fuzzing: every API method's validator (shared by Electron IPC
// and web mode) gets arbitrary values, prototype-polluting keys and near-miss shapes; it must answer null or
// a reason, never throw, never accept a request with an unknown key. The wire decoder gets random and
// mutated frames: it returns or throws an Error, allocates no more than the frame, and never hangs.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isApiMethod, validateRequest } from '../../main/app/validate.ts';
import { API_METHODS } from '../../preload/api.ts';
import { decodeMessage, encodeMessage } from '../../preload/wire.ts';
import {
  installAllocationWatch,
  largestAllocationDuring,
  mutate,
  uninstallAllocationWatch,
} from '../fuzz/harness.ts';

const METHODS = [
  'appInfo',
  'openSample',
  'openPaths',
  'openFiles',
  'getSession',
  'closeSession',
  'getPackets',
  'getSummaries',
  'getPacketDetail',
  'listJourneys',
  'getJourney',
  'setClockOverride',
  'exportSession',
  'listSshAliases',
  'listNodes',
  'addNode',
  'removeNode',
  'updateNode',
  'connectNode',
  'disconnectNode',
  'answerHostKey',
  'listHostKeyPrompts',
  'answerLogin',
  'listLoginPrompts',
  'validateFilter',
  'startCapture',
  'stopCapture',
  'labStatus',
  'labUp',
  'labDown',
  'labTraffic',
] as const;

beforeAll(() => installAllocationWatch());
afterAll(() => uninstallAllocationWatch());

describe('API argument validation (IPC and WebSocket)', () => {
  it('knows exactly the API methods: no prototype keys, no near misses', () => {
    for (const m of METHODS) expect(isApiMethod(m), m).toBe(true);
    // This list is written out on purpose: a method added to the API must be added here, and so fuzzed below.
    expect([...API_METHODS].sort()).toEqual([...METHODS].sort());
    for (const m of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'APPINFO',
      'appInfo ',
      '',
      'call',
      'apply',
      'bind',
    ]) {
      expect(isApiMethod(m), m).toBe(false);
    }
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(isApiMethod(v)).toBe(typeof v === 'string' && (METHODS as readonly string[]).includes(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary arguments, and answers null or a reason', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...METHODS),
        fc.anything({
          withObjectString: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
        }),
        (m, v) => {
          const r = validateRequest(m, v);
          expect(r === null || (typeof r === 'string' && r.length > 0)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses prototype-polluting keys and unknown keys on every object-taking method', () => {
    for (const m of METHODS) {
      for (const evil of [
        JSON.parse('{"__proto__":{"polluted":1}}'),
        { constructor: { prototype: {} } },
        { unexpected: 1 },
      ]) {
        const r = validateRequest(m, evil);
        expect(r, `${m} accepted ${JSON.stringify(evil)}`).not.toBeNull();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses hostile values in the fields that reach a shell or the file system', () => {
    const bad: [string, unknown][] = [
      ['addNode', { name: '$(id)', host: 'x' }],
      ['addNode', { name: '-oProxyCommand=id', host: 'x' }],
      ['addNode', { name: 'n', host: 'x\0y' }],
      // (An iface like `eth0;id` is a legal Linux name: accepted here, it must match a discovered name later and
      // reaches tcpdump as one quoted word: tests/unit/hostile/nodes.test.ts.)
      [
        'startCapture',
        { targets: [{ node: 'n', iface: '../../etc' }], filter: '', snaplen: 0, excludeSsh: true },
      ],
      [
        'startCapture',
        { targets: [{ node: 'n', iface: 'eth0' }], filter: 'icmp\0', snaplen: 0, excludeSsh: true },
      ],
      [
        'startCapture',
        { targets: [{ node: 'n', iface: 'eth0' }], filter: '', snaplen: 1e9, excludeSsh: true },
      ],
      ['getPackets', { sessionId: 's', from: 0, count: Number.MAX_SAFE_INTEGER }],
      ['getPackets', { sessionId: 's', from: Number.NaN, count: 1 }],
      ['getSummaries', { sessionId: 's', indices: new Array(10_001).fill(0) }],
      ['setClockOverride', { sessionId: 's', node: 'n', offsetNs: Infinity }],
    ];
    for (const [m, v] of bad)
      expect(validateRequest(m as (typeof METHODS)[number], v), `${m} ${JSON.stringify(v)}`).not.toBeNull();
  });
});

describe('wire decoder (web mode frames)', () => {
  it('random frames: returns or throws an Error, allocates at most the frame, fast', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => {
        let ms = 0;
        const biggest = largestAllocationDuring(() => {
          const t0 = performance.now();
          try {
            decodeMessage(b);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
          }
          ms = performance.now() - t0;
        });
        expect(biggest).toBeLessThanOrEqual(Math.max(b.length, 64));
        expect(ms).toBeLessThan(200);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated real requests (huge lengths, bad typed-array references): an Error, never a hang or a huge allocation', () => {
    const good = encodeMessage({
      t: 'req',
      id: 7,
      method: 'getSummaries',
      req: { sessionId: 's', indices: [1, 2, 3] },
      extra: new Float64Array([1, 2, 3]),
    });
    const evilRefs = [
      '{"$ta":"constructor","i":0}',
      '{"$ta":"__proto__","i":0}',
      '{"$ta":"Float64Array","i":99}',
      '{"$ta":"Float64Array","i":-1}',
      '{"$ta":"toString","i":0}',
    ];
    for (const ref of evilRefs) {
      const frame = encodeMessage({ placeholder: 0 });
      const json = new TextEncoder().encode(ref);
      const f = new Uint8Array(8 + json.length);
      new DataView(f.buffer).setUint32(0, json.length, true);
      f.set(json, 8);
      expect(() => decodeMessage(f), ref).toThrow(Error);
      expect(frame.length).toBeGreaterThan(0);
    }
    fc.assert(
      fc.property(
        fc.constantFrom('bitflip', 'byte', 'truncate', 'hugeLength'),
        fc.integer(),
        (kind, seed) => {
          const m = mutate(good, good, kind as 'bitflip', seed);
          const biggest = largestAllocationDuring(() => {
            try {
              decodeMessage(m);
            } catch (e) {
              expect(e).toBeInstanceOf(Error);
            }
          });
          expect(biggest).toBeLessThanOrEqual(Math.max(m.length, 64));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
