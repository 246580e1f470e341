/**
 * The gateway's edge under hostile input: sign-in attempts counted however the mutation is spelled, per-IP
 * budgets that the client cannot pick through X-Forwarded-For, an operation over the caller's whole budget
 * refused as too costly (not a 429 that waiting never fixes), metrics whose labels no client can multiply,
 * metrics and readiness details private in production, the media proxy refusing smuggled requests, and the
 * admin pages refusing other sites. Every refusal is also shown to reach no subgraph.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccessTokenVerifier, remoteKeySet } from '@curbside/auth';
import { createGateway, type Gateway } from '@curbside/gateway';
import { createLogger } from '@curbside/service';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { graphql, registerAdmin, registerUser, startStack, type Account, type TestStack } from './index.ts';

let stack: TestStack;
let nextIp = 1;
/** Each test calls from an address of its own (the gateway trusts one proxy here), so budgets never mix. */
const freshIp = () => `203.0.113.${nextIp++}`;
const fromIp = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
const subgraphCalls = () => Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);

beforeAll(async () => {
  stack = await startStack({
    gateway: {
      trustProxy: 1,
      rateLimits: {
        authAttemptsPerIpPerMinute: 10,
        authAttemptsPerAccountPerMinute: 10,
        // Room for 11 logins (each weighs 60), little for lists.
        anonymousCostPerMinute: 2_000,
      },
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const login = (alias: string, account: string, directive = '') =>
  `${alias}: login(input: { login: "${account}", password: "wrong-password" }) ${directive} { accessToken }`;
const logins = (count: number, account: string) =>
  Array.from({ length: count }, (_, index) => login(`a${index}`, account)).join(' ');

describe('sign-in attempts, counted on the operation as it would execute', () => {
  it.each([
    ['an inline fragment', (body: string) => `mutation { ... on Mutation { ${body} } }`],
    ['a named fragment', (body: string) => `mutation { ...Tries } fragment Tries on Mutation { ${body} }`],
    [
      'fragments nested in fragments',
      (body: string) => `mutation { ...Outer } fragment Outer on Mutation { ... on Mutation { ...Tries } }
        fragment Tries on Mutation { ${body} }`,
    ],
  ])('counts logins inside %s: the 11th attempt from one address is refused', async (_case, wrap) => {
    stack.resetCounters();
    const response = await graphql(stack.gatewayUrl, wrap(logins(11, 'fragment_target')), {}, fromIp(freshIp()));
    expect(response.status).toBe(429);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'auth-ip' });
    expect(subgraphCalls()).toBe(0);
  });

  it("counts the account a defaulted variable names: that account's 11th attempt is refused", async () => {
    const document = `mutation ($tries: LoginInput! = { login: "Default_Target", password: "wrong-password" }) {
      ${Array.from({ length: 5 }, (_, index) => `a${index}: login(input: $tries) { accessToken }`).join(' ')}
    }`;
    for (let round = 0; round < 2; round++) {
      // Wrong passwords: each field fails on its own, but nothing is limited yet.
      expect((await graphql(stack.gatewayUrl, document, {}, fromIp(freshIp()))).status).toBe(200);
    }
    stack.resetCounters();
    const refused = await graphql(
      stack.gatewayUrl,
      `mutation { ${login('once', 'default_target')} }`,
      {},
      fromIp(freshIp()),
    );
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'auth-account' });
    expect(subgraphCalls()).toBe(0);
  });

  it('does not count logins that would not execute (@skip), nor one field spelled twice', async () => {
    const skipped = Array.from({ length: 12 }, (_, index) => login(`s${index}`, 'skip_target', '@skip(if: true)')).join(
      ' ',
    );
    // The same response key twice executes once (graphql-js merges them).
    const twice = `${login('same', 'skip_target')} ... on Mutation { ${login('same', 'skip_target')} }`;
    const response = await graphql(stack.gatewayUrl, `mutation { ${skipped} ${twice} }`, {}, fromIp(freshIp()));
    expect(response.status).toBe(200);
    expect(response.errors?.map((error) => error.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
  });
});

describe('per-address budgets behind a trusted proxy', () => {
  it('takes the address the trusted proxy saw (the rightmost entry), whatever the client wrote to its left', async () => {
    const query = '{ vendors(first: 50) { edges { node { id owner { username } } } } }';
    const seenByProxy = freshIp();
    let refused = null;
    for (let request = 0; request < 40 && !refused; request++) {
      // Every request claims another address in the entry the client writes itself.
      const response = await graphql(stack.gatewayUrl, query, {}, fromIp(`198.18.0.${request}, ${seenByProxy}`));
      if (response.status === 429) refused = response;
    }
    expect(refused?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'anonymous' });
    // The proxy's view is what counts: another real address still has its budget.
    expect((await graphql(stack.gatewayUrl, query, {}, fromIp(freshIp()))).status).toBe(200);
  });
});

describe('the cost budget', () => {
  it("refuses an operation over the caller's whole budget with OPERATION_LIMIT_EXCEEDED, never a 429", async () => {
    // 100 vendors, each owner's 10 vendors with their owners: over 2,000 for one anonymous minute.
    const query = '{ vendors(first: 100) { edges { node { owner { vendors { owner { username } } } } } } }';
    const ip = freshIp();
    for (let attempt = 0; attempt < 2; attempt++) {
      stack.resetCounters();
      const response = await graphql(stack.gatewayUrl, query, {}, fromIp(ip));
      expect(response.status).toBe(400);
      expect(response.headers.get('retry-after')).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'OPERATION_LIMIT_EXCEEDED',
        limit: 'anonymousCostPerMinute',
        max: 2_000,
      });
      expect(response.errors?.[0]?.extensions?.['actual']).toBeGreaterThan(2_000);
      expect(subgraphCalls()).toBe(0);
    }
  });

  it('tells a developer what an operation cost (extensions.cost, outside production)', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendors(first: 5) { edges { node { id } } } }',
      {},
      fromIp(freshIp()),
    );
    expect(response.status).toBe(200);
    expect((response as { extensions?: { cost?: { estimated?: unknown } } }).extensions?.cost?.estimated).toEqual(
      expect.any(Number),
    );
  });
});

