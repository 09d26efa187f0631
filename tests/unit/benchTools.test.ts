// `npm run bench` installs the anchors' Debian packages when they are missing (bench/lib/debianTools.ts), and
// prints a traced run's timeline (bench/lib/timeline.ts).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ensureDebianTools, installPlan } from '../../bench/lib/debianTools.ts';
import { parseTrace, timelineRows, traceRun } from '../../bench/lib/timeline.ts';
import { fixtureFiles } from './correlate-helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('bench tool installation', () => {
  it('maps missing tools to their packages and picks root, sudo, or nothing', () => {
    expect(installPlan(['tshark', 'mergecap', 'editcap'], true, false)).toEqual({
      prefix: [],
      packages: ['tshark', 'wireshark-common'],
    });
    expect(installPlan(['tcpdump'], false, true)).toEqual({ prefix: ['sudo', '-n'], packages: ['tcpdump'] });
    expect(installPlan(['tcpdump'], false, false)).toBeNull();
  });

  it('installs nothing when every tool is there', () => {
    const said: string[] = [];
    expect(ensureDebianTools(['sh'], (m) => said.push(m))).toEqual([]);
    expect(said).toEqual([]);
  });
});

describe('bench timeline', () => {
  it('turns trace lines into rows by time, per thread, with the time since that thread’s previous line', () => {
    const stderr = [
      'hopscope correlate: something else',
      '[hopscope trace 80.5 ms main] correlate: reading',
      '[hopscope trace 150.0 ms thread 7] ingest worker: started',
      '[hopscope trace 480.2 ms main] read: own run done',
      '[hopscope trace 540.0 ms thread 7] ingest worker: own run read',
      '[hopscope trace 9 ms nobody] not a trace line',
    ].join('\n');
    const points = parseTrace(stderr);
    expect(points).toHaveLength(4);
    expect(timelineRows(points).slice(2)).toEqual([
      '| correlate: reading | main | 81 | 81 |',
      '| ingest worker: started | worker 1 | 150 | 150 |',
      '| read: own run done | main | 480 | 400 |',
      '| ingest worker: own run read | worker 1 | 540 | 390 |',
    ]);
  });

  it('traces a real correlate run, and gives null for a command that fails', () => {
    const points = traceRun(
      [
        'node',
        path.join(ROOT, 'bin/hopscope.mjs'),
        'correlate',
        '--summary',
        ...fixtureFiles('flannel-vxlan'),
      ],
      ROOT,
    );
    expect(points?.map((p) => p.phase)).toContain('link: flows done');
    expect(traceRun(['node', '-e', 'process.exit(3)'], ROOT)).toBeNull();
  });
});
