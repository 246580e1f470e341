import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { OutboxEvent } from '@curbside/subgraph-kit';

export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p.uuid().primary(),
    /** Stored lower-cased; unique. */
    email: p.string(),
    username: p.string(),
    displayName: p.string(),
    bio: p.text().nullable(),
    passwordHash: p.string().hidden(),
    role: p.enum(['USER', 'ADMIN'] as const),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** Set while an admin has suspended the account: it cannot sign in and its tokens are refused. */
    suspendedAt: p.datetime().nullable(),
    /** Why, as the admin wrote it; set exactly when `suspendedAt` is. */
    suspendedReason: p.string().nullable(),
    /**
     * Set when the user closed the account. The row stays, so the email and username stay taken, but
     * the account is invisible everywhere and can never sign in again.
     */
    deletedAt: p.datetime().nullable(),
  },
});
export type UserEntity = InferEntity<typeof User>;

/** One user following another; at most one row per pair, never a user following themselves. */
export const UserFollow = defineEntity({
  name: 'UserFollow',
  tableName: 'user_follow',
  properties: {
    followerId: p.uuid().primary(),
    followeeId: p.uuid().primary(),
    createdAt: p.datetime(),
  },
});
export type UserFollowEntity = InferEntity<typeof UserFollow>;

/**
 * One refresh token. Tokens issued from one login form a family; using a token marks it `usedAt` and
 * issues the next one in the family. Presenting a used or revoked token revokes the whole family.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: p.uuid().primary(),
    familyId: p.uuid(),
    userId: p.uuid(),
    /** SHA-256 of the token; the token itself is never stored. */
    tokenHash: p.string(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});
export type RefreshTokenEntity = InferEntity<typeof RefreshToken>;

/** An access-token signing key pair; every key here is published in the JWKS, the oldest signs. */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_key',
  properties: {
    kid: p.string().primary(),
    publicJwk: p.json<Record<string, unknown>>(),
    privateJwk: p.json<Record<string, unknown>>().hidden(),
    createdAt: p.datetime(),
  },
});
export type SigningKeyEntity = InferEntity<typeof SigningKey>;

export const entities = [User, UserFollow, RefreshToken, SigningKey, OutboxEvent];
