import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { GraphQLError } from 'graphql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountBlocklist, Viewer } from '@curbside/auth';
import { badUserInput, conflict, forbidden, unauthenticated, type FieldProblems } from '@curbside/errors';
import { checkLengths, recordEvent, requireViewer } from '@curbside/subgraph-kit';
import { RefreshToken, User, type RefreshTokenEntity, type UserEntity } from './entities.ts';
import { removeAllFollows } from './follows.ts';
import { tooManyAttempts, type LoginAttempts } from './login-attempts.ts';
import type { TokenIssuer } from './signing-keys.ts';

/** OWASP's argon2id baseline: 19 MiB memory, 2 passes, 1 lane. */
const argon2Options = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** How long a refresh token may wait to be used: 30 days. */
const refreshTokenLifetimeMs = 30 * 24 * 60 * 60 * 1000;

/** The longest email address (RFC 5321's path limit): 320 characters. */
export const maxEmailLength = 320;
/** The longest username: 30 characters (as `usernamePattern` says). */
export const maxUsernameLength = 30;
export const usernamePattern = /^[a-z0-9_]{3,30}$/;
const minPasswordLength = 10;
/** Longer passwords only cost hashing time; refuse them rather than let one request burn a core. */
export const maxPasswordLength = 256;
/** The longest display name, after trimming: 100 characters. */
export const maxDisplayNameLength = 100;
/** A login is a username or an email address, so it is bounded like the longer of the two: 320 characters. */
const maxLoginLength = maxEmailLength;
/** Refresh tokens are 32 random bytes in base64url (43 characters); anything past 128 cannot be one. */
export const maxRefreshTokenLength = 128;

/**
 * Whether `text` looks like an email address: one `@` with something before it, no whitespace, and a domain
 * with a `.` that is neither its first nor its last character (what `/^[^\s@]+@[^\s@]+\.[^\s@]+$/` accepted).
 * Hand-written rather than that pattern: its two `[^\s@]+` around `\.` overlap, so a long domain full of dots
 * backtracks quadratically (`a@` + `a.` × 40,000 + `@` took 6 s to refuse). Every step here is one linear scan,
 * so it stays fast on any length; the length limit (`maxEmailLength`) is the caller's.
 */
export function isEmailAddress(text: string): boolean {
  if (/\s/.test(text)) return false;
  const at = text.indexOf('@');
  if (at < 1 || text.indexOf('@', at + 1) !== -1) return false;
  const domain = text.slice(at + 1);
  const dot = domain.indexOf('.', 1);
  return dot !== -1 && dot < domain.length - 1;
}

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  user: UserEntity;
}

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  displayName: string;
}

function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A hash to verify against when the login names nobody, so the answer takes as long either way. */
let decoyHash: Promise<string> | undefined;

/** Same words for every way a login can fail (unknown, closed, wrong password): they tell nobody which accounts exist. */
const wrongCredentials = 'Wrong login or password.';
/** The same words as the verifiers' for a suspended account's access token. */
const suspendedAccount = 'This account is suspended.';

/** What is wrong with a new password, or null. */
function newPasswordProblem(password: string): string | null {
  if (password.length < minPasswordLength) return `expected at least ${minPasswordLength} characters`;
  if (password.length > maxPasswordLength) return `expected at most ${maxPasswordLength} characters`;
  return null;
}

/** Which account a login names: an email address when it has an `@`, else a username; both matched lower-cased. */
export function loginLookup(login: string): { email: string } | { username: string } {
  const normalized = login.trim().toLowerCase();
  return normalized.includes('@') ? { email: normalized } : { username: normalized };
}

/**
 * Why a login with the password checked is refused, or null to sign in. A closed account answers like an unknown
 * one, and both like a wrong password; a suspension is told only to whoever has the password.
 */
export function loginRefusal(
  user: Pick<UserEntity, 'deletedAt' | 'suspendedAt'> | null,
  passwordMatches: boolean,
): GraphQLError | null {
  if (!user || !passwordMatches || user.deletedAt !== null) return unauthenticated(wrongCredentials);
  if (user.suspendedAt !== null) return forbidden(suspendedAccount);
  return null;
}

