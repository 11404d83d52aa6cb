import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cli,runtime,protocols,edge,cloud,simulators,models,tests}/**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for something to happen; on a loaded machine one second (the default) is not enough.
    expect: { poll: { timeout: 15_000 } },
    // Integration tests start real influxd/ffmpeg/aedes; two cores do not take more than two files at once.
    maxWorkers: 2,
  },
});
