import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { AccountBlock, AccountBlocklist, Viewer } from '@curbside/auth';
import { badUserInput, forbidden, notFound } from '@curbside/errors';
import { checkId, checkLengths, recordEvent, requireViewer } from '@curbside/subgraph-kit';
import { User, type UserEntity } from './entities.ts';

/**
 * Makes an existing user an admin (the operator's way in, besides an admin's setUserRole).
 * Returns false when no open account has that username. Takes effect on the user's next access token.
 */
export async function grantAdmin(em: EntityManager, username: string): Promise<boolean> {
  const user = await em.findOne(User, { username: username.trim().toLowerCase(), deletedAt: null });
  if (!user) return false;
  if (user.role !== 'ADMIN') {
    user.role = 'ADMIN';
    user.updatedAt = new Date();
    recordEvent(em, 'user.role_changed', { userId: user.id, role: 'ADMIN' });
    await em.flush();
  }
  return true;
}

/** The signed-in viewer if they are an admin: anonymous is `UNAUTHENTICATED`, anyone else `FORBIDDEN`. */
function requireAdmin(viewer: Viewer | null): Viewer {
  const signedIn = requireViewer(viewer);
  if (signedIn.role !== 'ADMIN') throw forbidden('Only an admin may do this.');
  return signedIn;
}

/**
 * Runs `change` on the open account `userId` names, its row locked for the transaction, so that of two
 * concurrent changes each sees the other's result. Unknown or closed accounts are NOT_FOUND.
 */
async function changeAccount(
  em: EntityManager,
  userId: string,
  change: (tx: EntityManager, user: UserEntity) => void,
): Promise<UserEntity> {
  const id = checkId(userId, 'userId');
  return em.transactional(async (tx) => {
    const user = await tx.findOne(User, { id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw notFound(`User ${userId}`);
    change(tx, user);
    return user;
  });
}

/** Admin only: sets a user's role; setting the role they have changes nothing and records no event. */
export async function setUserRole(
  em: EntityManager,
  viewer: Viewer | null,
  userId: string,
  role: UserEntity['role'],
): Promise<UserEntity> {
  requireAdmin(viewer);
  return changeAccount(em, userId, (tx, user) => {
    if (user.role === role) return;
    tx.assign(user, { role, updatedAt: new Date() });
    recordEvent(tx, 'user.role_changed', { userId: user.id, role });
  });
}

const maxReasonLength = 500;

/**
 * Admin only: suspends a user, who can then neither sign in nor refresh a session, and whose access
 * tokens are refused everywhere (blocked once the suspension is committed). Suspending a suspended user
 * keeps the first suspension and records no event. An admin cannot suspend themselves.
 */
export async function suspendUser(
  em: EntityManager,
  blocklist: AccountBlocklist,
  viewer: Viewer | null,
  userId: string,
  rawReason: string,
): Promise<UserEntity> {
  const admin = requireAdmin(viewer);
  checkLengths({ reason: [rawReason, { max: maxReasonLength, trimmed: true }] });
  const reason = rawReason.trim();
  if (reason.length < 1 || reason.length > maxReasonLength) {
    throw badUserInput({ reason: `expected 1 to ${maxReasonLength} characters, got ${reason.length}` });
  }
  if (checkId(userId, 'userId') === admin.userId) {
    throw badUserInput({ userId: 'expected another user than yourself' });
  }
  const user = await changeAccount(em, userId, (tx, target) => {
    if (target.suspendedAt !== null) return;
    const now = new Date();
    tx.assign(target, { suspendedAt: now, suspendedReason: reason, updatedAt: now });
    recordEvent(tx, 'user.suspended', { userId: target.id, reason });
  });
  // Also when nothing changed: a retry after a failed block (Redis unreachable) brings Redis up to date.
  await blocklist.block(user.id, 'suspended');
  return user;
}

/** Admin only: lifts a suspension; a user who is not suspended is left as they are, with no event. */
export async function unsuspendUser(
  em: EntityManager,
  blocklist: AccountBlocklist,
  viewer: Viewer | null,
  userId: string,
): Promise<UserEntity> {
  requireAdmin(viewer);
  const user = await changeAccount(em, userId, (tx, target) => {
    if (target.suspendedAt === null) return;
    tx.assign(target, { suspendedAt: null, suspendedReason: null, updatedAt: new Date() });
    recordEvent(tx, 'user.unsuspended', { userId: target.id });
  });
  await blocklist.unblock(user.id);
  return user;
}

/** Every account whose tokens must be refused, as the database says: closed accounts, then suspended ones. */
export async function accountBlocklistEntries(em: EntityManager): Promise<[userId: string, reason: AccountBlock][]> {
  const rows = await em.find(
    User,
    { $or: [{ suspendedAt: { $ne: null } }, { deletedAt: { $ne: null } }] },
    { fields: ['id', 'suspendedAt', 'deletedAt'], orderBy: { id: 'asc' } },
  );
  // A closed account stays closed whatever its suspension: 'deleted' wins.
  return rows.map((row) => [row.id, row.deletedAt !== null ? 'deleted' : 'suspended']);
}

/**
 * Rewrites the blocklist from the database, the source of truth: Redis is a copy that may have been
 * flushed or have missed a write. The user subgraph does it at every start.
 */
export async function restoreAccountBlocklist(em: EntityManager, blocklist: AccountBlocklist): Promise<number> {
  const entries = await accountBlocklistEntries(em);
  await blocklist.replaceAll(entries);
  return entries.length;
}