/** Whether a refresh token is past its expiry at `now` (expired at the instant itself). */
export function refreshTokenExpired(token: Pick<RefreshTokenEntity, 'expiresAt'>, now: Date): boolean {
  return token.expiresAt.getTime() <= now.getTime();
}

/** Every way a refresh token can fail to continue a session. */
export type RefreshRefusal = 'unknown' | 'reused' | 'expired' | 'suspended';

/** What the client is told when a refresh token does not continue its session. */
export function refreshRefusal(kind: RefreshRefusal): GraphQLError {
  switch (kind) {
    case 'reused':
      return unauthenticated('This refresh token was already used, so the session has been ended. Sign in again.');
    case 'expired':
      return unauthenticated('The refresh token has expired. Sign in again.');
    case 'suspended':
      return forbidden(suspendedAccount);
    case 'unknown':
      return unauthenticated('The refresh token is invalid.');
  }
}

/** Whether `password` is the user's; over-long ones are refused unhashed (see maxPasswordLength). */
async function passwordMatches(user: UserEntity, password: string): Promise<boolean> {
  return password.length <= maxPasswordLength && verify(user.passwordHash, password);
}

/** The signed-in viewer's own account; a closed one means the session is over (`UNAUTHENTICATED`). */
export async function viewerAccount(em: EntityManager, viewer: Viewer | null): Promise<UserEntity> {
  const { userId } = requireViewer(viewer);
  const user = await em.findOne(User, { id: userId, deletedAt: null });
  if (!user) throw unauthenticated('This account has been closed.');
  return user;
}

/**
 * Bounds a login's arguments before any lookup or hash: an over-long login or password cannot match an account
 * (both are bounded at registration), so telling so reveals nothing about which accounts exist.
 */
export function checkLoginInput(login: string, password: string): void {
  checkLengths({ login: [login, { max: maxLoginLength, trimmed: true }], password: [password, maxPasswordLength] });
}

/** Bounds a presented refresh token before it is hashed and looked up. */
export function checkRefreshToken(token: string): void {
  checkLengths({ refreshToken: [token, maxRefreshTokenLength] });
}

/** Revokes every refresh token of a user, whatever its family; returns how many were still live. */
function revokeAllSessions(em: EntityManager, userId: string): Promise<number> {
  return em.nativeUpdate(RefreshToken, { userId, revokedAt: null }, { revokedAt: new Date() });
}

