#!/usr/bin/env node
// The `hopscope` command: loads the TypeScript CLI through tsx, so `npx hopscope` works right after install.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
