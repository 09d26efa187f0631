#!/usr/bin/env bash
# Rebuilds the fuzz corpus seeds (tests/fuzz/corpus/seeds/) from real captured bytes: two throwaway namespaces
# (hsx-rel-a, hsx-rel-b) joined by a veth with a flannel-style VXLAN (VNI 1, UDP 8472) on top, pinged and sent
# UDP/TCP across, captured by tcpdump (pcap micro and nano, Ethernet and Linux SLL/SLL2) and tshark (pcapng).
# Then copies the small lab fixtures (tests/fixtures/**.pcap*, ≤ 64 KiB) if there are any. Root, Linux.
# Nothing leaves the two namespaces: they have no route to anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=tests/fuzz/corpus/seeds
A=hsx-rel-a
B=hsx-rel-b
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
mkdir -p "$OUT"

ip netns add "$A"
ip netns add "$B"
ip link add hsxrel0 netns "$A" type veth peer name hsxrel1 netns "$B"
ip -n "$A" addr add 10.250.0.1/24 dev hsxrel0
ip -n "$B" addr add 10.250.0.2/24 dev hsxrel1
for n in "$A" "$B"; do ip -n "$n" link set lo up; done
ip -n "$A" link set hsxrel0 up
ip -n "$B" link set hsxrel1 up
ip -n "$A" link add flannel.1 type vxlan id 1 local 10.250.0.1 remote 10.250.0.2 dstport 8472 dev hsxrel0
ip -n "$B" link add flannel.1 type vxlan id 1 local 10.250.0.2 remote 10.250.0.1 dstport 8472 dev hsxrel1
ip -n "$A" addr add 10.244.0.0/32 dev flannel.1
ip -n "$B" addr add 10.244.1.0/32 dev flannel.1
ip -n "$A" link set flannel.1 up mtu 1450
ip -n "$B" link set flannel.1 up mtu 1450
ip -n "$A" route add 10.244.1.0/24 dev flannel.1
ip -n "$B" route add 10.244.0.0/24 dev flannel.1
ip -n "$B" addr add 10.244.1.5/32 dev flannel.1
ip -n "$B" addr add fd00::2/64 dev hsxrel1 nodad
ip -n "$A" addr add fd00::1/64 dev hsxrel0 nodad

sleep 3 # let IPv6 autoconfiguration chatter settle before capturing
cap() { # ns file count args...
  local ns=$1 file=$2 count=$3
  shift 3
  ip netns exec "$ns" tcpdump -c "$count" -U -w "$OUT/$file" "$@" 2>/dev/null &
  PIDS+=($!)
}
cap "$A" eth-vxlan-micro.pcap 40 -i hsxrel0 -s 262144
cap "$A" eth-vxlan-nano.pcap 40 -i hsxrel0 --time-stamp-precision=nano
cap "$A" eth-snap64.pcap 40 -i hsxrel0 -s 64
cap "$B" vxlan-dev.pcap 30 -i flannel.1
cap "$A" sll-any.pcap 40 -i any -y LINUX_SLL
cap "$A" sll2-any.pcap 40 -i any -y LINUX_SLL2
ip netns exec "$A" tshark -i hsxrel0 -c 40 -F pcapng -w "/tmp/hsx-rel-eth.pcapng" -q 2>/dev/null &
PIDS+=($!)
sleep 2
# UDP (a DNS-shaped datagram) and TCP across the overlay, ICMP both ways, IPv6 on the underlay, ARP first.
ip netns exec "$B" socat -u UDP-RECV:53,bind=10.244.1.5 /dev/null &
PIDS+=($!)
ip netns exec "$B" socat TCP-LISTEN:8877,bind=10.244.1.5,fork,reuseaddr EXEC:/bin/cat &
PIDS+=($!)
sleep 0.5
ip netns exec "$A" ping -c 3 -i 0.2 10.244.1.5 >/dev/null || true
ip netns exec "$A" ping -6 -c 2 -i 0.2 fd00::2 >/dev/null || true
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01' |
  ip netns exec "$A" socat -u - UDP-SENDTO:10.244.1.5:53 || true
echo hello | ip netns exec "$A" timeout 2 socat - TCP:10.244.1.5:8877 >/dev/null || true
ip netns exec "$A" ping -c 4 -i 0.2 -s 1600 10.250.0.2 >/dev/null || true # fragments on the underlay
sleep 2
for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
if [ -f /tmp/hsx-rel-eth.pcapng ]; then mv /tmp/hsx-rel-eth.pcapng "$OUT/eth-tshark.pcapng"; fi

shopt -s nullglob globstar
for f in tests/fixtures/**/*.pcap tests/fixtures/**/*.pcapng; do
  if [ "$(stat -c %s "$f")" -le 65536 ]; then
    rel=${f#tests/fixtures/}
    cp "$f" "$OUT/fixture-${rel//\//__}"
  fi
done
ls -l "$OUT"
