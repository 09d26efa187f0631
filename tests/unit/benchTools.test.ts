// `npm run bench` installs the anchors' Debian packages when they are missing (bench/lib/debianTools.ts).

import { describe, expect, it } from 'vitest';

import { ensureDebianTools, installPlan } from '../../bench/lib/debianTools.ts';

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
