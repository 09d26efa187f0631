import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Vitest runs cpus - 1 files at once: one on a 2-CPU machine like the lab VMs this project is built on, where the unit
// files ran one after another in ~300 s (~1 CPU busy); two at once took ~190 s (~1.6 CPUs busy).
const cpus = availableParallelism();
const unitWorkers = Math.max(Math.min(2, cpus), cpus - 1);

// Two projects: fast unit tests (parallel), and lab tests that need root and build real namespaces (serial).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          maxWorkers: unitWorkers,
          include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx'],
          environment: 'node',
          // Two files at once on 2 CPUs slow CPU-bound tests ~1.4 ×, ~3 × with the machine busy besides
          // (decode-fields' every-prefix test: 12 s alone, 14–17 s beside another file, 36 s beside two busy loops
          // too): the limits catch hangs, not slowness.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          setupFiles: ['tests/tempDir.setup.ts'],
        },
      },
      {
        test: {
          name: 'lab',
          include: ['tests/lab/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/tempDir.setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
