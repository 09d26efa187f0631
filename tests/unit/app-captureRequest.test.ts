// The capture bar's request → the capture library's options: tunnel following and delivery are the user's to
// choose (defaults: the library's, i.e. follow tunnels and buffered delivery), and the request is validated.

import { describe, expect, it } from 'vitest';

import { requestOptions } from '../../main/app/liveCapture.ts';
import { validateRequest } from '../../main/app/validate.ts';
import type { CaptureRequest } from '../../preload/api.ts';

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
  });
});
