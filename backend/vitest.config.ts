import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real ONNX Runtime and ffmpeg processes: keep parallelism low on small machines.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'backend',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/gpu/**', 'test/cluster/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Three workers and a Redis keep both cores busy: alone, after the timing-sensitive tests
        // (alone: `vitest run --project cluster`).
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // The slow GPU-path tests: WebGPU on a software Vulkan driver, which keeps every core busy, so
        // they run after the others instead of beside their timing-sensitive ones
        // (alone: `vitest run --project gpu-path`).
        extends: true,
        test: {
          name: 'gpu-path',
          include: ['test/gpu/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
