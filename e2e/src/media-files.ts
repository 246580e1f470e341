import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { MediaStoreConfig } from '@curbside/subgraph-kit';

/**
 * A test's view of a media store, read and written around the media subgraph (the folder itself, or the
 * bucket through its own S3 client), to see what the subgraph and the workers left there.
 */
export interface MediaFiles {
  /** Every name stored, sorted; the local store's temporary files as `.tmp/<name>`. */
  list(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  write(key: string, bytes: Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  /**
   * Leaves what a put killed mid-write leaves, last written at `modifiedAt`, and returns its listed name. Only
   * the local store: an S3 put killed mid-write leaves no object (an incomplete multipart upload at most, which
   * s3rver can neither list nor abort).
   */
  writeAbandoned?(key: string, suffix: string, modifiedAt: Date): Promise<string>;
  close(): void;
}

/** The files of `store`, as the test sees them. */
export function mediaFilesOf(store: MediaStoreConfig): MediaFiles {
  if (store.kind === 'local') {
    const temporary = join(store.dir, '.tmp');
    return {
      async list() {
        const names = (await readdir(store.dir)).filter((name) => name !== '.tmp');
        const writes = await readdir(temporary).catch(() => [] as string[]);
        return [...names, ...writes.map((name) => `.tmp/${name}`)].sort();
      },
      read: (key) => readFile(join(store.dir, key)),
      write: (key, bytes) => writeFile(join(store.dir, key), bytes),
      remove: (key) => rm(join(store.dir, key), { force: true }),
      async writeAbandoned(key, suffix, modifiedAt) {
        const name = `${key}.${suffix}`;
        await writeFile(join(temporary, name), 'half');
        await utimes(join(temporary, name), modifiedAt, modifiedAt);
        return `.tmp/${name}`;
      },
      close() {},
    };
  }
  const client = new S3Client({
    region: store.region,
    endpoint: store.endpoint,
    forcePathStyle: store.forcePathStyle,
    ...(store.credentials ? { credentials: store.credentials } : {}),
  });
  const Bucket = store.bucket;
  return {
    async list() {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return keys.sort();
    },
    async read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    },
    async write(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes }));
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    close() {
      client.destroy();
    },
  };
}
