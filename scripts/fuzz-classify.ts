// Groups Jazzer findings by the invariant they break: replays every file of an artifacts folder through the
// target and prints one line per distinct message (digits folded) with an example file, so a long run's
// dozens of crash files reduce to the few bugs behind them. Usage: npx tsx scripts/fuzz-classify.ts reader|decode DIR
import fs from 'node:fs';
import path from 'node:path';

import { installAllocationWatch } from '../tests/fuzz/harness.ts';
import { fuzzDecode, LINK_TYPES } from '../tests/fuzz/targets/decode.ts';
import { fuzzReader } from '../tests/fuzz/targets/reader.ts';

const [target, dir] = process.argv.slice(2);
if (!['reader', 'decode'].includes(target) || !dir) {
  console.error('usage: npx tsx scripts/fuzz-classify.ts reader|decode DIR');
  process.exit(2);
}
installAllocationWatch();
const groups = new Map<string, { example: string; n: number }>();
for (const f of fs.readdirSync(dir)) {
  const b = new Uint8Array(fs.readFileSync(path.join(dir, f)));
  let msg = '(no longer fails)';
  try {
    if (target === 'reader') fuzzReader(b, Math.imul(b.length, 0x9e3779b1));
    else if (b.length) fuzzDecode(b.subarray(1), LINK_TYPES[b[0] % LINK_TYPES.length], new Uint8Array(0));
  } catch (e) {
    msg = (e as Error).message.split('\n')[0].replace(/\d+/g, 'N');
  }
  const g = groups.get(msg) ?? { example: f, n: 0 };
  g.n++;
  groups.set(msg, g);
}
for (const [msg, g] of groups)
  console.log(`${String(g.n).padStart(4)} × ${msg}   e.g. ${path.join(dir, g.example)}`);
