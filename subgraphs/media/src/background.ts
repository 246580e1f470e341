import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { systemClock, type Clock } from '@curbside/async';
import type { Logger } from '@curbside/service';
import { publishCommitted, recordEvent, type LivePubSub, type Orm } from '@curbside/subgraph-kit';
import { Media, type MediaEntity } from './entities.ts';
import { processImage, UnprocessableImageError, type ProcessedImage } from './processing.ts';
import { deleteMediaFiles, mediaKeys, type MediaStorage } from './storage.ts';

/** What the media subgraph's background work needs (the workers deployable provides it). */
export interface MediaBackgroundDeps {
  orm: Orm;
  storage: MediaStorage;
  logger: Logger;
  /** Where READY, FAILED and deletions are announced (`media.status`), once committed. */
  pubsub: LivePubSub;
}

/** An upload not finished this long after createUpload is removed: 24 hours. */
export const unfinishedUploadLifetimeMs = 24 * 3600_000;
/** Rows removed per transaction by the sweep of unfinished uploads: 500. */
const sweepBatchSize = 500;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The stored bytes under `key`, or null when there are none. */
async function readStored(storage: MediaStorage, key: string): Promise<Buffer | null> {
  try {
    return await readAll(storage.openRead(key));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The bytes to process: the upload, kept privately. Media that were READY before processing existed have
 * none: their bytes are the served file, which the migration stopped serving until it is processed.
 */
async function readUploaded(storage: MediaStorage, mediaId: string): Promise<Buffer | null> {
  const keys = mediaKeys(mediaId);
  return (await readStored(storage, keys.original)) ?? (await readStored(storage, keys.served));
}

const announce = (deps: MediaBackgroundDeps, media: Pick<MediaEntity, 'id' | 'ownerId'>) =>
  publishCommitted(deps.pubsub, deps.logger, 'media.status', media.id, { mediaId: media.id, ownerId: media.ownerId });

/**
 * The `media.process` job: makes a PROCESSING media READY (its image re-encoded without metadata, and a
 * thumbnail; `media.uploaded` recorded in the same transaction) or FAILED with a reason (`media.failed`),
 * tells the owner (`mediaStatusChanged`), then removes the private upload.
 *
 * Idempotent: a media no longer PROCESSING is left as it is (only its upload is removed, in case a previous
 * run committed and died before that; a FAILED media keeps no file at all). The files are written before the
 * row changes, under their final keys: a run that dies in between leaves files that no route serves until a
 * later run commits. The status change is conditional on PROCESSING, so of two runs one commits; one that
 * finds the media deleted meanwhile removes what it wrote.
 */
export async function processReceivedMedia(deps: MediaBackgroundDeps, mediaId: string): Promise<void> {
  const { storage, logger } = deps;
  const em = deps.orm.em.fork();
  const keys = mediaKeys(mediaId);
  const media = await em.findOne(Media, { id: mediaId });
  if (!media) return; // deleted: its files went with it
  if (media.status === 'READY') await storage.delete(keys.original);
  if (media.status === 'FAILED') await deleteMediaFiles(storage, mediaId);
  if (media.status !== 'PROCESSING') return;

  let processed: ProcessedImage | null = null;
  let failureReason: string | null = null;
  const uploaded = await readUploaded(storage, mediaId);
  if (!uploaded) failureReason = 'The uploaded file is missing.';
  else {
    try {
      processed = await processImage(uploaded, media.contentType);
    } catch (error) {
      if (!(error instanceof UnprocessableImageError)) throw error; // retried
      failureReason = error.message;
    }
  }

  if (processed) {
    const { image, thumbnail, width, height } = processed;
    await storage.put(keys.thumbnail, thumbnail);
    await storage.put(keys.served, image);
    const ready = await em.transactional(async (tx) => {
      const updated = await tx.nativeUpdate(
        Media,
        { id: mediaId, status: 'PROCESSING' },
        {
          status: 'READY',
          width,
          height,
          contentHash: sha256(image),
          thumbnailHash: sha256(thumbnail),
          updatedAt: new Date(),
        },
      );
      if (updated === 0) return false;
      recordEvent(tx, 'media.uploaded', {
        mediaId,
        ownerId: media.ownerId,
        contentType: media.contentType,
        byteSize: media.byteSize,
        width,
        height,
      });
      return true;
    });
    if (!ready) {
      // Another run finished first (its files are the same bytes, keep them), or the media was deleted.
      if (!(await em.fork().findOne(Media, { id: mediaId }))) await deleteMediaFiles(storage, mediaId);
      return;
    }
    logger.info({ mediaId, width, height }, 'media processed');
  } else {
    const reason = failureReason!;
    const failed = await em.transactional(async (tx) => {
      const updated = await tx.nativeUpdate(
        Media,
        { id: mediaId, status: 'PROCESSING' },
        { status: 'FAILED', failureReason: reason, updatedAt: new Date() },
      );
      if (updated > 0) recordEvent(tx, 'media.failed', { mediaId, ownerId: media.ownerId, reason });
      return updated > 0;
    });
    if (!failed) return;
    logger.warn({ mediaId, reason }, 'media processing failed');
  }
  await announce(deps, media);
  // Nothing of a FAILED media is served, so nothing of it is kept (the bytes may hold GPS).
  if (processed) await storage.delete(keys.original);
  else await deleteMediaFiles(storage, mediaId);
}

/**
 * The scheduled sweep: removes the media whose upload never completed (PENDING_UPLOAD, or a claim whose PUT
 * died with its process) `unfinishedUploadLifetimeMs` after createUpload, their files (a private upload
 * stored just before a crash), and the temporary files of writes interrupted that long ago. Each removal
 * records `media.deleted`. The upload URL expired long before, so nothing can complete them any more; a PUT
 * still trickling in finds its row gone and removes what it wrote. Returns how many media it removed. `clock`
 * says when now is (default `systemClock`).
 */
export async function removeUnfinishedUploads(deps: MediaBackgroundDeps, clock: Clock = systemClock): Promise<number> {
  const cutoff = new Date(clock.now() - unfinishedUploadLifetimeMs);
  let removed = 0;
  for (;;) {
    const em = deps.orm.em.fork();
    // Conditional on the row still being unfinished and old: rows first, then files (as deleteMedia does).
    const rows = await em.transactional(async (tx) => {
      const deleted = await tx.execute<{ id: string; owner_id: string }[]>(
        `delete from media where id in (
           select id from media where status in ('PENDING_UPLOAD', 'UPLOADING') and created_at < ?
           order by created_at limit ? for update skip locked)
         returning id, owner_id`,
        [cutoff, sweepBatchSize],
      );
      for (const row of deleted) recordEvent(tx, 'media.deleted', { mediaId: row.id, ownerId: row.owner_id });
      return deleted;
    });
    for (const row of rows) {
      await deleteMediaFiles(deps.storage, row.id);
      await announce(deps, { id: row.id, ownerId: row.owner_id });
    }
    removed += rows.length;
    if (rows.length < sweepBatchSize) break;
  }
  const abandonedWrites = await deps.storage.removeAbandonedWrites(cutoff);
  if (removed > 0 || abandonedWrites > 0) {
    deps.logger.info({ removed, abandonedWrites }, 'unfinished uploads removed');
  }
  return removed;
}

/**
 * The `media.account-cleanup` job: a closed account's media, every status, removed with `media.deleted` each
 * (the post subgraph's copy then forgets them), then their files, and the owner's subscriptions end. Rows
 * first, then files, as deleteMedia does; a processing job finishing meanwhile finds its row gone and removes
 * what it wrote, and an upload still arriving is refused. Idempotent: run again, it finds nothing and records
 * nothing. Returns how many media it removed.
 */
export async function removeAccountMedia(deps: MediaBackgroundDeps, userId: string): Promise<number> {
  const removed = await deps.orm.em.fork().transactional(async (tx) => {
    const rows = await tx.execute<{ id: string }[]>('delete from media where owner_id = ? returning id', [userId]);
    for (const { id } of rows) recordEvent(tx, 'media.deleted', { mediaId: id, ownerId: userId });
    return rows.map((row) => row.id);
  });
  for (const mediaId of removed) {
    await deleteMediaFiles(deps.storage, mediaId);
    await announce(deps, { id: mediaId, ownerId: userId });
  }
  if (removed.length > 0) deps.logger.info({ userId, media: removed.length }, 'account media removed');
  return removed.length;
}