/** Every `operation` label value of the requests counter. */
async function operationLabels(url: string, init: RequestInit = {}): Promise<Set<string>> {
  const text = await (await fetch(new URL('/metrics', url), init)).text();
  return new Set(
    [...text.matchAll(/^curbside_gateway_requests_total\{operation="([^"]*)"/gm)].map((match) => match[1]!),
  );
}

describe('metrics', () => {
  it('never takes a label from a document that did not parse or validate', async () => {
    const before = await operationLabels(stack.gatewayUrl);
    for (let index = 0; index < 40; index++) {
      const name = `Junk${index}_${Math.random().toString(36).slice(2)}`;
      const bodies = [
        { query: `query ${name} {`, operationName: name }, // does not parse
        { query: `query ${name} { noSuchField }`, operationName: name }, // does not validate
        { query: '{ __typename }', operationName: name }, // names no operation of the document
      ];
      for (const body of bodies) {
        await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
          body: JSON.stringify(body),
        });
      }
    }
    const after = await operationLabels(stack.gatewayUrl);
    const added = [...after].filter((label) => !before.has(label));
    expect(added.filter((label) => label.startsWith('Junk'))).toEqual([]);
    expect(after.has('(invalid)')).toBe(true);
  });

  it('keeps at most 200 operation names of valid documents; the rest share (other)', async () => {
    for (let index = 0; index < 230; index++) {
      await graphql(stack.gatewayUrl, `query Named${index} { __typename }`, {}, fromIp('192.0.2.1'));
    }
    const labels = await operationLabels(stack.gatewayUrl);
    expect(labels.size).toBeLessThanOrEqual(203); // 200 names, (invalid), (other), anonymous
    expect(labels.has('(other)')).toBe(true);
  });
});

