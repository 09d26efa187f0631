// Chooses each interface's kernel capture buffer (tcpdump -B) when the user gave none, and models what a buffer
// costs the node in kernel memory (libpcap 1.10's ring geometry), so defaults are chosen knowingly.

import type { Iface, IfaceKind } from '../discover/model.ts';

import type { Delivery } from './tcpdumpCommand.ts';

/** tcpdump's own `-B` when none is given. */
export const TCPDUMP_DEFAULT_BUFFER_KIB = 2048;
/**
 * Buffered delivery where many flows meet (a bridge, the node's NIC, a tunnel device): twice tcpdump's default.
 * bench/live.ts measured no drop at a combined 50 k packets/s (6,250/s on each shared interface) with 2 MiB
 * everywhere; the extra 2 MiB is margin where bursts and large (GRO) packets converge, and costs 2 MiB each.
 */
export const SHARED_BUFFER_KIB = 4096;

/** Kinds that carry one pod's (or one host's) traffic: a pod's veth, Calico's cali*, loopback. */
const ENDPOINT_KINDS: ReadonlySet<IfaceKind> = new Set(['veth', 'calico', 'loopback']);

/**
 * Where many flows meet: every kind but a single endpoint's (unknown kinds count as shared, to be safe), and any
 * interface that holds a global address of the node itself: a pod's host-side veth or cali* never has one, but a
 * node whose uplink is a veth (a container or namespace "node", like our lab's ens33) routes all its traffic there.
 */
export function isShared(iface: Pick<Iface, 'kind' | 'addresses'>): boolean {
  if (iface.kind === 'loopback') return false;
  return (
    !ENDPOINT_KINDS.has(iface.kind) ||
    iface.addresses.some((a) => a.scope === undefined || a.scope === 'global')
  );
}

/**
 * The `-B` to pass when the user gave no --buffer-size; undefined means tcpdump's own default.
 * Immediate delivery keeps tcpdump's default: there every packet takes a whole slot of up to 128 KiB of kernel
 * memory (see ringGeometry), so a buffer that absorbs 50 k packets/s would cost hundreds of MiB per node; the
 * user who picks immediate delivery for its latency sets --buffer-size knowingly (docs/capture.md).
 */
export function defaultBufferKiB(
  iface: Pick<Iface, 'kind' | 'addresses'>,
  delivery: Delivery,
): number | undefined {
  if (delivery !== 'buffered') return undefined;
  return isShared(iface) ? SHARED_BUFFER_KIB : undefined;
}

export interface RingGeometry {
  /** libpcap's TPACKET version: 2 for immediate delivery, 3 for buffered. */
  tpacketVersion: 2 | 3;
  blockSize: number;
  blocks: number;
  frameSize: number;
  /** Immediate: packets the ring holds at most. Buffered: blocks (each holds many packets). */
  frames: number;
  /** Kernel memory the ring pins on the node. */
  bytes: number;
}

export interface RingInputs {
  bufferKiB: number;
  delivery: Delivery;
  snaplen: number;
  /** Ethernet link type (the frame is bounded by the MTU, or 64 KiB with offloads); else the snaplen bounds it. */
  ethernet: boolean;
  mtu: number;
  /** Segmentation/receive offloads on (veths, bridges, vxlan and most NICs have them). Default true. */
  offload?: boolean;
  pageSize?: number;
}

/** Bytes libpcap puts before the packet in a TPACKET_V2 frame (tpacket2_hdr, sockaddr_ll, link-header room, VLAN). */
const V2_MAC_OFFSET = 68;
const TPACKET_ALIGNMENT = 16;
/** libpcap's MAXIMUM_SNAPLEN: the fixed TPACKET_V3 "frame" (block) size. */
const V3_BLOCK = 262144;

const align = (x: number) => Math.ceil(x / TPACKET_ALIGNMENT) * TPACKET_ALIGNMENT;

/**
 * The ring libpcap 1.10 (pcap-linux.c, create_ring) asks the kernel for, before any ENOMEM retry. Immediate mode
 * (TPACKET_V2) gives every packet a frame sized for the largest possible packet, in page-size × 2^n blocks: on an
 * Ethernet link with offloads that is a 65,632-byte frame alone in a 128 KiB block, so tcpdump's default 2 MiB
 * holds 32 packets and pins 4 MiB. Buffered (TPACKET_V3) packs packets of any size into 256 KiB blocks.
 */
export function ringGeometry(r: RingInputs): RingGeometry {
  const page = r.pageSize ?? 4096;
  const want = r.bufferKiB * 1024;
  let frameSize: number;
  if (r.delivery === 'buffered') frameSize = V3_BLOCK;
  else {
    let frame = r.snaplen;
    if (r.ethernet) frame = Math.min(frame, ((r.offload ?? true) ? Math.max(r.mtu, 65535) : r.mtu) + 18);
    frameSize = align(V2_MAC_OFFSET + frame);
  }
  let blockSize = page;
  while (blockSize < frameSize) blockSize *= 2;
  const perBlock = Math.floor(blockSize / frameSize);
  const blocks = Math.floor(Math.ceil(want / frameSize) / perBlock);
  return {
    tpacketVersion: r.delivery === 'buffered' ? 3 : 2,
    blockSize,
    blocks,
    frameSize,
    frames: blocks * perBlock,
    bytes: blocks * blockSize,
  };
}
