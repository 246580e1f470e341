import DataLoader from 'dataloader';
import { encodeCursor, type BaseRequestContext, type Connection } from '@curbside/subgraph-kit';
import { Notification, User, type NotificationEntity, type UserEntity } from './entities.ts';
import { countFollows, followsEach, loadFollowPages, type FollowDirection, type FollowPageKey } from './follows.ts';

export interface RequestContext extends BaseRequestContext {
  loaders: ReturnType<typeof createLoaders>;
  /**
   * The user a session was started for in this request (register, login, refresh): the response's
   * `user` is then theirs to see in full, although the request itself carried no token.
   */
  sessionUserId: string | null;
}

function followPageLoader(base: BaseRequestContext, direction: FollowDirection) {
  return new DataLoader<FollowPageKey, Connection<UserEntity>, string>(
    (keys) => loadFollowPages(base.em, direction, keys),
    { cacheKeyFn: ({ userId, first, after }) => `${userId}:${first}:${after ? encodeCursor(after) : ''}` },
  );
}

/** Per-request loaders: one SQL query per batch, results in key order, misses as null or zero. */
export function createLoaders(base: BaseRequestContext) {
  return {
    /** Users by id; a closed account is a miss. */
    userById: new DataLoader<string, UserEntity | null>(async (ids) => {
      const rows = await base.em.find(User, { id: { $in: [...ids] }, deletedAt: null });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    followersPage: followPageLoader(base, 'followers'),
    followingPage: followPageLoader(base, 'following'),
    followerCountByUserId: new DataLoader<string, number>((ids) => countFollows(base.em, 'followers', ids)),
    followingCountByUserId: new DataLoader<string, number>((ids) => countFollows(base.em, 'following', ids)),
    /** Notifications by id, whoever they are for: callers check the recipient. */
    notificationById: new DataLoader<string, NotificationEntity | null>(async (ids) => {
      const rows = await base.em.find(Notification, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Whether the viewer follows each user; anonymous viewers follow nobody and cost no query. */
    viewerFollowsByUserId: new DataLoader<string, boolean>(async (ids) =>
      base.viewer ? followsEach(base.em, base.viewer.userId, ids) : ids.map(() => false),
    ),
  };
}

export function createContext(base: BaseRequestContext): RequestContext {
  return { ...base, loaders: createLoaders(base), sessionUserId: null };
}
