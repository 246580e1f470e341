/**
 * What the fuzzer found (e2e/src/fuzz), each kept as a regression test: malformed or hostile operations get a
 * 4xx with a registered code on every transport, never a 500, a 4500 close or an internal message; and none of
 * them reaches a subgraph.
 */
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createPost,
  disposeLiveClients,
  endCode,
  graphql,
  liveClient,
  registerUser,
  startStack,
  subscribe,
  type Account,
  type TestStack,
} from './index.ts';

let stack: TestStack;
let user: Account;
let postId: string;

beforeAll(async () => {
  stack = await startStack();
  user = await registerUser(stack.gatewayUrl, 'malformed_user');
  postId = await createPost(stack, user.accessToken, 'Malformed');
});
afterEach(async () => {
  await disposeLiveClients();
});
afterAll(async () => {
  await stack?.stop();
});

const subgraphCalls = () => Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);
const post = async (body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}`, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: { extensions?: any; message: string }[] },
  };
};
const multipart = { accept: 'multipart/mixed;subscriptionSpec=1.0, application/json' };

describe('operations that cannot run as sent, over HTTP', () => {
  it.each([
    ['an operationName naming none of the operations', { query: 'query A { __typename }', operationName: 'B' }],
    ['no operationName among several operations', { query: 'query A { __typename } query B { __typename }' }],
  ])('refuses %s with 400 OPERATION_RESOLUTION_FAILURE', async (_case, body) => {
    stack.resetCounters();
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(subgraphCalls()).toBe(0);
  });

  it('refuses a subscription sent with GET (400 BAD_REQUEST)', async () => {
    const url = new URL(stack.gatewayUrl);
    url.searchParams.set('query', `subscription { commentAdded(postId: "${postId}") { body } }`);
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a required variable left out, even one read only by @include (400 BAD_USER_INPUT)', async () => {
    stack.resetCounters();
    const response = await post({ query: 'query ($show: Boolean!) { me { id @include(if: $show) } }' });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(subgraphCalls()).toBe(0);
  });

  it('refuses a document nested thousands deep before parsing it (OPERATION_LIMIT_EXCEEDED)', async () => {
    // 45 KB and 9,000 tokens: within the size and token limits, but a recursive parser's stack would not be.
    const query = `${'{ ... on Query '.repeat(3_000)}__typename ${'}'.repeat(3_000)}`;
    stack.resetCounters();
    const response = await post({ query });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'documentNesting',
    });
    expect(response.body.errors?.[0]?.message).not.toMatch(/stack/i);
    expect(subgraphCalls()).toBe(0);
  });

  it.each([
    ['@include on it', 'subscription ($on: Boolean!) { commentAdded(postId: $post) @include(if: $on) { body } }'],
    ['@skip on it', 'subscription ($on: Boolean!) { commentAdded(postId: $post) @skip(if: $on) { body } }'],
  ])(
    'refuses a subscription whose root field has %s (multipart: 400 GRAPHQL_VALIDATION_FAILED)',
    async (_case, text) => {
      const query = text.replace('($on: Boolean!)', '($on: Boolean!, $post: ID!)');
      for (const on of [true, false]) {
        stack.resetCounters();
        const response = await post({ query, variables: { on, post: postId } }, multipart);
        expect(response.status).toBe(400);
        expect(response.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(subgraphCalls()).toBe(0);
      }
    },
  );

  it('refuses text PostgreSQL cannot store (a NUL character) as BAD_USER_INPUT, not an internal error', async () => {
    const search = await graphql(stack.gatewayUrl, 'query ($q: String!) { search(query: $q) { edges { cursor } } }', {
      q: 'taco\u0000',
    });
    expect(search.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const vendor = await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
      { input: { name: 'Nul Cart', category: 'CAFE', description: 'zero\u0000byte' } },
      { token: user.accessToken },
    );
    expect(vendor.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('refuses a number literal too large to be finite (1e400) as BAD_USER_INPUT, before planning', async () => {
    stack.resetCounters();
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendorsNearby(lat: 38.7, lng: 1e400, radiusMeters: 100) { distanceMeters } }',
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(subgraphCalls()).toBe(0);
  });

  it('refuses text with a lone surrogate (not Unicode) as BAD_USER_INPUT, not an internal error', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { username } }',
      { input: { bio: 'half \udfff a pair' } },
      { token: user.accessToken },
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('refuses a document holding a conditional subscription, whichever operation it runs (not a 500)', async () => {
    const conditional = 'subscription S($on: Boolean!) { commentAdded(postId: "x") @skip(if: $on) { body } }';
    for (const body of [
      { query: `${conditional} query Q { __typename }`, operationName: 'Q' },
      { query: `${conditional} query Q { __typename }` },
      { query: conditional, operationName: 'Other' },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('refuses a polar latitude the distance index cannot hold as BAD_USER_INPUT, not an internal error', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendorsNearby(lat: 90, lng: 70, radiusMeters: 22) { distanceMeters } }',
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { lat: expect.any(String) },
    });
  });
});

describe('the same over graphql-ws, keeping the socket', () => {
  it('refuses a left-out variable, a conditional subscription root and deep nesting, each with a code', async () => {
    const closes: number[] = [];
    const on = liveClient(stack.gatewayUrl, user.accessToken, (code) => closes.push(code));
    const cases: [string, Record<string, unknown>, string][] = [
      ['query ($show: Boolean!) { me { id @include(if: $show) } }', {}, 'BAD_USER_INPUT'],
      [
        'subscription ($post: ID!, $on: Boolean!) { commentAdded(postId: $post) @include(if: $on) { body } }',
        { post: postId, on: true },
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [`${'{ ... on Query '.repeat(3_000)}__typename ${'}'.repeat(3_000)}`, {}, 'OPERATION_LIMIT_EXCEEDED'],
    ];
    for (const [query, variables, code] of cases) {
      stack.resetCounters();
      expect(endCode(await subscribe(on, query, variables).end('the refusal'))).toBe(code);
      expect(subgraphCalls()).toBe(0);
    }
    expect(closes.filter((code) => code !== 1000)).toEqual([]);
  });

  /** Opens a raw socket, acknowledged, sends `message`, and resolves with how the gateway closed it. */
  async function closeAfter(message: string): Promise<{ code: number; reason: string }> {
    const socket = new WebSocket(stack.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((resolve) => socket.once('message', resolve));
    return new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.send(message);
    });
  }

  it('closes with 4400, not an internal 4500, on a message nested thousands deep or one only a server sends', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    expect(await closeAfter(`{"type":"ping","payload":{"p":${deep}}}`)).toEqual({
      code: 4400,
      reason: 'Message nested deeper than 64',
    });
    expect(await closeAfter('{"type":"next","id":"1","payload":{"data":{}}}')).toEqual({
      code: 4400,
      reason: 'Invalid message type',
    });
  });
});
