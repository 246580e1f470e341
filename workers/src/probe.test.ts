import { afterEach, describe, expect, it } from 'vitest';
import { startWorkersProbe, type WorkersProbe, type WorkersReadiness } from './probe.ts';

let probe: WorkersProbe | undefined;
afterEach(async () => {
  await probe?.close();
  probe = undefined;
});

async function get(path: string) {
  const response = await fetch(`http://127.0.0.1:${probe!.port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the workers' probe endpoint", () => {
  it('answers /health always, and /ready as the check says', async () => {
    let readiness: WorkersReadiness = { ready: false, reason: 'starting' };
    probe = await startWorkersProbe({ port: 0, host: '127.0.0.1', check: async () => readiness });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok', service: 'workers' } });
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { ready: false, reason: 'starting', service: 'workers' },
    });
    readiness = { ready: true };
    expect(await get('/ready')).toEqual({ status: 200, body: { ready: true, service: 'workers' } });
    expect((await get('/metrics-or-anything')).status).toBe(404);
  });

  it('is unready when the check fails or never answers', async () => {
    let check: () => Promise<WorkersReadiness> = () => Promise.reject(new Error('Redis is unreachable'));
    probe = await startWorkersProbe({ port: 0, host: '127.0.0.1', check: () => check() });
    expect(await get('/ready')).toMatchObject({ status: 503, body: { reason: 'Redis is unreachable' } });
    check = () => new Promise(() => {});
    expect(await get('/ready')).toMatchObject({ status: 503, body: { reason: 'readiness check timed out' } });
  });
});
