// RIP (RFC 1058, RFC 2453; UDP 520) as tcpdump 4.99 prints it without -v (print-rip.c), for the one-line
// summaries: "RIPv2, Response, length: 24"; version 0 (RFC 1058: to be ignored) as the datagram in hex.
//
//   | command (1) | version (1) | must be zero (2) | route entries (20 each) … |
import { hexDump } from './format.ts';

export const RIP_PORT = 520;
const COMMAND = 0;
const VERSION = 1;
const RIP_HEADER_LEN = 4;
const COMMANDS: Record<number, string> = {
  1: 'Request',
  2: 'Response',
  3: 'Trace on',
  4: 'Trace off',
  5: 'Poll',
  6: 'Poll Entry',
};

/** The ports tcpdump 4.99's udp_print tries before RIP's: DNS, mDNS, timed, TFTP, BOOTP. */
const UDP_PORTS_BEFORE_RIP = [53, 5353, 525, 69, 67, 68];

/** Is this datagram RIP to tcpdump (either port RIP's, neither one it tries first). */
export function isRip(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return port(RIP_PORT) && !UDP_PORTS_BEFORE_RIP.some(port);
}

/**
 * What tcpdump -n prints of a RIP message at `at`, `len` bytes (the UDP payload), whose bytes end at `cap`:
 * " [|rip]" short of its 4-byte header.
 */
export function ripSummary(b: Uint8Array, at: number, len: number, cap: number): string {
  const have = Math.min(cap - at, len);
  if (have < RIP_HEADER_LEN) return ' [|rip]';
  const version = b[at + VERSION];
  if (version === 0) return `RIPv0${hexDump(b, at, Math.min(len, cap - at), false)}`;
  const cmd = b[at + COMMAND];
  return `RIPv${version}, ${COMMANDS[cmd] ?? `unknown command (${cmd})`}, length: ${len}`;
}
