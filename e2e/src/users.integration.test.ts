import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '@curbside/subgraph-kit';
import {
  accountBlocklistEntries,
  entities,
  migrations,
  restoreAccountBlocklist,
  typeDefs,
} from '@curbside/user-subgraph';
import {
  dataOf,
  graphql,
  queryRows,
  registerUser,
  startStack,
  registerAdmin as registerAdminIn,
  type Account,
  waitFor,
  type GraphQLResponse,
  type SqlRecorder,
  type TestStack,
} from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }';
const REFRESH = 'mutation ($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }';
const ME = '{ me { id } }';
const userFields = 'id username displayName bio role followerCount followingCount viewerIsFollowing';

const errorOf = (response: GraphQLResponse) => response.errors?.[0];
const errorCode = (response: GraphQLResponse) => errorOf(response)?.extensions?.['code'];

function login(login: string, password: string) {
  return graphql(stack.gatewayUrl, LOGIN, { input: { login, password } });
}

const registerAdmin = (name: string) => registerAdminIn(stack, name);

function mutate(token: string | undefined, mutation: string, variables: Record<string, unknown> = {}) {
  return graphql(stack.gatewayUrl, mutation, variables, { token });
}

const follow = (token: string | undefined, userId: string) =>
  mutate(token, `mutation ($userId: ID!) { result: followUser(userId: $userId) { ${userFields} } }`, { userId });
const unfollow = (token: string | undefined, userId: string) =>
  mutate(token, `mutation ($userId: ID!) { result: unfollowUser(userId: $userId) { ${userFields} } }`, { userId });
const suspend = (token: string | undefined, userId: string, reason = 'Spam') =>
  mutate(
    token,
    'mutation ($userId: ID!, $reason: String!) { result: suspendUser(userId: $userId, reason: $reason) { id } }',
    {
      userId,
      reason,
    },
  );
const unsuspend = (token: string | undefined, userId: string) =>
  mutate(token, 'mutation ($userId: ID!) { result: unsuspendUser(userId: $userId) { id } }', { userId });
const deleteAccount = (token: string | undefined, password: string) =>
  mutate(token, 'mutation ($password: String!) { result: deleteAccount(password: $password) }', { password });
const changePassword = (token: string | undefined, currentPassword: string, newPassword: string) =>
  mutate(token, 'mutation ($input: ChangePasswordInput!) { result: changePassword(input: $input) }', {
    input: { currentPassword, newPassword },
  });

async function userById(id: string, token?: string) {
  return dataOf(
    await graphql(stack.gatewayUrl, `query ($id: ID!) { user(id: $id) { ${userFields} } }`, { id }, { token }),
  ).user;
}

/** Every row of the tables the user subgraph's mutations write, to prove a refused call wrote nothing. */
async function userSnapshot() {
  const db = stack.databases.user;
  return {
    users: await queryRows(db, 'select * from app_user order by id'),
    follows: await queryRows(db, 'select * from user_follow order by follower_id, followee_id'),
    tokens: await queryRows(db, 'select id, used_at, revoked_at from refresh_token order by id'),
    // Notifications arrive from the workers in the background; only marking one read is a request's doing.
    readNotifications: await queryRows(
      db,
      'select id, read_at from notification where read_at is not null order by id',
    ),
    // The relay sets sent_at in the background; only the number of events says what a request recorded.
    events: (await queryRows(db, 'select count(*)::int as n from outbox_event'))[0]!['n'],
  };
}

/** Payloads of the events `name` recorded whose payload has `key` = `value`, oldest first. */
async function eventsOf(name: string, key: string, value: string): Promise<Record<string, unknown>[]> {
  const rows = await queryRows(
    stack.databases.user,
    'select payload from outbox_event where name = $1 and payload->>$2 = $3 order by occurred_at',
    [name, key, value],
  );
  return rows.map((row) => row['payload']);
}

/** A user's notifications (stored by the workers), with their read time. */
function notificationsOf(userId: string) {
  return queryRows(stack.databases.user, 'select id, read_at from notification where recipient_id = $1', [userId]);
}

/** Statements per table sent while answering; the outbox relay's background sweeps are left out. */
function requestStatements(recorder: SqlRecorder): Record<string, number> {
  const { outbox_event: _relaySweeps, ...counts } = recorder.countByTable();
  return counts;
}

