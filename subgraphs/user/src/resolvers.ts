import type { AccountBlocklist } from '@curbside/auth';
import { notFound } from '@curbside/errors';
import {
  dateTimeScalar,
  exportPage,
  isUuid,
  requireViewer,
  trimmedLengthSlack,
  type LivePubSub,
  liveEvents,
  globalIdOf,
  referenceId,
} from '@curbside/subgraph-kit';
import type { Resolvers } from './generated/resolvers.ts';
import type { Accounts, AuthPayload } from './accounts.ts';
import { setUserRole, suspendUser, unsuspendUser } from './admin.ts';
import type { RequestContext } from './context.ts';
import { User } from './entities.ts';
import { followPageKey, followUser, unfollowUser } from './follows.ts';
import { countUnreadNotifications, listNotifications, markNotificationsRead } from './notifications.ts';
import { updateProfile } from './profile.ts';
import { maxUsernameLength, usernamePattern } from './accounts.ts';

function startedSession(context: RequestContext, payload: AuthPayload): AuthPayload {
  context.sessionUserId = payload.user.id;
  return payload;
}

/**
 * `pubsub`: where the workers publish `notification.received` (keyed by the recipient), for
 * notificationReceived.
 */
export function makeResolvers(accounts: Accounts, accountBlocklist: AccountBlocklist, pubsub: LivePubSub): Resolvers {
  return {
    DateTime: dateTimeScalar,
    Query: {
      searchExportUsers: async (_root, args, { em }) => {
        const { where, options } = exportPage(args);
        const users = await em.find(User, where, options);
        return users.map((user) => ({
          id: user.id,
          username: user.username,
          displayName: user.displayName,
          bio: user.bio ?? null,
          updatedAt: user.updatedAt,
          closedAt: user.deletedAt ?? null,
        }));
      },
      me: (_root, _args, { viewer, loaders }) => (viewer ? loaders.userById.load(viewer.userId) : null),
      user: (_root, { id }, { loaders }) => (isUuid(id) ? loaders.userById.load(id.toLowerCase()) : null),
      userByUsername: (_root, { username }, { em }) => {
        // Like any other name that cannot be a username, an over-long one names nobody: it is not even trimmed.
        if (username.length > maxUsernameLength + trimmedLengthSlack) return null;
        const normalized = username.trim().toLowerCase();
        return usernamePattern.test(normalized) ? em.findOne(User, { username: normalized, deletedAt: null }) : null;
      },
      notifications: (_root, args, { em, viewer }) => listNotifications(em, viewer, args),
      unreadNotificationCount: (_root, _args, { em, viewer }) => countUnreadNotifications(em, viewer),
    },
    Mutation: {
      register: async (_root, { input }, context) =>
        startedSession(context, await accounts.register(context.em, input)),
      login: async (_root, { input }, context) =>
        startedSession(context, await accounts.login(context.em, input.login, input.password)),
      refreshSession: async (_root, { refreshToken }, context) =>
        startedSession(context, await accounts.refreshSession(context.em, refreshToken)),
      logout: (_root, { refreshToken }, { em }) => accounts.logout(em, refreshToken),
      updateProfile: (_root, { input }, { em, viewer }) => updateProfile(em, viewer, input),
      changePassword: (_root, { input }, { em, viewer }) => accounts.changePassword(em, viewer, input),
      deleteAccount: (_root, { password }, { em, viewer }) => accounts.deleteAccount(em, viewer, password),
      followUser: (_root, { userId }, { em, viewer }) => followUser(em, viewer, userId),
      unfollowUser: (_root, { userId }, { em, viewer }) => unfollowUser(em, viewer, userId),
      setUserRole: (_root, { userId, role }, { em, viewer }) => setUserRole(em, viewer, userId, role),
      suspendUser: (_root, { userId, reason }, { em, viewer }) =>
        suspendUser(em, accountBlocklist, viewer, userId, reason),
      unsuspendUser: (_root, { userId }, { em, viewer }) => unsuspendUser(em, accountBlocklist, viewer, userId),
      markNotificationsRead: (_root, { ids }, { em, viewer }) => markNotificationsRead(em, viewer, ids),
    },
    Subscription: {
      notificationReceived: {
        // The channel is the viewer's own (keyed by their id), so no other user's notification reaches it.
        subscribe: (_root, _args, context) =>
          liveEvents(pubsub, context, 'notification.received', requireViewer(context.viewer).userId),
        resolve: async (event: { notificationId: string }, _args: unknown, context: RequestContext) => {
          const notification = await context.loaders.notificationById.load(event.notificationId);
          // Gone when removed since (its actor closed their account): this event fails, the stream goes on. The
          // recipient is checked again although the channel is the viewer's own.
          if (!notification || notification.recipientId !== context.viewer?.userId) {
            throw notFound(`Notification ${event.notificationId}`);
          }
          return notification;
        },
      },
    },
    Notification: {
      actor: (notification, _args, { loaders }) =>
        notification.actorId ? loaders.userById.load(notification.actorId) : null,
      post: (notification) => (notification.postId ? { id: notification.postId } : null),
      vendor: (notification) => (notification.vendorId ? { id: notification.vendorId } : null),
      readAt: (notification) => notification.readAt ?? null,
    },
    User: {
      // A reference to a user that does not exist (or closed their account) resolves to null, never to
      // an invented entity.
      __resolveReference: (reference, { loaders }) => {
        const id = referenceId(reference);
        return isUuid(id) ? loaders.userById.load(id.toLowerCase()) : null;
      },
      globalId: (user) => globalIdOf('User', user.id),
      nodeKey: (user) => user.id,
      email: (user, _args, { viewer, sessionUserId }) =>
        sessionUserId === user.id || (viewer && (viewer.userId === user.id || viewer.role === 'ADMIN'))
          ? user.email
          : null,
      followers: (user, args, { loaders }) => loaders.followersPage.load(followPageKey(user.id, args)),
      following: (user, args, { loaders }) => loaders.followingPage.load(followPageKey(user.id, args)),
      followerCount: (user, _args, { loaders }) => loaders.followerCountByUserId.load(user.id),
      followingCount: (user, _args, { loaders }) => loaders.followingCountByUserId.load(user.id),
      viewerIsFollowing: (user, _args, { loaders }) => loaders.viewerFollowsByUserId.load(user.id),
    },
  };
}
