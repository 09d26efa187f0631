// The list of subcommands, one line each. Loaders keep start-up light: only the chosen command is imported.

import type { Command } from './command.ts';

export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  lab: {
    summary: 'build the walkthrough topologies locally: up|down|status|traffic SCENARIO (root, Linux)',
    load: async () => (await import('./lab.ts')).default,
  },
  capture: {
    summary: 'live capture on many interfaces of many nodes over SSH into a session folder',
    load: async () => (await import('./capture.ts')).default,
  },
};
