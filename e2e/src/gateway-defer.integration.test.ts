import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, gql, HttpLink, InMemoryCache, type ApolloLink } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { manualClock } from '@curbside/async';
import { createGateway, type Gateway } from '@curbside/gateway';
import { closeRedis, createRedis, defaultRedisUrl, type RedisClient } from '@curbside/redis';
import { createLogger } from '@curbside/service';
import { startDeferSubgraphs, type DeferSubgraphs } from './defer-subgraphs.ts';
import { startProcess, stopProcess, type ServiceProcess } from './processes.ts';
import { waitFor } from './wait.ts';

/**
 * How long the reviews subgraph takes to answer: the deferred part arrives at least this much later, and the
 * initial part well before it (with room for a loaded machine).
 */
const reviewsDelayMs = 1_500;

const deferredQuery = /* GraphQL */ `
  query ShopsWithReviews {
    shops {
      id
      name
      ... @defer(label: "reviews") {
        reviews {
          stars
          body
        }
      }
    }
  }
`;
const wholeQuery = deferredQuery.replace('... @defer(label: "reviews") {', '... {');

const anonymousOnly = async (): Promise<never> => {
  throw new Error('these tests send no token');
};

interface Part {
  body: Record<string, unknown>;
  atMs: number;
}

/** POSTs `query` and reads the response's multipart/mixed parts as they arrive, each with its arrival time. */
async function postMultipart(url: string, query: string): Promise<{ contentType: string; parts: Part[] }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed; deferSpec=20220824, application/json' },
    body: JSON.stringify({ query }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const parts: Part[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body!) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    // Every part is `content-type: ...\r\n\r\n<json>\r\n---`: a complete JSON body sits between a blank line
    // and the next boundary.
    let end: number;
    while ((end = buffered.indexOf('\r\n---')) !== -1) {
      const part = buffered.slice(0, end);
      buffered = buffered.slice(end + '\r\n---'.length);
      const bodyStart = part.indexOf('\r\n\r\n');
      if (bodyStart !== -1)
        parts.push({ body: JSON.parse(part.slice(bodyStart + 4)), atMs: performance.now() - started });
    }
  }
  return { contentType, parts };
}

/** A graphql-ws client of the gateway at `url` (as ws://), anonymous, that does not retry. */
function socketClient(url: string): Client {
  return createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
}

interface SocketResults {
  /** Every `next` message's payload, with its arrival time. */
  results: Part[];
  /** The `error` message's errors, when the operation ended with one. */
  errors?: unknown;
}

/** Sends `query` over a socket of its own and collects its `next` messages until `complete` (or `error`). */
async function overSocket(url: string, query: string, variables: Record<string, unknown> = {}): Promise<SocketResults> {
  const client = socketClient(url);
  const started = performance.now();
  const received: SocketResults = { results: [] };
  try {
    await new Promise<void>((resolve, reject) =>
      client.subscribe(
        { query, variables },
        {
          next: (payload) =>
            received.results.push({ body: payload as Record<string, unknown>, atMs: performance.now() - started }),
          error: (error) => {
            if (Array.isArray(error)) {
              received.errors = error;
              resolve();
            } else reject(error instanceof Error ? error : new Error(`the socket failed: ${JSON.stringify(error)}`));
          },
          complete: resolve,
        },
      ),
    );
  } finally {
    await client.dispose();
  }
  return received;
}

/**
 * What Apollo Client shows a `watchQuery` of `query` through `link` (with the deferSpec=20220824 handler),
 * each result with its time, until the result is complete.
 */
