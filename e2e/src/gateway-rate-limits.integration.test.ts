/**
 * Rate limits kept in Redis: an operation is charged its estimated cost to its user (or to its IP when
 * anonymous); login and refreshSession fields count as attempts per IP and per account, aliases included.
 * Refusals are 429 RATE_LIMITED with Retry-After and reach no subgraph. Without Redis the limits fail open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import {
  createVendorSeenByLocation,
  graphql,
  registerUser,
  startPrivateRedis,
  startStack,
  type Account,
  type PrivateRedis,
  type TestStack,
} from './index.ts';

const authDefaults = { authAttemptsPerIpPerMinute: 10, authAttemptsPerAccountPerMinute: 10 };
/** The windows' clock: a test moves it into the next minute rather than waiting for it. */
const clock = manualClock();
let stack: TestStack;
let user: Account;
let nextIp = 1;
/** Each test calls from an address of its own (the gateway trusts X-Forwarded-For here), so budgets never mix. */
const freshIp = () => `198.51.100.${nextIp++}`;

beforeAll(async () => {
  stack = await startStack({
    clock,
    gateway: {
      trustProxy: true,
      // The production defaults for sign-in attempts; cost budgets of one PAGE (anonymous) and two (user), which
      // still admit a registration (61) and 11 login fields (671) so that those meet the attempt limits.
      rateLimits: { anonymousCostPerMinute: 1_000, userCostPerMinute: 1_500, ...authDefaults },
    },
  });
  user = await registerUser(stack.gatewayUrl, 'limited_user');
});
afterAll(async () => {
  await stack?.stop();
});

const subgraphCalls = () => Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);
/** Costs 651: the connection, then 50 × (edge, vendor, owner, and the owner's vendors, assumed 10). */
const PAGE = '{ vendors(first: 50) { edges { node { owner { vendors { id } } } } } }';

describe('cost budgets', () => {
  it('refuses an anonymous caller past its budget with 429, Retry-After and RATE_LIMITED, calling no subgraph', async () => {
    const ip = freshIp();
    const first = await graphql(stack.gatewayUrl, PAGE, {}, { headers: { 'x-forwarded-for': ip } });
    expect(first.status).toBe(200);
    stack.resetCounters();
    const second = await graphql(stack.gatewayUrl, PAGE, {}, { headers: { 'x-forwarded-for': ip } });
    expect(second.status).toBe(429);
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'anonymous' });
    expect(second.errors?.[0]?.extensions?.['retryAfterMs']).toBeGreaterThan(0);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(subgraphCalls()).toBe(0);
    // Another address has its own budget.
    expect((await graphql(stack.gatewayUrl, PAGE, {}, { headers: { 'x-forwarded-for': freshIp() } })).status).toBe(200);
  });

  it('gives a caller refused in one minute a new budget in the next', async () => {
    const ip = freshIp();
    const call = () => graphql(stack.gatewayUrl, PAGE, {}, { headers: { 'x-forwarded-for': ip } });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
    clock.advance(60_000);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
  });

  it('charges a signed-in user to their own budget, wherever they call from', async () => {
    const token = user.accessToken;
    expect(
      (await graphql(stack.gatewayUrl, PAGE, {}, { token, headers: { 'x-forwarded-for': freshIp() } })).status,
    ).toBe(200);
    expect(
      (await graphql(stack.gatewayUrl, PAGE, {}, { token, headers: { 'x-forwarded-for': freshIp() } })).status,
    ).toBe(200);
    const third = await graphql(stack.gatewayUrl, PAGE, {}, { token, headers: { 'x-forwarded-for': freshIp() } });
    expect(third.status).toBe(429);
    expect(third.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'user' });
  });
});

describe('login attempts', () => {
  const logins = (count: number, login: string) =>
    `mutation { ${Array.from(
      { length: count },
      (_, index) =>
        `a${index}: login(input: { login: "${login}", password: "wrong-password-${index}" }) { accessToken }`,
    ).join(' ')} }`;

  it('refuses the 11th attempt inside one document of aliases, before any subgraph is called', async () => {
    stack.resetCounters();
    const response = await graphql(
      stack.gatewayUrl,
      logins(11, 'someone'),
      {},
      { headers: { 'x-forwarded-for': freshIp() } },
    );
    expect(response.status).toBe(429);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(subgraphCalls()).toBe(0);
  });

  it('counts attempts per account across addresses', async () => {
    const account = 'target_account';
    for (let round = 0; round < 2; round++) {
      const response = await graphql(
        stack.gatewayUrl,
        logins(5, account),
        {},
        { headers: { 'x-forwarded-for': freshIp() } },
      );
      expect(response.status).toBe(200); // wrong passwords: UNAUTHENTICATED per field, but not limited
    }
    const refused = await graphql(
      stack.gatewayUrl,
      logins(1, account.toUpperCase()),
      {},
      { headers: { 'x-forwarded-for': freshIp() } },
    );
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'auth-account' });
  });
});

describe('without Redis', () => {
  let redis: PrivateRedis;
  let lonely: TestStack;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    lonely = await startStack({ redisUrl: redis.url, gateway: { rateLimits: { anonymousCostPerMinute: 1_000 } } });
  }, 60_000);
  afterAll(async () => {
    await lonely?.stop();
    await redis?.stop();
  });

  it('keeps answering queries, unchecked, says so in /metrics, and recovers when Redis is back', async () => {
    await redis.kill();
    for (let round = 0; round < 3; round++) {
      const response = await graphql(lonely.gatewayUrl, PAGE);
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
    }
    const metrics = await (await fetch(new URL('/metrics', lonely.gatewayUrl))).text();
    const unavailable = /^curbside_gateway_rate_limit_unavailable_total (\d+)/m.exec(metrics);
    expect(Number(unavailable?.[1])).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/curbside_gateway_requests_total\{operation="anonymous",outcome="ok"\} \d+/);

    // Redis back: events flow again end to end (which also lets the stack stop cleanly).
    await redis.start();
    const owner = await registerUser(lonely.gatewayUrl, 'back_online');
    await createVendorSeenByLocation(lonely, 'Back Online Bagels', owner.accessToken);
  });
});
