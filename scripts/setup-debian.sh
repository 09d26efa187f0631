#!/usr/bin/env bash
# Installs the Debian packages Hopscope's lab and tests need (run as root on Debian/Ubuntu). clang and lld build
# the WebAssembly ingest from its C source (scripts/build-wasm.sh; a test checks the committed module against it).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "setup-debian.sh: run as root (sudo)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  tcpdump openssh-server openssh-client iproute2 iptables socat sudo procps psmisc curl iputils-ping \
  tshark chromium ca-certificates time wireguard-go wireguard-tools clang lld
