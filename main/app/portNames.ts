// Service names the journey filter takes for ports (`port ssh`, `portrange ftp-data-ssh`), as libpcap takes them
// from /etc/services: a name listed for TCP only (ssh) means a TCP port, for UDP only (ntp) a UDP port, for both
// (domain) any port. A small built-in table (Debian's /etc/services entries of the usual services, aliases
// included), so the app reads the same on every machine; tests check it against the machine's /etc/services.

import { PORT_ANY, PORT_TCP, PORT_UDP } from './journeyIndex.ts';

const T = PORT_TCP;
const U = PORT_UDP;
const B = PORT_ANY;

/** name → [port, PORT_* kinds it names]. */
export const PORT_NAMES: Readonly<Record<string, readonly [number, number]>> = {
  'ftp-data': [20, T],
  ftp: [21, T],
  ssh: [22, T],
  telnet: [23, T],
  smtp: [25, T],
  mail: [25, T],
  domain: [53, B],
  bootps: [67, U],
  bootpc: [68, U],
  tftp: [69, U],
  http: [80, T],
  www: [80, T],
  kerberos: [88, B],
  pop3: [110, T],
  sunrpc: [111, B],
  portmapper: [111, B],
  ntp: [123, U],
  'netbios-ns': [137, U],
  imap2: [143, T],
  imap: [143, T],
  snmp: [161, B],
  'snmp-trap': [162, B],
  bgp: [179, T],
  ldap: [389, B],
  https: [443, B],
  'microsoft-ds': [445, T],
  isakmp: [500, U],
  syslog: [514, B],
  submission: [587, T],
  ipp: [631, T],
  ldaps: [636, B],
  'domain-s': [853, B],
  rsync: [873, T],
  imaps: [993, T],
  pop3s: [995, T],
  socks: [1080, T],
  openvpn: [1194, B],
  'ms-sql-s': [1433, T],
  radius: [1812, B],
  nfs: [2049, B],
  'iscsi-target': [3260, T],
  mysql: [3306, T],
  sip: [5060, B],
  mdns: [5353, U],
  postgresql: [5432, T],
  postgres: [5432, T],
  redis: [6379, T],
  'http-alt': [8080, T],
  webcache: [8080, T],
  git: [9418, T],
};

/** A port number (0–65535) or a service name as [port, kinds]; null when neither. */
export function readPort(s: string): readonly [number, number] | null {
  if (/^\d{1,5}$/.test(s)) return +s <= 65535 ? [+s, PORT_ANY] : null;
  return Object.hasOwn(PORT_NAMES, s) ? PORT_NAMES[s] : null;
}
