import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { checkKey, isMediaKey, type MediaStore } from './storage.ts';

/** Where an S3 store keeps media, and how it reaches the service. */
export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** Another service than AWS S3 (MinIO, R2, ...). Default AWS's endpoint for `region`. */
  endpoint?: string | undefined;
  /** Bucket in the path rather than in the host name (MinIO and most self-hosted stores). Default false. */
  forcePathStyle?: boolean | undefined;
  /** Default: the AWS SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /**
   * Bytes of a streamed put held in memory at once: a stream up to this size is stored with one PUT, a longer
   * one as a multipart upload of parts this size. At least 5 MiB (S3's smallest part). Default 8 MiB.
   */
  partBytes?: number | undefined;
  /** How long connecting to the store may take. Default 10 seconds. */
  connectTimeoutMs?: number | undefined;
  /**
   * How long a request may go without a byte either way before it fails (the SDK then retries it, three
   * attempts in all). Default 30 seconds, as an upload's idle limit.
   */
  idleTimeoutMs?: number | undefined;
}

/** S3's smallest part of a multipart upload (but the last): 5 MiB. */
const minimumPartBytes = 5 * 1024 * 1024;

/** HTTP status and error name of an S3 answer, whichever way the SDK reports them. */
function s3ErrorOf(error: unknown): { name: string; status: number | undefined } {
  const candidate = error as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return {
    name: typeof candidate?.name === 'string' ? candidate.name : '',
    status: candidate?.$metadata?.httpStatusCode,
  };
}

const isMissing = (error: unknown) => {
  const { name, status } = s3ErrorOf(error);
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
};

/** The error `openRead` fails with when there are no bytes, as the local store's (ENOENT). */
function missingFile(key: string): NodeJS.ErrnoException {
  // Set after construction: a system error code, not a client-facing one (the error-code lint reads `code: '…'`).
  const error: NodeJS.ErrnoException = new Error(`no stored media file ${key}`);
  error.code = 'ENOENT';
  return error;
}

/**
 * Media in one bucket of an S3-compatible object store, under their keys. Puts are all or nothing as S3 makes
 * them: a PUT stores the whole object or nothing, and a multipart upload becomes an object only when
 * completed, so a failed put leaves nothing and replaces nothing. Reads stream the object as it arrives. A
 * process killed during a multipart upload leaves that upload incomplete (its parts are kept, and billed,
 * until aborted): `removeAbandonedWrites` aborts those started before a given time.
 */
export function s3Storage(options: S3StorageOptions): MediaStore {
  const partBytes = options.partBytes ?? 8 * 1024 * 1024;
  if (partBytes < minimumPartBytes) throw new Error(`partBytes must be at least ${minimumPartBytes}, got ${partBytes}`);
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible stores do not all take the newer trailing ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK waits for ever by default: a store that stops answering would hold uploads, downloads and jobs.
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 10_000,
      socketTimeout: options.idleTimeoutMs ?? 30_000,
    },
  });
  const Bucket = options.bucket;

  const putObject = (Key: string, body: Buffer) =>
    client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: body.length }));

  /** Stores a stream one part at a time: one PUT if it fits in a part, else a multipart upload. */
  async function putStream(Key: string, source: Readable): Promise<{ byteSize: number }> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let byteSize = 0;
    let upload: { UploadId: string; parts: CompletedPart[] } | null = null;
    const sendPart = async (body: Buffer) => {
      const { UploadId, parts } = upload!;
      const PartNumber = parts.length + 1;
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.length }),
      );
      parts.push({ PartNumber, ETag });
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        byteSize += chunk.length;
        // Strictly more than a part: a stream of exactly one part still goes as one PUT.
        while (pendingBytes > partBytes) {
          const joined = Buffer.concat(pending);
          pending = [joined.subarray(partBytes)];
          pendingBytes -= partBytes;
          if (!upload) {
            const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
            if (!UploadId) throw new Error(`the object store started no multipart upload for ${Key}`);
            upload = { UploadId, parts: [] };
          }
          await sendPart(joined.subarray(0, partBytes));
        }
      }
      const rest = Buffer.concat(pending);
      if (!upload) {
        await putObject(Key, rest);
      } else {
        await sendPart(rest);
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId: upload.UploadId,
            MultipartUpload: { Parts: upload.parts },
          }),
        );
      }
      return { byteSize };
    } catch (error) {
      // The original error matters, not the abort's: an upload left incomplete is removeAbandonedWrites' to end.
      if (upload) {
        await client
          .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: upload.UploadId }))
          .catch(() => undefined);
      }
      throw error;
    }
  }

  return {
    /** Checks that the bucket exists and the credentials reach it, so that a wrong setting fails at start. */
    async ready() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        const { name, status } = s3ErrorOf(error);
        throw new Error(
          `media bucket ${JSON.stringify(Bucket)} is not usable (${name || 'error'}${status ? `, HTTP ${status}` : ''}): ` +
            'check S3_BUCKET, S3_ENDPOINT, S3_REGION and the AWS credentials',
          { cause: error },
        );
      }
    },

    close() {
      client.destroy();
    },

    async put(key, source) {
      const Key = checkKey(key);
      if (Buffer.isBuffer(source)) {
        await putObject(Key, source);
        return { byteSize: source.length };
      }
      return putStream(Key, source);
    },

    openRead(key) {
      const Key = checkKey(key);
      // Lazy: nothing is asked of the store until the stream is read; destroying it ends the download.
      return Readable.from(
        (async function* () {
          let body: Readable;
          try {
            body = (await client.send(new GetObjectCommand({ Bucket, Key }))).Body as Readable;
          } catch (error) {
            throw isMissing(error) ? missingFile(Key) : error;
          }
          yield* body;
        })(),
        { objectMode: false },
      );
    },

    async stat(key) {
      const Key = checkKey(key);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
        return { byteSize: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async delete(key) {
      // S3 answers a deletion of a missing key as a success.
      await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
    },

    async removeAbandonedWrites(before) {
      let removed = 0;
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (;;) {
        let page;
        try {
          page = await client.send(new ListMultipartUploadsCommand({ Bucket, KeyMarker, UploadIdMarker }));
        } catch (error) {
          // Some S3-compatible stores (s3rver among them) cannot list incomplete uploads: there, a bucket
          // lifecycle rule (or the store itself) has to expire them.
          if (s3ErrorOf(error).name === 'NotImplemented') return removed;
          throw error;
        }
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= before) continue;
          if (!isMediaKey(upload.Key)) continue; // not one of ours: a bucket may be shared
          try {
            await client.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }));
            removed++;
          } catch (error) {
            if (s3ErrorOf(error).name !== 'NoSuchUpload') throw error; // completed or aborted since the listing
          }
        }
        if (!page.IsTruncated) return removed;
        KeyMarker = page.NextKeyMarker;
        UploadIdMarker = page.NextUploadIdMarker;
      }
    },
  };
}
