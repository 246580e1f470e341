import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, graphql, queryRows as rows, registerUser, startStack, type TestStack } from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const REGISTER = `mutation ($input: RegisterInput!) {
  register(input: $input) { accessToken refreshToken accessTokenExpiresAt user { id username email role } }
}`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { username } } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }`;

describe('accounts through the gateway', () => {
  it('walks register → login → createVendor → me { vendors { owner } }', async () => {
    const registered = dataOf(
      await graphql(stack.gatewayUrl, REGISTER, {
        input: { email: 'Walk@Example.com', username: 'walker', password: 'a long password', displayName: 'Walker' },
      }),
    ).register;
    expect(registered.user).toMatchObject({ username: 'walker', email: 'walk@example.com', role: 'USER' });
    const expiresIn = new Date(registered.accessTokenExpiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const { login } = dataOf(
      await graphql(stack.gatewayUrl, LOGIN, { input: { login: 'walk@example.com', password: 'a long password' } }),
    );
    expect(login.user.username).toBe('walker');

    const created = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          mutation {
            createVendor(input: { name: "Walker's Waffles", category: FOOD_TRUCK }) {
              id
              name
              owner {
                username
              }
            }
          }
        `,
        {},
        { token: login.accessToken },
      ),
    );
    expect(created.createVendor).toMatchObject({ name: "Walker's Waffles", owner: { username: 'walker' } });

    const me = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            me {
              username
              vendors {
                name
                owner {
                  username
                }
              }
            }
          }
        `,
        {},
        { token: login.accessToken },
      ),
    );
    expect(me).toEqual({
      me: { username: 'walker', vendors: [{ name: "Walker's Waffles", owner: { username: 'walker' } }] },
    });
  });

  it('names every bad field at once', async () => {
    const response = await graphql(stack.gatewayUrl, REGISTER, {
      input: { email: 'not-an-email', username: 'Bad Name', password: 'short', displayName: ' ' },
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: {
        email: expect.any(String),
        username: expect.any(String),
        password: expect.stringContaining('10'),
        displayName: expect.any(String),
      },
    });
  });

  it('refuses a taken email or username with CONFLICT, writing nothing', async () => {
    const first = await registerUser(stack.gatewayUrl, 'taken');
    const before = await rows(stack.databases.user, 'select count(*)::int as n from outbox_event');
    const response = await graphql(stack.gatewayUrl, REGISTER, {
      input: {
        email: first.email.toUpperCase(),
        username: first.username,
        password: 'another password',
        displayName: 'X',
      },
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      fields: { email: expect.any(String), username: expect.any(String) },
    });
    const after = await rows(stack.databases.user, 'select count(*)::int as n from outbox_event');
    expect(after[0]!['n']).toBe(before[0]!['n']);
  });

  it('lets exactly one of several concurrent identical registrations through, with one event', async () => {
    const input = { email: 'race@example.com', username: 'racer', password: 'a long password', displayName: 'Racer' };
    const results = await Promise.all(Array.from({ length: 4 }, () => graphql(stack.gatewayUrl, REGISTER, { input })));
    expect(results.filter((result) => result.data?.['register']).length).toBe(1);
    expect(results.filter((result) => result.errors?.[0]?.extensions?.['code'] === 'CONFLICT').length).toBe(3);
    const users = await rows(stack.databases.user, "select id from app_user where username = 'racer'");
    expect(users).toHaveLength(1);
    const events = await rows(
      stack.databases.user,
      "select payload from outbox_event where name = 'user.registered' and payload->>'username' = 'racer'",
    );
    expect(events).toHaveLength(1);
  });

  it('answers wrong credentials with one message whichever part was wrong', async () => {
    const user = await registerUser(stack.gatewayUrl, 'credentials');
    const wrongPassword = await graphql(stack.gatewayUrl, LOGIN, {
      input: { login: user.username, password: 'wrong password' },
    });
    const unknownUser = await graphql(stack.gatewayUrl, LOGIN, {
      input: { login: 'nobody_here', password: 'wrong password' },
    });
    for (const response of [wrongPassword, unknownUser]) {
      expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    }
    expect(wrongPassword.errors?.[0]?.message).toBe(unknownUser.errors?.[0]?.message);
  });

  it('stores argon2id hashes, never the password', async () => {
    const user = await registerUser(stack.gatewayUrl, 'hashed');
    const [row] = await rows(stack.databases.user, 'select password_hash from app_user where id = $1', [user.id]);
    expect(row!['password_hash']).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!['password_hash']).not.toContain(user.password);
  });

  it('rotates refresh tokens, and a reused one ends the whole session family', async () => {
    const user = await registerUser(stack.gatewayUrl, 'rotator');
    const first = dataOf(await graphql(stack.gatewayUrl, REFRESH, { token: user.refreshToken })).refreshSession;
    expect(first.refreshToken).not.toBe(user.refreshToken);
    const second = dataOf(await graphql(stack.gatewayUrl, REFRESH, { token: first.refreshToken })).refreshSession;

    // The original token again: reuse. It fails, and so does the newest token of the same family.
    const reuse = await graphql(stack.gatewayUrl, REFRESH, { token: user.refreshToken });
    expect(reuse.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const afterReuse = await graphql(stack.gatewayUrl, REFRESH, { token: second.refreshToken });
    expect(afterReuse.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    const tokens = await rows(stack.databases.user, 'select revoked_at from refresh_token where user_id = $1', [
      user.id,
    ]);
    expect(tokens.length).toBe(3);
    expect(tokens.every((token) => token['revoked_at'] !== null)).toBe(true);
    const events = await rows(
      stack.databases.user,
      "select 1 from outbox_event where name = 'user.session_reuse_detected' and payload->>'userId' = $1",
      [user.id],
    );
    expect(events).toHaveLength(1);

    // A new login starts a new family that works.
    const again = dataOf(
      await graphql(stack.gatewayUrl, LOGIN, { input: { login: user.username, password: user.password } }),
    );
    expect(
      dataOf(await graphql(stack.gatewayUrl, REFRESH, { token: again.login.refreshToken })).refreshSession,
    ).toBeTruthy();
  });

  it('logout ends the session: its refresh token no longer works', async () => {
    const user = await registerUser(stack.gatewayUrl, 'leaver');
    const logout = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          mutation ($t: String!) {
            logout(refreshToken: $t)
          }
        `,
        { t: user.refreshToken },
      ),
    );
    expect(logout.logout).toBe(true);
    const refresh = await graphql(stack.gatewayUrl, REFRESH, { token: user.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('shows email only to its owner', async () => {
    const owner = await registerUser(stack.gatewayUrl, 'private_owner');
    const other = await registerUser(stack.gatewayUrl, 'private_other');
    const query = `query ($id: ID!) { user(id: $id) { username email } }`;
    const asOwner = dataOf(await graphql(stack.gatewayUrl, query, { id: owner.id }, { token: owner.accessToken }));
    const asOther = dataOf(await graphql(stack.gatewayUrl, query, { id: owner.id }, { token: other.accessToken }));
    const anonymous = dataOf(await graphql(stack.gatewayUrl, query, { id: owner.id }));
    expect(asOwner.user.email).toBe(owner.email);
    expect(asOther.user).toEqual({ username: owner.username, email: null });
    expect(anonymous.user.email).toBeNull();
    const byName = dataOf(await graphql(stack.gatewayUrl, `{ userByUsername(username: "${owner.username}") { id } }`));
    expect(byName.userByUsername.id).toBe(owner.id);
  });
});
