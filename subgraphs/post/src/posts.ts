import { randomUUID } from 'node:crypto';
import { ForeignKeyConstraintViolationException, LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, forbidden, notFound, type FieldProblems } from '@curbside/errors';
import {
  checkId,
  checkLengths,
  isUuid,
  quoted,
  recordEvent,
  requireOwnerOrAdmin,
  requireViewer,
  trimmedLengthSlack,
} from '@curbside/subgraph-kit';
import {
  Comment,
  MediaCopy,
  Post,
  PostMedia,
  VendorCopy,
  type CommentEntity,
  type PostEntity,
  type PostRow,
} from './entities.ts';

const maxBodyLength = 5_000;
const maxCommentLength = 2_000;
const maxMediaPerPost = 10;

/** A post as its fields show it, from the entity just written (its vendor copy was checked, so it is shown). */
function toRow(post: PostEntity): PostRow {
  return {
    id: post.id,
    authorId: post.authorId,
    vendorId: post.vendorId ?? null,
    body: post.body,
    createdAt: post.createdAt,
    editedAt: post.editedAt ?? null,
  };
}

/**
 * Trims a text argument and checks its length; records the problem under `field` and returns undefined. One
 * longer than `max` even before trimming could allow is refused as it came, untrimmed.
 */
export function checkText(value: string, field: string, max: number, problems: FieldProblems): string | undefined {
  if (value.length > max + trimmedLengthSlack) {
    problems[field] = `expected 1 to ${max.toLocaleString('en')} characters after trimming, got ${value.length}`;
    return undefined;
  }
  const text = value.trim();
  if (text.length < 1 || text.length > max) {
    problems[field] = `expected 1 to ${max.toLocaleString('en')} characters after trimming, got ${text.length}`;
    return undefined;
  }
  return text;
}

/**
 * Checks the shape of a media list (at most 10 distinct UUIDs); returns the ids lower-cased, in order. A longer
 * list is refused by its length alone, before any id is looked at.
 */
export function checkMediaIds(ids: readonly string[], problems: FieldProblems): string[] | undefined {
  if (ids.length > maxMediaPerPost) {
    problems['mediaIds'] = `expected at most ${maxMediaPerPost} media, got ${ids.length}`;
    return undefined;
  }
  const malformed = ids.filter((id) => !isUuid(id));
  const lowered = ids.map((id) => (isUuid(id) ? id.toLowerCase() : id));
  const duplicates = [...new Set(lowered.filter((id, index) => isUuid(id) && lowered.indexOf(id) !== index))];
  const found: string[] = [];
  if (malformed.length > 0) found.push(`expected UUIDs, got ${malformed.map((id) => quoted(id)).join(', ')}`);
  if (duplicates.length > 0) found.push(`expected each media once, got ${duplicates.join(', ')} more than once`);
  if (found.length > 0) {
    problems['mediaIds'] = found.join('; ');
    return undefined;
  }
  return lowered;
}

/**
 * Checks against the media copy that each media is READY and the author's own. The copy only knows a
 * media once `media.uploaded` arrived, so one still uploading (or whose event is still on its way) is not
 * READY yet; a deleted one stays a tombstone. Another user's media is refused the same way, naming the ids.
 */
async function checkMediaOwnership(
  em: EntityManager,
  authorId: string,
  mediaIds: string[],
  problems: FieldProblems,
): Promise<void> {
  if (mediaIds.length === 0) return;
  const copies = await em.find(MediaCopy, { mediaId: { $in: mediaIds } });
  const problem = mediaOwnershipProblem(authorId, mediaIds, copies);
  if (problem) problems['mediaIds'] = problem;
}

/**
 * What is wrong with attaching `mediaIds` for `authorId`, given the media copies found for them, or null: each
 * must be known, not deleted, and the author's own. Ids are named in the order given.
 */
