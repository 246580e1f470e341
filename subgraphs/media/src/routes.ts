import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import sharp, { type Metadata } from 'sharp';
import type { ErrorCode } from '@curbside/errors';
import { requestIdOf, sendCodedJson, sendJson } from '@curbside/http';
import type { Logger } from '@curbside/service';
import { isUuid, recordEvent, type Orm, type Route } from '@curbside/subgraph-kit';
import { Media, type AllowedContentType, type MediaEntity } from './entities.ts';
import { sniffImageType, sniffLength } from './image-type.ts';
import { filePathPrefix, thumbnailPathPrefix, uploadPathPrefix, type MediaLinks } from './media.ts';
import { maxInputPixels } from './processing.ts';
import { mediaKeys, type MediaStorage } from './storage.ts';

/**
 * What the upload and file endpoints answer besides success, as `{ error, code }` with the HTTP status the
 * registry gives the code (`packages/errors`). They are plain HTTP, not GraphQL, but speak the same vocabulary.
 */
export type MediaHttpErrorCode = Extract<
  ErrorCode,
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'SIGNATURE_INVALID'
  | 'URL_EXPIRED'
  | 'ALREADY_UPLOADED'
  | 'LENGTH_REQUIRED'
  | 'SIZE_MISMATCH'
  | 'TYPE_MISMATCH'
  | 'INVALID_IMAGE'
  | 'INTERNAL_SERVER_ERROR'
>;

class Refusal extends Error {
  readonly code: MediaHttpErrorCode;
  constructor(code: MediaHttpErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function refuse(res: ServerResponse, code: MediaHttpErrorCode, message: string, headers: Record<string, string> = {}) {
  sendCodedJson(res, code, message, headers);
}

/** sharp's decoder names for the accepted types. */
const sharpFormats: Record<string, AllowedContentType> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * An upload that sends no byte for this long is dropped (and undone), so that a stalled client, or a
 * proxy that does not pass a dropped connection on, cannot hold its claim for ever: 30 seconds.
 */
const uploadIdleTimeoutMs = 30_000;

const describeType = (type: AllowedContentType | null) => type ?? 'not an accepted image';

/**
 * Reads exactly `size` bytes of the body into memory (at most 10 MB, the largest declared size),
 * checking the real type as soon as the leading bytes are in. Stops reading at the first byte past
 * `size` or the first wrong byte. The iterator is told not to destroy the request on an early stop,
 * so that the refusal can still be answered on the same connection.
 */
async function receiveBody(req: IncomingMessage, size: number, declared: AllowedContentType): Promise<Buffer> {
  const body = Buffer.allocUnsafe(size);
  let received = 0;
  const checkType = () => {
    const actual = sniffImageType(body.subarray(0, received));
    if (actual !== declared) {
      throw new Refusal('TYPE_MISMATCH', `The bytes are ${describeType(actual)}, not the declared ${declared}.`);
    }
  };
  const stalled = () => req.destroy(new Error(`no upload data for ${uploadIdleTimeoutMs} ms`));
  const idle = setTimeout(stalled, uploadIdleTimeoutMs);
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      idle.refresh();
      if (received + chunk.length > size) {
        throw new Refusal('SIZE_MISMATCH', `The body is longer than the declared ${size} bytes.`);
      }
      const before = received;
      chunk.copy(body, received);
      received += chunk.length;
      if (before < sniffLength && received >= sniffLength) checkType();
    }
  } finally {
    clearTimeout(idle);
  }
  if (received !== size) {
    throw new Refusal('SIZE_MISMATCH', `Received ${received} bytes, but ${size} were declared.`);
  }
  if (received < sniffLength) checkType();
  return body;
}

/** Width and height as displayed (EXIF orientation applied); refuses what sharp cannot read as `declared`. */
async function dimensionsOf(body: Buffer, declared: AllowedContentType): Promise<{ width: number; height: number }> {
  let metadata: Metadata;
  try {
    metadata = await sharp(body).metadata();
  } catch {
    throw new Refusal('INVALID_IMAGE', `The bytes are not a readable ${declared} image.`);
  }
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (sharpFormats[metadata.format] !== declared || !(width > 0) || !(height > 0)) {
    throw new Refusal('INVALID_IMAGE', `The bytes are not a readable ${declared} image.`);
  }
  if (width * height > maxInputPixels) {
    throw new Refusal('INVALID_IMAGE', `The image is ${width}×${height} pixels; at most 100 megapixels are accepted.`);
  }
  return { width, height };
}

const mediaTypeOf = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

