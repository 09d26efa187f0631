// ntp.ts — NTP (RFC 5905 §7.3) on UDP 123, as every node's time daemon (chrony, systemd-timesyncd) sends it: what
// tcpdump -n says of a packet, from its first byte. Never on the decodeFields hot path.
//  0 |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |  … root delay, dispersion, reference id, timestamps
export const NTP_PORT = 123;
const LI_VN_MODE = 0;
/** TFTP's and Kerberos' ports: print-udp.c tries them before NTP's (after DNS's and BOOTP's). */
const UDP_PORTS_BEFORE_NTP = [69, 88];
const MODES = [
  'unspecified',
  'symmetric active',
  'symmetric passive',
  'Client',
  'Server',
  'Broadcast',
  'Control Message',
  'Reserved',
];

/** Is this datagram NTP to tcpdump (either port 123, neither one it tries first; DNS and BOOTP are the caller's). */
export function isNtp(srcPort: number, dstPort: number): boolean {
  const port = (p: number) => srcPort === p || dstPort === p;
  return port(NTP_PORT) && !UDP_PORTS_BEFORE_NTP.some(port);
}

/** "NTPv4, Client, length 48" (print-ntp.c without -v) for `len` bytes at `at`; " [|ntp]" when none was captured. */
export function ntpSummary(b: Uint8Array, at: number, len: number): string {
  if (at >= Math.min(b.length, at + len)) return ' [|ntp]';
  const first = b[at + LI_VN_MODE];
  return `NTPv${(first >> 3) & 7}, ${MODES[first & 7]}, length ${len}`;
}
