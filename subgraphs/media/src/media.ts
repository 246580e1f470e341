import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@curbside/auth';
import { badUserInput, notFound, type FieldProblems } from '@curbside/errors';
import type { Logger } from '@curbside/service';
import {
  checkId,
  checkLengths,
  quoted,
  recordEvent,
  requireOwnerOrAdmin,
  requireViewer,
  toConnection,
  type Connection,
  type Cursor,
} from '@curbside/subgraph-kit';
import { allowedContentTypes, Media, type AllowedContentType, type MediaEntity } from './entities.ts';
import type { UploadSigner } from './signing.ts';
import { deleteMediaFiles, type MediaStorage } from './storage.ts';

/** Largest upload: 10 MiB. */
export const maxUploadBytes = 10 * 1024 * 1024;
/** How long an upload URL stays valid: 15 minutes. */
export const uploadUrlLifetimeMs = 15 * 60_000;
/** Paths the media subgraph serves; the public base URL (the gateway's `/media`) maps onto `/media`. */
export const uploadPathPrefix = '/media/uploads/';
export const filePathPrefix = '/media/files/';
export const thumbnailPathPrefix = '/media/thumbnails/';

/** How this subgraph names its files to clients. */
export interface MediaLinks {
  /** Public URL of `/media`, without a trailing slash, such as `http://localhost:4000/media`. */
  publicBaseUrl: string;
  signer: UploadSigner;
}

/** The URL serving a media's image (without its metadata); null unless READY. */
export function urlOf(links: MediaLinks, media: MediaEntity): string | null {
  return media.status === 'READY' ? `${links.publicBaseUrl}/files/${media.id}` : null;
}

/** The URL serving a media's WebP thumbnail; null unless READY. */
export function thumbnailUrlOf(links: MediaLinks, media: MediaEntity): string | null {
  return media.status === 'READY' ? `${links.publicBaseUrl}/thumbnails/${media.id}` : null;
}

/** The status a client sees: a claimed upload in progress is still PENDING_UPLOAD to everyone else. */
export function publicStatus(media: MediaEntity): 'PENDING_UPLOAD' | 'PROCESSING' | 'READY' | 'FAILED' {
  return media.status === 'UPLOADING' ? 'PENDING_UPLOAD' : media.status;
}

const isAllowedContentType = (value: string): value is AllowedContentType =>
  (allowedContentTypes as readonly string[]).includes(value);

// Separators of POSIX and Windows paths, and control characters (NUL among them), which no file name needs.
const forbiddenFilenameCharacters = /[/\\\u0000-\u001f\u007f]/;

/** The longest file name, in characters (code points): 255. */
export const maxFilenameLength = 255;
/** The longest content type: 100 characters, far more than any of `allowedContentTypes`. */
const maxContentTypeLength = 100;

