import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import type { AccountBlock, AccountBlocklist, Viewer } from '@curbside/auth';
import { accountBlockError } from './account-watch.ts';

const viewerOf = (userId: string): Viewer => ({
  userId,
  role: 'USER',
  sessionId: '00000000-0000-4000-8000-000000000000',
  expiresAt: Math.floor(Date.now() / 1000) + 900,
});

/** Only `statusOf` is read here; the rest of the blocklist is not. */
function blocklistOf(statuses: Record<string, AccountBlock>, down?: Error): AccountBlocklist {
  const unused = () => Promise.reject(new Error('not read by accountBlockError'));
  return {
    statusOf: async (userId) => {
      if (down) throw down;
      return statuses[userId] ?? null;
    },
    statusOfMany: unused,
    block: unused,
    unblock: unused,
    replaceAll: unused,
  };
}

/** The build graphql-ws checks `onSubscribe` errors against (see account-watch.ts). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

describe('accountBlockError', () => {
  const blocklist = blocklistOf({ ana: 'suspended', bo: 'deleted' });

  it('refuses a suspended account with FORBIDDEN and a closed one with UNAUTHENTICATED, as requests are', async () => {
    const suspended = await accountBlockError(blocklist, viewerOf('ana'));
    expect(suspended?.message).toBe('This account is suspended.');
    expect(suspended?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(suspended).toBeInstanceOf(graphqlCjs.GraphQLError);
    const closed = await accountBlockError(blocklist, viewerOf('bo'));
    expect(closed?.message).toBe('This account has been closed.');
    expect(closed?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('lets other accounts and anonymous sockets through', async () => {
    expect(await accountBlockError(blocklist, viewerOf('cy'))).toBeNull();
    expect(await accountBlockError(blocklist, null)).toBeNull();
  });

  it('lets the token decide when the blocklist is unreadable, and says so', async () => {
    const down = new Error('Redis is reconnecting');
    const onUnavailable = vi.fn();
    expect(await accountBlockError(blocklistOf({ ana: 'suspended' }, down), viewerOf('ana'), onUnavailable)).toBeNull();
    expect(onUnavailable).toHaveBeenCalledExactlyOnceWith(down);
  });
});