export function mediaOwnershipProblem(
  authorId: string,
  mediaIds: readonly string[],
  copies: readonly { mediaId: string; ownerId: string; deleted: boolean }[],
): string | null {
  const byId = new Map(copies.map((copy) => [copy.mediaId, copy]));
  const notReady = mediaIds.filter((id) => !byId.get(id) || byId.get(id)!.deleted);
  const notOwned = mediaIds.filter((id) => !notReady.includes(id) && byId.get(id)!.ownerId !== authorId);
  const found: string[] = [];
  if (notReady.length > 0) found.push(`media ${notReady.join(', ')} not found or not READY`);
  if (notOwned.length > 0) found.push(`media ${notOwned.join(', ')} belong to another user`);
  return found.length > 0 ? `expected your own READY media: ${found.join('; ')}` : null;
}

/** Replaces a post's media list (positions 0, 1, ...). */
async function setPostMedia(em: EntityManager, postId: string, mediaIds: string[]): Promise<void> {
  await em.nativeDelete(PostMedia, { post: postId });
  mediaIds.forEach((mediaId, position) => em.create(PostMedia, { post: postId, position, mediaId }));
}

/** The post `id` names, or NOT_FOUND. `argument` names the argument in a BAD_USER_INPUT for a malformed id. */
async function findPost(
  em: EntityManager,
  id: string,
  options: { argument?: string; lockMode?: LockMode } = {},
): Promise<PostEntity> {
  const post = await em.findOne(
    Post,
    { id: checkId(id, options.argument) },
    options.lockMode ? { lockMode: options.lockMode } : {},
  );
  if (!post) throw notFound(`Post ${id}`);
  return post;
}

export interface CreatePostInput {
  body: string;
  mediaIds?: readonly string[] | null | undefined;
  vendorId?: string | null | undefined;
}

/**
 * Signed in. Media must be the author's own READY media, and `vendorId` a vendor the author owns, both
 * checked against this subgraph's copies (eventually consistent with the media and vendor subgraphs).
 */
export async function createPost(em: EntityManager, viewer: Viewer | null, input: CreatePostInput): Promise<PostRow> {
  const author = requireViewer(viewer);
  const problems: FieldProblems = {};
  const body = checkText(input.body, 'body', maxBodyLength, problems);
  const mediaIds = checkMediaIds(input.mediaIds ?? [], problems);
  if (mediaIds) await checkMediaOwnership(em, author.userId, mediaIds, problems);
  const vendorId = input.vendorId == null || !isUuid(input.vendorId) ? null : input.vendorId.toLowerCase();
  if (input.vendorId != null && vendorId === null)
    problems['vendorId'] = `expected a UUID, got ${quoted(input.vendorId)}`;
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  if (vendorId) {
    const vendor = await em.findOne(VendorCopy, { vendorId });
    if (!vendor || vendor.deleted) throw notFound(`Vendor ${vendorId}`);
    if (vendor.ownerId !== author.userId) throw forbidden('Only the owner of a vendor may post as that vendor.');
  }
  const post = em.create(Post, {
    id: randomUUID(),
    authorId: author.userId,
    vendorId,
    body: body!,
    createdAt: new Date(),
    editedAt: null,
  });
  mediaIds!.forEach((mediaId, position) => em.create(PostMedia, { post, position, mediaId }));
  recordEvent(em, 'post.created', {
    postId: post.id,
    authorId: post.authorId,
    vendorId,
    mediaIds: mediaIds!,
    body: post.body,
  });
  await em.flush();
  return toRow(post);
}

export interface UpdatePostInput {
  body?: string | null | undefined;
  mediaIds?: readonly string[] | null | undefined;
}