describe('authorization matrix over every user-subgraph mutation', () => {
  type Actor = 'anonymous' | 'another user' | 'owner' | 'admin';
  type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT';
  /** The user acted upon ("owner"), another user and an admin, fresh for each case. */
  interface Cast {
    target: Account;
    other: Account;
    admin: Account;
  }
  interface MutationCase {
    /** Preconditions, before the snapshot. */
    prepare?(cast: Cast): Promise<void>;
    call(cast: Cast, token: string | undefined): Promise<GraphQLResponse>;
    expected: Record<Actor, Outcome>;
    /** What an accepted call must have done; `caller` is the acting account. */
    verify(cast: Cast, caller: Account, response: GraphQLResponse): Promise<void>;
  }

  const cases: Record<string, MutationCase> = {
    // Acts only on the caller's own profile: others succeed, but on themselves, never on the target.
    updateProfile: {
      call: (_cast, token) =>
        mutate(
          token,
          'mutation { result: updateProfile(input: { displayName: "  Renamed  ", bio: "New bio" }) { id displayName bio } }',
        ),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'ok', owner: 'ok', admin: 'ok' },
      async verify({ target }, caller, response) {
        expect(dataOf(response).result).toEqual({ id: caller.id, displayName: 'Renamed', bio: 'New bio' });
        expect(await eventsOf('user.profile_updated', 'userId', caller.id)).toEqual([
          { userId: caller.id, displayName: 'Renamed', bio: 'New bio' },
        ]);
        const targetNow = await userById(target.id);
        expect(targetNow.displayName).toBe(caller.id === target.id ? 'Renamed' : target.username);
      },
    },
    // Checks the caller's own password: the target's password opens nothing for anyone else.
    changePassword: {
      call: ({ target }, token) => changePassword(token, target.password, 'a brand new password'),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        'another user': 'BAD_USER_INPUT',
        owner: 'ok',
        admin: 'BAD_USER_INPUT',
      },
      async verify({ target }, _caller, response) {
        expect(dataOf(response).result).toBe(true);
        expect(errorCode(await login(target.username, target.password))).toBe('UNAUTHENTICATED');
        expect(dataOf(await login(target.username, 'a brand new password')).login.accessToken).toBeTruthy();
        expect(await eventsOf('user.password_changed', 'userId', target.id)).toEqual([{ userId: target.id }]);
      },
    },
    followUser: {
      call: ({ target }, token) => follow(token, target.id),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'ok', owner: 'BAD_USER_INPUT', admin: 'ok' },
      async verify({ target }, caller, response) {
        expect(dataOf(response).result).toMatchObject({ id: target.id, followerCount: 1, viewerIsFollowing: true });
        expect(await eventsOf('user.followed', 'followeeId', target.id)).toEqual([
          { followerId: caller.id, followeeId: target.id },
        ]);
      },
    },
    unfollowUser: {
      async prepare({ target, other, admin }) {
        for (const follower of [other, admin]) dataOf(await follow(follower.accessToken, target.id));
      },
      call: ({ target }, token) => unfollow(token, target.id),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'ok', owner: 'BAD_USER_INPUT', admin: 'ok' },
      async verify({ target }, caller, response) {
        expect(dataOf(response).result).toMatchObject({ id: target.id, followerCount: 1, viewerIsFollowing: false });
        expect(await eventsOf('user.unfollowed', 'followeeId', target.id)).toEqual([
          { followerId: caller.id, followeeId: target.id },
        ]);
      },
    },
    setUserRole: {
      call: ({ target }, token) =>
        mutate(token, 'mutation ($id: ID!) { result: setUserRole(userId: $id, role: ADMIN) { id role } }', {
          id: target.id,
        }),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'ok' },
      async verify({ target }, _caller, response) {
        expect(dataOf(response).result).toEqual({ id: target.id, role: 'ADMIN' });
        expect(await eventsOf('user.role_changed', 'userId', target.id)).toEqual([
          { userId: target.id, role: 'ADMIN' },
        ]);
      },
    },
    suspendUser: {
      call: ({ target }, token) => suspend(token, target.id, '  Posting spam  '),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'ok' },
      async verify({ target }, _caller, response) {
        expect(dataOf(response).result).toEqual({ id: target.id });
        const [row] = await queryRows(
          stack.databases.user,
          'select suspended_at, suspended_reason from app_user where id = $1',
          [target.id],
        );
        expect(row).toEqual({ suspended_at: expect.any(Date), suspended_reason: 'Posting spam' });
        expect(await eventsOf('user.suspended', 'userId', target.id)).toEqual([
          { userId: target.id, reason: 'Posting spam' },
        ]);
        expect((await graphql(stack.gatewayUrl, ME, {}, { token: target.accessToken })).status).toBe(403);
      },
    },
    // The owner is suspended here, so their own token is refused before any resolver runs.
    unsuspendUser: {
      async prepare({ target, admin }) {
        dataOf(await suspend(admin.accessToken, target.id));
      },
      call: ({ target }, token) => unsuspend(token, target.id),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'ok' },
      async verify({ target }, _caller, response) {
        expect(dataOf(response).result).toEqual({ id: target.id });
        const [row] = await queryRows(
          stack.databases.user,
          'select suspended_at, suspended_reason from app_user where id = $1',
          [target.id],
        );
        expect(row).toEqual({ suspended_at: null, suspended_reason: null });
        expect(await eventsOf('user.unsuspended', 'userId', target.id)).toEqual([{ userId: target.id }]);
        expect(dataOf(await graphql(stack.gatewayUrl, ME, {}, { token: target.accessToken })).me.id).toBe(target.id);
      },
    },
    // Marks only the caller's own notifications: anyone else's ids change nothing and are left out of the answer.
    markNotificationsRead: {
      async prepare({ target, other }) {
        dataOf(await follow(other.accessToken, target.id));
        await waitFor('the new follower notification', async () => (await notificationsOf(target.id)).length > 0);
      },
      call: async ({ target }, token) =>
        mutate(token, 'mutation ($ids: [ID!]!) { result: markNotificationsRead(ids: $ids) { id readAt } }', {
          ids: (await notificationsOf(target.id)).map((row) => row['id']),
        }),
      expected: { anonymous: 'UNAUTHENTICATED', 'another user': 'ok', owner: 'ok', admin: 'ok' },
      async verify({ target }, caller, response) {
        const [notification] = await notificationsOf(target.id);
        if (caller.id === target.id) {
          expect(dataOf(response).result).toEqual([{ id: notification!['id'], readAt: expect.any(String) }]);
          expect(notification!['read_at']).toBeInstanceOf(Date);
        } else {
          expect(dataOf(response).result).toEqual([]);
          expect(notification!['read_at']).toBeNull();
        }
      },
    },
    // Closes only the caller's own account, and only with the caller's own password.
    deleteAccount: {
      call: ({ target }, token) => deleteAccount(token, target.password),
      expected: {
        anonymous: 'UNAUTHENTICATED',
        'another user': 'BAD_USER_INPUT',
        owner: 'ok',
        admin: 'BAD_USER_INPUT',
      },
      async verify({ target }, _caller, response) {
        expect(dataOf(response).result).toBe(true);
        const [row] = await queryRows(stack.databases.user, 'select deleted_at from app_user where id = $1', [
          target.id,
        ]);
        expect(row!['deleted_at']).toBeInstanceOf(Date);
        expect(await eventsOf('user.deleted', 'userId', target.id)).toEqual([{ userId: target.id }]);
      },
    },
  };

  const actors: Actor[] = ['anonymous', 'another user', 'owner', 'admin'];
  const table = Object.entries(cases).flatMap(([name, testCase]) =>
    actors.map((actor) => [name, actor, testCase.expected[actor]] as const),
  );

  it('covers every mutation of the user subgraph besides the sign-in ones', async () => {
    const mutationType = typeDefs.definitions.find(
      (definition) => definition.kind === 'ObjectTypeDefinition' && definition.name.value === 'Mutation',
    );
    const names = mutationType && 'fields' in mutationType ? mutationType.fields!.map((field) => field.name.value) : [];
    expect(names.filter((name) => !['register', 'login', 'refreshSession', 'logout'].includes(name)).sort()).toEqual(
      Object.keys(cases).sort(),
    );
  });

  it.each(table)('%s as %s: %s', async (name, actor, expected) => {
    const testCase = cases[name]!;
    const suffix = `${name.slice(0, 8)}_${actor.replace(' ', '').slice(0, 4)}`.toLowerCase();
    const [target, other] = await Promise.all([
      registerUser(stack.gatewayUrl, `t_${suffix}`),
      registerUser(stack.gatewayUrl, `o_${suffix}`),
    ]);
    const admin = await registerAdmin(`a_${suffix}`);
    const cast: Cast = { target: target!, other: other!, admin };
    await testCase.prepare?.(cast);
    const caller = { anonymous: undefined, 'another user': cast.other, owner: cast.target, admin: cast.admin }[actor];
    const before = await userSnapshot();
    const response = await testCase.call(cast, caller?.accessToken);
    if (expected === 'ok') {
      await testCase.verify(cast, caller!, response);
    } else {
      expect(errorCode(response)).toBe(expected);
      expect(await userSnapshot()).toEqual(before);
    }
  });
});

