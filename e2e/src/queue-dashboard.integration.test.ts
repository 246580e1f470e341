/** The queue dashboard (bull-board) on the gateway's host: admins see and retry dead letters; nobody else gets in. */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bullConnection,
  bullPrefix,
  defineEventHandler,
  eventJobOptions,
  listDeadLetters,
  queueOptions,
  startEventHandlers,
  type EventConsumer,
} from '@curbside/event-bus';
import { createLogger } from '@curbside/service';
import { redisUrl, registerAdmin, registerUser, startStack, waitFor, type Account, type TestStack } from './index.ts';

let stack: TestStack;
let admin: Account;
let user: Account;
let bus: { connection: ReturnType<typeof bullConnection>; prefix: string };
let consumer: EventConsumer;
let handled = 0;

beforeAll(async () => {
  stack = await startStack();
  admin = await registerAdmin(stack, 'queue_admin');
  user = await registerUser(stack.gatewayUrl, 'queue_user');
  bus = { connection: bullConnection(redisUrl), prefix: bullPrefix(stack.redisKeyPrefix) };
  // A consumer of this test's own: whichever consumer takes the job, an invalid payload is dead-lettered.
  consumer = startEventHandlers([defineEventHandler({ queue: 'media.process', handle: async () => void handled++ })], {
    ...bus,
    consumer: 'workers',
    logger: createLogger('dashboard-test', 'silent'),
  });
});
afterAll(async () => {
  await consumer?.close();
  await stack?.stop();
});

const dashboard = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(new URL(`/admin/queues${path}`, stack.gatewayUrl), {
    ...init,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers ?? {}) },
  });

describe('/admin/queues', () => {
  it('is refused without a token (401) and to a non-admin (403)', async () => {
    expect((await dashboard('')).status).toBe(401);
    expect((await dashboard('/api/queues', { token: 'garbage' })).status).toBe(401);
    expect((await dashboard('', { token: user.accessToken })).status).toBe(403);
    expect((await dashboard('/api/queues', { token: user.accessToken })).status).toBe(403);
  });

  it('shows an admin the dead letters, and retries one from the dashboard', async () => {
    const page = await dashboard('', { token: admin.accessToken });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Curbside queues/);

    const jobId = randomUUID();
    const queue = new Queue('media.process', queueOptions(bus, 'media.process'));
    await queue.add(
      'media.uploaded',
      { id: jobId, name: 'media.uploaded', payload: { mediaId: 'not-a-uuid' }, occurredAt: new Date().toISOString() },
      { ...eventJobOptions, jobId },
    );
    await waitFor('the dead letter', async () => (await listDeadLetters(bus)).some((letter) => letter.jobId === jobId));

    const listing = await dashboard('/api/queues?activeQueue=dead-letter&status=waiting', { token: admin.accessToken });
    expect(listing.status).toBe(200);
    const body = (await listing.json()) as { queues: { name: string; jobs: { id: string }[] }[] };
    const deadLetters = body.queues.find((entry) => entry.name === 'dead-letter');
    expect(deadLetters?.jobs.map((job) => job.id)).toContain(`media.process/${jobId}`);
    expect(body.queues.map((entry) => entry.name)).toEqual(expect.arrayContaining(['search.index', 'media.process']));

    const retried = await dashboard(`/api/queues/media.process/${jobId}/retry`, {
      method: 'PUT',
      token: admin.accessToken,
    });
    expect(retried.status).toBe(204);
    // Retried, the payload is still invalid: it fails again at once, without reaching the handler.
    await waitFor('the retried job to fail again', async () => (await queue.getJob(jobId))?.attemptsMade === 2);
    expect(handled).toBe(0);
    const refused = await dashboard(`/api/queues/media.process/${jobId}/retry`, {
      method: 'PUT',
      token: user.accessToken,
    });
    expect(refused.status).toBe(403);
    await queue.close();
  });

  it('lets a browser in with the cookie POST /admin/session sets (HttpOnly, SameSite=Strict)', async () => {
    const session = await fetch(new URL('/admin/session', stack.gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(session.status).toBe(200);
    const cookie = session.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^curbside_admin=[^;]+; HttpOnly; SameSite=Strict; Path=\/admin; Max-Age=\d+/);
    const page = await dashboard('', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    const notAdmin = await fetch(new URL('/admin/session', stack.gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.headers.get('set-cookie')).toBeNull();
  });
});
