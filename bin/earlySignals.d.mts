import type { EarlySignals } from '../main/cli/command.ts';

export function holdSignals(): EarlySignals;
