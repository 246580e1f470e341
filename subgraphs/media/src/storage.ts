import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where media bytes live, by key (a media id): a local folder (`localFileStorage`) or a bucket of an
 * S3-compatible object store (`s3Storage`). Small on purpose, so that both behave alike.
 */
export interface MediaStorage {
  /** Stores the bytes under `key`, all or nothing: a failed put leaves nothing, and replaces nothing. */
  put(key: string, source: Readable | Buffer): Promise<{ byteSize: number }>;
  /** The stored bytes; the stream fails with ENOENT when there are none. */
  openRead(key: string): Readable;
  /** Size and time of the stored bytes, or null when there are none. */
  stat(key: string): Promise<{ byteSize: number; modifiedAt: Date } | null>;
  /** Removes the bytes; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes what interrupted puts left behind (a process killed mid-write), last written to before `before`,
   * and returns how many; a put still writing is left alone. (On an object store: aborting the incomplete
   * multipart uploads initiated before that time.)
   */
  removeAbandonedWrites(before: Date): Promise<number>;
}

/** A storage as a deployable holds it: checked at start, closed at stop. */
export interface MediaStore extends MediaStorage {
  /** Fails when the storage cannot be used (a folder that cannot be created, a bucket out of reach). */
  ready(): Promise<void>;
  /** Releases its connections; idempotent. */
  close(): void;
}

/** The keys of one media's files: the served image, its thumbnail, and the upload kept until processed. */
export function mediaKeys(mediaId: string) {
  return { served: mediaId, thumbnail: `${mediaId}-thumbnail`, original: `${mediaId}-original` };
}

/** Removes every file of a media; missing ones are not an error. */
export async function deleteMediaFiles(storage: MediaStorage, mediaId: string): Promise<void> {
  await Promise.all(Object.values(mediaKeys(mediaId)).map((key) => storage.delete(key)));
}

const keyPattern = /^[0-9a-z-]{1,64}$/;

/** True for a key media storage takes: a plain lowercase id (no dots, no separators). */
export const isMediaKey = (key: string) => keyPattern.test(key);

/** Keys become file and object names: anything but plain lowercase ids (no dots, no separators) is refused. */
export function checkKey(key: string): string {
  if (!isMediaKey(key)) throw new Error(`invalid media storage key ${JSON.stringify(key)}`);
  return key;
}

/** The folder of writes in progress, inside the storage folder (a rename from it stays on one file system). */
const temporaryFolder = '.tmp';

/**
 * Files in one folder, named by key. A put writes a temporary file in `.tmp/` and renames it into place:
 * the rename is atomic within a file system, so a reader never sees half a file and a failed write leaves
 * only its temporary file, which is removed. A process killed mid-write leaves its temporary file behind
 * (removeAbandonedWrites); keeping them in their own folder makes them cheap to list.
 */
export function localFileStorage(dir: string): MediaStore {
  const pathOf = (key: string) => join(dir, checkKey(key));
  const temporaryDir = join(dir, temporaryFolder);
  return {
    /** Creates the folders if missing. */
    async ready() {
      await mkdir(temporaryDir, { recursive: true });
    },

    close() {},

    async put(key, source) {
      const target = pathOf(key);
      // Dot-prefixed folder: never a valid key, so a leftover temporary file can never be served.
      // Created here too: the workers write into the same folder, and may start before the subgraph did.
      await mkdir(temporaryDir, { recursive: true });
      const temporary = join(temporaryDir, `${key}.${randomBytes(6).toString('hex')}`);
      let byteSize = 0;
      // Opened before the copy starts: a write stream opens its file in the background, and when the source
      // fails first that open could create the file after the clean-up below had already run.
      const file = await open(temporary, 'wx');
      try {
        await pipeline(
          Buffer.isBuffer(source) ? Readable.from([source]) : source,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              byteSize += chunk.length;
              yield chunk;
            }
          },
          file.createWriteStream(),
        );
        await rename(temporary, target);
        return { byteSize };
      } catch (error) {
        await file.close().catch(() => undefined);
        await rm(temporary, { force: true });
        throw error;
      }
    },

    openRead(key) {
      return createReadStream(pathOf(key));
    },

    async stat(key) {
      try {
        const stats = await stat(pathOf(key));
        return stats.isFile() ? { byteSize: stats.size, modifiedAt: stats.mtime } : null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },

    async removeAbandonedWrites(before) {
      let removed = 0;
      for (const name of await readdir(temporaryDir).catch(() => [] as string[])) {
        const path = join(temporaryDir, name);
        const stats = await stat(path).catch(() => null); // finished (renamed) since the listing
        if (!stats || stats.mtime >= before) continue;
        await rm(path, { force: true });
        removed++;
      }
      return removed;
    },
  };
}
