import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, notFound } from '@curbside/errors';
import {
  checkId,
  checkPageSize,
  decodeCursor,
  isUuid,
  recordEvent,
  requireViewer,
  toConnection,
  type Connection,
  type Cursor,
} from '@curbside/subgraph-kit';
import { User, UserFollow, type UserEntity } from './entities.ts';

/** The id of the user to follow or unfollow, checked: BAD_USER_INPUT when it is not one, or is the viewer's own. */
export function otherUserId(viewer: Pick<Viewer, 'userId'>, userId: string): string {
  const id = checkId(userId, 'userId');
  if (id === viewer.userId) throw badUserInput({ userId: 'expected another user than yourself' });
  return id;
}

/** The user `userId` names, unless unknown or closed (then NOT_FOUND), and never the viewer themselves. */
async function findOtherUser(em: EntityManager, viewer: Viewer, userId: string): Promise<UserEntity> {
  const id = otherUserId(viewer, userId);
  const user = await em.findOne(User, { id, deletedAt: null });
  if (!user) throw notFound(`User ${userId}`);
  return user;
}

/**
 * Makes the viewer follow a user; following them again changes nothing and records no event. Of two
 * concurrent follows of the same pair, the primary key lets one commit; the other changes nothing.
 */
export async function followUser(em: EntityManager, viewer: Viewer | null, userId: string): Promise<UserEntity> {
  const follower = requireViewer(viewer);
  const followee = await findOtherUser(em, follower, userId);
  const key = { followerId: follower.userId, followeeId: followee.id };
  try {
    await em.transactional(async (tx) => {
      if (await tx.findOne(UserFollow, key)) return;
      tx.create(UserFollow, { ...key, createdAt: new Date() });
      recordEvent(tx, 'user.followed', key);
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
  }
  return followee;
}

/**
 * Makes the viewer stop following a user; unfollowing one not followed changes nothing. The follow
 * row is locked for the check, so of two concurrent unfollows only one records `user.unfollowed`.
 */
export async function unfollowUser(em: EntityManager, viewer: Viewer | null, userId: string): Promise<UserEntity> {
  const follower = requireViewer(viewer);
  const followee = await findOtherUser(em, follower, userId);
  const key = { followerId: follower.userId, followeeId: followee.id };
  await em.transactional(async (tx) => {
    const follow = await tx.findOne(UserFollow, key, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!follow) return;
    tx.remove(follow);
    recordEvent(tx, 'user.unfollowed', key);
  });
  return followee;
}

/**
 * Removes every follow from and of `userId` (a closing account), recording `user.unfollowed` for each in
 * `em`'s transaction, so that copies of the follows (the feed's) drop them like any unfollow. Returns how many.
 */
export async function removeAllFollows(em: EntityManager, userId: string): Promise<number> {
  const removed = await em.execute<{ follower_id: string; followee_id: string }[]>(
    'delete from user_follow where follower_id = ? or followee_id = ? returning follower_id, followee_id',
    [userId, userId],
  );
  for (const row of removed) {
    recordEvent(em, 'user.unfollowed', { followerId: row.follower_id, followeeId: row.followee_id });
  }
  return removed.length;
}

/** Which side of the follows a list or count is about. */
export type FollowDirection = 'followers' | 'following';

/** Columns of one direction: the user whose list it is, and the users listed. */
const columnsOf = {
  followers: { owner: 'followee_id', listed: 'follower_id' },
  following: { owner: 'follower_id', listed: 'followee_id' },
} as const;

/** One `User.followers` or `User.following` page to load: arguments checked, cursor decoded. */
export interface FollowPageKey {
  userId: string;
  first: number;
  after: Cursor | null;
}

/** Checks the arguments before they reach a loader, so a bad one fails only its own field. */
export function followPageKey(
  userId: string,
  args: { first: number; after?: string | null | undefined },
): FollowPageKey {
  const first = checkPageSize(args.first);
  const after = args.after ? decodeCursor(args.after) : null;
  if (after && !isUuid(after.id)) throw badUserInput({ after: 'expected a cursor returned by this connection' });
  return { userId: userId.toLowerCase(), first, after };
}

/** Sorts after every real follow: the start of a newest-first keyset scan when there is no cursor. */
const beforeFirstFollow = { createdAt: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };

/**
 * Pages of followers (or followed users), most recent follow first, for many users in one SQL statement:
 * each key is a row of a `values` list, and a lateral subquery reads that user's page from the
 * (user, created_at desc, other user desc) index. Closed accounts are left out. Cursors are positions in
 * the follows (when followed, listed user's id), so an old account followed today comes first.
 * Results are in key order.
 */
export async function loadFollowPages(
  em: EntityManager,
  direction: FollowDirection,
  keys: readonly FollowPageKey[],
): Promise<Connection<UserEntity>[]> {
  const { owner, listed } = columnsOf[direction];
  const params = keys.flatMap((key, index) => [
    index,
    key.userId,
    key.after?.createdAt.toISOString() ?? beforeFirstFollow.createdAt,
    key.after?.id ?? beforeFirstFollow.id,
    key.first + 1,
  ]);
  const rows = await em.execute<(Record<string, unknown> & { key_index: number; followed_at: Date | string })[]>(
    `select page.*
     from (values ${keys.map(() => '(?::int, ?::uuid, ?::timestamptz, ?::uuid, ?::int)').join(', ')})
       as wanted (key_index, user_id, after_at, after_id, page_size)
     cross join lateral (
       select wanted.key_index, follow.created_at as followed_at, listed.*
       from user_follow follow
       join app_user listed on listed.id = follow.${listed} and listed.deleted_at is null
       where follow.${owner} = wanted.user_id
         and (follow.created_at, follow.${listed}) < (wanted.after_at, wanted.after_id)
       order by follow.created_at desc, follow.${listed} desc
       limit wanted.page_size
     ) page
     order by page.key_index, page.followed_at desc, page.id desc`,
    params,
  );
  const pages = keys.map(() => [] as { createdAt: Date; id: string; user: UserEntity }[]);
  for (const { key_index: keyIndex, followed_at: followedAt, ...row } of rows) {
    const user = em.map(User, row);
    pages[Number(keyIndex)]!.push({ createdAt: new Date(followedAt), id: user.id, user });
  }
  return pages.map((follows, index) => {
    const { edges, pageInfo } = toConnection(follows, keys[index]!.first);
    return { edges: edges.map(({ cursor, node }) => ({ cursor, node: node.user })), pageInfo };
  });
}

/** Followers (or followed users) of each user, closed accounts left out, in one grouped statement. */
export async function countFollows(
  em: EntityManager,
  direction: FollowDirection,
  userIds: readonly string[],
): Promise<number[]> {
  const { owner, listed } = columnsOf[direction];
  const rows = await em.execute<{ user_id: string; total: number }[]>(
    `select follow.${owner} as user_id, count(*)::int as total
     from user_follow follow
     join app_user listed on listed.id = follow.${listed} and listed.deleted_at is null
     where follow.${owner} in (?)
     group by follow.${owner}`,
    [[...userIds]],
  );
  const byUser = new Map(rows.map((row) => [row.user_id, Number(row.total)]));
  return userIds.map((userId) => byUser.get(userId) ?? 0);
}

/** Whether `followerId` follows each of `userIds`, in one statement. */
export async function followsEach(
  em: EntityManager,
  followerId: string,
  userIds: readonly string[],
): Promise<boolean[]> {
  const rows = await em.execute<{ followee_id: string }[]>(
    'select followee_id from user_follow where follower_id = ? and followee_id in (?)',
    [followerId, [...userIds]],
  );
  const followed = new Set(rows.map((row) => row.followee_id));
  return userIds.map((userId) => followed.has(userId));
}
