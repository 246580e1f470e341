/**
 * The gateway's request limits and HTTP hygiene. Every refused request is also shown to reach no subgraph and
 * to write nothing (the operations are mutations that would create a vendor).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeLiveClients,
  graphql,
  liveClient,
  queryRows,
  registerUser,
  startStack,
  subscribe,
  endCode,
  type Account,
  type TestStack,
} from './index.ts';

let stack: TestStack;
let owner: Account;

beforeAll(async () => {
  stack = await startStack();
  owner = await registerUser(stack.gatewayUrl, 'limits_owner');
});
afterAll(async () => {
  await disposeLiveClients();
  await stack?.stop();
});

const vendorCount = async () =>
  Number((await queryRows(stack.databases.vendor, 'select count(*)::int as n from vendor'))[0]!['n']);
const subgraphCalls = () => Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);

/** Runs `attempt`, then asserts that no subgraph was called and no vendor row was written. */
async function refusedWithoutEffect<T>(attempt: () => Promise<T>): Promise<T> {
  const before = await vendorCount();
  stack.resetCounters();
  const result = await attempt();
  expect(subgraphCalls()).toBe(0);
  expect(await vendorCount()).toBe(before);
  return result;
}

const create = (selection: string) =>
  `mutation { createVendor(input: { name: "Limit Cart", category: CAFE }) ${selection} }`;
const nested = (depth: number) => {
  let selection = '{ id }';
  for (let level = 1; level < depth; level++) selection = `{ owner { vendors ${selection} } }`;
  return selection;
};

const overLimit: [string, string, string][] = [
  // createVendor > owner > vendors > owner > vendors ... : 2 levels per step.
  ['depth', create(nested(7)), 'depth'],
  [
    'aliases',
    `mutation { ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} createVendor(input: { name: "Limit Cart", category: CAFE }) { id } }`,
    'aliases',
  ],
  [
    'root fields',
    `mutation { createVendor(input: { name: "Limit Cart", category: CAFE }) { id } ${Array.from({ length: 20 }, () => '__typename').join(' ')} }`,
    'rootFields',
  ],
  [
    'directives',
    create(`{ id ${Array.from({ length: 51 }, () => 'name @include(if: true)').join(' ')} }`),
    'directives',
  ],
  [
    'cost',
    create(
      '{ owner { followedVendors(first: 100) { edges { node { owner { followedVendors(first: 100) { edges { node { id name } } } } } } } } }',
    ),
    'cost',
  ],
];

describe('operation limits over HTTP', () => {
  it.each(overLimit)(
    'refuses an operation over the %s limit with OPERATION_LIMIT_EXCEEDED',
    async (_name, query, limit) => {
      const response = await refusedWithoutEffect(() =>
        graphql(stack.gatewayUrl, query, {}, { token: owner.accessToken }),
      );
      expect(response.status).toBe(400);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit });
      expect(response.errors?.[0]?.extensions?.['http']).toBeUndefined();
    },
  );

  it('refuses a document of more than 15,000 tokens while parsing', async () => {
    const query = create(`{ id ${'id '.repeat(15_000)} }`);
    const response = await refusedWithoutEffect(() =>
      graphql(stack.gatewayUrl, query, {}, { token: owner.accessToken }),
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/15000 tokens/);
  });

  it('refuses circular fragments', async () => {
    const query = `mutation { createVendor(input: { name: "Limit Cart", category: CAFE }) { ...A } }
      fragment A on Vendor { owner { vendors { edges { node { ...B } } } } }
      fragment B on Vendor { ...A }`;
    const response = await refusedWithoutEffect(() =>
      graphql(stack.gatewayUrl, query, {}, { token: owner.accessToken }),
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('lets an operation within every limit through', async () => {
    const response = await graphql(stack.gatewayUrl, create(nested(3)), {}, { token: owner.accessToken });
    expect(response.errors).toBeUndefined();
  });
});

describe('operation limits over the WebSocket', () => {
  it.each(overLimit)('refuses an operation over the %s limit', async (_name, query, limit) => {
    const ended = await refusedWithoutEffect(() =>
      subscribe(liveClient(stack.gatewayUrl, owner.accessToken), query, {}).end('the refusal'),
    );
    expect(endCode(ended)).toBe('OPERATION_LIMIT_EXCEEDED');
    expect((ended.error as { extensions: Record<string, unknown> }[])[0]?.extensions).toMatchObject({ limit });
  });

  it('refuses a document of more than 15,000 tokens', async () => {
    const ended = await refusedWithoutEffect(() =>
      subscribe(liveClient(stack.gatewayUrl, owner.accessToken), create(`{ id ${'id '.repeat(15_000)} }`), {}).end(
        'the refusal',
      ),
    );
    expect(endCode(ended)).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('HTTP hygiene', () => {
  const post = (body: RequestInit['body'], headers: Record<string, string>) =>
    fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}`, ...headers },
      body,
    });
  const json = { 'content-type': 'application/json' };
  const mutation = create('{ id }');

  it('sends security headers on every response', async () => {
    for (const response of [
      await post(JSON.stringify({ query: '{ __typename }' }), json),
      await fetch(new URL('/health', stack.gatewayUrl)),
    ]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('answers 413 to a body over 2 MB, before parsing it', async () => {
    const body = JSON.stringify({ query: mutation, padding: 'x'.repeat(2 * 1024 * 1024) });
    const response = await refusedWithoutEffect(() => post(body, json));
    expect(response.status).toBe(413);
  });

  it('refuses a JSON batch (batching is off)', async () => {
    const response = await refusedWithoutEffect(() =>
      post(JSON.stringify([{ query: mutation }, { query: mutation }]), json),
    );
    expect(response.status).toBe(400);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['an HTML form', 'application/x-www-form-urlencoded'],
    ['multipart form data', 'multipart/form-data; boundary=x'],
  ])('refuses a %s POST (CSRF prevention) with 400', async (_name, contentType) => {
    const response = await refusedWithoutEffect(() =>
      post(JSON.stringify({ query: mutation }), { 'content-type': contentType }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toBeTruthy();
  });

  it('refuses a mutation over GET with 405 and Allow: POST', async () => {
    const url = new URL(stack.gatewayUrl);
    url.searchParams.set('query', mutation);
    const response = await refusedWithoutEffect(() =>
      fetch(url, { headers: { authorization: `Bearer ${owner.accessToken}`, 'apollo-require-preflight': 'true' } }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it.each([
    ['invalid JSON', '{"query": "mutation {', json],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json],
  ] as [string, RequestInit['body'], Record<string, string>][])(
    'answers %s with 400 and a GraphQL error, never 500',
    async (_name, body, headers) => {
      const response = await refusedWithoutEffect(() => post(body, headers));
      expect(response.status).toBe(400);
      const parsed = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(parsed.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    },
  );
});