describe('following users', () => {
  it('is idempotent: two follows make one row and one event, two unfollows remove it with one event', async () => {
    const [follower, followee] = await Promise.all([
      registerUser(stack.gatewayUrl, 'idem_follower'),
      registerUser(stack.gatewayUrl, 'idem_followee'),
    ]);
    const rows = () =>
      queryRows(stack.databases.user, 'select follower_id from user_follow where followee_id = $1', [followee!.id]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const user = dataOf(await follow(follower!.accessToken, followee!.id)).result;
      expect(user).toMatchObject({ id: followee!.id, followerCount: 1, viewerIsFollowing: true });
    }
    expect(await rows()).toEqual([{ follower_id: follower!.id }]);
    expect(await eventsOf('user.followed', 'followeeId', followee!.id)).toHaveLength(1);

    for (let attempt = 0; attempt < 2; attempt++) {
      const user = dataOf(await unfollow(follower!.accessToken, followee!.id)).result;
      expect(user).toMatchObject({ id: followee!.id, followerCount: 0, viewerIsFollowing: false });
    }
    expect(await rows()).toEqual([]);
    expect(await eventsOf('user.unfollowed', 'followeeId', followee!.id)).toHaveLength(1);
  });

  it('stays idempotent under concurrent follows and unfollows of the same pair', async () => {
    const [follower, followee] = await Promise.all([
      registerUser(stack.gatewayUrl, 'race_follower'),
      registerUser(stack.gatewayUrl, 'race_followee'),
    ]);
    const follows = await Promise.all(Array.from({ length: 5 }, () => follow(follower!.accessToken, followee!.id)));
    for (const response of follows) expect(dataOf(response).result.viewerIsFollowing).toBe(true);
    expect(await eventsOf('user.followed', 'followeeId', followee!.id)).toHaveLength(1);
    const unfollows = await Promise.all(Array.from({ length: 5 }, () => unfollow(follower!.accessToken, followee!.id)));
    for (const response of unfollows) expect(dataOf(response).result.viewerIsFollowing).toBe(false);
    expect(await eventsOf('user.unfollowed', 'followeeId', followee!.id)).toHaveLength(1);
  });

  it('refuses yourself (BAD_USER_INPUT), an unknown or closed account (NOT_FOUND) and a malformed id, writing nothing', async () => {
    const [user, closed] = await Promise.all([
      registerUser(stack.gatewayUrl, 'self_follower'),
      registerUser(stack.gatewayUrl, 'closed_followee'),
    ]);
    dataOf(await deleteAccount(closed!.accessToken, closed!.password));
    const before = await userSnapshot();
    for (const call of [follow, unfollow]) {
      expect(errorOf(await call(user!.accessToken, user!.id))?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { userId: expect.any(String) },
      });
      expect(errorCode(await call(user!.accessToken, '00000000-0000-4000-8000-000000000000'))).toBe('NOT_FOUND');
      expect(errorCode(await call(user!.accessToken, closed!.id))).toBe('NOT_FOUND');
      expect(errorOf(await call(user!.accessToken, 'nope'))?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { userId: expect.any(String) },
      });
    }
    expect(await userSnapshot()).toEqual(before);
  });

  it('counts followers and follows, and tells only a signed-in follower that they follow', async () => {
    const [a, b, c, stranger] = await Promise.all(
      ['count_a', 'count_b', 'count_c', 'count_stranger'].map((name) => registerUser(stack.gatewayUrl, name)),
    );
    dataOf(await follow(a!.accessToken, b!.id));
    dataOf(await follow(c!.accessToken, b!.id));
    dataOf(await follow(b!.accessToken, a!.id));
    const query = `query ($a: ID!, $b: ID!) {
      a: user(id: $a) { followerCount followingCount viewerIsFollowing }
      b: user(id: $b) { followerCount followingCount viewerIsFollowing }
    }`;
    const as = async (token: string | undefined) =>
      dataOf(await graphql(stack.gatewayUrl, query, { a: a!.id, b: b!.id }, { token }));
    expect(await as(a!.accessToken)).toEqual({
      a: { followerCount: 1, followingCount: 1, viewerIsFollowing: false },
      b: { followerCount: 2, followingCount: 1, viewerIsFollowing: true },
    });
    expect(await as(b!.accessToken)).toEqual({
      a: { followerCount: 1, followingCount: 1, viewerIsFollowing: true },
      b: { followerCount: 2, followingCount: 1, viewerIsFollowing: false },
    });
    for (const token of [stranger!.accessToken, undefined]) {
      expect(await as(token)).toEqual({
        a: { followerCount: 1, followingCount: 1, viewerIsFollowing: false },
        b: { followerCount: 2, followingCount: 1, viewerIsFollowing: false },
      });
    }
  });

  it('lists followers and following newest follow first, keyset-paginated, and checks the arguments', async () => {
    const star = await registerUser(stack.gatewayUrl, 'paging_star');
    const fans: Account[] = [];
    for (let index = 0; index < 5; index++) fans.push(await registerUser(stack.gatewayUrl, `paging_fan_${index}`));
    // Followed in another order than registered: the list follows the follows, not the accounts.
    const followOrder = [fans[2]!, fans[0]!, fans[4]!, fans[1]!, fans[3]!];
    for (const fan of followOrder) dataOf(await follow(fan.accessToken, star.id));
    for (const fan of followOrder) dataOf(await follow(star.accessToken, fan.id));

    const pages = async (field: 'followers' | 'following', first: number) => {
      const query = `query ($id: ID!, $first: Int!, $after: String) {
        user(id: $id) { list: ${field}(first: $first, after: $after) {
          edges { cursor node { id } } pageInfo { hasNextPage endCursor }
        } }
      }`;
      const seen: string[] = [];
      const hasNext: boolean[] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = dataOf(await graphql(stack.gatewayUrl, query, { id: star.id, first, after })).user.list;
        expect(page.edges.length).toBeLessThanOrEqual(first);
        seen.push(...page.edges.map((edge: any) => edge.node.id));
        hasNext.push(page.pageInfo.hasNextPage);
        if (!page.pageInfo.hasNextPage) {
          expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
          break;
        }
        after = page.pageInfo.endCursor;
      }
      return { seen, hasNext };
    };
    const newestFirst = [...followOrder].reverse().map((fan) => fan.id);
    for (const field of ['followers', 'following'] as const) {
      expect(await pages(field, 2)).toEqual({ seen: newestFirst, hasNext: [true, true, false] });
      expect(await pages(field, 100)).toEqual({ seen: newestFirst, hasNext: [false] });
    }

    dataOf(await unfollow(fans[4]!.accessToken, star.id));
    expect((await pages('followers', 100)).seen).toEqual(newestFirst.filter((id) => id !== fans[4]!.id));

    const query = `query ($id: ID!, $first: Int!, $after: String) {
      user(id: $id) { followers(first: $first, after: $after) { edges { cursor } } }
    }`;
    for (const [first, after, field] of [
      [0, null, 'first'],
      [101, null, 'first'],
      [2, 'bm90LWEtY3Vyc29y', 'after'],
    ] as const) {
      const response = await graphql(stack.gatewayUrl, query, { id: star.id, first, after });
      expect(errorOf(response)?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { [field]: expect.any(String) },
      });
    }
  });

  it('costs a constant number of SQL statements per table, whatever the number of followers', async () => {
    const viewer = await registerUser(stack.gatewayUrl, 'counting_viewer');
    const measure = async (label: string, followers: number, token: string | undefined) => {
      const star = await registerUser(stack.gatewayUrl, `counted_star_${label}`);
      const fans = await Promise.all(
        Array.from({ length: followers }, (_, index) => registerUser(stack.gatewayUrl, `counted_${label}_${index}`)),
      );
      for (const fan of fans) dataOf(await follow(fan.accessToken, star.id));
      // Some variety, so that counts and the viewer's follows differ from fan to fan.
      for (const fan of fans.slice(0, 3)) dataOf(await follow(viewer.accessToken, fan.id));
      dataOf(await follow(fans[0]!.accessToken, fans[1]!.id));
      stack.resetCounters();
      const response = await graphql(
        stack.gatewayUrl,
        `
          query ($id: ID!) {
            user(id: $id) {
              followers(first: 20) {
                edges {
                  node {
                    username
                    followerCount
                    followingCount
                    viewerIsFollowing
                  }
                }
              }
            }
          }
        `,
        { id: star.id },
        { token },
      );
      const edges = dataOf(response).user.followers.edges.map((edge: any) => edge.node);
      expect(edges).toHaveLength(followers);
      const byName = new Map(edges.map((node: any) => [node.username, node]));
      expect(byName.get(fans[0]!.username)).toEqual({
        username: fans[0]!.username,
        followerCount: 1,
        followingCount: 2,
        viewerIsFollowing: token !== undefined,
      });
      expect(byName.get(fans[1]!.username)).toMatchObject({ followerCount: 2, followingCount: 1 });
      expect(byName.get(fans.at(-1)!.username)).toMatchObject({
        followerCount: 0,
        followingCount: 1,
        viewerIsFollowing: false,
      });
      expect(stack.subgraphRequests).toEqual({ user: 1, vendor: 0, location: 0, post: 0, media: 0, search: 0 });
      return requestStatements(stack.sql.user);
    };
    // user(id), then one statement each for the page, follower counts, follow counts and the viewer's follows.
    expect(await measure('a', 5, viewer.accessToken)).toEqual({ app_user: 1, user_follow: 4 });
    expect(await measure('b', 20, viewer.accessToken)).toEqual({ app_user: 1, user_follow: 4 });
    // Anonymous: nobody is followed by the viewer, and finding that out costs nothing.
    expect(await measure('c', 20, undefined)).toEqual({ app_user: 1, user_follow: 3 });
  });
});

