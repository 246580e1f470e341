import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerTokenOf, localKeySet, makeAccessTokenVerifier, withVerifiedTokenCache, type Viewer } from './index.ts';

const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] };
const verify = makeAccessTokenVerifier(localKeySet(jwks));

function sign(claims: Record<string, unknown> = {}, expiresAt = Math.floor(Date.now() / 1000) + 60) {
  return new SignJWT({ role: 'USER', sid: 's1', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
    .setSubject('u1')
    .setIssuer('curbside')
    .setAudience('curbside-api')
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(privateKey);
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { extensions?: { code?: string } }) => error.extensions?.code ?? 'other',
  );

describe('makeAccessTokenVerifier', () => {
  it('returns the viewer of a valid token', async () => {
    await expect(verify(await sign({ role: 'ADMIN' }))).resolves.toMatchObject({
      userId: 'u1',
      role: 'ADMIN',
      sessionId: 's1',
    });
  });

  it('refuses expired tokens, unknown roles and tampered signatures as UNAUTHENTICATED', async () => {
    expect(await codeOf(verify(await sign({}, Math.floor(Date.now() / 1000) - 30)))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify(await sign({ role: 'ROOT' })))).toBe('UNAUTHENTICATED');
    const token = await sign();
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOf(verify(tampered))).toBe('UNAUTHENTICATED');
  });
});

describe('bearerTokenOf', () => {
  it('reads a bearer token, treats absence as anonymous, and refuses other schemes', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerTokenOf(undefined)).toBeNull();
    expect(() => bearerTokenOf('Basic dXNlcg==')).toThrow(/Bearer/);
  });
});

describe('withVerifiedTokenCache', () => {
  const counting = () => {
    const calls: string[] = [];
    const inner = async (token: string): Promise<Viewer> => {
      calls.push(token);
      return verify(token);
    };
    return { calls, inner };
  };

  it('verifies a token once, then answers from memory until maxAgeMs', async () => {
    const { calls, inner } = counting();
    const cached = withVerifiedTokenCache(inner, { maxAgeMs: 50 });
    const token = await sign();
    await cached(token);
    await expect(cached(token)).resolves.toMatchObject({ userId: 'u1' });
    expect(calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cached(token);
    expect(calls).toHaveLength(2);
  });

  it('remembers no refusal and nothing past the token expiry', async () => {
    const { calls, inner } = counting();
    const cached = withVerifiedTokenCache(inner);
    const token = await sign();
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOf(cached(tampered))).toBe('UNAUTHENTICATED');
    expect(await codeOf(cached(tampered))).toBe('UNAUTHENTICATED');
    expect(calls).toHaveLength(2);
    const expiring = await sign({}, Math.floor(Date.now() / 1000));
    await cached(expiring).catch(() => undefined);
    await cached(expiring).catch(() => undefined);
    expect(calls).toHaveLength(4);
  });

  it('keeps at most maxEntries tokens, forgetting the oldest', async () => {
    const { calls, inner } = counting();
    const cached = withVerifiedTokenCache(inner, { maxEntries: 2 });
    const [a, b, c] = await Promise.all([sign({ sid: 'a' }), sign({ sid: 'b' }), sign({ sid: 'c' })]);
    for (const token of [a, b, c, c, b, a]) await cached(token!);
    expect(calls).toEqual([a, b, c, a]);
  });
});
