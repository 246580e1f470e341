import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3Storage } from './s3-storage.ts';
import { localFileStorage, type MediaStore } from './storage.ts';

const key = '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';
const mebibyte = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `size` pseudo-random bytes in 64 KiB chunks, and the bytes. */
function randomStream(size: number): { stream: Readable; bytes: Buffer } {
  const bytes = randomBytes(size);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < size; offset += 65_536) chunks.push(bytes.subarray(offset, offset + 65_536));
  return { stream: Readable.from(chunks), bytes };
}

/** A stream that sends `size` bytes, then fails as a dropped connection would. */
function failingStream(size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.destroy(new Error('connection lost'));
      const chunk = Buffer.alloc(Math.min(65_536, size - sent), 7);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** One store under test, and how to see everything it holds (temporary and incomplete writes included). */
interface StoreUnderTest {
  storage: MediaStore;
  /** Every name the store holds, sorted. */
  stored(): Promise<string[]>;
  close(): Promise<void>;
}

/** s3rver's one key pair. */
const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An S3-compatible server on a loopback port chosen by the OS, with its own folder; one per file. */
let s3: { endpoint: string; stop(): Promise<void> } | undefined;
beforeAll(async () => {
  const directory = await mkdtemp(join(tmpdir(), 'curbside-s3-unit-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  s3 = {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => server.close().finally(() => rm(directory, { recursive: true, force: true })),
  };
});
afterAll(async () => {
  await s3?.stop();
});

const stores: Record<'local' | 's3', () => Promise<StoreUnderTest>> = {
  async local() {
    const dir = await mkdtemp(join(tmpdir(), 'curbside-storage-'));
    const mediaDir = join(dir, 'media');
    return {
      storage: localFileStorage(mediaDir),
      async stored() {
        const temporary = (await readdir(join(mediaDir, '.tmp'))).map((name) => `.tmp/${name}`);
        return [...(await readdir(mediaDir)).filter((name) => name !== '.tmp'), ...temporary].sort();
      },
      close: () => rm(dir, { recursive: true, force: true }),
    };
  },
  async s3() {
    // A fresh bucket per test, created the way an operator would (the store never creates one).
    const bucket = `curbside-unit-${randomBytes(4).toString('hex')}`;
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3!.endpoint,
      forcePathStyle: true,
      credentials: s3Credentials,
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return {
      storage: s3Storage({
        bucket,
        region: 'us-east-1',
        endpoint: s3!.endpoint,
        forcePathStyle: true,
        credentials: s3Credentials,
        partBytes: 5 * mebibyte,
      }),
      async stored() {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        return (listed.Contents ?? []).map((object) => object.Key!).sort();
      },
      async close() {
        client.destroy();
      },
    };
  },
};

describe.each(['local', 's3'] as const)('MediaStorage on %s', (kind) => {
  let store: StoreUnderTest;
  let storage: MediaStore;
  beforeEach(async () => {
    store = await stores[kind]();
    storage = store.storage;
    await storage.ready();
  });
  afterEach(async () => {
    storage.close();
    await store.close();
  });

  it('puts from a buffer or a stream, reads back, stats and deletes', async () => {
    expect(await storage.put(key, Buffer.from('hello'))).toEqual({ byteSize: 5 });
    expect((await readAll(storage.openRead(key))).toString()).toBe('hello');
    const stat = await storage.stat(key);
    expect(stat).toMatchObject({ byteSize: 5 });
    expect(Math.abs(stat!.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);

    expect(await storage.put(key, Readable.from([Buffer.from('new '), Buffer.from('bytes')]))).toEqual({
      byteSize: 9,
    });
    expect((await readAll(storage.openRead(key))).toString()).toBe('new bytes');
    expect(await store.stored()).toEqual([key]);

    await storage.delete(key);
    expect(await storage.stat(key)).toBeNull();
    await storage.delete(key); // deleting twice is not an error
    await expect(readAll(storage.openRead(key))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.stored()).toEqual([]);
  });

  it('a missing key: stat is null, a read fails with ENOENT, a deletion is not an error', async () => {
    expect(await storage.stat(key)).toBeNull();
    await expect(readAll(storage.openRead(key))).rejects.toMatchObject({ code: 'ENOENT' });
    await storage.delete(key);
    expect(await store.stored()).toEqual([]);
  });

  it('an empty put stores an empty file', async () => {
    expect(await storage.put(key, Readable.from([]))).toEqual({ byteSize: 0 });
    expect(await storage.stat(key)).toMatchObject({ byteSize: 0 });
    expect(await readAll(storage.openRead(key))).toEqual(Buffer.alloc(0));
  });

  it('streams a put larger than a part, and reads it back in chunks', async () => {
    const { stream, bytes } = randomStream(11 * mebibyte + 123);
    expect(await storage.put(key, stream)).toEqual({ byteSize: bytes.length });
    expect(await storage.stat(key)).toMatchObject({ byteSize: bytes.length });
    let chunks = 0;
    const read: Buffer[] = [];
    for await (const chunk of storage.openRead(key)) {
      chunks++;
      read.push(chunk as Buffer);
    }
    expect(Buffer.concat(read).equals(bytes)).toBe(true);
    expect(chunks).toBeGreaterThan(1);
    expect(await store.stored()).toEqual([key]);
  });

  it('a reader that stops early releases the download', async () => {
    const { stream, bytes } = randomStream(6 * mebibyte);
    await storage.put(key, stream);
    const reader = storage.openRead(key);
    for await (const chunk of reader) {
      expect((chunk as Buffer).equals(bytes.subarray(0, (chunk as Buffer).length))).toBe(true);
      break;
    }
    expect(reader.destroyed).toBe(true);
    // The store still answers (no connection left hanging on the unread rest).
    expect((await readAll(storage.openRead(key))).length).toBe(bytes.length);
  });

  it.each([
    ['within the first part', 1024],
    ['after several parts', 11 * mebibyte],
  ])('a failed put (%s) leaves nothing and keeps what was there', async (_when, failAfter) => {
    await expect(storage.put(key, failingStream(failAfter))).rejects.toThrow('connection lost');
    expect(await store.stored()).toEqual([]);
    expect(await storage.stat(key)).toBeNull();

    await storage.put(key, Buffer.from('kept'));
    await expect(storage.put(key, failingStream(failAfter))).rejects.toThrow('connection lost');
    expect(await store.stored()).toEqual([key]);
    expect((await readAll(storage.openRead(key))).toString()).toBe('kept');
  });

  it('refuses keys that could leave the folder or name something else', async () => {
    for (const bad of ['../escape', 'a/b', '.hidden', '', 'UPPER', 'a.b']) {
      await expect(storage.put(bad, Buffer.from('x'))).rejects.toThrow(/invalid media storage key/);
      await expect(storage.stat(bad)).rejects.toThrow(/invalid media storage key/);
      expect(() => storage.openRead(bad)).toThrow(/invalid media storage key/);
    }
    expect(await store.stored()).toEqual([]);
  });

  it('removing abandoned writes leaves finished files alone', async () => {
    await storage.put(key, Buffer.from('done'));
    expect(await storage.removeAbandonedWrites(new Date(Date.now() + 60_000))).toBe(0);
    expect(await store.stored()).toEqual([key]);
    expect(await storage.stat(key)).toMatchObject({ byteSize: 4 });
  });
});

describe('localFileStorage', () => {
  let dir: string;
  let storage: MediaStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'curbside-storage-'));
    storage = localFileStorage(join(dir, 'media'));
    await storage.ready();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes the temporary files of interrupted puts older than a given time, and only those', async () => {
    const temporary = join(dir, 'media', '.tmp');
    // What a process killed mid-put leaves: a temporary file that is never renamed.
    await writeFile(join(temporary, `${key}.abandoned`), 'half');
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    await utimes(join(temporary, `${key}.abandoned`), dayAgo, dayAgo);
    await writeFile(join(temporary, `${key}.in-progress`), 'half');
    await storage.put(key, Buffer.from('done'));

    expect(await storage.removeAbandonedWrites(new Date(Date.now() - 24 * 3600_000))).toBe(1);
    expect(await readdir(temporary)).toEqual([`${key}.in-progress`]);
    expect(await storage.stat(key)).toMatchObject({ byteSize: 4 });
    expect(await storage.removeAbandonedWrites(new Date(Date.now() - 24 * 3600_000))).toBe(0);
  });
});

describe('s3Storage', () => {
  it('fails a request the store stops answering, rather than waiting for ever', async () => {
    // A server that accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const storage = s3Storage({
      bucket: 'curbside-silent',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: s3Credentials,
      idleTimeoutMs: 300,
    });
    try {
      await expect(storage.stat(key)).rejects.toMatchObject({ name: 'TimeoutError' });
      await expect(readAll(storage.openRead(key))).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      storage.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses parts smaller than S3 takes', () => {
    expect(() => s3Storage({ bucket: 'b', region: 'us-east-1', partBytes: mebibyte })).toThrow(/at least 5242880/);
  });

  it('fails at start when the bucket does not exist, naming it and the variables to check', async () => {
    const storage = s3Storage({
      bucket: 'curbside-no-such-bucket',
      region: 'us-east-1',
      endpoint: s3!.endpoint,
      forcePathStyle: true,
      credentials: s3Credentials,
    });
    try {
      await expect(storage.ready()).rejects.toThrow(/"curbside-no-such-bucket" is not usable .*S3_BUCKET/);
    } finally {
      storage.close();
    }
  });
});