describe('profiles and passwords', () => {
  it('updateProfile trims, validates every field at once, clears the bio with null, and records no event for no change', async () => {
    const user = await registerUser(stack.gatewayUrl, 'profiled');
    const update = (input: Record<string, unknown>) =>
      mutate(
        user.accessToken,
        'mutation ($input: UpdateProfileInput!) { result: updateProfile(input: $input) { displayName bio } }',
        { input },
      );
    const before = await userSnapshot();
    const invalid = await update({ displayName: '   ', bio: 'x'.repeat(501) });
    expect(errorOf(invalid)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { displayName: expect.any(String), bio: expect.stringContaining('500') },
    });
    expect(errorOf(await update({ displayName: null }))?.extensions).toMatchObject({
      fields: { displayName: expect.any(String) },
    });
    expect(errorOf(await update({ displayName: 'x'.repeat(101) }))?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(await userSnapshot()).toEqual(before);

    expect(dataOf(await update({ bio: `  ${'b'.repeat(500)}  ` })).result).toEqual({
      displayName: 'profiled',
      bio: 'b'.repeat(500),
    });
    expect(dataOf(await update({ displayName: ' Pro Filed ' })).result).toEqual({
      displayName: 'Pro Filed',
      bio: 'b'.repeat(500),
    });
    expect(dataOf(await update({ bio: null })).result).toEqual({ displayName: 'Pro Filed', bio: null });
    const events = await eventsOf('user.profile_updated', 'userId', user.id);
    expect(events.at(-1)).toEqual({ userId: user.id, displayName: 'Pro Filed', bio: null });
    expect(events).toHaveLength(3);

    dataOf(await update({ displayName: 'Pro Filed', bio: null }));
    dataOf(await update({}));
    expect(await eventsOf('user.profile_updated', 'userId', user.id)).toHaveLength(3);
  });

  it('changePassword checks the current password, revokes every refresh token, and the new password works', async () => {
    const user = await registerUser(stack.gatewayUrl, 'rekeyed');
    const second = dataOf(await login(user.username, user.password)).login;
    const before = await userSnapshot();
    const wrong = await changePassword(user.accessToken, 'not my password', 'another long password');
    expect(wrong.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', fields: { currentPassword: expect.any(String) } },
    });
    expect(wrong.errors?.[0]?.extensions?.['fields']).not.toHaveProperty('newPassword');
    const short = await changePassword(user.accessToken, user.password, 'short');
    expect(short.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { newPassword: expect.stringContaining('10') },
    });
    expect(await userSnapshot()).toEqual(before);

    expect(dataOf(await changePassword(user.accessToken, user.password, 'another long password')).result).toBe(true);
    for (const refreshToken of [user.refreshToken, second.refreshToken]) {
      expect(errorCode(await graphql(stack.gatewayUrl, REFRESH, { token: refreshToken }))).toBe('UNAUTHENTICATED');
    }
    const tokens = await queryRows(stack.databases.user, 'select revoked_at from refresh_token where user_id = $1', [
      user.id,
    ]);
    expect(tokens).toHaveLength(2);
    expect(tokens.every((token) => token['revoked_at'] !== null)).toBe(true);
    expect(errorCode(await login(user.username, user.password))).toBe('UNAUTHENTICATED');
    const fresh = dataOf(await login(user.username, 'another long password')).login;
    expect(dataOf(await graphql(stack.gatewayUrl, REFRESH, { token: fresh.refreshToken })).refreshSession).toBeTruthy();
    expect(await eventsOf('user.password_changed', 'userId', user.id)).toEqual([{ userId: user.id }]);
  });

  it('setUserRole takes effect at the next sign-in, changes nothing when the role is the same, and answers NOT_FOUND', async () => {
    const admin = await registerAdmin('role_admin');
    const user = await registerUser(stack.gatewayUrl, 'role_user');
    const setRole = (userId: string, role: string) =>
      mutate(
        admin.accessToken,
        'mutation ($id: ID!, $role: Role!) { result: setUserRole(userId: $id, role: $role) { role } }',
        {
          id: userId,
          role,
        },
      );
    dataOf(await setRole(user.id, 'ADMIN'));
    const before = await userSnapshot();
    expect(dataOf(await setRole(user.id, 'ADMIN')).result).toEqual({ role: 'ADMIN' });
    expect(await userSnapshot()).toEqual(before);
    expect(await eventsOf('user.role_changed', 'userId', user.id)).toHaveLength(1);
    expect(errorCode(await setRole('00000000-0000-4000-8000-000000000000', 'USER'))).toBe('NOT_FOUND');

    // The old token still says USER; a new sign-in says ADMIN.
    const stranger = await registerUser(stack.gatewayUrl, 'role_stranger');
    expect(errorCode(await suspend(user.accessToken, stranger.id))).toBe('FORBIDDEN');
    const promoted = dataOf(await login(user.username, user.password)).login;
    expect(dataOf(await suspend(promoted.accessToken, stranger.id)).result).toEqual({ id: stranger.id });
  });
});