async function watchUntilComplete(
  link: ApolloLink,
  query: string,
): Promise<{ atMs: number; data: unknown; complete: boolean }[]> {
  const client = new ApolloClient({ link, cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });
  const started = performance.now();
  const seen: { atMs: number; data: unknown; complete: boolean }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: gql(query), fetchPolicy: 'network-only' }).subscribe({
        next(result) {
          if (!result.data || (result.loading && Object.keys(result.data).length === 0)) return;
          seen.push({
            atMs: performance.now() - started,
            data: result.data,
            complete: result.dataState === 'complete',
          });
          if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
  } finally {
    client.stop();
  }
  return seen;
}

/** The shops as Apollo Client shows them first: without the deferred reviews. */
const shopsFirst = {
  shops: [
    { __typename: 'Shop', id: 's1', name: 'Tacos Oscar' },
    { __typename: 'Shop', id: 's2', name: 'Crêpes du Coin' },
  ],
};
/** ... and once the deferred part arrived. */
const shopsWithReviews = {
  shops: [
    {
      __typename: 'Shop',
      id: 's1',
      name: 'Tacos Oscar',
      reviews: [{ __typename: 'Review', stars: 5, body: 'Al pastor as it should be.' }],
    },
    {
      __typename: 'Shop',
      id: 's2',
      name: 'Crêpes du Coin',
      reviews: [
        { __typename: 'Review', stars: 4, body: null },
        { __typename: 'Review', stars: 3, body: 'Long queue.' },
      ],
    },
  ],
};

/** The initial payload and the deferred one of `deferredQuery`, as the gateway sends them. */
const deferredPayloads = [
  {
    data: {
      shops: [
        { id: 's1', name: 'Tacos Oscar' },
        { id: 's2', name: 'Crêpes du Coin' },
      ],
    },
    extensions: { cost: { estimated: expect.any(Number) } },
    hasNext: true,
  },
  {
    hasNext: false,
    incremental: [
      {
        data: { reviews: [{ stars: 5, body: 'Al pastor as it should be.' }] },
        path: ['shops', 0],
        label: 'reviews',
      },
      {
        data: {
          reviews: [
            { stars: 4, body: null },
            { stars: 3, body: 'Long queue.' },
          ],
        },
        path: ['shops', 1],
        label: 'reviews',
      },
    ],
  },
];

/** Shop names deferred inside the deferred reviews: fetched from shops again once the (slow) reviews are in. */
const nestedQuery = '{ shops { id ... @defer { reviews { stars } ... @defer(label: "names") { name } } } }';
const nestedPayloads = [
  { data: { shops: [{ id: 's1' }, { id: 's2' }] }, extensions: expect.anything(), hasNext: true },
  {
    hasNext: true,
    incremental: [
      { data: { reviews: [{ stars: 5 }] }, path: ['shops', 0] },
      { data: { reviews: [{ stars: 4 }, { stars: 3 }] }, path: ['shops', 1] },
    ],
  },
  {
    hasNext: false,
    incremental: [
      { data: { name: 'Tacos Oscar' }, path: ['shops', 0], label: 'names' },
      { data: { name: 'Crêpes du Coin' }, path: ['shops', 1], label: 'names' },
    ],
  },
];

/** The cost the gateway at `url` estimates for `query` (in `extensions.cost`, shown outside production). */
async function costOf(url: string, query: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  return ((await response.json()) as { extensions: { cost: { estimated: number } } }).extensions.cost.estimated;
}

describe('@defer with the gateway executor', () => {
  let subgraphs: DeferSubgraphs;
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    subgraphs = await startDeferSubgraphs({ reviewsDelayMs });
    const common = {
      supergraphSdl: subgraphs.supergraphSdl,
      verifyAccessToken: anonymousOnly,
      logger: createLogger('gateway', 'silent'),
      production: false,
    };
    gateway = await createGateway(common);
    url = await gateway.listen(0);
    // Planned and shaped once before any timing: a first request pays for both.
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: deferredQuery }),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await subgraphs?.close();
  });

  it('streams the initial payload first and the slow subgraph’s part later, as multipart/mixed; deferSpec=20220824', async () => {
    const { contentType, parts } = await postMultipart(url, deferredQuery);

    expect(contentType).toMatch(/^multipart\/mixed;.*deferSpec=20220824/);
    expect(parts.map((part) => part.body)).toEqual(deferredPayloads);
    const [initial, deferred] = parts as [Part, Part];
    // The initial part does not wait for the reviews subgraph; the deferred part does.
    expect(initial.atMs).toBeLessThan(reviewsDelayMs);
    expect(deferred.atMs - initial.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
  });

  it('answers the whole result at once to a client that does not accept multipart, as without @defer', async () => {
    const post = (query: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query }),
      });
    const deferred = await post(deferredQuery);
    expect(deferred.headers.get('content-type')).toMatch(/^application\/json/);
    const whole = (await (await post(wholeQuery)).json()) as { data: { shops: { reviews: unknown }[] } };
    expect(await deferred.json()).toEqual(whole);
    expect(whole.data.shops[1]?.reviews).toEqual([
      { stars: 4, body: null },
      { stars: 3, body: 'Long queue.' },
    ]);
  });

  it('puts a failed deferred fetch’s errors in its payload, at the paths of the objects it was for', async () => {
    subgraphs.reviewsDown = true;
    try {
      const { parts } = await postMultipart(url, deferredQuery);
      const [initial, deferred] = parts.map((part) => part.body);
      expect(initial).toMatchObject({ data: { shops: [{ id: 's1' }, { id: 's2' }] }, hasNext: true });
      expect(initial).not.toHaveProperty('errors');
      // reviews is non-null: without it, each deferred part is null, with its own error.
      expect(deferred).toEqual({
        hasNext: false,
        incremental: [0, 1].map((index) => ({
          data: null,
          path: ['shops', index],
          label: 'reviews',
          errors: [
            {
              message: 'The reviews service is unavailable; retry shortly.',
              path: ['shops', index],
              extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'reviews' },
            },
          ],
        })),
      });
    } finally {
      subgraphs.reviewsDown = false;
    }
  });

  it('delivers nested deferred parts after their parent, and a whole deferred root selection', async () => {
    const nested = await postMultipart(
      url,
      '{ shops { id ... @defer { name ... @defer(label: "stars") { reviews { stars } } } } }',
    );
    expect(nested.parts.map((part) => part.body)).toEqual([
      { data: { shops: [{ id: 's1' }, { id: 's2' }] }, extensions: expect.anything(), hasNext: true },
      {
        hasNext: true,
        incremental: [
          { data: { name: 'Tacos Oscar' }, path: ['shops', 0] },
          { data: { name: 'Crêpes du Coin' }, path: ['shops', 1] },
        ],
      },
      {
        hasNext: false,
        incremental: [
          { data: { reviews: [{ stars: 5 }] }, path: ['shops', 0], label: 'stars' },
          { data: { reviews: [{ stars: 4 }, { stars: 3 }] }, path: ['shops', 1], label: 'stars' },
        ],
      },
    ]);

    const atRoot = await postMultipart(url, '{ __typename ... @defer { shops { name } } }');
    expect(atRoot.parts.map((part) => part.body)).toEqual([
      { data: { __typename: 'Query' }, extensions: expect.anything(), hasNext: true },
      {
        hasNext: false,
        incremental: [{ data: { shops: [{ name: 'Tacos Oscar' }, { name: 'Crêpes du Coin' }] }, path: [] }],
      },
    ]);
  });

  it('follows @defer(if:): not deferred when false (one JSON result), deferred when true', async () => {
    const query = 'query ($later: Boolean!) { shops { id ... @defer(if: $later) { reviews { stars } } } }';
    const post = (later: boolean) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed; deferSpec=20220824, application/json',
        },
        body: JSON.stringify({ query, variables: { later } }),
      });
    const now = await post(false);
    expect(now.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await now.json()) as { data: unknown }).data).toEqual({
      shops: [
        { id: 's1', reviews: [{ stars: 5 }] },
        { id: 's2', reviews: [{ stars: 4 }, { stars: 3 }] },
      ],
    });
    const later = await post(true);
    expect(later.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const text = await later.text();
    expect(text).toContain('{"data":{"shops":[{"id":"s1"},{"id":"s2"}]}');
    expect(text).toContain('"incremental":[{"data":{"reviews":[{"stars":5}]},"path":["shops",0]}');
  });

  it('counts the deferred part in the operation’s cost', async () => {
    const withoutReviews = await costOf(url, '{ shops { id name } }');
    expect(await costOf(url, deferredQuery)).toBe(await costOf(url, wholeQuery));
    expect(await costOf(url, deferredQuery)).toBeGreaterThan(withoutReviews);
  });

  it('gives Apollo Client (HttpLink) the shops first and their reviews later', async () => {
    const seen = await watchUntilComplete(new HttpLink({ uri: url }), deferredQuery);
    const first = seen[0]!;
    const last = seen[seen.length - 1]!;
    expect(first.complete).toBe(false);
    expect(first.data).toEqual(shopsFirst);
    expect(last.data).toEqual(shopsWithReviews);
    expect(first.atMs).toBeLessThan(reviewsDelayMs);
    expect(last.atMs - first.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
  });

  it('fetches nothing more for a deferred query whose HTTP client goes away mid-stream', async () => {
    const before = { ...subgraphs.requests };
    const aborted = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed; deferSpec=20220824, application/json',
      },
      body: JSON.stringify({ query: nestedQuery }),
      signal: aborted.signal,
    });
    const reader = response.body!.getReader();
    // The initial part (the shops), then the client goes away while the reviews are still being fetched.
    let received = '';
    while (!received.includes('"s2"')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    expect(received).not.toContain('stars');
    aborted.abort();
    await reader.cancel().catch(() => undefined);
    // Past the reviews' answer, when the names' fetch would have started.
    await new Promise((resolve) => setTimeout(resolve, reviewsDelayMs + 1_000));
    expect(subgraphs.requests.reviews - before.reviews).toBe(1);
    expect(subgraphs.requests.shops - before.shops).toBe(1);
  });

  describe('over graphql-ws', () => {
    it('sends the initial payload, then the slow subgraph’s part, as successive next messages, then complete', async () => {
      const { results, errors } = await overSocket(url, deferredQuery);
      expect(errors).toBeUndefined();
      expect(results.map((result) => result.body)).toEqual(deferredPayloads);
      const [initial, deferred] = results as [Part, Part];
      expect(initial.atMs).toBeLessThan(reviewsDelayMs);
      expect(deferred.atMs - initial.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
      // Without @defer, or with @defer(if: false), one result as before.
      const whole = await overSocket(url, wholeQuery);
      expect(whole.results.map((result) => result.body)).toEqual([
        { data: expect.objectContaining({ shops: expect.any(Array) }), extensions: expect.anything() },
      ]);
      const notDeferred = await overSocket(
        url,
        'query ($later: Boolean!) { shops { id ... @defer(if: $later) { reviews { stars } } } }',
        { later: false },
      );
      expect(notDeferred.results).toHaveLength(1);
      expect(notDeferred.results[0]?.body).not.toHaveProperty('hasNext');
    });

    it('gives Apollo Client (GraphQLWsLink) the shops first and their reviews later', async () => {
      const socket = socketClient(url);
      try {
        const seen = await watchUntilComplete(new GraphQLWsLink(socket), deferredQuery);
        const first = seen[0]!;
        const last = seen[seen.length - 1]!;
        expect(first.complete).toBe(false);
        expect(first.data).toEqual(shopsFirst);
        expect(last.data).toEqual(shopsWithReviews);
        expect(first.atMs).toBeLessThan(reviewsDelayMs);
        expect(last.atMs - first.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
      } finally {
        await socket.dispose();
      }
    });

    it('delivers nested deferred parts in order, each as a next message', async () => {
      const { results } = await overSocket(url, nestedQuery);
      expect(results.map((result) => result.body)).toEqual(nestedPayloads);
    });

    it('fetches nothing more for a deferred query whose socket closes mid-stream', async () => {
      // With the socket open, the names come from a second shops fetch, started once the slow reviews are in.
      let before = { ...subgraphs.requests };
      await overSocket(url, nestedQuery);
      expect(subgraphs.requests.shops - before.shops).toBe(2);

      before = { ...subgraphs.requests };
      const socket = socketClient(url);
      const initial = await new Promise<unknown>((resolve, reject) =>
        socket.subscribe({ query: nestedQuery }, { next: resolve, error: reject, complete: () => undefined }),
      );
      expect(initial).toMatchObject({ data: { shops: [{ id: 's1' }, { id: 's2' }] }, hasNext: true });
      await socket.dispose();
      await waitFor('the gateway to see the socket closed', async () => gateway.subscriptionStats().connections === 0);
      // Past the reviews' answer, when the names' fetch would have started.
      await new Promise((resolve) => setTimeout(resolve, reviewsDelayMs + 1_000));
      expect(subgraphs.requests.reviews - before.reviews).toBe(1);
      expect(subgraphs.requests.shops - before.shops).toBe(1);
    });
  });

  describe('operation limits and rate limits, over graphql-ws as over HTTP', () => {
    /** The cost of the shops alone (the initial part) and of the whole deferred query. */
    let initialCost: number;
    let deferredCost: number;
    let limited: Gateway;
    let limitedUrl: string;
    let budgeted: Gateway;
    let budgetedUrl: string;
    let redis: RedisClient;
    /** The budgets' clock, held still: the test's two queries fall in one minute. */
    const clock = manualClock();

    beforeAll(async () => {
      initialCost = await costOf(url, '{ shops { id name } }');
      deferredCost = await costOf(url, deferredQuery);
      expect(deferredCost).toBeGreaterThan(initialCost);
      const common = {
        supergraphSdl: subgraphs.supergraphSdl,
        verifyAccessToken: anonymousOnly,
        logger: createLogger('gateway', 'silent'),
        production: false,
        executor: 'curbside' as const,
      };
      // The initial part alone is within the cost limit; with its deferred part, the query is not.
      limited = await createGateway({ ...common, operationLimits: { maxCost: initialCost } });
      limitedUrl = await limited.listen(0);
      redis = createRedis({
        url: process.env['REDIS_URL'] ?? defaultRedisUrl,
        keyPrefix: `curbside:t:${process.env['CURBSIDE_TEST_RUN'] ?? 'local'}:defer-${process.pid}-${Date.now()}:`,
        connectionName: 'gateway-defer-test',
      });
      // Room for one deferred query and one more initial part, not for two deferred queries: charging only the
      // initial part would let the second through.
      budgeted = await createGateway({
        ...common,
        redis,
        clock,
        rateLimits: { anonymousCostPerMinute: deferredCost + initialCost },
      });
      budgetedUrl = await budgeted.listen(0);
    });

    afterAll(async () => {
      await limited?.close();
      await budgeted?.close();
      if (redis) await closeRedis(redis);
    });

    it('refuses a deferred query over the cost limit on the socket as over HTTP, fetching nothing', async () => {
      const before = { ...subgraphs.requests };
      const { results, errors } = await overSocket(limitedUrl, deferredQuery);
      expect(results).toEqual([]);
      expect(errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({
            code: 'OPERATION_LIMIT_EXCEEDED',
            limit: 'cost',
            actual: deferredCost,
          }),
        }),
      ]);
      const overHttp = await fetch(limitedUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed; deferSpec=20220824, application/json',
        },
        body: JSON.stringify({ query: deferredQuery }),
      });
      expect(overHttp.status).toBe(400);
      expect(await overHttp.json()).toEqual({
        errors: [
          expect.objectContaining({
            extensions: expect.objectContaining({
              code: 'OPERATION_LIMIT_EXCEEDED',
              limit: 'cost',
              actual: deferredCost,
            }),
          }),
        ],
      });
      expect(subgraphs.requests).toEqual(before);
      // Without its deferred part, the query is within the limit.
      const shopsAlone = await overSocket(limitedUrl, '{ shops { id name } }');
      expect(shopsAlone.results[0]?.body).toMatchObject({ data: { shops: [{ id: 's1' }, { id: 's2' }] } });
    });

    it('charges the deferred part to the caller’s budget over the socket', async () => {
      const first = await overSocket(budgetedUrl, deferredQuery);
      expect(first.results.map((result) => result.body)).toEqual(deferredPayloads);
      const second = await overSocket(budgetedUrl, deferredQuery);
      expect(second.results.map((result) => result.body)).toEqual([
        {
          errors: [
            expect.objectContaining({
              extensions: expect.objectContaining({ code: 'RATE_LIMITED', limit: 'anonymous' }),
            }),
          ],
        },
      ]);
    });
  });

  describe('with the gateway as a process, as deployed', () => {
    let folder: string;
    let gatewayProcess: ServiceProcess;

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'curbside-defer-'));
      const supergraphPath = join(folder, 'supergraph.graphql');
      writeFileSync(supergraphPath, subgraphs.supergraphSdl);
      gatewayProcess = await startProcess('gateway/src/main.ts', {
        SUPERGRAPH_PATH: supergraphPath,
        REDIS_KEY_PREFIX: `curbside:t:${process.env['CURBSIDE_TEST_RUN'] ?? 'local'}:defer-process-${process.pid}:`,
      });
      // Planned and shaped once before any timing, as above.
      await costOf(gatewayProcess.url, deferredQuery);
    });

    afterAll(async () => {
      if (gatewayProcess) await stopProcess(gatewayProcess);
      if (folder) rmSync(folder, { recursive: true, force: true });
    });

    it('gives Apollo Client the shops first and their reviews later, over GraphQLWsLink and over HttpLink', async () => {
      const socket = socketClient(gatewayProcess.url);
      try {
        for (const link of [new GraphQLWsLink(socket), new HttpLink({ uri: gatewayProcess.url })]) {
          const seen = await watchUntilComplete(link, deferredQuery);
          const first = seen[0]!;
          const last = seen[seen.length - 1]!;
          expect(first.data).toEqual(shopsFirst);
          expect(last.data).toEqual(shopsWithReviews);
          expect(first.atMs).toBeLessThan(reviewsDelayMs);
          expect(last.atMs - first.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
        }
      } finally {
        await socket.dispose();
      }
    });
  });
});
