// The kernel buffer defaults and the ring model: the geometry libpcap 1.10 asks for, checked against what `ss -0 -e`
// showed for real tcpdump 4.99.3 / libpcap 1.10.3 rings on a lab veth (offloads on, MTU 1500), and the per-kind
// defaults the session uses when no --buffer-size is given.

import { describe, expect, it } from 'vitest';

import {
  defaultBufferKiB,
  isShared,
  ringGeometry,
  SHARED_BUFFER_KIB,
  TCPDUMP_DEFAULT_BUFFER_KIB,
} from '../../main/capture/captureBuffer.ts';

const veth = { snaplen: 262144, ethernet: true, mtu: 1500 };

describe('ringGeometry (libpcap create_ring)', () => {
  it('immediate delivery: one 65,632-byte frame per 128 KiB block on an Ethernet link with offloads', () => {
    // ss: ring_rx(blk_size:131072,blk_nr:32,frm_size:65632,frm_nr:32,tmo:0) for tcpdump --immediate-mode
    expect(ringGeometry({ ...veth, bufferKiB: 2048, delivery: 'immediate' })).toEqual({
      tpacketVersion: 2,
      blockSize: 131072,
      blocks: 32,
      frameSize: 65632,
      frames: 32,
      bytes: 4 * 2 ** 20,
    });
    // -B 4096 → blk_nr:64; -B 32768 → blk_nr:512 (64 MiB pinned for 512 packets)
    expect(ringGeometry({ ...veth, bufferKiB: 4096, delivery: 'immediate' }).frames).toBe(64);
    const big = ringGeometry({ ...veth, bufferKiB: 32768, delivery: 'immediate' });
    expect([big.frames, big.bytes]).toEqual([512, 64 * 2 ** 20]);
  });

  it('buffered delivery: 256 KiB blocks that hold packets of any size', () => {
    // ss: ring_rx(blk_size:262144,blk_nr:8,frm_size:262144,frm_nr:8,tmo:1000); -B 4096 → 16; -B 32768 → 128
    expect(ringGeometry({ ...veth, bufferKiB: 2048, delivery: 'buffered' })).toEqual({
      tpacketVersion: 3,
      blockSize: 262144,
      blocks: 8,
      frameSize: 262144,
      frames: 8,
      bytes: 2 * 2 ** 20,
    });
    expect(ringGeometry({ ...veth, bufferKiB: 4096, delivery: 'buffered' }).blocks).toBe(16);
    expect(ringGeometry({ ...veth, bufferKiB: 32768, delivery: 'buffered' }).blocks).toBe(128);
  });

  it('immediate on raw IP (tunl0) or without offloads: the snaplen or the MTU sizes the frame', () => {
    // Not Ethernet: nothing bounds the frame but the snaplen, so each packet gets a 512 KiB block.
    // ss on a TUN device: ring_rx(blk_size:524288,blk_nr:8,frm_size:262224,frm_nr:8,tmo:0)
    const raw = ringGeometry({ ...veth, ethernet: false, bufferKiB: 2048, delivery: 'immediate' });
    expect([raw.frameSize, raw.blockSize, raw.frames, raw.bytes]).toEqual([262224, 524288, 8, 4 * 2 ** 20]);
    // No offloads: MTU + 18 bytes, two frames per 4 KiB page (libpcap's arithmetic; no ethtool here to check it).
    const plain = ringGeometry({ ...veth, offload: false, bufferKiB: 2048, delivery: 'immediate' });
    expect([plain.frameSize, plain.blockSize, plain.frames]).toEqual([1600, 4096, 1310]);
  });
});

describe('default buffer per interface', () => {
  const linkLocal = [{ family: 'inet6' as const, address: 'fe80::1', prefixLen: 64, scope: 'link' }];
  const nodeAddr = [{ family: 'inet' as const, address: '10.1.10.9', prefixLen: 24, scope: 'global' }];

  it('buffered: 4 MiB where flows meet, tcpdump’s own 2 MiB on a single pod’s interface', () => {
    for (const kind of ['physical', 'bridge', 'vxlan', 'ipip', 'tun', 'other'] as const) {
      expect(isShared({ kind, addresses: [] }), kind).toBe(true);
      expect(defaultBufferKiB({ kind, addresses: linkLocal }, 'buffered')).toBe(SHARED_BUFFER_KIB);
    }
    // A pod's host-side veth or cali* holds no address of its own (at most IPv6 link-local).
    for (const kind of ['veth', 'calico', 'loopback'] as const) {
      expect(isShared({ kind, addresses: linkLocal }), kind).toBe(false);
      expect(defaultBufferKiB({ kind, addresses: [] }, 'buffered')).toBeUndefined();
    }
    // A veth that carries the node's own address is the node's uplink (the lab's ens33): shared.
    expect(isShared({ kind: 'veth', addresses: nodeAddr })).toBe(true);
    expect(isShared({ kind: 'loopback', addresses: nodeAddr })).toBe(false);
    expect(SHARED_BUFFER_KIB).toBe(2 * TCPDUMP_DEFAULT_BUFFER_KIB);
  });

  it('immediate: tcpdump’s default everywhere (a bigger ring costs 128 KiB of kernel memory per packet)', () => {
    for (const kind of ['physical', 'bridge', 'veth'] as const)
      expect(defaultBufferKiB({ kind, addresses: nodeAddr }, 'immediate')).toBeUndefined();
  });

  it('the buffered defaults cost a node with 3 shared interfaces and 13 veths far less than immediate -B 16384', () => {
    const cost = (kib: number, d: 'buffered' | 'immediate') =>
      ringGeometry({ ...veth, bufferKiB: kib, delivery: d }).bytes;
    const buffered =
      3 * cost(SHARED_BUFFER_KIB, 'buffered') + 13 * cost(TCPDUMP_DEFAULT_BUFFER_KIB, 'buffered');
    expect(buffered / 2 ** 20).toBe(38);
    expect((16 * cost(16384, 'immediate')) / 2 ** 20).toBe(512);
  });
});
