import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '@curbside/subgraph-kit';
import { User } from './entities.ts';

/**
 * Makes an existing user an admin (the operator's way in, besides an admin's setUserRole).
 * Returns false when no user has that username. Takes effect on the user's next access token.
 */
export async function grantAdmin(em: EntityManager, username: string): Promise<boolean> {
  const user = await em.findOne(User, { username: username.trim().toLowerCase() });
  if (!user) return false;
  if (user.role !== 'ADMIN') {
    user.role = 'ADMIN';
    user.updatedAt = new Date();
    recordEvent(em, 'user.role_changed', { userId: user.id, role: 'ADMIN' });
    await em.flush();
  }
  return true;
}