describe('in production', () => {
  let production: Gateway;
  let url: string;
  const metricsToken = 'metrics-token-of-the-scraper-0123456789';

  beforeAll(async () => {
    const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
    production = await createGateway({
      supergraphSdl: readFileSync(supergraphPath, 'utf8'),
      subgraphUrls: stack.subgraphUrls,
      verifyAccessToken: makeAccessTokenVerifier(remoteKeySet(stack.jwksUrl)),
      logger: createLogger('production-gateway', 'silent'),
      production: true,
      metricsToken,
    });
    url = await production.listen(0);
  });
  afterAll(async () => {
    await production?.close();
  });

  it('serves /metrics only to the bearer of the metrics token', async () => {
    expect((await fetch(new URL('/metrics', url))).status).toBe(401);
    const wrong = await fetch(new URL('/metrics', url), { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const scraped = await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('curbside_gateway_requests_total');
  });

  it('tells the public only whether it is ready, not which subgraph is where', async () => {
    const open = (await (await fetch(new URL('/ready', url))).json()) as Record<string, unknown>;
    expect(open).toEqual({ ready: true });
    const detailed = (await (
      await fetch(new URL('/ready', url), { headers: { authorization: `Bearer ${metricsToken}` } })
    ).json()) as Record<string, unknown>;
    expect(detailed).toMatchObject({ ready: true, subgraphs: { user: true, media: true } });
  });
});

/** Writes raw bytes to the gateway and reads everything it answers until it closes the connection. */
function rawExchange(gatewayUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(gatewayUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

describe('the media proxy', () => {
  it.each([
    ['GET', 'HTTP/1.1 400 Bad Request'],
    ['HEAD', 'HTTP/1.1 400 Bad Request'],
    ['DELETE', 'HTTP/1.1 405 Method Not Allowed'],
  ])(
    'refuses a %s with a chunked body, so the request inside it never reaches the media subgraph',
    async (method, statusLine) => {
      const { host } = new URL(stack.gatewayUrl);
      const smuggled = `GET /media/files/smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      const chunk = `${Buffer.byteLength(smuggled).toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
      stack.resetCounters();
      const answer = await rawExchange(
        stack.gatewayUrl,
        `${method} /media/files/anything HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
      );
      expect(answer.split('\r\n')[0]).toBe(statusLine);
      expect(stack.subgraphRequests.media).toBe(0);
    },
  );

  it('refuses a GET with a Content-Length body the same way', async () => {
    const { host } = new URL(stack.gatewayUrl);
    const body = `GET /media/files/smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    stack.resetCounters();
    const answer = await rawExchange(
      stack.gatewayUrl,
      `GET /media/files/anything HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(stack.subgraphRequests.media).toBe(0);
  });

  it('answers a method the media route does not take itself (405 with Allow), with nothing sent upstream', async () => {
    stack.resetCounters();
    for (const [path, allow] of [
      ['/media/uploads/00000000-0000-4000-8000-000000000000', 'PUT'],
      ['/media/files/00000000-0000-4000-8000-000000000000', 'GET, HEAD'],
    ] as const) {
      const response = await fetch(new URL(path, stack.gatewayUrl), { method: 'POST', body: '"x"'.repeat(50_000) });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    expect(stack.subgraphRequests.media).toBe(0);
  });

  it('answers a path that is none of the media routes itself (404), with nothing sent upstream', async () => {
    stack.resetCounters();
    const response = await fetch(new URL('/media/..%2f..%2fetc%2fpasswd', stack.gatewayUrl), {
      method: 'POST',
      body: 'x'.repeat(150_000),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(stack.subgraphRequests.media).toBe(0);
  });

  it('still proxies a plain GET', async () => {
    stack.resetCounters();
    const response = await fetch(new URL('/media/files/00000000-0000-4000-8000-000000000000', stack.gatewayUrl));
    expect(response.status).toBe(404);
    expect(stack.subgraphRequests.media).toBe(1);
  });
});

describe('the admin pages', () => {
  let admin: Account;
  beforeAll(async () => {
    admin = await registerAdmin(stack, 'edge_admin');
  });

  it("refuse a request another site's page sent, and answer the gateway's own", async () => {
    const sessionFrom = (headers: Record<string, string>) =>
      fetch(new URL('/admin/session', stack.gatewayUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.accessToken}`, ...headers },
      });
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of crossSite) {
      const refused = await sessionFrom(headers);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    const own = await sessionFrom({ origin: new URL(stack.gatewayUrl).origin, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    expect(own.headers.get('set-cookie')).toMatch(/^curbside_admin=/);
  });

  it('still refuse a non-admin', async () => {
    const user = await registerUser(stack.gatewayUrl, 'edge_not_admin');
    const response = await fetch(new URL('/admin/session', stack.gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(response.status).toBe(403);
  });
});
