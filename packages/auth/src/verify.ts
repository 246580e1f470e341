import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { isClientError, unauthenticated } from '@curbside/errors';

/** The access-token contract shared by the issuer (user subgraph) and every verifier. */
export const accessTokenPolicy = {
  /** Pinned: a token signed with any other algorithm (none, HS256, RS256) is refused. */
  algorithm: 'EdDSA',
  issuer: 'curbside',
  audience: 'curbside-api',
  lifetimeSeconds: 15 * 60, // 15 minutes
  /** Allowed clock difference between issuer and verifier. */
  clockToleranceSeconds: 5,
} as const;

export type Role = 'USER' | 'ADMIN';

/** Who is calling, as proven by a verified access token. */
export interface Viewer {
  userId: string;
  role: Role;
  /** Session family the token was issued for. */
  sessionId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** The verification keys could not be fetched; the token was not judged. */
export class KeySetUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The access-token key set is unavailable.', { cause });
  }
}

export type AccessTokenVerifier = (token: string) => Promise<Viewer>;

/** Verifies access tokens against a key set; every failure becomes one `UNAUTHENTICATED` error. */
export function makeAccessTokenVerifier(keys: JWTVerifyGetKey): AccessTokenVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: [accessTokenPolicy.algorithm],
        issuer: accessTokenPolicy.issuer,
        audience: accessTokenPolicy.audience,
        clockTolerance: accessTokenPolicy.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp', 'iat', 'sid'],
      });
      const role = payload['role'];
      if (typeof payload.sub !== 'string' || (role !== 'USER' && role !== 'ADMIN')) {
        throw unauthenticated('The access token is invalid.');
      }
      return { userId: payload.sub, role, sessionId: String(payload['sid']), expiresAt: payload.exp ?? 0 };
    } catch (error) {
      if (isClientError(error)) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The access token has expired.');
      // Not knowing the keys says nothing about the token: that is an outage, not a bad credential.
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new KeySetUnavailableError(error);
      }
      throw unauthenticated('The access token is invalid.');
    }
  };
}

/**
 * Remembers the viewer of each token `verify` accepted, for `maxAgeMs` and never past the token's expiry, so
 * that a client's next requests skip the signature check (an Ed25519 verification, the largest cost of a
 * signed-in request at the gateway after the query itself). Refusals are not remembered. A signing key
 * withdrawn from the JWKS keeps the tokens it signed accepted for up to `maxAgeMs` longer (the key set itself
 * is cached for 10 minutes). Wrap it in `withAccountBlocklist`, never the other way round, so that a
 * suspension still takes effect on the next request.
 */
export function withVerifiedTokenCache(
  verify: AccessTokenVerifier,
  {
    maxEntries = 10_000,
    maxAgeMs = 60_000, // 1 minute
  }: { maxEntries?: number; maxAgeMs?: number } = {},
): AccessTokenVerifier {
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  return async (token) => {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.viewer;
    if (hit) verified.delete(token);
    const viewer = await verify(token);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
    verified.set(token, { viewer, until: Math.min(now + maxAgeMs, viewer.expiresAt * 1000) });
    return viewer;
  };
}

/** Key set fetched from the issuer's JWKS endpoint, cached, refetched when an unknown `kid` appears. */
export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: 30_000, // 30 seconds between refetches triggered by unknown kids
    cacheMaxAge: 10 * 60_000, // 10 minutes
    timeoutDuration: 5_000, // 5 seconds
  });
}

export function localKeySet(jwks: JSONWebKeySet): JWTVerifyGetKey {
  return createLocalJWKSet(jwks);
}

/**
 * The token in an `Authorization: Bearer <token>` header: null when the header is absent,
 * an `UNAUTHENTICATED` error when it is present but not a bearer token.
 */
export function bearerTokenOf(header: string | undefined | null): string | null {
  if (header === undefined || header === null || header === '') return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <access token>".');
  return match[1];
}

/** Verifies the header's token, if any: null for anonymous, the viewer when valid, throws otherwise. */
export async function viewerFromHeader(
  header: string | undefined | null,
  verify: AccessTokenVerifier,
): Promise<Viewer | null> {
  const token = bearerTokenOf(header);
  return token === null ? null : verify(token);
}
