import { dateTimeScalar, isUuid } from '@curbside/subgraph-kit';
import type { Resolvers } from './generated/resolvers.ts';
import type { Accounts, AuthPayload } from './accounts.ts';
import type { RequestContext } from './context.ts';
import { User } from './entities.ts';
import { usernamePattern } from './accounts.ts';

function startedSession(context: RequestContext, payload: AuthPayload): AuthPayload {
  context.sessionUserId = payload.user.id;
  return payload;
}

export function makeResolvers(accounts: Accounts): Resolvers {
  return {
    DateTime: dateTimeScalar,
    Query: {
      me: (_root, _args, { viewer, loaders }) => (viewer ? loaders.userById.load(viewer.userId) : null),
      user: (_root, { id }, { loaders }) => (isUuid(id) ? loaders.userById.load(id.toLowerCase()) : null),
      userByUsername: (_root, { username }, { em }) => {
        const normalized = username.trim().toLowerCase();
        return usernamePattern.test(normalized) ? em.findOne(User, { username: normalized }) : null;
      },
    },
    Mutation: {
      register: async (_root, { input }, context) =>
        startedSession(context, await accounts.register(context.em, input)),
      login: async (_root, { input }, context) =>
        startedSession(context, await accounts.login(context.em, input.login, input.password)),
      refreshSession: async (_root, { refreshToken }, context) =>
        startedSession(context, await accounts.refreshSession(context.em, refreshToken)),
      logout: (_root, { refreshToken }, { em }) => accounts.logout(em, refreshToken),
    },
    User: {
      // A reference to a user that does not exist resolves to null, never to an invented entity.
      __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.userById.load(id.toLowerCase()) : null),
      email: (user, _args, { viewer, sessionUserId }) =>
        sessionUserId === user.id || (viewer && (viewer.userId === user.id || viewer.role === 'ADMIN'))
          ? user.email
          : null,
    },
  };
}