/** True when an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks for GET) or is `*`. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

export interface MediaRouteDeps {
  orm: Orm;
  storage: MediaStorage;
  links: MediaLinks;
  logger: Logger;
}

/**
 * `PUT /media/uploads/<id>?expires=&signature=`: receives the bytes of a PENDING_UPLOAD media, once.
 *
 * The signature and expiry are checked first, then the declared Content-Type and Content-Length. The
 * row is then claimed (PENDING_UPLOAD → UPLOADING) by a conditional UPDATE, so of two concurrent PUTs
 * with the same URL exactly one proceeds. Any failure after the claim (size, type, unreadable image,
 * a dropped connection, a storage or database error) removes whatever was written and puts the row
 * back to PENDING_UPLOAD: the URL stays usable until it expires, for a corrected retry. Only success
 * uses it up: the bytes are stored privately and the media is PROCESSING, with `media.received` recorded
 * in the same transaction; the processing job (media.process, in the workers) takes it from there.
 */
function uploadRoute({ orm, storage, links, logger }: MediaRouteDeps): Route {
  return async (req, res) => {
    const requestId = requestIdOf(req);
    const headers = { 'x-request-id': requestId };
    if (req.method !== 'PUT') {
      return refuse(res, 'METHOD_NOT_ALLOWED', 'Upload URLs take PUT only.', { ...headers, allow: 'PUT' });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const id = url.pathname.slice(uploadPathPrefix.length);
    if (!isUuid(id)) return refuse(res, 'NOT_FOUND', 'No such upload.', headers);
    const em = orm.em.fork();
    const media = await em.findOne(Media, { id: id.toLowerCase() });
    if (!media) return refuse(res, 'NOT_FOUND', 'No such upload: the media does not exist (any more).', headers);

    const expires = Number(url.searchParams.get('expires'));
    const grant = {
      method: 'PUT',
      path: url.pathname,
      expires,
      byteSize: media.byteSize,
      contentType: media.contentType,
    };
    if (!Number.isSafeInteger(expires) || !links.signer.verify(grant, url.searchParams.get('signature') ?? '')) {
      return refuse(res, 'SIGNATURE_INVALID', 'The upload URL signature is invalid.', headers);
    }
    if (Date.now() > expires) {
      return refuse(res, 'URL_EXPIRED', 'The upload URL has expired; ask for a new one with createUpload.', headers);
    }
    if (media.status !== 'PENDING_UPLOAD') {
      return refuse(
        res,
        'ALREADY_UPLOADED',
        'This upload URL was already used (or another upload with it is in progress).',
        headers,
      );
    }
    if (mediaTypeOf(req.headers['content-type']) !== media.contentType) {
      return refuse(
        res,
        'TYPE_MISMATCH',
        `Send Content-Type: ${media.contentType}, as declared (got ${JSON.stringify(req.headers['content-type'] ?? '')}).`,
        headers,
      );
    }
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined) {
      return refuse(res, 'LENGTH_REQUIRED', `Send Content-Length: ${media.byteSize}.`, {
        ...headers,
        connection: 'close',
      });
    }
    if (Number(lengthHeader) !== media.byteSize) {
      // A body larger than declared is not worth reading to the end just to keep the connection.
      const close: Record<string, string> = Number(lengthHeader) <= media.byteSize ? {} : { connection: 'close' };
      return refuse(
        res,
        'SIZE_MISMATCH',
        `Content-Length is ${lengthHeader}, but ${media.byteSize} bytes were declared.`,
        { ...headers, ...close },
      );
    }

    const claimed = await em.nativeUpdate(
      Media,
      { id: media.id, status: 'PENDING_UPLOAD' },
      { status: 'UPLOADING', updatedAt: new Date() },
    );
    if (claimed === 0)
      return refuse(
        res,
        'ALREADY_UPLOADED',
        'This upload URL was already used (or another upload with it is in progress).',
        headers,
      );

    const originalKey = mediaKeys(media.id).original;
    let stored = false;
    let dimensions: { width: number; height: number };
    try {
      const body = await receiveBody(req, media.byteSize, media.contentType);
      dimensions = await dimensionsOf(body, media.contentType);
      // Kept under a key no route serves: the bytes may carry metadata (GPS) until processed.
      await storage.put(originalKey, body);
      stored = true;
      const received = await em.transactional(async (tx) => {
        const updated = await tx.nativeUpdate(
          Media,
          { id: media.id, status: 'UPLOADING' },
          { status: 'PROCESSING', ...dimensions, updatedAt: new Date() },
        );
        if (updated === 0) return false; // deleted while the bytes were arriving
        recordEvent(tx, 'media.received', {
          mediaId: media.id,
          ownerId: media.ownerId,
          contentType: media.contentType,
          byteSize: media.byteSize,
        });
        return true;
      });
      if (!received) throw new Refusal('NOT_FOUND', 'The media was deleted during the upload.');
    } catch (error) {
      // Nothing was committed: the file goes (no row points at it), then the claim is released.
      if (stored)
        await storage
          .delete(originalKey)
          .catch((err: unknown) => logger.error({ err, requestId }, 'orphan upload file'));
      await orm.em
        .fork()
        .nativeUpdate(Media, { id: media.id, status: 'UPLOADING' }, { status: 'PENDING_UPLOAD', updatedAt: new Date() })
        .catch((err: unknown) => logger.error({ err, requestId, mediaId: media.id }, 'upload claim not released'));
      if (req.readableAborted || res.destroyed) return; // the client went away: nobody to answer
      // Whatever is left of the body is read and dropped (at most the declared size), so the answer
      // reaches a client that is still sending.
      req.resume();
      if (error instanceof Refusal) return refuse(res, error.code, error.message, headers);
      logger.error({ err: error, requestId, mediaId: media.id }, 'upload failed');
      refuse(res, 'INTERNAL_SERVER_ERROR', `Internal server error (request ${requestId}).`, headers);
      return;
    }
    // Accepted, not finished: the processing job makes it READY (or FAILED) and mediaStatusChanged says so.
    sendJson(
      res,
      202,
      { id: media.id, status: 'PROCESSING', contentType: media.contentType, byteSize: media.byteSize, ...dimensions },
      headers,
    );
  };
}