describe('suspension', () => {
  it('refuses the suspended account everywhere until it is unsuspended', async () => {
    const admin = await registerAdmin('suspending_admin');
    const user = await registerUser(stack.gatewayUrl, 'suspended_user');
    const reason = 'Harassment reported twice';
    expect(dataOf(await suspend(admin.accessToken, user.id, reason)).result).toEqual({ id: user.id });
    expect(await eventsOf('user.suspended', 'userId', user.id)).toEqual([{ userId: user.id, reason }]);

    // The still-valid access token: 403 at the gateway, before any subgraph is asked, and at each subgraph.
    stack.resetCounters();
    const atGateway = await graphql(stack.gatewayUrl, ME, {}, { token: user.accessToken });
    expect(atGateway.status).toBe(403);
    expect(errorOf(atGateway)).toMatchObject({
      message: expect.stringMatching(/suspended/),
      extensions: { code: 'FORBIDDEN' },
    });
    expect(stack.subgraphRequests).toEqual({ user: 0, vendor: 0, location: 0, post: 0, media: 0, search: 0 });
    for (const url of [stack.subgraphUrls.vendor, stack.subgraphUrls.user]) {
      const direct = await graphql(url, '{ __typename }', {}, { token: user.accessToken });
      expect(direct.status).toBe(403);
      expect(errorCode(direct)).toBe('FORBIDDEN');
    }

    // No new session either way, and the refresh token is not spent by the refusal.
    const refusedLogin = await login(user.username, user.password);
    expect(errorOf(refusedLogin)).toMatchObject({
      message: expect.stringMatching(/suspended/),
      extensions: { code: 'FORBIDDEN' },
    });
    const refusedRefresh = await graphql(stack.gatewayUrl, REFRESH, { token: user.refreshToken });
    expect(errorOf(refusedRefresh)).toMatchObject({
      message: expect.stringMatching(/suspended/),
      extensions: { code: 'FORBIDDEN' },
    });
    // A wrong password still gets the usual answer: the suspension is told only to whoever has the password.
    expect(errorCode(await login(user.username, 'not the password'))).toBe('UNAUTHENTICATED');

    // Suspending again keeps the first suspension and records nothing; the account stays visible.
    const before = await userSnapshot();
    dataOf(await suspend(admin.accessToken, user.id, 'Another reason'));
    expect(await userSnapshot()).toEqual(before);
    expect((await userById(user.id)).username).toBe(user.username);

    expect(dataOf(await unsuspend(admin.accessToken, user.id)).result).toEqual({ id: user.id });
    expect(await eventsOf('user.unsuspended', 'userId', user.id)).toEqual([{ userId: user.id }]);
    expect(dataOf(await graphql(stack.gatewayUrl, ME, {}, { token: user.accessToken })).me.id).toBe(user.id);
    expect((await graphql(stack.subgraphUrls.vendor, '{ __typename }', {}, { token: user.accessToken })).status).toBe(
      200,
    );
    expect(dataOf(await graphql(stack.gatewayUrl, REFRESH, { token: user.refreshToken })).refreshSession).toBeTruthy();
    expect(dataOf(await login(user.username, user.password)).login.accessToken).toBeTruthy();

    const unsuspendedAgain = await userSnapshot();
    dataOf(await unsuspend(admin.accessToken, user.id));
    expect(await userSnapshot()).toEqual(unsuspendedAgain);
  });

  it('checks the reason and the user, and an admin cannot suspend themselves', async () => {
    const admin = await registerAdmin('checking_admin');
    const user = await registerUser(stack.gatewayUrl, 'checked_user');
    const before = await userSnapshot();
    for (const reason of ['   ', 'x'.repeat(501)]) {
      expect(errorOf(await suspend(admin.accessToken, user.id, reason))?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: { reason: expect.any(String) },
      });
    }
    expect(errorOf(await suspend(admin.accessToken, admin.id))?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { userId: expect.any(String) },
    });
    for (const call of [suspend, unsuspend]) {
      expect(errorCode(await call(admin.accessToken, '00000000-0000-4000-8000-000000000000'))).toBe('NOT_FOUND');
      expect(errorCode(await call(admin.accessToken, 'nope'))).toBe('BAD_USER_INPUT');
    }
    expect(await userSnapshot()).toEqual(before);
  });

  it('rebuilds the blocklist from the database: closed accounts, suspended ones, nothing else', async () => {
    const admin = await registerAdmin('restoring_admin');
    const [suspended, closed, suspendedThenClosed, innocent] = await Promise.all(
      ['restore_suspended', 'restore_closed', 'restore_both', 'restore_innocent'].map((name) =>
        registerUser(stack.gatewayUrl, name),
      ),
    );
    dataOf(await suspend(admin.accessToken, suspended!.id));
    dataOf(await deleteAccount(closed!.accessToken, closed!.password));
    dataOf(await deleteAccount(suspendedThenClosed!.accessToken, suspendedThenClosed!.password));
    // Not reachable through the API (a suspended user cannot close their account): written directly.
    await queryRows(
      stack.databases.user,
      "update app_user set suspended_at = now(), suspended_reason = 'Raced' where id = $1",
      [suspendedThenClosed!.id],
    );
    // Redis as after a flush or a missed write: the suspension is gone, and a stale entry is left over.
    await stack.accountBlocklist.unblock(suspended!.id);
    await stack.accountBlocklist.unblock(closed!.id);
    await stack.accountBlocklist.block(innocent!.id, 'suspended');
    expect((await graphql(stack.gatewayUrl, ME, {}, { token: suspended!.accessToken })).status).toBe(200);

    const orm = await openOrm({ databaseUrl: stack.databases.user, entities, migrations });
    try {
      const entries = await accountBlocklistEntries(orm.em.fork());
      const mine = new Set([suspended!.id, closed!.id, suspendedThenClosed!.id, innocent!.id]);
      expect(entries.filter(([userId]) => mine.has(userId)).sort()).toEqual(
        [
          [suspended!.id, 'suspended'],
          [closed!.id, 'deleted'],
          [suspendedThenClosed!.id, 'deleted'],
        ].sort(),
      );
      expect(await restoreAccountBlocklist(orm.em.fork(), stack.accountBlocklist)).toBe(entries.length);
    } finally {
      await orm.close();
    }
    expect(await stack.accountBlocklist.statusOf(suspended!.id)).toBe('suspended');
    expect(await stack.accountBlocklist.statusOf(closed!.id)).toBe('deleted');
    expect(await stack.accountBlocklist.statusOf(suspendedThenClosed!.id)).toBe('deleted');
    expect(await stack.accountBlocklist.statusOf(innocent!.id)).toBeNull();
    expect((await graphql(stack.gatewayUrl, ME, {}, { token: suspended!.accessToken })).status).toBe(403);
    expect((await graphql(stack.gatewayUrl, ME, {}, { token: innocent!.accessToken })).status).toBe(200);
  });
});

