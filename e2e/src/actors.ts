import { importJWK, SignJWT, type JWK } from 'jose';
import { dataOf, graphql, registerUser } from './client.ts';
import { queryRows } from './database.ts';
import { waitFor } from './wait.ts';
import type { TestStack } from './stack.ts';

export type Account = Awaited<ReturnType<typeof registerUser>>;

/**
 * A fresh user made admin in the user database, signed in again so that its access token says so
 * (the role is read at sign-in).
 */
export async function registerAdmin(stack: TestStack, name: string): Promise<Account> {
  const admin = await registerUser(stack.gatewayUrl, name);
  await queryRows(stack.databases.user, "update app_user set role = 'ADMIN' where id = $1", [admin.id]);
  const { login } = dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }',
      { input: { login: admin.username, password: admin.password } },
    ),
  );
  return { ...admin, accessToken: login.accessToken, refreshToken: login.refreshToken };
}

/**
 * Creates a vendor through the gateway and waits until a subgraph's copy of it (location's or post's) has
 * arrived through the event queue (before that, that subgraph answers NOT_FOUND for it).
 */
export async function createVendorSeenBy(
  copyIn: 'location' | 'post',
  stack: Pick<TestStack, 'gatewayUrl' | 'databases'>,
  name: string,
  token: string,
): Promise<string> {
  const id: string = dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
      { input: { name, category: 'FOOD_TRUCK' } },
      { token },
    ),
  ).createVendor.id;
  await waitFor(
    `the ${copyIn} copy of ${name}`,
    async () =>
      (await queryRows(stack.databases[copyIn], 'select 1 from vendor_copy where vendor_id = $1', [id])).length > 0,
  );
  return id;
}

/** A vendor the location subgraph knows (location mutations may use it). */
export const createVendorSeenByLocation = (
  stack: Pick<TestStack, 'gatewayUrl' | 'databases'>,
  name: string,
  token: string,
): Promise<string> => createVendorSeenBy('location', stack, name, token);

/**
 * An access token for `userId` with the real claims, signed with the user subgraph's current key, expiring
 * `expiresInSeconds` from now: how a test gets a token that expires while it watches.
 */
export async function signAccessToken(stack: TestStack, userId: string, expiresInSeconds: number): Promise<string> {
  const [key] = await queryRows(
    stack.databases.user,
    'select private_jwk from signing_key order by created_at limit 1',
  );
  const jwk = key!['private_jwk'] as JWK;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'USER', sid: '00000000-0000-4000-8000-000000000000' })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid! })
    .setSubject(userId)
    .setIssuer('curbside')
    .setAudience('curbside-api')
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(await importJWK(jwk, 'EdDSA'));
}
