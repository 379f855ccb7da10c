import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Corpus and CLI tests read whole repositories; the default 5 s is tight on 2 cores.
    testTimeout: 60_000,
  },
});
