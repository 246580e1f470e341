import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '@curbside/gateway';
import { createLogger } from '@curbside/service';
import { startDeferSubgraphs, type DeferSubgraphs } from './defer-subgraphs.ts';

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

describe('@defer with the gateway executor (GATEWAY_EXECUTOR=curbside)', () => {
  let subgraphs: DeferSubgraphs;
  let gateway: Gateway;
  let apolloGateway: Gateway;
  let url: string;
  let apolloUrl: string;

  beforeAll(async () => {
    subgraphs = await startDeferSubgraphs({ reviewsDelayMs });
    const common = {
      supergraphSdl: subgraphs.supergraphSdl,
      verifyAccessToken: anonymousOnly,
      logger: createLogger('gateway', 'silent'),
      production: false,
    };
    gateway = await createGateway({ ...common, executor: 'curbside' });
    url = await gateway.listen(0);
    apolloGateway = await createGateway({ ...common, executor: 'apollo' });
    apolloUrl = await apolloGateway.listen(0);
    // Planned and shaped once before any timing: a first request pays for both.
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: deferredQuery }),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await apolloGateway?.close();
    await subgraphs?.close();
  });

  it('streams the initial payload first and the slow subgraph’s part later, as multipart/mixed; deferSpec=20220824', async () => {
    const { contentType, parts } = await postMultipart(url, deferredQuery);

    expect(contentType).toMatch(/^multipart\/mixed;.*deferSpec=20220824/);
    expect(parts.map((part) => part.body)).toEqual([
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
    ]);
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
    const costOf = async (query: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query }),
      });
      return ((await response.json()) as { extensions: { cost: { estimated: number } } }).extensions.cost.estimated;
    };
    const withoutReviews = await costOf('{ shops { id name } }');
    expect(await costOf(deferredQuery)).toBe(await costOf(wholeQuery));
    expect(await costOf(deferredQuery)).toBeGreaterThan(withoutReviews);
  });

  it('gives Apollo Client (HttpLink) the shops first and their reviews later', async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: url }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    const started = performance.now();
    const seen: { atMs: number; data: unknown; complete: boolean }[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: gql(deferredQuery), fetchPolicy: 'network-only' }).subscribe({
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
    client.stop();

    const first = seen[0]!;
    const last = seen[seen.length - 1]!;
    expect(first.complete).toBe(false);
    expect(first.data).toEqual({
      shops: [
        { __typename: 'Shop', id: 's1', name: 'Tacos Oscar' },
        { __typename: 'Shop', id: 's2', name: 'Crêpes du Coin' },
      ],
    });
    expect(last.data).toEqual({
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
    });
    expect(first.atMs).toBeLessThan(reviewsDelayMs);
    expect(last.atMs - first.atMs).toBeGreaterThanOrEqual(reviewsDelayMs * 0.9);
  });

  it('leaves the default executor as it was: Apollo’s gateway does not know @defer', async () => {
    const response = await fetch(apolloUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed; deferSpec=20220824, application/json' },
      body: JSON.stringify({ query: deferredQuery }),
    });
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(/Unknown directive "@defer"/);
  });
});
