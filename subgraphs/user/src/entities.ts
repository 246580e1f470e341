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
  },
});
export type UserEntity = InferEntity<typeof User>;

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

export const entities = [User, RefreshToken, SigningKey, OutboxEvent];
