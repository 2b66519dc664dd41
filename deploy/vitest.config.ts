import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Building the container image the first time on a machine (base image included) takes minutes.
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    // One at a time: each test runs a whole server, and the image build wants both cores.
    fileParallelism: false,
  },
});