/** The author only (not admins: an edit speaks for the author). Fields left out are unchanged; sets editedAt. */
export async function updatePost(
  em: EntityManager,
  viewer: Viewer | null,
  id: string,
  input: UpdatePostInput,
): Promise<PostRow> {
  const author = requireViewer(viewer);
  // Bounded before the post is looked up and locked; everything else is checked once the author is known.
  checkLengths({ body: [input.body, { max: maxBodyLength, trimmed: true }] });
  if (input.mediaIds && input.mediaIds.length > maxMediaPerPost) {
    throw badUserInput({ mediaIds: `expected at most ${maxMediaPerPost} media, got ${input.mediaIds.length}` });
  }
  return em.transactional(async (tx) => {
    // Locked, so that concurrent edits of one post apply one after the other (media lists never interleave).
    const post = await findPost(tx, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (post.authorId !== author.userId) throw forbidden('Only the author may edit a post.');
    const problems: FieldProblems = {};
    if (input.body === undefined && input.mediaIds === undefined) {
      problems['input'] = 'expected body or mediaIds';
    }
    if (input.body === null) problems['body'] = 'expected text; a body cannot be cleared';
    const body = input.body == null ? undefined : checkText(input.body, 'body', maxBodyLength, problems);
    if (input.mediaIds === null) problems['mediaIds'] = 'expected a list of media ids; [] removes every media';
    const mediaIds = input.mediaIds == null ? undefined : checkMediaIds(input.mediaIds, problems);
    if (mediaIds) await checkMediaOwnership(tx, author.userId, mediaIds, problems);
    if (Object.keys(problems).length > 0) throw badUserInput(problems);
    if (body !== undefined) post.body = body;
    if (mediaIds) await setPostMedia(tx, post.id, mediaIds);
    post.editedAt = new Date();
    recordEvent(tx, 'post.updated', { postId: post.id, authorId: post.authorId, body: post.body });
    return toRow(post);
  });
}

/** The author or an admin. Its likes, comments and media list go with it. Returns the post's id. */
export async function deletePost(em: EntityManager, viewer: Viewer | null, id: string): Promise<string> {
  requireViewer(viewer);
  return em.transactional(async (tx) => {
    // Locked, so that of two concurrent deletes only one records `post.deleted`; the other finds nothing.
    const post = await findPost(tx, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    requireOwnerOrAdmin(viewer, post.authorId);
    tx.remove(post);
    recordEvent(tx, 'post.deleted', { postId: post.id, authorId: post.authorId });
    return post.id;
  });
}

/**
 * Signed in. Liking a post already liked changes nothing and records no event: the insert skips an
 * existing row, and only an inserted row records `post.liked`, in the same transaction.
 */
export async function likePost(em: EntityManager, viewer: Viewer | null, postId: string): Promise<PostRow> {
  const { userId } = requireViewer(viewer);
  const post = await findPost(em, postId, { argument: 'postId' });
  try {
    await em.transactional(async (tx) => {
      const inserted = await tx.execute<{ post_id: string }[]>(
        `insert into post_like (post_id, user_id, created_at) values (?, ?, ?)
         on conflict (post_id, user_id) do nothing returning post_id`,
        [post.id, userId, new Date()],
      );
      if (inserted.length > 0) recordEvent(tx, 'post.liked', { postId: post.id, userId, authorId: post.authorId });
    });
  } catch (error) {
    // The post was deleted between the lookup and the insert.
    if (error instanceof ForeignKeyConstraintViolationException) throw notFound(`Post ${postId}`);
    throw error;
  }
  return toRow(post);
}

/** Signed in. Unliking a post not liked changes nothing: only a deleted row records `post.unliked`. */
export async function unlikePost(em: EntityManager, viewer: Viewer | null, postId: string): Promise<PostRow> {
  const { userId } = requireViewer(viewer);
  const post = await findPost(em, postId, { argument: 'postId' });
  await em.transactional(async (tx) => {
    const deleted = await tx.execute<{ post_id: string }[]>(
      'delete from post_like where post_id = ? and user_id = ? returning post_id',
      [post.id, userId],
    );
    if (deleted.length > 0) recordEvent(tx, 'post.unliked', { postId: post.id, userId, authorId: post.authorId });
  });
  return toRow(post);
}

/** Signed in; 1 to 2,000 characters after trimming. */
export async function addComment(
  em: EntityManager,
  viewer: Viewer | null,
  postId: string,
  body: string,
): Promise<CommentEntity> {
  const author = requireViewer(viewer);
  const problems: FieldProblems = {};
  const text = checkText(body, 'body', maxCommentLength, problems);
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  const post = await findPost(em, postId, { argument: 'postId' });
  // Earlier commenters are told about this comment; read now, before it exists.
  const participants = await em.execute<{ author_id: string }[]>(
    'select distinct author_id from comment where post_id = ? and author_id <> ? limit 100',
    [post.id, author.userId],
  );
  const comment = em.create(Comment, {
    id: randomUUID(),
    postId: post.id,
    authorId: author.userId,
    body: text!,
    createdAt: new Date(),
  });
  recordEvent(em, 'comment.added', {
    commentId: comment.id,
    postId: post.id,
    authorId: author.userId,
    postAuthorId: post.authorId,
    participantIds: participants.map((row) => row.author_id),
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof ForeignKeyConstraintViolationException) throw notFound(`Post ${postId}`);
    throw error;
  }
  return comment;
}

/** The comment's author, the post's author or an admin. Returns the ids of the comment and its post. */
export async function deleteComment(
  em: EntityManager,
  viewer: Viewer | null,
  id: string,
): Promise<{ commentId: string; postId: string }> {
  const signedIn = requireViewer(viewer);
  return em.transactional(async (tx) => {
    // Locked, so that of two concurrent deletes only one records `comment.deleted`.
    const comment = await tx.findOne(Comment, { id: checkId(id) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!comment) throw notFound(`Comment ${id}`);
    if (comment.authorId !== signedIn.userId && signedIn.role !== 'ADMIN') {
      const post = await tx.findOne(Post, { id: comment.postId });
      if (post?.authorId !== signedIn.userId) throw forbidden();
    }
    tx.remove(comment);
    recordEvent(tx, 'comment.deleted', { commentId: comment.id, postId: comment.postId, authorId: comment.authorId });
    return { commentId: comment.id, postId: comment.postId };
  });
}

/**
 * A closed account's posts, likes and comments, removed in one transaction, each with the event its own
 * mutation records: `post.deleted` for its posts (their likes, comments and media list go with them, as with
 * deletePost), `post.unliked` for its likes and `comment.deleted` for its comments on other users' posts.
 * Counts are counted from the rows, so they are right as soon as this commits. Comments are deleted, not
 * anonymised: their text is the user's own words, and nothing hangs from a comment. Idempotent: run again, it
 * finds nothing and records nothing. Returns the posts deleted, and the other posts whose counts changed.
 */
export async function removeAccountContent(
  em: EntityManager,
  userId: string,
): Promise<{ deletedPostIds: string[]; changedPostIds: string[] }> {
  return em.transactional(async (tx) => {
    const posts = await tx.execute<{ id: string }[]>('delete from post where author_id = ? returning id', [userId]);
    for (const { id } of posts) recordEvent(tx, 'post.deleted', { postId: id, authorId: userId });
    const likes = await tx.execute<{ post_id: string; author_id: string }[]>(
      `delete from post_like using post where post_like.user_id = ? and post.id = post_like.post_id
       returning post_like.post_id, post.author_id`,
      [userId],
    );
    for (const like of likes) {
      recordEvent(tx, 'post.unliked', { postId: like.post_id, userId, authorId: like.author_id });
    }
    const comments = await tx.execute<{ id: string; post_id: string }[]>(
      'delete from comment where author_id = ? returning id, post_id',
      [userId],
    );
    for (const comment of comments) {
      recordEvent(tx, 'comment.deleted', { commentId: comment.id, postId: comment.post_id, authorId: userId });
    }
    return {
      deletedPostIds: posts.map((post) => post.id),
      changedPostIds: [...new Set([...likes, ...comments].map((row) => row.post_id))],
    };
  });
}
