#!/usr/bin/env bash
# The long fuzz run (not part of CI; results go in docs/reliability.md):
#   1. the fast-check fuzz tests with FUZZ_SCALE times the CI runs and time budgets;
#   2. Jazzer.js (coverage-guided libFuzzer, fork mode: it goes on past findings) on every entry in
#      tests/fuzz/jazzer/, SECONDS each, from tests/fuzz/corpus/seeds plus tests/fuzz/corpus/<target>;
#      findings land in $WORK/<target>/artifacts/.
# Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET=120] [FUZZ_SCALE=20]    (needs g++ for the Jazzer shim)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-120}
SCALE=${2:-20}
WORK=${FUZZ_WORK:-/tmp/hopscope-fuzz}
mkdir -p "$WORK"

echo "== fast-check fuzz, FUZZ_SCALE=$SCALE"
FUZZ_SCALE=$SCALE npx vitest run --project unit tests/unit/fuzz --testTimeout=$((SCALE * 60000)) || FAILED=1

echo "== Jazzer.js, ${SECONDS_PER_TARGET}s per target"
if ! command -v g++ >/dev/null; then
  echo "fuzz.sh: g++ is needed to build the glibc shim for Jazzer.js's prebuilt addon (apt-get install g++)" >&2
  exit 2
fi
cat >"$WORK/jzshim.cc" <<'CC'
// See scripts/fuzz-jazzer-prepare.ts: the three symbols Jazzer.js 4.0.0's addon needs from glibc 2.38/GCC 13.
#include <cstdlib>
#include <iostream>
extern "C" long __isoc23_strtol(const char *s, char **e, int b) { return strtol(s, e, b); }
extern "C" unsigned long __isoc23_strtoul(const char *s, char **e, int b) { return strtoul(s, e, b); }
namespace std { void ios_base_library_init() {} }
CC
g++ -shared -fPIC -O2 -o "$WORK/libjzshim.so" "$WORK/jzshim.cc"
npx tsx scripts/fuzz-jazzer-prepare.ts

for entry in tests/fuzz/jazzer/*.ts; do
  target=$(basename "$entry" .ts)
  out="$WORK/$target"
  rm -rf "$out/artifacts"
  mkdir -p "$out/corpus" "$out/artifacts"
  if [ "$target" = decode ]; then
    # One corpus file per distinct frame, prefixed with its link type's index in LINK_TYPES.
    npx tsx -e "
      import fs from 'node:fs';
      import { loadCorpus } from './tests/fuzz/harness.ts';
      import { createCaptureReader } from './main/pcap/reader.ts';
      import { LINK_TYPES } from './tests/fuzz/targets/decode.ts';
      let n = 0;
      for (const s of loadCorpus('seeds')) createCaptureReader((r) => {
        const i = LINK_TYPES.indexOf(r.linkType);
        if (i >= 0) fs.writeFileSync('$out/corpus/f' + n++, Buffer.concat([Buffer.from([i]), r.data]));
      }).push(s.bytes);"
  else
    cp tests/fuzz/corpus/seeds/* "$out/corpus/"
  fi
  if [ -d "tests/fuzz/corpus/$target" ]; then cp "tests/fuzz/corpus/$target"/* "$out/corpus/" 2>/dev/null || true; fi
  # Jazzer instruments CommonJS as it is required: bundle the TypeScript entry (and the code under test) into one file.
  npx esbuild "$entry" --bundle --platform=node --format=cjs --target=node20 --log-level=error --outfile="$out/$target.cjs"
  echo "-- $target"
  (cd "$out" && LD_PRELOAD="$WORK/libjzshim.so" npx --prefix "$OLDPWD" jazzer "./$target.cjs" corpus \
    --sync --timeout=5000 -- -fork=1 -ignore_crashes=1 -max_total_time="$SECONDS_PER_TARGET" -max_len=70000 \
    -rss_limit_mb=2048 -artifact_prefix=artifacts/ 2>&1 | tee "$out/log.txt" | grep -E '^#[0-9]+: cov' | tail -3)
  # Fork mode goes on past findings; each is a file in artifacts/ (replay it through the target to see which).
  n=$(ls "$out/artifacts" 2>/dev/null | wc -l)
  echo "   $n finding(s) in $out/artifacts"
  if [ "$n" -gt 0 ]; then FAILED=1; fi
done
if [ "${FAILED:-0}" = 1 ]; then echo "fuzz.sh: FAILURES (see above)"; exit 1; fi
echo "fuzz.sh: no failures"
