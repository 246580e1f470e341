/**
 * In-flight sharing at the gateway, against real subgraph servers (the reviews one slow, so identical requests
 * overlap): identical subgraph query fetches share one request (on by default), identical inbound queries share
 * one execution (SHARE_IN_FLIGHT_OPERATIONS, off by default), never across credentials or variables, and each
 * shared request is still charged its own rate-limit cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@curbside/async';
import type { Viewer } from '@curbside/auth';
import { createGateway, type Gateway, type GatewayOptions } from '@curbside/gateway';
import { closeRedis, createRedis, defaultRedisUrl, type RedisClient } from '@curbside/redis';
import { createLogger } from '@curbside/service';
import { startDeferSubgraphs, type DeferSubgraphs } from './defer-subgraphs.ts';

const reviewsDelayMs = 400;
const query =
  'query Shops($flag: Boolean = true) { shops { id name reviews { stars body } } first: __typename @include(if: $flag) }';
const expected = {
  shops: [
    { id: 's1', name: 'Tacos Oscar', reviews: [{ stars: 5, body: 'Al pastor as it should be.' }] },
    {
      id: 's2',
      name: 'Crêpes du Coin',
      reviews: [
        { stars: 4, body: null },
        { stars: 3, body: 'Long queue.' },
      ],
    },
  ],
  first: 'Query',
};

/** Any bearer token is a viewer of that name. */
const viewerOfToken = async (token: string): Promise<Viewer> => ({
  userId: token,
  role: 'USER' as Viewer['role'],
  sessionId: `session-${token}`,
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
});

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { extensions?: { code?: string } }[]; extensions?: unknown };
}

async function post(url: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const answer = { status: response.status, body: (await response.json()) as Answer['body'] };
  return answer;
}

let subgraphs: DeferSubgraphs;
const gateways: Gateway[] = [];
let redis: RedisClient;

async function start(options: Partial<GatewayOptions>): Promise<string> {
  const gateway = await createGateway({
    supergraphSdl: subgraphs.supergraphSdl,
    verifyAccessToken: viewerOfToken,
    logger: createLogger('gateway', 'silent'),
    production: false,
    ...options,
  });
  gateways.push(gateway);
  const url = await gateway.listen(0);
  // Planned once before anything is counted.
  await post(url);
  return url;
}

/** Sends `count` requests at once and returns their answers with the subgraph requests they caused. */
async function together(count: number, send: (index: number) => Promise<Answer>) {
  const before = { ...subgraphs.requests };
  const answers = await Promise.all(Array.from({ length: count }, (_, index) => send(index)));
  return {
    answers,
    shops: subgraphs.requests.shops - before.shops,
    reviews: subgraphs.requests.reviews - before.reviews,
  };
}

beforeAll(async () => {
  subgraphs = await startDeferSubgraphs({ reviewsDelayMs });
  redis = createRedis({
    url: process.env['REDIS_URL'] ?? defaultRedisUrl,
    keyPrefix: `curbside:t:${process.env['CURBSIDE_TEST_RUN'] ?? 'local'}:sharing-${process.pid}-${Date.now()}:`,
    connectionName: 'in-flight-sharing-test',
  });
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await subgraphs?.close();
  if (redis) await closeRedis(redis);
});

describe('identical subgraph query fetches in flight (on by default)', () => {
  it('share one request per subgraph, and every client gets the whole answer', async () => {
    const url = await start({});
    const { answers, reviews } = await together(8, () => post(url));
    for (const answer of answers) expect(answer.body.data).toEqual(expected);
    // The reviews subgraph is slow: every request's reviews fetch finds the first still in flight. (The shops
    // one answers at once, so requests share it only when they arrive within its few milliseconds.)
    expect(reviews).toBe(1);
  });

  it('are never shared between viewers, nor with anonymous callers', async () => {
    const url = await start({});
    const { answers, reviews } = await together(4, (index) => post(url, {}, ['ana', 'bo', 'ana'][index]));
    for (const answer of answers) expect(answer.body.data).toEqual(expected);
    // ana (twice, shared), bo, anonymous.
    expect(reviews).toBe(3);
  });

  it('go one by one once sharing is off', async () => {
    const url = await start({ subgraphFetchPolicy: { shareInFlightQueries: false } });
    const { shops, reviews } = await together(5, () => post(url));
    expect([shops, reviews]).toEqual([5, 5]);
  });
});

describe('identical inbound queries in flight (SHARE_IN_FLIGHT_OPERATIONS)', () => {
  it('share one execution when on, with subgraph sharing off: one fetch per subgraph for all', async () => {
    const url = await start({ shareInFlightOperations: true, subgraphFetchPolicy: { shareInFlightQueries: false } });
    const { answers, shops, reviews } = await together(8, () => post(url));
    for (const answer of answers) expect(answer.body.data).toEqual(expected);
    expect([shops, reviews]).toEqual([1, 1]);
  });

  it('never share across variables or credentials', async () => {
    const url = await start({ shareInFlightOperations: true, subgraphFetchPolicy: { shareInFlightQueries: false } });
    const { reviews } = await together(5, (index) =>
      [
        () => post(url, { flag: true }),
        () => post(url, { flag: false }),
        () => post(url, { flag: true }, 'ana'),
        () => post(url, { flag: true }, 'bo'),
        () => post(url, { flag: true }, 'ana'),
      ][index]!(),
    );
    // flag true anonymous, flag false anonymous, ana (twice, shared), bo.
    expect(reviews).toBe(4);
  });

  it('still charge every request its own cost: past the budget, shared or not, requests are refused', async () => {
    const probe = await start({ shareInFlightOperations: true });
    const cost = ((await post(probe)).body.extensions as { cost: { estimated: number } }).cost.estimated;
    expect(cost).toBeGreaterThan(0);
    // Room for the warm-up request start() sends and three more in this minute.
    const url = await start({
      shareInFlightOperations: true,
      redis,
      clock: manualClock(Date.UTC(2026, 0, 1)),
      rateLimits: { anonymousCostPerMinute: 4 * cost },
    });
    const { answers, shops } = await together(6, () => post(url));
    const codes = answers.map((answer) => answer.body.errors?.[0]?.extensions?.code ?? 'ok').sort();
    expect(codes).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'ok', 'ok', 'ok']);
    for (const answer of answers.filter((answer) => !answer.body.errors)) expect(answer.body.data).toEqual(expected);
    expect(shops).toBe(1);
  });

  it('is off by default: identical queries each run their own plan (their fetches shared below it)', async () => {
    const url = await start({ subgraphFetchPolicy: { shareInFlightQueries: false } });
    const { shops } = await together(4, () => post(url));
    expect(shops).toBe(4);
  });
});
