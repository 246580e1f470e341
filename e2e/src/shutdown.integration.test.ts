import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testDatabasePrefix } from './index.ts';

const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Starts an entry file as a real process on an OS-chosen port; resolves once it logged that it is ready. */
async function startProcess(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', repoFile(entry)], {
    env: {
      ...process.env,
      // As in development: vitest's NODE_ENV=test would hide behaviour that depends on it (Apollo's signal handling).
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'info',
      REDIS_KEY_PREFIX: `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:shutdown:`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} was not ready within 30 s`)), 30_000);
    void exited.then((code) => reject(new Error(`${entry} exited early with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (/ready/.test(line) && /"url"/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, exited };
}

describe('SIGTERM', () => {
  it.each([
    [
      'the vendor subgraph',
      'subgraphs/vendor/src/main.ts',
      { VENDOR_DATABASE: `${testDatabasePrefix()}shutdown_vendor` },
    ],
    ['the gateway', 'gateway/src/main.ts', {}],
  ])('stops %s promptly and cleanly', async (_name, entry, env) => {
    const { child, exited } = await startProcess(entry, env);
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
