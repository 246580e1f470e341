import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import type { EntityManager } from '@mikro-orm/postgresql';
import { accessTokenPolicy, type Role } from '@curbside/auth';
import { SigningKey } from './entities.ts';

/** Issues access tokens and publishes the keys that verify them. */
export interface TokenIssuer {
  /** Public keys as a JWKS document, served at /.well-known/jwks.json. */
  readonly jwks: JSONWebKeySet;
  issueAccessToken(subject: {
    userId: string;
    role: Role;
    sessionId: string;
  }): Promise<{ token: string; expiresAt: Date }>;
}

async function generateSigningJwk(): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(accessTokenPolicy.algorithm, {
    crv: 'Ed25519',
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, publicJwk: { ...publicJwk, kid }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

/**
 * The signing key: `configuredPrivateJwk` when given (production: from a secret store), otherwise the
 * oldest key stored in the user database, generated on first start. Several user-subgraph processes
 * starting at once each insert a key and then all sign with the oldest, so they agree.
 */
export async function loadTokenIssuer(em: EntityManager, configuredPrivateJwk?: JWK): Promise<TokenIssuer> {
  let privateJwk: JWK;
  let publicKeys: JWK[];
  if (configuredPrivateJwk) {
    const { d: _secret, ...publicPart } = configuredPrivateJwk;
    const kid = configuredPrivateJwk.kid ?? (await calculateJwkThumbprint(publicPart));
    privateJwk = { ...configuredPrivateJwk, kid };
    publicKeys = [{ ...publicPart, kid }];
  } else {
    const stored = await em.find(SigningKey, {}, { orderBy: { createdAt: 'asc', kid: 'asc' } });
    if (stored.length === 0) {
      const fresh = await generateSigningJwk();
      await em.insert(SigningKey, { ...fresh, createdAt: new Date() });
      return loadTokenIssuer(em.fork());
    }
    privateJwk = stored[0]!.privateJwk as JWK;
    publicKeys = stored.map((key) => key.publicJwk as JWK);
  }
  const signingKey = await importJWK(privateJwk, accessTokenPolicy.algorithm);
  const jwks: JSONWebKeySet = {
    keys: publicKeys.map((key) => ({ ...key, alg: accessTokenPolicy.algorithm, use: 'sig' })),
  };
  return {
    jwks,
    async issueAccessToken({ userId, role, sessionId }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAtSeconds = issuedAt + accessTokenPolicy.lifetimeSeconds;
      const token = await new SignJWT({ role, sid: sessionId })
        .setProtectedHeader({ alg: accessTokenPolicy.algorithm, kid: privateJwk.kid!, typ: 'at+jwt' })
        .setSubject(userId)
        .setIssuer(accessTokenPolicy.issuer)
        .setAudience(accessTokenPolicy.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .sign(signingKey);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },
  };
}