/** Checks and normalizes a registration (email trimmed and lower-cased, display name trimmed). */
export function checkRegistration(input: RegisterInput): RegisterInput {
  checkLengths({
    email: [input.email, { max: maxEmailLength, trimmed: true }],
    username: [input.username, maxUsernameLength],
    password: [input.password, maxPasswordLength],
    displayName: [input.displayName, { max: maxDisplayNameLength, trimmed: true }],
  });
  const problems: FieldProblems = {};
  const email = input.email.trim().toLowerCase();
  const displayName = input.displayName.trim();
  if (email.length > maxEmailLength || !isEmailAddress(email))
    problems['email'] = 'expected an email address such as ana@example.com';
  if (!usernamePattern.test(input.username)) {
    problems['username'] = 'expected 3 to 30 characters of lower-case a-z, 0-9 and _';
  }
  const passwordProblem = newPasswordProblem(input.password);
  if (passwordProblem) problems['password'] = passwordProblem;
  if (displayName.length < 1 || displayName.length > maxDisplayNameLength) {
    problems['displayName'] = `expected 1 to ${maxDisplayNameLength} characters`;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return { email, username: input.username, password: input.password, displayName };
}

/**
 * The account service: every way a session begins, continues or ends. Closing an account also blocks
 * it in `blocklist` (after the commit), so its still-valid access tokens are refused everywhere. Every
 * login that names an account counts in `loginAttempts`, by the account, whichever of its names it used.
 */
export function makeAccounts(issuer: TokenIssuer, blocklist: AccountBlocklist, loginAttempts: LoginAttempts) {
  /** Creates a refresh token in `familyId` (persisted with the caller's next flush) and the access token. */
  async function startSession(em: EntityManager, user: UserEntity, familyId: string): Promise<AuthPayload> {
    const refreshToken = randomBytes(32).toString('base64url');
    const now = new Date();
    em.create(RefreshToken, {
      id: randomUUID(),
      familyId,
      userId: user.id,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(now.getTime() + refreshTokenLifetimeMs),
      usedAt: null,
      revokedAt: null,
      createdAt: now,
    });
    const access = await issuer.issueAccessToken({ userId: user.id, role: user.role, sessionId: familyId });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
  }

  async function revokeFamily(em: EntityManager, familyId: string): Promise<number> {
    return em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: new Date() });
  }

  return {
    async register(em: EntityManager, rawInput: RegisterInput): Promise<AuthPayload> {
      const input = checkRegistration(rawInput);
      const taken = await em.find(User, { $or: [{ email: input.email }, { username: input.username }] });
      const problems: FieldProblems = {};
      if (taken.some((user) => user.email === input.email)) problems['email'] = 'this email is already registered';
      if (taken.some((user) => user.username === input.username)) problems['username'] = 'this username is taken';
      if (Object.keys(problems).length > 0) throw conflict('An account with these details already exists.', problems);

      const now = new Date();
      const user = em.create(User, {
        id: randomUUID(),
        email: input.email,
        username: input.username,
        displayName: input.displayName,
        bio: null,
        passwordHash: await hash(input.password, argon2Options),
        role: 'USER',
        createdAt: now,
        updatedAt: now,
      });
      recordEvent(em, 'user.registered', { userId: user.id, username: user.username, displayName: user.displayName });
      const payload = await startSession(em, user, randomUUID());
      try {
        await em.flush();
      } catch (error) {
        // Two registrations raced past the check above; the unique index decided, nothing was written.
        if (error instanceof UniqueConstraintViolationException) {
          const field = String(error.message).includes('email') ? 'email' : 'username';
          throw conflict('An account with these details already exists.', {
            [field]: field === 'email' ? 'this email is already registered' : 'this username is taken',
          });
        }
        throw error;
      }
      return payload;
    },

    async login(em: EntityManager, login: string, password: string): Promise<AuthPayload> {
      checkLoginInput(login, password);
      const user = await em.findOne(User, loginLookup(login));
      if (user) {
        // Counted before the hash is verified: past the limit the answer is the same whatever the password, and
        // costs no hashing. Every attempt counts, right or wrong, and a success resets nothing: as at the gateway,
        // attempts are limited, not failures (10 a minute is far more than a person signs in). Closed accounts
        // count too. Unknown names have no account to count on; the gateway's count per name covers them.
        const attempt = await loginAttempts.count(user.id);
        if (!attempt.allowed) throw tooManyAttempts(attempt.retryAfterMs);
      }
      const matches = user
        ? await verify(user.passwordHash, password)
        : (await verify(await (decoyHash ??= hash('decoy-password', argon2Options)), password), false);
      const refusal = loginRefusal(user, matches);
      if (refusal || !user) throw refusal ?? unauthenticated(wrongCredentials);
      const payload = await startSession(em, user, randomUUID());
      recordEvent(em, 'user.logged_in', { userId: user.id });
      await em.flush();
      return payload;
    },

    async refreshSession(em: EntityManager, presented: string): Promise<AuthPayload> {
      checkRefreshToken(presented);
      const tokenHash = hashRefreshToken(presented);
      const outcome = await em.transactional(async (tx) => {
        const token = await tx.findOne(RefreshToken, { tokenHash });
        if (!token) return { kind: 'unknown' as const };
        const now = new Date();
        const live = token.usedAt === null && token.revokedAt === null;
        // A used or revoked token is a reuse, whoever it belongs to; only a live one's account is read.
        const user = live ? await tx.findOne(User, { id: token.userId, deletedAt: null }) : null;
        // Closing an account revokes its tokens; this covers a token issued by a login racing the closure.
        if (live && !user) return { kind: 'unknown' as const };
        // Checked before the claim, so the token still works once the account is unsuspended.
        if (user?.suspendedAt) return { kind: 'suspended' as const };
        // The conditional update is the single point of truth: of two concurrent uses, one wins.
        const claimed = user
          ? await tx.nativeUpdate(RefreshToken, { id: token.id, usedAt: null, revokedAt: null }, { usedAt: now })
          : 0;
        if (!user || claimed === 0) {
          const revoked = await revokeFamily(tx, token.familyId);
          // Only the first reuse is news; later attempts meet an already-ended family.
          if (revoked > 0) {
            recordEvent(tx, 'user.session_reuse_detected', { userId: token.userId, familyId: token.familyId });
          }
          return { kind: 'reused' as const };
        }
        if (refreshTokenExpired(token, now)) return { kind: 'expired' as const };
        return { kind: 'ok' as const, payload: await startSession(tx, user, token.familyId) };
      });
      if (outcome.kind === 'ok') return outcome.payload;
      throw refreshRefusal(outcome.kind);
    },

    async logout(em: EntityManager, presented: string): Promise<boolean> {
      checkRefreshToken(presented);
      return em.transactional(async (tx) => {
        const token = await tx.findOne(RefreshToken, { tokenHash: hashRefreshToken(presented) });
        if (!token || token.revokedAt !== null) return false;
        const revoked = await revokeFamily(tx, token.familyId);
        if (revoked === 0) return false;
        recordEvent(tx, 'user.logged_out', { userId: token.userId });
        return true;
      });
    },

    /**
     * Changes the viewer's password after checking the current one, and revokes every refresh token of
     * theirs (every family, this session's too): each session has to sign in again with the new password.
     */
    async changePassword(
      em: EntityManager,
      viewer: Viewer | null,
      input: { currentPassword: string; newPassword: string },
    ): Promise<boolean> {
      requireViewer(viewer);
      checkLengths({
        currentPassword: [input.currentPassword, maxPasswordLength],
        newPassword: [input.newPassword, maxPasswordLength],
      });
      const user = await viewerAccount(em, viewer);
      const problems: FieldProblems = {};
      if (!(await passwordMatches(user, input.currentPassword))) {
        problems['currentPassword'] = 'expected your current password';
      }
      const passwordProblem = newPasswordProblem(input.newPassword);
      if (passwordProblem) problems['newPassword'] = passwordProblem;
      if (Object.keys(problems).length > 0) throw badUserInput(problems);
      const passwordHash = await hash(input.newPassword, argon2Options);
      await em.transactional(async (tx) => {
        // Conditional on the hash just verified: of two concurrent changes, the second finds it gone.
        const changed = await tx.nativeUpdate(
          User,
          { id: user.id, passwordHash: user.passwordHash, deletedAt: null },
          { passwordHash, updatedAt: new Date() },
        );
        if (changed === 0) throw badUserInput({ currentPassword: 'expected your current password' });
        await revokeAllSessions(tx, user.id);
        recordEvent(tx, 'user.password_changed', { userId: user.id });
      });
      return true;
    },

    /**
     * Closes the viewer's account at once, after checking their password: marks it deleted (the row stays,
     * so its email and username stay taken), revokes every refresh token, removes its follows (both ways),
     * and once committed blocks the account so that its access tokens are refused everywhere. `user.deleted`
     * then has every subgraph owning some of the user's data remove it (the `*.account-cleanup` queues).
     */
    async deleteAccount(em: EntityManager, viewer: Viewer | null, password: string): Promise<boolean> {
      requireViewer(viewer);
      checkLengths({ password: [password, maxPasswordLength] });
      const user = await viewerAccount(em, viewer);
      if (!(await passwordMatches(user, password))) throw badUserInput({ password: 'expected your password' });
      await em.transactional(async (tx) => {
        const now = new Date();
        // Conditional: of two concurrent closures, one records the event; the other finds it closed.
        const closed = await tx.nativeUpdate(
          User,
          { id: user.id, deletedAt: null },
          { deletedAt: now, updatedAt: now },
        );
        if (closed === 0) throw unauthenticated('This account has been closed.');
        await revokeAllSessions(tx, user.id);
        await removeAllFollows(tx, user.id);
        recordEvent(tx, 'user.deleted', { userId: user.id });
      });
      await blocklist.block(user.id, 'deleted');
      return true;
    },
  };
}

export type Accounts = ReturnType<typeof makeAccounts>;
