/**
 * Sign-in attempts counted per account by the user subgraph: an account named by its email and by its username
 * is two names to the gateway (two budgets), one account to the user subgraph (one budget).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import { graphql, queryRows, registerUser, startStack, type TestStack } from './index.ts';

let stack: TestStack;
let ana: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let nextIp = 1;
/** Every attempt from an address of its own (the gateway trusts X-Forwarded-For here): no per-address limit. */
const freshIp = () => `192.0.2.${nextIp++}`;
/**
 * The user subgraph's clock, standing still: every attempt falls in one of its one-minute windows, whenever the
 * test runs. (The gateway's windows follow the real clock, but no name reaches its budget here: see below.)
 */
const clock = manualClock();

beforeAll(async () => {
  stack = await startStack({
    clock,
    gateway: {
      trustProxy: true,
      // The production limit per account name; per address far above what the test spends.
      rateLimits: { authAttemptsPerIpPerMinute: 100, authAttemptsPerAccountPerMinute: 10 },
    },
  });
  ana = await registerUser(stack.gatewayUrl, 'ana_x');
  other = await registerUser(stack.gatewayUrl, 'other_x');
});
afterAll(async () => {
  await stack?.stop();
});

const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const login = (name: string, password: string) =>
  graphql<{ login: { accessToken: string } | null }>(
    stack.gatewayUrl,
    LOGIN,
    { input: { login: name, password } },
    { headers: { 'x-forwarded-for': freshIp() } },
  );
const sessionsOf = async (userId: string) =>
  (await queryRows(stack.databases.user, 'select id from refresh_token where user_id = $1', [userId])).length;

describe('sign-in attempts per account', () => {
  it('counts the email and the username of one account together, and refuses the 11th even with the right password', async () => {
    expect(ana.email).toBe('ana_x@example.com');
    const sessionsBefore = await sessionsOf(ana.id);
    for (let attempt = 0; attempt < 10; attempt++) {
      // 5 per name: neither name reaches the gateway's limit of 10.
      const response = await login(attempt % 2 === 0 ? ana.email : ana.username, `wrong-password-${attempt}`);
      expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }

    const right = await login(ana.username, ana.password);
    expect(right.data?.login ?? null).toBeNull();
    expect(right.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    const retryAfterMs = Number(right.errors?.[0]?.extensions?.['retryAfterMs']);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await sessionsOf(ana.id)).toBe(sessionsBefore);

    // A wrong password gets the same answer: the refusal tells nothing about the password.
    const wrong = await login(ana.email.toUpperCase(), 'wrong-password-again');
    expect(wrong.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    const withoutWait = (message: string | undefined) => message?.replace(/\d+/g, 'N');
    expect(withoutWait(wrong.errors?.[0]?.message)).toBe(withoutWait(right.errors?.[0]?.message));

    // Another account has its own count.
    const unaffected = await login(other.email, other.password);
    expect(unaffected.errors).toBeUndefined();
    expect(typeof unaffected.data?.login?.accessToken).toBe('string');
  });
});