/** What a file route serves of a READY media: the image (its key, type and hash), or its thumbnail. */
interface Variant {
  pathPrefix: string;
  key(media: MediaEntity): string;
  contentType(media: MediaEntity): string;
  hash(media: MediaEntity): string | null | undefined;
}

const servedImage: Variant = {
  pathPrefix: filePathPrefix,
  key: (media) => mediaKeys(media.id).served,
  contentType: (media) => media.contentType,
  hash: (media) => media.contentHash,
};

const thumbnail: Variant = {
  pathPrefix: thumbnailPathPrefix,
  key: (media) => mediaKeys(media.id).thumbnail,
  contentType: () => 'image/webp',
  hash: (media) => media.thumbnailHash,
};

/**
 * `GET|HEAD /media/files/<id>` and `/media/thumbnails/<id>`: the processed image or its thumbnail of a READY
 * media, cacheable for ever (they never change). Nothing is served before processing finished, so the
 * uploaded bytes, metadata and all, never are.
 */
function fileRoute({ orm, storage, logger }: MediaRouteDeps, variant: Variant): Route {
  return async (req, res) => {
    const requestId = requestIdOf(req);
    const headers = { 'x-request-id': requestId };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(res, 'METHOD_NOT_ALLOWED', 'Files take GET and HEAD only.', { ...headers, allow: 'GET, HEAD' });
    }
    const id = new URL(req.url ?? '/', 'http://localhost').pathname.slice(variant.pathPrefix.length);
    const media = isUuid(id) ? await orm.em.fork().findOne(Media, { id: id.toLowerCase() }) : null;
    const hash = media?.status === 'READY' ? variant.hash(media) : null;
    if (!media || !hash) return refuse(res, 'NOT_FOUND', 'No such file.', headers);
    const cacheHeaders = {
      ...headers,
      etag: `"${hash}"`,
      'cache-control': 'public, max-age=31536000, immutable',
    };
    if (ifNoneMatchHits(req.headers['if-none-match'], cacheHeaders.etag)) {
      res.writeHead(304, cacheHeaders);
      res.end();
      return;
    }
    const key = variant.key(media);
    const stat = await storage.stat(key);
    if (!stat) {
      logger.error({ requestId, mediaId: media.id, key }, 'READY media without its file');
      return refuse(res, 'NOT_FOUND', 'No such file.', headers);
    }
    res.writeHead(200, {
      ...cacheHeaders,
      'content-type': variant.contentType(media),
      'content-length': String(stat.byteSize),
      // The type was checked at upload; browsers must not guess another one.
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await pipeline(storage.openRead(key), res);
    } catch (error) {
      if (!res.destroyed) logger.error({ err: error, requestId, mediaId: media.id }, 'file read failed');
      res.destroy();
    }
  };
}

/** The media subgraph's HTTP routes beside /graphql, on the paths the public URLs use. */
export function mediaRoutes(deps: MediaRouteDeps): Record<string, Route> {
  return {
    [`${uploadPathPrefix}*`]: uploadRoute(deps),
    [`${filePathPrefix}*`]: fileRoute(deps, servedImage),
    [`${thumbnailPathPrefix}*`]: fileRoute(deps, thumbnail),
  };
}
