import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localFileStorage, type MediaStorage } from './storage.ts';

let dir: string;
let storage: MediaStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'curbside-storage-'));
  storage = localFileStorage(join(dir, 'media'));
  await (storage as ReturnType<typeof localFileStorage>).ready();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('localFileStorage', () => {
  it('puts from a buffer or a stream, reads back, stats and deletes', async () => {
    expect(await storage.put(key, Buffer.from('hello'))).toEqual({ byteSize: 5 });
    expect((await readAll(storage.openRead(key))).toString()).toBe('hello');
    expect(await storage.stat(key)).toMatchObject({ byteSize: 5 });

    await storage.put(key, Readable.from([Buffer.from('new '), Buffer.from('bytes')]));
    expect(await readFile(join(dir, 'media', key), 'utf8')).toBe('new bytes');

    await storage.delete(key);
    expect(await storage.stat(key)).toBeNull();
    await storage.delete(key); // deleting twice is not an error
    await expect(readAll(storage.openRead(key))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a failed put leaves nothing, not even its temporary file, and keeps what was there', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(storage.put(key, failing)).rejects.toThrow('connection lost');
    expect(await readdir(join(dir, 'media'))).toEqual(['.tmp']);
    expect(await readdir(join(dir, 'media', '.tmp'))).toEqual([]);

    await storage.put(key, Buffer.from('kept'));
    const failingAgain = new Readable({
      read() {
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(storage.put(key, failingAgain)).rejects.toThrow();
    expect((await readdir(join(dir, 'media'))).sort()).toEqual(['.tmp', key]);
    expect(await readFile(join(dir, 'media', key), 'utf8')).toBe('kept');
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

  it('refuses keys that could leave the folder', async () => {
    for (const bad of ['../escape', 'a/b', '.hidden', '', 'UPPER']) {
      await expect(storage.put(bad, Buffer.from('x'))).rejects.toThrow(/invalid media storage key/);
    }
    expect(await readdir(join(dir, 'media'))).toEqual(['.tmp']);
  });
});