export function checkUploadInput(input: { filename: string; contentType: string; byteSize: number }): {
  filename: string;
  contentType: AllowedContentType;
  byteSize: number;
} {
  checkLengths({ contentType: [input.contentType, maxContentTypeLength] });
  const problems: FieldProblems = {};
  // A code point is at most two UTF-16 units: a name longer than twice the limit is refused without being split
  // into code points (its length in units is then what the message reports).
  const filenameLength =
    input.filename.length > maxFilenameLength * 2 ? input.filename.length : [...input.filename].length;
  if (filenameLength < 1 || filenameLength > maxFilenameLength) {
    problems['filename'] = `expected 1 to ${maxFilenameLength} characters, got ${filenameLength}`;
  } else if (forbiddenFilenameCharacters.test(input.filename)) {
    problems['filename'] =
      `expected a file name without '/', '\\' or control characters, got ${quoted(input.filename)}`;
  }
  if (!isAllowedContentType(input.contentType)) {
    problems['contentType'] = `expected one of ${allowedContentTypes.join(', ')}, got ${quoted(input.contentType)}`;
  }
  if (!Number.isInteger(input.byteSize) || input.byteSize < 1 || input.byteSize > maxUploadBytes) {
    problems['byteSize'] = `expected 1 to ${maxUploadBytes} bytes (10 MB), got ${input.byteSize}`;
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
  return { filename: input.filename, contentType: input.contentType as AllowedContentType, byteSize: input.byteSize };
}

export interface UploadTicket {
  media: MediaEntity;
  uploadUrl: string;
  uploadHeaders: Record<string, string>;
  expiresAt: Date;
}

/** Signed in: a PENDING_UPLOAD media and a signed, single-use URL to PUT its bytes to. */
export async function createUpload(
  em: EntityManager,
  links: MediaLinks,
  viewer: Viewer | null,
  input: { filename: string; contentType: string; byteSize: number },
): Promise<UploadTicket> {
  const owner = requireViewer(viewer);
  const checked = checkUploadInput(input);
  const now = new Date();
  const media = em.create(Media, {
    id: randomUUID(),
    ownerId: owner.userId,
    filename: checked.filename,
    contentType: checked.contentType,
    byteSize: checked.byteSize,
    width: null,
    height: null,
    status: 'PENDING_UPLOAD',
    contentHash: null,
    thumbnailHash: null,
    failureReason: null,
    createdAt: now,
    updatedAt: now,
  });
  recordEvent(em, 'media.upload_requested', {
    mediaId: media.id,
    ownerId: media.ownerId,
    contentType: media.contentType,
    byteSize: media.byteSize,
  });
  await em.flush();
  const expires = now.getTime() + uploadUrlLifetimeMs;
  const signature = links.signer.sign({
    method: 'PUT',
    path: `${uploadPathPrefix}${media.id}`,
    expires,
    byteSize: media.byteSize,
    contentType: media.contentType,
  });
  return {
    media,
    uploadUrl: `${links.publicBaseUrl}/uploads/${media.id}?expires=${expires}&signature=${signature}`,
    uploadHeaders: { 'Content-Type': media.contentType },
    expiresAt: new Date(expires),
  };
}

/**
 * Owner or admin: removes the row (recording `media.deleted` in the same transaction), then the files.
 * In that order because a file without a row is never served and only wastes space, while a row
 * without its file would be a READY media whose URL fails.
 */
export async function deleteMedia(
  em: EntityManager,
  storage: MediaStorage,
  logger: Logger,
  viewer: Viewer | null,
  id: string,
): Promise<{ mediaId: string; ownerId: string }> {
  requireViewer(viewer);
  const mediaId = checkId(id);
  const media = await em.findOne(Media, { id: mediaId });
  if (!media) throw notFound(`Media ${mediaId}`);
  requireOwnerOrAdmin(viewer, media.ownerId);
  await em.transactional(async (tx) => {
    // Conditional on the row still being there: of two concurrent deletions, one records the event.
    const deleted = await tx.nativeDelete(Media, { id: mediaId });
    if (deleted === 0) throw notFound(`Media ${mediaId}`);
    recordEvent(tx, 'media.deleted', { mediaId, ownerId: media.ownerId });
  });
  await deleteMediaFiles(storage, mediaId).catch((error: unknown) => {
    logger.error({ err: error, mediaId }, 'media row deleted but its files could not be removed');
  });
  return { mediaId, ownerId: media.ownerId };
}

/** One page of `User.media`: the user's media, newest first; all of them, or only READY ones. */
export interface MediaPageKey {
  userId: string;
  first: number;
  after: Cursor | null;
  readyOnly: boolean;
}

/** Farther in the past than any media, as the `after` of a first page. */
const beforeFirstMedia = { createdAt: '9999-12-31T00:00:00Z', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };

/** Every requested page in one query (a lateral join per key), in key order. */
export async function loadMediaPages(
  em: EntityManager,
  keys: readonly MediaPageKey[],
): Promise<Connection<MediaEntity>[]> {
  const params = keys.flatMap((key, index) => [
    index,
    key.userId,
    key.after?.createdAt.toISOString() ?? beforeFirstMedia.createdAt,
    key.after?.id ?? beforeFirstMedia.id,
    key.first + 1,
    key.readyOnly,
  ]);
  const rows = await em.execute<(Record<string, unknown> & { key_index: number })[]>(
    `select page.*
     from (values ${keys.map(() => '(?::int, ?::uuid, ?::timestamptz, ?::uuid, ?::int, ?::boolean)').join(', ')})
       as wanted (key_index, owner_id, after_at, after_id, page_size, ready_only)
     cross join lateral (
       select wanted.key_index, media.*
       from media
       where media.owner_id = wanted.owner_id
         and (media.created_at, media.id) < (wanted.after_at, wanted.after_id)
         and (not wanted.ready_only or media.status = 'READY')
       order by media.created_at desc, media.id desc
       limit wanted.page_size
     ) page
     order by page.key_index, page.created_at desc, page.id desc`,
    params,
  );
  const pages = keys.map(() => [] as MediaEntity[]);
  for (const { key_index: keyIndex, ...row } of rows) pages[Number(keyIndex)]!.push(em.map(Media, row));
  return pages.map((media, index) => toConnection(media, keys[index]!.first));
}
