/**
 * Trusted documents and automatic persisted queries. In safelist mode the gateway runs only the documents of
 * its manifest (here the one `pnpm codegen` writes for the example web client); APQ hashes live in Redis, so
 * every gateway replica knows them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentManifest } from '@curbside/gateway';
import {
  createVendorSeenByLocation,
  disposeLiveClients,
  endCode,
  liveClient,
  registerUser,
  startStack,
  subscribe,
  type Account,
  type TestStack,
} from './index.ts';

const manifestPath = fileURLToPath(new URL('../../packages/client/src/gql/persisted-documents.json', import.meta.url));
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
const idOf = (name: string) => Object.entries(manifest).find(([, text]) => text.includes(`query ${name}(`))![0];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const post = async (stack: TestStack, body: unknown, token?: string) => {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
};
const subgraphCalls = (stack: TestStack) =>
  Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0);

describe('safelist mode', () => {
  let stack: TestStack;
  let reader: Account;

  beforeAll(async () => {
    stack = await startStack({
      gateway: { persistedDocuments: { mode: 'safelist', manifest: DocumentManifest.load(manifestPath) } },
    });
    // Registering is not among the example client's documents: straight to the user subgraph.
    reader = await registerUser(stack.subgraphUrls.user, 'safelist_reader');
  });
  afterAll(async () => {
    await disposeLiveClients();
    await stack?.stop();
  });

  it('runs a manifest document sent by id (sha256: prefix or not), or as its exact text, or by APQ hash', async () => {
    const id = idOf('MyFeed');
    for (const body of [
      { documentId: id },
      { documentId: id.replace(/^sha256:/, '') },
      { query: manifest[id] },
      { extensions: { persistedQuery: { version: 1, sha256Hash: id.replace(/^sha256:/, '') } } },
    ]) {
      const response = await post(stack, body, reader.accessToken);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.feed.edges).toEqual([]);
    }
  });

  it('refuses anything else with PERSISTED_QUERY_NOT_ALLOWED, calling no subgraph', async () => {
    stack.resetCounters();
    const unlisted = await post(stack, { query: '{ vendors(first: 1) { edges { node { id } } } }' });
    expect(unlisted.status).toBe(400);
    expect(unlisted.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    const registering = await post(stack, {
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } },
    });
    expect(registering.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    const unknownId = await post(stack, { documentId: 'sha256:0000' });
    expect(unknownId.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(subgraphCalls(stack)).toBe(0);
  });

  it('applies to the WebSocket too', async () => {
    const ended = await subscribe(
      liveClient(stack.gatewayUrl),
      'subscription { vendorLocationUpdated(vendorId: "x") { lat } }',
      {},
    ).end('the refusal');
    expect(endCode(ended)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });
});

describe('automatic persisted queries', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('asks for the document once, then runs it by hash; kept by the gateway, never in the shared Redis', async () => {
    const owner = await registerUser(stack.gatewayUrl, 'apq_owner');
    const vendorId = await createVendorSeenByLocation(stack, 'Persisted Pierogi', owner.accessToken);
    const query = '{ vendors(first: 2) { edges { node { id name } } } }';
    const hash = sha256(query);
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const unknown = await post(stack, { extensions });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(stack, { query, extensions });
    expect(registered.body.errors).toBeUndefined();
    const byHash = await post(stack, { extensions });
    expect(byHash.status).toBe(200);
    expect(byHash.body.errors).toBeUndefined();
    // The document run by hash is the one registered: the same answer as sending it in full.
    expect(byHash.body.data).toEqual({ vendors: { edges: [{ node: { id: vendorId, name: 'Persisted Pierogi' } }] } });
    // The Redis the queues, the blocklist and the rate limits need holds no registered document.
    expect(await stack.redis.keys('apq:*')).toEqual([]);
  });

  it('refuses to register a document over the size limit (comments and long names count), keeping nothing', async () => {
    // Under the token limit (a handful of tokens), but 100 KiB of text: a comment and a long alias.
    const query = `# ${'x'.repeat(50 * 1024)}\n{ ${'a'.repeat(50 * 1024)}: __typename }`;
    const hash = sha256(query);
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    stack.resetCounters();
    const registered = await post(stack, { query, extensions });
    expect(registered.status).toBe(400);
    expect(registered.body.errors?.[0]?.extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'documentBytes',
    });
    // Not kept: asked by hash alone, the gateway still does not know it.
    const byHash = await post(stack, { extensions });
    expect(byHash.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0)).toBe(0);
  });
});
