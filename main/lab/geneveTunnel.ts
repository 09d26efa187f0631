// The lab's Geneve tunnel port. This kernel has no `geneve` module (`ip link add type geneve` says "Unknown device
// type"), as it has no `ipip` one: like socat's tunl0, a TAP device (named as Antrea names its tunnel port) is
// driven from user space. Each Ethernet frame the node routes into the TAP leaves ens33 as real Geneve (RFC 8926:
// UDP to port 6081 of the peer node, Protocol Type 0x6558, the scenario's VNI, optionally one option TLV); each
// Geneve datagram arriving on port 6081 has its inner frame written back into the TAP. Kept as source text run
// by `python3 -c` (python3 is on every lab machine, as socat is), with no file path to resolve.

/** Marker that identifies the encapsulator on a command line (`lab down` checks, tests). */
export const GENEVE_TUNNEL_MARKER = 'hopscope-lab geneve encapsulator';

export const GENEVE_UDP_PORT = 6081;

export const GENEVE_TUNNEL_SOURCE = `# ${GENEVE_TUNNEL_MARKER}
import fcntl, os, select, socket, struct, sys
name, local, peer, vni, option = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
PORT = ${GENEVE_UDP_PORT}
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
TEB = 0x6558
tap = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(tap, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind((local, PORT))
# Sent from an ephemeral source port, as kernel tunnels pick one per flow; received on 6081.
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind((local, 0))
# One option TLV (class, type, length in 4-byte words, data), or none. A critical type sets the C flag.
opts = b''
flags = 0
if option != 'none':
    cls, typ, data = option.split(':')
    data = bytes.fromhex(data)
    opts = struct.pack('!HBB', int(cls, 16), int(typ, 16), len(data) // 4) + data
    if int(typ, 16) & 0x80:
        flags |= 0x40
header = struct.pack('!BBHI', len(opts) // 4, flags, TEB, vni << 8) + opts
print('geneve', name, local, '->', peer, 'vni', vni, 'options', opts.hex() or 'none', flush=True)
while True:
    ready, _, _ = select.select([tap, rx], [], [])
    if tap in ready:
        frame = os.read(tap, 65535)
        tx.sendto(header + frame, (peer, PORT))
    if rx in ready:
        d = rx.recv(65535)
        if len(d) < 8 or d[0] >> 6 != 0 or (d[2] << 8 | d[3]) != TEB:
            continue
        start = 8 + (d[0] & 0x3F) * 4
        if len(d) > start:
            os.write(tap, d[start:])
`;

/**
 * argv for one node's encapsulator: `python3 -c SOURCE TAP LOCAL PEER VNI OPTION`, OPTION being `none` or
 * `CLASS:TYPE:DATAHEX` (hex class and type, data a multiple of 4 bytes).
 */
export function geneveTunnelArgv(
  tap: string,
  local: string,
  peer: string,
  vni: number,
  option: { optClass: number; type: number; data: string } | null,
): string[] {
  const opt = option ? `${option.optClass.toString(16)}:${option.type.toString(16)}:${option.data}` : 'none';
  return ['python3', '-c', GENEVE_TUNNEL_SOURCE, tap, local, peer, String(vni), opt];
}
