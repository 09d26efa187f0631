#!/usr/bin/env bash
# Re-records every lab fixture set into tests/fixtures/<scenario>/ (root, Linux; holds the lab lock).
# usage: sudo lab/record-fixtures.sh [SCENARIO...]     (default: all six)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "record-fixtures.sh: run as root" >&2; exit 1; fi
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  scenarios=(flannel-vxlan calico-ipip kube-proxy flannel-hostgw calico-bgp kubenet)
fi
for s in "${scenarios[@]}"; do
  rm -rf "tests/fixtures/$s"
  flock /tmp/hopscope-lab.lock node bin/hopscope.mjs lab fixtures "$s" "tests/fixtures/$s"
done
