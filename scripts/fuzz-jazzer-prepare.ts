// Makes Jazzer.js 4.0.0's prebuilt libFuzzer addon load on Debian 12 (glibc 2.36, libstdc++ of GCC 12).
// The addon was linked against glibc 2.38 and GCC 13 but needs only three symbols from them:
// __isoc23_strtol/__isoc23_strtoul (C23 strtol: same behaviour for the decimal input libFuzzer parses) and
// std::ios_base_library_init() (GCC 13's iostream init anchor). We mark those two version needs WEAK in a
// copy of the addon (so the loader does not refuse it) and provide the symbols from a small LD_PRELOAD shim
// that scripts/fuzz.sh compiles. Nothing is downloaded; the original file is kept as *.orig.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fuzzerDir = path.dirname(require.resolve('@jazzer.js/fuzzer/package.json'));
const addon = path.join(fuzzerDir, 'prebuilds', `fuzzer-${process.platform}-${process.arch}.node`);
const NEWER = /^(GLIBC_2\.(3[5-9]|[4-9]\d)|GLIBCXX_3\.4\.(3[1-9]))$/;
const VER_FLG_WEAK = 2;

const b = fs.readFileSync(addon);
if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) throw new Error(`${addon}: not a 64-bit ELF`);
const shoff = Number(b.readBigUInt64LE(0x28));
const shentsize = b.readUInt16LE(0x3a);
const shnum = b.readUInt16LE(0x3c);
const SHT_GNU_VERNEED = 0x6ffffffe;
let changed = 0;
for (let i = 0; i < shnum; i++) {
  const sh = shoff + i * shentsize;
  if (b.readUInt32LE(sh + 4) !== SHT_GNU_VERNEED) continue;
  const off = Number(b.readBigUInt64LE(sh + 0x18));
  const link = b.readUInt32LE(sh + 0x28); // the string table
  const strOff = Number(b.readBigUInt64LE(shoff + link * shentsize + 0x18));
  const cstr = (o: number) => b.toString('latin1', strOff + o, b.indexOf(0, strOff + o));
  for (let vn = off; ;) {
    const cnt = b.readUInt16LE(vn + 2);
    let aux = vn + b.readUInt32LE(vn + 8);
    for (let k = 0; k < cnt; k++) {
      const name = cstr(b.readUInt32LE(aux + 8));
      const flags = b.readUInt16LE(aux + 4);
      if (NEWER.test(name) && !(flags & VER_FLG_WEAK)) {
        b.writeUInt16LE(flags | VER_FLG_WEAK, aux + 4);
        console.log(`fuzz-jazzer-prepare: ${name} needed by ${cstr(b.readUInt32LE(vn + 4))} marked weak`);
        changed++;
      }
      aux += b.readUInt32LE(aux + 12);
    }
    const next = b.readUInt32LE(vn + 12);
    if (!next) break;
    vn += next;
  }
}
if (changed) {
  if (!fs.existsSync(`${addon}.orig`)) fs.copyFileSync(addon, `${addon}.orig`);
  fs.writeFileSync(addon, b);
}
console.log(`fuzz-jazzer-prepare: ${addon} ready (${changed} version needs changed)`);