describe('closing an account', () => {
  it('needs the password, then ends every session, hides the account everywhere and keeps its names taken', async () => {
    const [leaver, followed, fan] = await Promise.all(
      ['closing_leaver', 'closing_followed', 'closing_fan'].map((name) => registerUser(stack.gatewayUrl, name)),
    );
    dataOf(await follow(leaver!.accessToken, followed!.id));
    dataOf(await follow(fan!.accessToken, leaver!.id));
    dataOf(await follow(fan!.accessToken, followed!.id));
    const listsQuery = `query ($id: ID!) { user(id: $id) {
      followerCount followingCount
      followers { edges { node { id } } }
      following { edges { node { id } } }
    } }`;
    const lists = async (id: string) => dataOf(await graphql(stack.gatewayUrl, listsQuery, { id })).user;
    const ids = (connection: any) => connection.edges.map((edge: any) => edge.node.id);
    expect(ids((await lists(followed!.id)).followers)).toEqual([fan!.id, leaver!.id]);

    const before = await userSnapshot();
    const wrong = await deleteAccount(leaver!.accessToken, 'not my password');
    expect(errorOf(wrong)?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { password: expect.any(String) },
    });
    expect(await userSnapshot()).toEqual(before);

    expect(dataOf(await deleteAccount(leaver!.accessToken, leaver!.password)).result).toBe(true);
    expect(await eventsOf('user.deleted', 'userId', leaver!.id)).toEqual([{ userId: leaver!.id }]);
    // Its follows, both ways, are removed in the same transaction, each recorded like an unfollow.
    expect(
      await queryRows(stack.databases.user, 'select * from user_follow where $1 in (follower_id, followee_id)', [
        leaver!.id,
      ]),
    ).toEqual([]);
    expect(await eventsOf('user.unfollowed', 'followerId', leaver!.id)).toEqual([
      { followerId: leaver!.id, followeeId: followed!.id },
    ]);
    expect(await eventsOf('user.unfollowed', 'followeeId', leaver!.id)).toEqual([
      { followerId: fan!.id, followeeId: leaver!.id },
    ]);

    // The old access token is refused (401) at the gateway and at a subgraph; no new session can start.
    const atGateway = await graphql(stack.gatewayUrl, ME, {}, { token: leaver!.accessToken });
    expect(atGateway.status).toBe(401);
    expect(errorCode(atGateway)).toBe('UNAUTHENTICATED');
    expect(
      (await graphql(stack.subgraphUrls.vendor, '{ __typename }', {}, { token: leaver!.accessToken })).status,
    ).toBe(401);
    const refusedLogin = await login(leaver!.username, leaver!.password);
    const wrongCredentials = await login(followed!.username, 'not the password');
    expect(errorCode(refusedLogin)).toBe('UNAUTHENTICATED');
    expect(errorOf(refusedLogin)?.message).toBe(errorOf(wrongCredentials)?.message);
    expect(errorCode(await graphql(stack.gatewayUrl, REFRESH, { token: leaver!.refreshToken }))).toBe(
      'UNAUTHENTICATED',
    );

    // Gone from queries, entity references and the other users' lists and counts.
    expect(
      dataOf(
        await graphql(
          stack.gatewayUrl,
          'query ($id: ID!, $name: String!) { user(id: $id) { id } userByUsername(username: $name) { id } }',
          {
            id: leaver!.id,
            name: leaver!.username,
          },
        ),
      ),
    ).toEqual({ user: null, userByUsername: null });
    const references = await graphql(
      stack.subgraphUrls.user,
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id } } }',
      {
        representations: [
          { __typename: 'User', id: leaver!.id },
          { __typename: 'User', id: followed!.id },
        ],
      },
    );
    expect(dataOf(references)).toEqual({ _entities: [null, { id: followed!.id }] });
    expect(await lists(followed!.id)).toEqual({
      followerCount: 1,
      followingCount: 0,
      followers: { edges: [{ node: { id: fan!.id } }] },
      following: { edges: [] },
    });
    expect(await lists(fan!.id)).toEqual({
      followerCount: 0,
      followingCount: 1,
      followers: { edges: [] },
      following: { edges: [{ node: { id: followed!.id } }] },
    });

    // The row stays: its email and username cannot be registered again.
    const again = await graphql(
      stack.gatewayUrl,
      'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
      {
        input: { email: leaver!.email, username: leaver!.username, password: 'a long password', displayName: 'Again' },
      },
    );
    expect(errorCode(again)).toBe('CONFLICT');
    const tokens = await queryRows(stack.databases.user, 'select revoked_at from refresh_token where user_id = $1', [
      leaver!.id,
    ]);
    expect(tokens.every((token) => token['revoked_at'] !== null)).toBe(true);
  });
});
