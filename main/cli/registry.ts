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
  correlate: {
    summary: 'correlate captures (files or session folders) into per-packet journeys across nodes',
    load: async () => (await import('./correlate.ts')).default,
  },
  export: {
    summary: 'export captures or a session as merged pcapng, hopscope.journeys/1 JSON or CSV',
    load: async () => (await import('./export.ts')).default,
  },
  serve: {
    summary: 'web mode: serve the app on 127.0.0.1 with a random token (prints the URL)',
    load: async () => (await import('./serve.ts')).default,
  },
};
