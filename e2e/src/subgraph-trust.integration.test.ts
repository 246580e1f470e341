/**
 * Subgraphs trust only the gateway: with a GATEWAY_SECRET (required in production) a subgraph refuses every
 * call that does not carry it (GraphQL over HTTP, the graphql-ws upgrade, the media routes), so nothing can
 * skip the gateway's limits by calling a subgraph's port; everything still works through the gateway; the
 * health, readiness and JWKS routes stay open. Without a secret (development) subgraphs answer anyone.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import WebSocket from 'ws';
import { ensureDatabase } from '@curbside/subgraph-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorSeenByLocation,
  dataOf,
  disposeLiveClients,
  graphql,
  liveClient,
  queryRows,
  postgresUrl,
  redisUrl,
  registerUser,
  startProcess,
  startStack,
  stopProcess,
  subgraphNames,
  subscribe,
  testDatabasePrefix,
  waitFor,
  type Account,
  type TestStack,
} from './index.ts';
import { templateDatabase } from './templates.ts';

const gatewaySecret = randomBytes(32).toString('hex');
const credential = (secret: string) => ({ 'x-curbside-gateway': secret });

/** What a subgraph answers a caller that is not the gateway: status, code, and the whole body as text. */
async function directPost(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code, data: body.data, text };
}

