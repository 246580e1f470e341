import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { OutboxEvent } from '@curbside/subgraph-kit';

/**
 * This subgraph's copy of each READY media's owner, fed by the media subgraph's events: a media appears
 * here when `media.uploaded` says its bytes arrived and were checked, so a row that is not deleted is a
 * READY media. `version` is the time of the last event applied: an older event arriving late changes
 * nothing. A deleted media stays as a tombstone so that a late `media.uploaded` cannot bring it back.
 */
export const MediaCopy = defineEntity({
  name: 'MediaCopy',
  tableName: 'media_copy',
  properties: {
    mediaId: p.uuid().primary(),
    ownerId: p.uuid(),
    deleted: p.boolean(),
    version: p.datetime(),
  },
});
export type MediaCopyEntity = InferEntity<typeof MediaCopy>;

/** This subgraph's copy of each vendor's owner (only the owner may post as the vendor); same rules as MediaCopy. */
export const VendorCopy = defineEntity({
  name: 'VendorCopy',
  tableName: 'vendor_copy',
  properties: {
    vendorId: p.uuid().primary(),
    ownerId: p.uuid(),
    deleted: p.boolean(),
    version: p.datetime(),
  },
});
export type VendorCopyEntity = InferEntity<typeof VendorCopy>;

/**
 * This subgraph's copy of users following users, fed by `user.followed` and `user.unfollowed`, for the feed.
 * An unfollow stays as a row with `following` false, and `version` is the time of the last event applied, so a
 * `user.followed` delivered late cannot undo a newer `user.unfollowed`.
 */
export const UserFollowCopy = defineEntity({
  name: 'UserFollowCopy',
  tableName: 'user_follow_copy',
  properties: {
    followerId: p.uuid().primary(),
    followeeId: p.uuid().primary(),
    following: p.boolean(),
    version: p.datetime(),
  },
});
export type UserFollowCopyEntity = InferEntity<typeof UserFollowCopy>;

/** This subgraph's copy of users following vendors (`vendor.followed`, `vendor.unfollowed`); same rules. */
export const VendorFollowCopy = defineEntity({
  name: 'VendorFollowCopy',
  tableName: 'vendor_follow_copy',
  properties: {
    userId: p.uuid().primary(),
    vendorId: p.uuid().primary(),
    following: p.boolean(),
    version: p.datetime(),
  },
});
export type VendorFollowCopyEntity = InferEntity<typeof VendorFollowCopy>;

/**
 * Accounts closed (`user.deleted`): their follows, both ways, are removed from the copies, and any follow
 * event about them arriving later is ignored (a closed account can neither follow nor be followed again).
 */
export const ClosedAccountCopy = defineEntity({
  name: 'ClosedAccountCopy',
  tableName: 'closed_account_copy',
  properties: {
    userId: p.uuid().primary(),
    closedAt: p.datetime(),
  },
});
export type ClosedAccountCopyEntity = InferEntity<typeof ClosedAccountCopy>;

export const Post = defineEntity({
  name: 'Post',
  tableName: 'post',
  properties: {
    id: p.uuid().primary(),
    /** The user (owned by the user subgraph) who wrote the post. */
    authorId: p.uuid(),
    /** The vendor the post was made as, if any (owned by the vendor subgraph). */
    vendorId: p.uuid().nullable(),
    body: p.text(),
    createdAt: p.datetime(),
    editedAt: p.datetime().nullable(),
  },
});
export type PostEntity = InferEntity<typeof Post>;

/**
 * One attached media of a post; `position` (0 to 9) is its place in the author's order. The relation
 * (not a bare id) tells the unit of work to insert the post before its media rows in one flush.
 */
export const PostMedia = defineEntity({
  name: 'PostMedia',
  tableName: 'post_media',
  properties: {
    post: () => p.manyToOne(Post).primary(),
    position: p.smallint().primary(),
    mediaId: p.uuid(),
  },
});
export type PostMediaEntity = InferEntity<typeof PostMedia>;

/** A user liking a post; at most one row per pair. */
export const PostLike = defineEntity({
  name: 'PostLike',
  tableName: 'post_like',
  properties: {
    postId: p.uuid().primary(),
    userId: p.uuid().primary(),
    createdAt: p.datetime(),
  },
});
export type PostLikeEntity = InferEntity<typeof PostLike>;

export const Comment = defineEntity({
  name: 'Comment',
  tableName: 'comment',
  properties: {
    id: p.uuid().primary(),
    postId: p.uuid(),
    authorId: p.uuid(),
    body: p.text(),
    createdAt: p.datetime(),
  },
});
export type CommentEntity = InferEntity<typeof Comment>;

/** A post as its fields resolve it: the vendor is null once the vendor copy says it was deleted. */
export interface PostRow {
  id: string;
  authorId: string;
  vendorId: string | null;
  body: string;
  createdAt: Date;
  editedAt: Date | null;
}

/** An entity of another subgraph as this subgraph knows it: only the key. */
export interface EntityReference {
  id: string;
}

export const entities = [
  MediaCopy,
  VendorCopy,
  UserFollowCopy,
  VendorFollowCopy,
  ClosedAccountCopy,
  Post,
  PostMedia,
  PostLike,
  Comment,
  OutboxEvent,
];
