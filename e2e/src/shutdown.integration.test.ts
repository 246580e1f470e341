import { describe, expect, it } from 'vitest';
import { startProcess, testDatabasePrefix } from './index.ts';

describe('SIGTERM', () => {
  it.each([
    [
      'the vendor subgraph',
      'subgraphs/vendor/src/main.ts',
      { VENDOR_DATABASE: `${testDatabasePrefix()}shutdown_vendor` },
    ],
    ['the gateway', 'gateway/src/main.ts', {}],
  ])('stops %s promptly and cleanly', async (_name, entry, env) => {
    const { child, exited } = await startProcess(entry, {
      REDIS_KEY_PREFIX: `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:shutdown:`,
      ...env,
    });
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
