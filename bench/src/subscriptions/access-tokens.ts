/** Access tokens for `bench:subscriptions`' signed-in subscribers, minted without accounts. */
import { createPrivateKey, randomUUID, sign, type JsonWebKey } from 'node:crypto';

/**
 * `count` access tokens, each for a user id of its own (random UUID v4, no account behind it), valid for
 * `expiresInSeconds`: the claims and header of the user subgraph's tokens, signed with its signing key (the
 * oldest in its database signs), read from its database as @curbside/e2e's `signAccessToken` does (which takes
 * the in-process `TestStack`). Neither the gateway nor the subgraphs look the account up for this subscription:
 * they check the signature and claims, and that the account is not on the blocklist (in Redis, by user id).
 */
export async function mintAccessTokens(
  userDatabaseUrl: string,
  count: number,
  expiresInSeconds: number,
): Promise<string[]> {
  const { queryRows } = await import('@curbside/e2e');
  const [row] = await queryRows(
    userDatabaseUrl,
    'select private_jwk from signing_key order by created_at, kid limit 1',
  );
  const jwk = row?.['private_jwk'] as (JsonWebKey & { kid?: string }) | undefined;
  if (!jwk?.kid) throw new Error('the user subgraph has no signing key');
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const encoded = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encoded({ alg: 'EdDSA', kid: jwk.kid, typ: 'at+jwt' });
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () => {
    const claims = encoded({
      role: 'USER',
      sid: randomUUID(),
      sub: randomUUID(),
      iss: 'curbside',
      aud: 'curbside-api',
      iat: now,
      exp: now + expiresInSeconds,
    });
    return `${header}.${claims}.${sign(null, Buffer.from(`${header}.${claims}`), key).toString('base64url')}`;
  });
}
