import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, graphql, queryRows, registerUser, startStack, type TestStack } from './index.ts';

type SigningKey = Parameters<SignJWT['sign']>[0];

let stack: TestStack;
let user: Awaited<ReturnType<typeof registerUser>>;
let signingJwk: JWK;

beforeAll(async () => {
  stack = await startStack();
  user = await registerUser(stack.gatewayUrl, 'gatekeeper');
  const [key] = await queryRows(
    stack.databases.user,
    'select private_jwk from signing_key order by created_at limit 1',
  );
  signingJwk = key!['private_jwk'] as JWK;
});
afterAll(async () => {
  await stack?.stop();
});

/** A token with the real claims shape, signed with `key` (the real one unless a test says otherwise). */
async function token(
  overrides: { exp?: number; nbf?: number; iss?: string; aud?: string; key?: SigningKey; kid?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    role: 'USER',
    sid: '00000000-0000-4000-8000-000000000000',
    ...(overrides.nbf ? { nbf: overrides.nbf } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: overrides.kid ?? signingJwk.kid! })
    .setSubject(user.id)
    .setIssuer(overrides.iss ?? 'curbside')
    .setAudience(overrides.aud ?? 'curbside-api')
    .setIssuedAt(now - 60)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(overrides.key ?? (await importJWK(signingJwk, 'EdDSA')));
}

const ME = '{ me { username } }';

describe('the gateway verifies access tokens before planning', () => {
  it('accepts a valid token', async () => {
    const response = await graphql(stack.gatewayUrl, ME, {}, { token: await token() });
    expect(dataOf(response).me.username).toBe('gatekeeper');
  });

  const cases: [string, () => Promise<string>][] = [
    ['garbage', async () => 'garbage'],
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['wrongly signed', async () => token({ key: (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey })],
    ['from another issuer', () => token({ iss: 'someone-else' })],
    ['not valid before a future time (nbf)', () => token({ nbf: Math.floor(Date.now() / 1000) + 600 })],
    ['signed with an unknown key id', () => token({ kid: 'no-such-key' })],
    ['for another audience', () => token({ aud: 'another-api' })],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({
            sub: user.id,
            role: 'ADMIN',
            sid: 'x',
            iss: 'curbside',
            aud: 'curbside-api',
            exp: 9e9,
            iat: 1,
          }),
        ).toString('base64url')}.`,
    ],
    [
      'HS256 keyed with the public key',
      async () =>
        new SignJWT({ role: 'ADMIN', sid: 'x' })
          .setProtectedHeader({ alg: 'HS256', kid: signingJwk.kid! })
          .setSubject(user.id)
          .setIssuer('curbside')
          .setAudience('curbside-api')
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(
            new TextEncoder().encode(JSON.stringify({ kty: signingJwk.kty, crv: signingJwk.crv, x: signingJwk.x })),
          ),
    ],
  ];

  it.each(cases)('answers a %s token with 401 UNAUTHENTICATED and calls no subgraph', async (_name, makeToken) => {
    stack.resetCounters();
    const response = await graphql(stack.gatewayUrl, ME, {}, { token: await makeToken() });
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(response.data).toBeUndefined();
    expect(stack.subgraphRequests).toEqual({ user: 0, vendor: 0, location: 0, post: 0, media: 0, search: 0 });
  });

  it('refuses a malformed Authorization header the same way', async () => {
    stack.resetCounters();
    const response = await graphql(stack.gatewayUrl, ME, {}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect(stack.subgraphRequests).toEqual({ user: 0, vendor: 0, location: 0, post: 0, media: 0, search: 0 });
  });

  it('says the token expired when it did', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      ME,
      {},
      { token: await token({ exp: Math.floor(Date.now() / 1000) - 60 }) },
    );
    expect(response.errors?.[0]?.message).toMatch(/expired/);
  });
});

describe('subgraphs verify the token themselves', () => {
  it('grants nothing to a direct call with a forged identity header', async () => {
    const response = await graphql(
      stack.subgraphUrls.vendor,
      `
        mutation {
          createVendor(input: { name: "Forged", category: CAFE }) {
            id
          }
        }
      `,
      {},
      { headers: { 'x-user-id': user.id, 'x-viewer-id': user.id, 'x-role': 'ADMIN' } },
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(await queryRows(stack.databases.vendor, "select 1 from vendor where name = 'Forged'")).toHaveLength(0);
  });

  it('refuses a wrongly signed token sent straight to a subgraph', async () => {
    const forged = await token({ key: (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey });
    const response = await graphql(
      stack.subgraphUrls.vendor,
      `
        mutation {
          createVendor(input: { name: "Forged", category: CAFE }) {
            id
          }
        }
      `,
      {},
      { token: forged },
    );
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe('gateway HTTP', () => {
  it('echoes a given x-request-id and generates one otherwise', async () => {
    const given = await graphql(stack.gatewayUrl, '{ __typename }', {}, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const generated = await graphql(stack.gatewayUrl, '{ __typename }');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the Sandbox landing page on GET with Accept: text/html', async () => {
    const response = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('embeddable-sandbox');
  });

  it('allows Apollo Studio by CORS, and not an arbitrary site', async () => {
    const preflight = (origin: string) =>
      fetch(stack.gatewayUrl, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const studio = await preflight('https://studio.apollographql.com');
    expect(studio.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('blocks a CSRF-able simple request', async () => {
    const response = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
  });

  it('reports health, and readiness with every subgraph reachable', async () => {
    const health = await fetch(new URL('/health', stack.gatewayUrl));
    expect(health.status).toBe(200);
    const ready = await fetch(new URL('/ready', stack.gatewayUrl));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, subgraphs: { user: true, vendor: true } });
  });

  it("passes a subgraph's client error through with its code", async () => {
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendors(first: 5, after: "not-a-cursor") { edges { cursor } } }',
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });
});
