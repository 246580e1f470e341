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

/** What a notification tells its recipient. */
export const notificationKinds = [
  /** The actor started following the recipient. */
  'NEW_FOLLOWER',
  /** The actor liked the recipient's post. */
  'POST_LIKED',
  /** The actor commented on the recipient's post. */
  'POST_COMMENTED',
  /** The actor commented on a post the recipient commented on earlier. */
  'ALSO_COMMENTED',
  /** A user (the actor) or vendor the recipient follows posted. */
  'NEW_POST',
  /** A vendor the recipient follows opened; the actor is its owner. */
  'VENDOR_OPENED',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/**
 * Something that happened to or around a user, made by a worker from another subgraph's domain event. At most
 * one per event and recipient (`sourceEventId`), so an event delivered twice notifies once.
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.uuid().primary(),
    recipientId: p.uuid(),
    kind: p.enum(notificationKinds),
    /** The user who acted; never the recipient. */
    actorId: p.uuid().nullable(),
    /** The post it is about (owned by the post subgraph), if any. */
    postId: p.uuid().nullable(),
    /** The vendor it is about (owned by the vendor subgraph), if any. */
    vendorId: p.uuid().nullable(),
    sourceEventId: p.uuid(),
    /** When the action happened (the event's time), not when the notification was stored. */
    createdAt: p.datetime(),
    readAt: p.datetime().nullable(),
  },
});
export type NotificationEntity = InferEntity<typeof Notification>;

/**
 * This subgraph's copy of who follows each vendor, fed by `vendor.followed` and `vendor.unfollowed`: whom to
 * tell about a vendor's post or opening. An unfollow stays as a row with `following` false, and `version` is
 * the time of the last event applied, so a `vendor.followed` delivered late cannot undo a newer unfollow.
 */
export const VendorFollowerCopy = defineEntity({
  name: 'VendorFollowerCopy',
  tableName: 'vendor_follower_copy',
  properties: {
    vendorId: p.uuid().primary(),
    userId: p.uuid().primary(),
    following: p.boolean(),
    version: p.datetime(),
  },
});
export type VendorFollowerCopyEntity = InferEntity<typeof VendorFollowerCopy>;

/** An entity of another subgraph as this subgraph knows it: only the key. */
export interface EntityReference {
  id: string;
}

export const entities = [User, UserFollow, RefreshToken, SigningKey, Notification, VendorFollowerCopy, OutboxEvent];