/** How the graphql-ws upgrade to `httpUrl` ends: 'open', or the HTTP status it was refused with. */
function upgrade(httpUrl: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

const pngOf = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .png()
    .toBuffer();

describe('with a gateway secret, as in production', () => {
  let stack: TestStack;
  let owner: Account;

  beforeAll(async () => {
    stack = await startStack({ gatewaySecret });
    owner = await registerUser(stack.gatewayUrl, 'trust_owner');
  });
  afterEach(disposeLiveClients);
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(subgraphNames)(
    'the %s subgraph refuses a direct POST without the credential, or with a wrong one',
    async (name) => {
      const url = stack.subgraphUrls[name];
      const missing = await directPost(url);
      expect(missing).toMatchObject({ status: 403, code: 'FORBIDDEN', data: undefined });
      const wrong = await directPost(url, credential(randomBytes(32).toString('hex')));
      expect(wrong).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      const almost = await directPost(url, credential(gatewaySecret.slice(0, -1)));
      expect(almost).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(missing.text + wrong.text).not.toContain(gatewaySecret.slice(0, 8));
      // The refusal is the credential's doing: with it, the same call is served.
      expect(await directPost(url, credential(gatewaySecret))).toMatchObject({
        status: 200,
        data: { __typename: 'Query' },
      });
    },
  );

  it('refuses a direct GET /graphql and a direct query signed in as a user', async () => {
    const get = await fetch(`${stack.subgraphUrls.user}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(403);
    expect(await get.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    const signedIn = await graphql(stack.subgraphUrls.user, '{ me { id } }', {}, { token: owner.accessToken });
    expect(signedIn.status).toBe(403);
    expect(signedIn.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('refuses a direct graphql-ws upgrade without the credential, and lets the gateway credential through', async () => {
    for (const name of subgraphNames) {
      expect(await upgrade(stack.subgraphUrls[name])).toBe(403);
      expect(await upgrade(stack.subgraphUrls[name], credential('not-the-secret'.repeat(4)))).toBe(403);
    }
    expect(await upgrade(stack.subgraphUrls.location, credential(gatewaySecret))).toBe('open');
    // A graphql-ws client (as an attacker would use) gets no subscription either.
    const vendorId = await createVendorSeenByLocation(stack, 'Direct Socket Tacos', owner.accessToken);
    const live = subscribe(liveClient(stack.subgraphUrls.location, owner.accessToken), VENDOR_LOCATION, { vendorId });
    expect(await live.end('the refused socket')).toHaveProperty('error');
    expect(live.events).toEqual([]);
  });

  it('keeps /health, /ready and the JWKS open to anyone', async () => {
    for (const name of subgraphNames) {
      for (const path of ['/health', '/ready']) {
        const response = await fetch(new URL(path, stack.subgraphUrls[name]));
        expect(response.status, `${name} ${path}`).toBe(200);
      }
    }
    const jwks = await fetch(stack.jwksUrl);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it('serves queries, mutations and readiness through the gateway', async () => {
    const me = await graphql(stack.gatewayUrl, '{ me { id username } }', {}, { token: owner.accessToken });
    expect(dataOf(me)).toEqual({ me: { id: owner.id, username: 'trust_owner' } });
    const vendorId = await createVendorSeenByLocation(stack, 'Gateway Tacos', owner.accessToken);
    const vendor = await graphql(stack.gatewayUrl, 'query ($id: ID!) { vendor(id: $id) { name owner { username } } }', {
      id: vendorId,
    });
    expect(dataOf(vendor)).toEqual({ vendor: { name: 'Gateway Tacos', owner: { username: 'trust_owner' } } });
    const ready = await fetch(new URL('/ready', stack.gatewayUrl));
    expect(ready.status).toBe(200);
  });

  it('delivers a subscription event through the gateway', async () => {
    const vendorId = await createVendorSeenByLocation(stack, 'Live Gateway Tacos', owner.accessToken);
    const live = subscribe(liveClient(stack.gatewayUrl, owner.accessToken), VENDOR_LOCATION, { vendorId });
    await waitFor('the upstream subscription', async () => stack.gateway.subscriptionStats().upstreams === 1);
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
        { input: { vendorId, lat: 38.7223, lng: -9.1393 } },
        { token: owner.accessToken },
      ),
    );
    const event = await live.next('the event through the gateway');
    expect(event['data']).toEqual({
      vendorLocationUpdated: {
        lat: 38.7223,
        vendor: { name: 'Live Gateway Tacos', owner: { username: 'trust_owner' } },
      },
    });
  });

  it('takes an upload through the gateway media proxy, and refuses the same signed URL sent to the subgraph directly', async () => {
    const bytes = await pngOf(8, 8);
    const ticket = dataOf(
      await graphql<{
        createUpload: { media: { id: string }; uploadUrl: string; uploadHeaders: Record<string, string> };
      }>(
        stack.gatewayUrl,
        'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
        { input: { filename: 'a.png', contentType: 'image/png', byteSize: bytes.length } },
        { token: owner.accessToken },
      ),
    ).createUpload;
    const viaGateway = new URL(ticket.uploadUrl);
    expect(viaGateway.origin).toBe(new URL(stack.gatewayUrl).origin);
    const direct = new URL(viaGateway.pathname + viaGateway.search, stack.subgraphUrls.media);
    const refused = await fetch(direct, { method: 'PUT', headers: ticket.uploadHeaders, body: bytes });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    const [row] = await queryRows(stack.databases.media, 'select status from media where id = $1', [ticket.media.id]);
    expect(row).toEqual({ status: 'PENDING_UPLOAD' });

    const accepted = await fetch(viaGateway, { method: 'PUT', headers: ticket.uploadHeaders, body: bytes });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ status: 'PROCESSING' });
  });
});

const VENDOR_LOCATION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name owner { username } } }
}`;

describe('without a gateway secret, as in development', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ workers: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves direct calls to a subgraph, over HTTP and graphql-ws', async () => {
    expect(await directPost(stack.subgraphUrls.vendor)).toMatchObject({ status: 200, data: { __typename: 'Query' } });
    expect(await upgrade(stack.subgraphUrls.location)).toBe('open');
  });
});

describe('a subgraph process in production (runSubgraph)', () => {
  const id = randomBytes(3).toString('hex');
  const env = {
    NODE_ENV: 'production',
    POSTGRES_URL: postgresUrl,
    SEARCH_DATABASE: `${testDatabasePrefix()}${id}_search`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:${id}:`,
  };
  // Production neither creates nor migrates its database (`pnpm migrate` does): a migrated copy, as a
  // deployment's migration job would leave it.
  beforeAll(() =>
    ensureDatabase(postgresUrl, env.SEARCH_DATABASE, { template: templateDatabase(testDatabasePrefix(), 'search') }),
  );

  it('refuses to start without GATEWAY_SECRET, saying why', async () => {
    const started = startProcess('subgraphs/search/src/main.ts', env);
    await expect(started).rejects.toThrow(
      /exited early with 1[\s\S]*GATEWAY_SECRET: required when NODE_ENV=production/,
    );
  });

  it('answers only calls carrying its GATEWAY_SECRET, and keeps /health open', async () => {
    const search = await startProcess('subgraphs/search/src/main.ts', { ...env, GATEWAY_SECRET: gatewaySecret });
    try {
      expect(await directPost(search.url)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(await upgrade(search.url)).toBe(403);
      expect(await directPost(search.url, credential(gatewaySecret))).toMatchObject({ status: 200 });
      expect((await fetch(new URL('/health', search.url))).status).toBe(200);
    } finally {
      await stopProcess(search);
    }
  });
});
