// Why this file is long (about 1,000 lines): it is a test suite, written once and run twice, against the local
// disk store and against an S3-compatible server (the media suite must hold on both); each case is short.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection, bullPrefix, queueOptions, scheduledQueueName, type EventHandler } from '@curbside/event-bus';
import { createGateway } from '@curbside/gateway';
import {
  entities as mediaEntities,
  mediaWorkerModule,
  migrations as mediaMigrations,
  unfinishedUploadsSchedule,
} from '@curbside/media-subgraph';
import { createLogger } from '@curbside/service';
import { databaseUrl, ensureDatabase, openOrm } from '@curbside/subgraph-kit';
import {
  dataOf,
  graphql,
  postgresUrl,
  queryRows,
  redisUrl,
  registerAdmin,
  registerUser,
  startStack,
  testDatabasePrefix,
  waitFor,
  type Account,
  type TestStack,
} from './index.ts';
import { mediaFilesOf, type MediaFiles } from './media-files.ts';

/**
 * The media suite, on a stack whose media store is `store`: the local folder (media.integration.test.ts) or an
 * S3 bucket of the stack's own s3rver (media-s3.integration.test.ts). The same tests, the same expectations.
 */
export function mediaSuite(store: 'local' | 's3'): void {
  describe(`media on ${store}`, () => {
    let stack: TestStack;
    /** What the stack's media store holds, seen around the subgraph. */
    let files: MediaFiles;
    let owner: Account;
    let other: Account;
    let admin: Account;
    /** The gateway's origin, which upload and file URLs must use. */
    let gatewayOrigin: string;

    beforeAll(async () => {
      stack = await startStack({ mediaStore: store });
      files = mediaFilesOf(stack.mediaStore);
      gatewayOrigin = new URL(stack.gatewayUrl).origin;
      owner = await registerUser(stack.gatewayUrl, 'media_owner');
      other = await registerUser(stack.gatewayUrl, 'media_other');
      admin = await registerAdmin(stack, 'media_admin');
    });
    afterAll(async () => {
      files?.close();
      await stack?.stop();
    });

    /** A real PNG of the given size (a gradient-free solid colour, a few hundred bytes). */
    async function png(width: number, height: number, red = 200): Promise<Buffer> {
      return sharp({ create: { width, height, channels: 3, background: { r: red, g: 80, b: 40 } } })
        .png()
        .toBuffer();
    }

    /** An ELF executable header, padded: what a program renamed `.png` starts with. */
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(120)]);
    /** A Windows executable (`MZ` header), padded. */
    const windowsExe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(126, 0x90)]);

    interface Ticket {
      media: { id: string; status: string; url: string | null; byteSize: number; contentType: string };
      uploadUrl: string;
      uploadHeaders: Record<string, string>;
      expiresAt: string;
    }

    const CREATE_UPLOAD = `
  mutation ($input: CreateUploadInput!) {
    createUpload(input: $input) {
      media { id status url byteSize contentType }
      uploadUrl
      uploadHeaders
      expiresAt
    }
  }
`;

    async function createUpload(
      token: string | undefined,
      input: { filename?: string; contentType: string; byteSize: number },
    ) {
      return graphql<{ createUpload: Ticket }>(
        stack.gatewayUrl,
        CREATE_UPLOAD,
        { input: { filename: 'photo.png', ...input } },
        { token },
      );
    }

    /** A ticket for `bytes` (declared as `contentType`, `byteSize` bytes unless said otherwise). */
    async function ticketFor(
      bytes: Buffer,
      options: { contentType?: string; byteSize?: number; token?: string } = {},
    ): Promise<Ticket> {
      const response = await createUpload(options.token ?? owner.accessToken, {
        contentType: options.contentType ?? 'image/png',
        byteSize: options.byteSize ?? bytes.length,
      });
      return dataOf(response).createUpload;
    }

    async function put(url: string, body: Buffer, headers: Record<string, string>) {
      const response = await fetch(url, { method: 'PUT', headers, body });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    /**
     * Starts a PUT of `bytes` to `url` (an upload URL of a PNG), sends half of them, waits until the media
     * subgraph has claimed the upload, then drops the connection and waits until the claim is released.
     */
    async function interruptedPut(url: string, bytes: Buffer): Promise<void> {
      const target = new URL(url);
      const id = target.pathname.split('/').at(-1)!;
      const req = httpRequest({
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'PUT',
        headers: { 'content-type': 'image/png', 'content-length': String(bytes.length) },
      });
      req.on('error', () => undefined); // the connection is dropped on purpose
      req.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      await waitFor('the upload to be claimed', async () => (await mediaRow(id))?.['status'] === 'UPLOADING');
      req.destroy();
      await waitFor('the claim to be released', async () => (await mediaRow(id))?.['status'] === 'PENDING_UPLOAD');
    }

    /** Waits until the processing job has made the media READY (or FAILED), and returns its row. */
    async function processed(id: string, status: 'READY' | 'FAILED' = 'READY') {
      return waitFor(`media ${id} to be ${status}`, async () => {
        const row = await mediaRow(id);
        return row?.['status'] === status ? row : null;
      });
    }

    /** Creates a media and uploads `bytes` to it; returns its id once processed (READY). */
    async function uploaded(bytes: Buffer, token = owner.accessToken): Promise<string> {
      const ticket = await ticketFor(bytes, { token });
      const result = await put(ticket.uploadUrl, bytes, ticket.uploadHeaders);
      expect(result).toMatchObject({ status: 202, body: { status: 'PROCESSING' } });
      await processed(ticket.media.id);
      return ticket.media.id;
    }

    /** Everything in the media store, temporary files of the local store (in `.tmp/`) included. */
    const storedFiles = () => files.list();

    /** The files of one media. */
    const filesOf = async (id: string) => (await storedFiles()).filter((name) => name.includes(id));

    async function mediaRow(id: string) {
      const [row] = await queryRows(
        stack.databases.media,
        'select status, width, height, content_hash, failure_reason, updated_at from media where id = $1',
        [id],
      );
      return row;
    }

    /** The pixels of an image, to compare a re-encoded image with its original. */
    const pixelsOf = (bytes: Buffer) => sharp(bytes).raw().toBuffer();

    async function eventsOf(name: string, mediaId: string): Promise<Record<string, any>[]> {
      const rows = await queryRows(
        stack.databases.media,
        "select payload from outbox_event where name = $1 and payload->>'mediaId' = $2 order by occurred_at",
        [name, mediaId],
      );
      return rows.map((row) => row['payload']);
    }

    /** Rows, events and files of the media subgraph, to prove a refused call changed none of them. */
    async function mediaSnapshot() {
      return {
        media: await queryRows(stack.databases.media, 'select * from media order by id'),
        events: await queryRows(stack.databases.media, 'select id, name, payload from outbox_event order by id'),
        files: await storedFiles(),
      };
    }

    /** The refused upload left no file (not even a temporary one) and the media waiting for its bytes. */
    async function expectNothingStored(id: string) {
      expect(await filesOf(id)).toEqual([]);
      expect(await mediaRow(id)).toMatchObject({
        status: 'PENDING_UPLOAD',
        width: null,
        height: null,
        content_hash: null,
      });
      expect(await eventsOf('media.received', id)).toEqual([]);
      expect(await eventsOf('media.uploaded', id)).toEqual([]);
    }

    /** An upload URL for `id` signed with the stack's secret, as the media subgraph signs them. */
    function signedUploadUrl(id: string, grant: { expires: number; byteSize: number; contentType: string }): string {
      const path = `/media/uploads/${id}`;
      const signature = createHmac('sha256', Buffer.from(stack.mediaSigningSecret, 'hex'))
        .update(['PUT', path, grant.expires, grant.byteSize, grant.contentType].join('\n'))
        .digest('hex');
      return `${gatewayOrigin}${path}?expires=${grant.expires}&signature=${signature}`;
    }

    const errorCode = (response: { errors?: { extensions?: Record<string, any> }[] }) =>
      response.errors?.[0]?.extensions?.['code'];

    const MEDIA =
      '{ media(id: $id) { id status url thumbnailUrl failureReason width height contentType byteSize owner { id } } }';
    const mediaQuery = (id: string, token?: string) =>
      graphql(stack.gatewayUrl, `query ($id: ID!) ${MEDIA}`, { id }, { token });

    describe('uploading through the gateway', () => {
      it('createUpload → PUT the bytes (202, PROCESSING) → READY with its dimensions → GET serves the image, cacheable', async () => {
        const bytes = await png(37, 23);
        stack.resetCounters();
        const ticket = await ticketFor(bytes);
        const { id } = ticket.media;
        expect(ticket.media).toMatchObject({ status: 'PENDING_UPLOAD', url: null, byteSize: bytes.length });
        expect(ticket.uploadUrl).toMatch(
          new RegExp(`^${gatewayOrigin}/media/uploads/${id}\\?expires=\\d+&signature=[0-9a-f]{64}$`),
        );
        expect(ticket.uploadHeaders).toEqual({ 'Content-Type': 'image/png' });
        const lifetime = new Date(ticket.expiresAt).getTime() - Date.now();
        expect(lifetime).toBeGreaterThan(14 * 60_000);
        expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
        expect(await eventsOf('media.upload_requested', id)).toEqual([
          { mediaId: id, ownerId: owner.id, contentType: 'image/png', byteSize: bytes.length },
        ]);

        const uploadedAnswer = await put(ticket.uploadUrl, bytes, ticket.uploadHeaders);
        expect(uploadedAnswer).toEqual({
          status: 202,
          body: { id, status: 'PROCESSING', contentType: 'image/png', byteSize: bytes.length, width: 37, height: 23 },
        });
        // The PUT went through the gateway's proxy to the media subgraph.
        expect(stack.subgraphRequests.media).toBeGreaterThanOrEqual(2);
        expect(await eventsOf('media.received', id)).toEqual([
          { mediaId: id, ownerId: owner.id, contentType: 'image/png', byteSize: bytes.length },
        ]);

        await processed(id);
        const media = dataOf(await mediaQuery(id)).media;
        expect(media).toEqual({
          id,
          status: 'READY',
          url: `${gatewayOrigin}/media/files/${id}`,
          thumbnailUrl: `${gatewayOrigin}/media/thumbnails/${id}`,
          failureReason: null,
          width: 37,
          height: 23,
          contentType: 'image/png',
          byteSize: bytes.length,
          owner: { id: owner.id },
        });
        expect(await eventsOf('media.uploaded', id)).toEqual([
          { mediaId: id, ownerId: owner.id, contentType: 'image/png', byteSize: bytes.length, width: 37, height: 23 },
        ]);
        // The private upload is gone once processed: the image served, and its thumbnail, are all that is kept.
        expect(await filesOf(id)).toEqual([id, `${id}-thumbnail`]);

        const file = await fetch(media.url, { headers: { 'x-request-id': 'media-get-1' } });
        expect(file.status).toBe(200);
        expect(file.headers.get('content-type')).toBe('image/png');
        expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(file.headers.get('x-request-id')).toBe('media-get-1');
        const etag = file.headers.get('etag');
        expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
        // Re-encoded (which is what leaves any metadata behind), with the same pixels: PNG is lossless.
        const served = Buffer.from(await file.arrayBuffer());
        expect(served).toEqual(await files.read(id));
        expect(await pixelsOf(served)).toEqual(await pixelsOf(bytes));

        const revalidated = await fetch(media.url, { headers: { 'if-none-match': etag! } });
        expect(revalidated.status).toBe(304);
        expect(revalidated.headers.get('etag')).toBe(etag);
        expect((await revalidated.arrayBuffer()).byteLength).toBe(0);
        const stale = await fetch(media.url, { headers: { 'if-none-match': '"something-else"' } });
        expect(stale.status).toBe(200);
        await stale.arrayBuffer();

        const head = await fetch(media.url, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers.get('content-length')).toBe(String(served.length));
      });

      it('answers GET and HEAD of a READY media whose file is missing from the store with 404 NOT_FOUND', async () => {
        const id = await uploaded(await png(6, 4));
        await files.remove(id);
        const url = `${gatewayOrigin}/media/files/${id}`;
        const missing = await fetch(url);
        expect(missing.status).toBe(404);
        expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
        const head = await fetch(url, { method: 'HEAD' });
        expect(head.status).toBe(404);
        await head.arrayBuffer();
        // Its thumbnail is still stored, and still served, with its type and size.
        const thumbnail = await fetch(`${gatewayOrigin}/media/thumbnails/${id}`, { method: 'HEAD' });
        expect(thumbnail.status).toBe(200);
        expect(thumbnail.headers.get('content-type')).toBe('image/webp');
        expect(thumbnail.headers.get('content-length')).toBe(String((await files.read(`${id}-thumbnail`)).length));
      });

      it('serves nothing for a media that is not READY, or that does not exist', async () => {
        const ticket = await ticketFor(await png(4, 4));
        for (const id of [ticket.media.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
          for (const route of ['files', 'thumbnails']) {
            const response = await fetch(`${gatewayOrigin}/media/${route}/${id}`);
            expect(response.status).toBe(404);
            expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
          }
        }
        expect(dataOf(await mediaQuery(ticket.media.id)).media).toMatchObject({
          status: 'PENDING_UPLOAD',
          url: null,
          thumbnailUrl: null,
        });
      });

      it('serves nothing while the media is PROCESSING, and never the private upload', async () => {
        const id = await uploaded(await png(4, 5));
        // As it was before the job ran: the processing job is fast, so the row is put back by hand.
        await queryRows(stack.databases.media, "update media set status = 'PROCESSING' where id = $1", [id]);
        expect(dataOf(await mediaQuery(id)).media).toMatchObject({
          status: 'PROCESSING',
          url: null,
          thumbnailUrl: null,
        });
        for (const path of [`files/${id}`, `thumbnails/${id}`, `files/${id}-original`, `files/.tmp`]) {
          const response = await fetch(`${gatewayOrigin}/media/${path}`);
          expect(response.status, path).toBe(404);
          await response.arrayBuffer();
        }
      });

      it('uploads a JPEG, a GIF and a WebP too, reading their dimensions, and serves each in its own format', async () => {
        const base = sharp({ create: { width: 19, height: 11, channels: 3, background: '#3366cc' } });
        for (const [type, format, bytes] of [
          ['image/jpeg', 'jpeg', await base.clone().jpeg().toBuffer()],
          ['image/gif', 'gif', await base.clone().gif().toBuffer()],
          ['image/webp', 'webp', await base.clone().webp().toBuffer()],
        ] as const) {
          const ticket = await ticketFor(bytes, { contentType: type });
          expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({
            status: 202,
            body: { width: 19, height: 11 },
          });
          await processed(ticket.media.id);
          const file = await fetch(`${gatewayOrigin}/media/files/${ticket.media.id}`);
          expect(file.headers.get('content-type')).toBe(type);
          const metadata = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
          expect([metadata.format, metadata.width, metadata.height]).toEqual([format, 19, 11]);
        }
      });
    });

    describe('refused uploads store nothing', () => {
      it.each([
        ['shorter', 1],
        ['longer', -1],
      ])('wrong size: a Content-Length %s than the declared byteSize is refused', async (_name, difference) => {
        const bytes = await png(8, 8);
        const ticket = await ticketFor(bytes, { byteSize: bytes.length + difference });
        const result = await put(ticket.uploadUrl, bytes, ticket.uploadHeaders);
        expect(result).toMatchObject({ status: 400, body: { code: 'SIZE_MISMATCH' } });
        expect(result.body['error']).toMatch(/declared/);
        await expectNothingStored(ticket.media.id);
      });

      it('wrong size: a body cut short of its Content-Length is dropped, and a correct retry with the same URL succeeds', async () => {
        const bytes = await png(30, 30);
        const ticket = await ticketFor(bytes);
        // Straight to the media subgraph: the test stack's counting proxy does not pass a dropped connection on.
        await interruptedPut(ticket.uploadUrl.replace(gatewayOrigin, new URL(stack.subgraphUrls.media).origin), bytes);
        await expectNothingStored(ticket.media.id);

        expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({ status: 202 });
        expect(await processed(ticket.media.id)).toMatchObject({ width: 30, height: 30 });
      });

      it('forged signature: a changed signature, or one made for another media, is refused', async () => {
        const bytes = await png(9, 9);
        const ticket = await ticketFor(bytes);
        const otherTicket = await ticketFor(bytes);
        const flipped = ticket.uploadUrl.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
        const borrowed = ticket.uploadUrl.replace(
          /signature=[0-9a-f]+/,
          otherTicket.uploadUrl.match(/signature=[0-9a-f]+/)![0],
        );
        const unsigned = ticket.uploadUrl.replace(/&signature=[0-9a-f]+/, '');
        const longer = ticket.uploadUrl.replace(
          /expires=(\d+)/,
          (_match, expires) => `expires=${Number(expires) + 60_000}`,
        );
        for (const url of [flipped, borrowed, unsigned, longer]) {
          const result = await put(url, bytes, ticket.uploadHeaders);
          expect(result, url).toMatchObject({ status: 403, body: { code: 'SIGNATURE_INVALID' } });
        }
        await expectNothingStored(ticket.media.id);
        // The refusals used nothing up: the genuine URL still works.
        expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({ status: 202 });
      });

      it('reused URL: a second PUT after success is refused and changes nothing', async () => {
        const bytes = await png(10, 10);
        const ticket = await ticketFor(bytes);
        expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({ status: 202 });
        await processed(ticket.media.id);
        const before = await mediaSnapshot();
        const again = await put(ticket.uploadUrl, await png(10, 10, 10), ticket.uploadHeaders);
        expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_UPLOADED' } });
        expect(await mediaSnapshot()).toEqual(before);
        expect(await pixelsOf(await files.read(ticket.media.id))).toEqual(await pixelsOf(bytes));
        expect(await eventsOf('media.received', ticket.media.id)).toHaveLength(1);
        expect(await eventsOf('media.uploaded', ticket.media.id)).toHaveLength(1);
      });

      it('reused URL: of two concurrent PUTs with the same URL exactly one succeeds', async () => {
        const bytes = await png(64, 64);
        const ticket = await ticketFor(bytes);
        const results = await Promise.all([1, 2, 3].map(() => put(ticket.uploadUrl, bytes, ticket.uploadHeaders)));
        expect(results.map((result) => result.status).sort()).toEqual([202, 409, 409]);
        await processed(ticket.media.id);
        expect(await eventsOf('media.received', ticket.media.id)).toHaveLength(1);
        expect(await eventsOf('media.uploaded', ticket.media.id)).toHaveLength(1);
        expect(await filesOf(ticket.media.id)).toEqual([ticket.media.id, `${ticket.media.id}-thumbnail`]);
      });

      it('expired URL: correctly signed but past its expiry is refused', async () => {
        const bytes = await png(11, 11);
        const ticket = await ticketFor(bytes);
        const grant = { byteSize: bytes.length, contentType: 'image/png' };
        const expired = signedUploadUrl(ticket.media.id, { ...grant, expires: Date.now() - 1_000 });
        const result = await put(expired, bytes, ticket.uploadHeaders);
        expect(result).toMatchObject({ status: 403, body: { code: 'URL_EXPIRED' } });
        await expectNothingStored(ticket.media.id);
        // The same recipe with a future expiry is accepted: the refusal above was the expiry, not the signature.
        const fresh = signedUploadUrl(ticket.media.id, { ...grant, expires: Date.now() + 60_000 });
        expect(await put(fresh, bytes, ticket.uploadHeaders)).toMatchObject({ status: 202 });
      });

      it.each([
        ['PNG bytes declared image/jpeg', 'png', 'image/jpeg'],
        ['an ELF executable declared image/png', 'elf', 'image/png'],
        ['an MZ executable declared image/png', 'mz', 'image/png'],
        ['a 3 MB ELF executable declared image/png (refused at its first bytes)', 'large elf', 'image/png'],
      ] as const)('wrong real type: %s is refused with 415', async (_name, kind, declared) => {
        const executables = { elf, mz: windowsExe, 'large elf': Buffer.concat([elf, Buffer.alloc(3 * 1024 * 1024)]) };
        const bytes = kind === 'png' ? await png(12, 12) : executables[kind];
        const ticket = await ticketFor(bytes, { contentType: declared });
        const result = await put(ticket.uploadUrl, bytes, ticket.uploadHeaders);
        expect(result).toMatchObject({ status: 415, body: { code: 'TYPE_MISMATCH' } });
        expect(result.body['error']).toContain(declared);
        await expectNothingStored(ticket.media.id);
      });

      it('wrong type: a Content-Type header other than the declared one is refused', async () => {
        const bytes = await png(13, 13);
        const ticket = await ticketFor(bytes);
        const result = await put(ticket.uploadUrl, bytes, { 'Content-Type': 'image/gif' });
        expect(result).toMatchObject({ status: 415, body: { code: 'TYPE_MISMATCH' } });
        await expectNothingStored(ticket.media.id);
      });

      it('unreadable image: right magic number, broken data, is refused', async () => {
        const bytes = Buffer.concat([(await png(14, 14)).subarray(0, 16), Buffer.alloc(200, 0xab)]);
        const ticket = await ticketFor(bytes);
        const result = await put(ticket.uploadUrl, bytes, ticket.uploadHeaders);
        expect(result).toMatchObject({ status: 422, body: { code: 'INVALID_IMAGE' } });
        await expectNothingStored(ticket.media.id);
      });

      it('too large, and other invalid input, are refused at createUpload with BAD_USER_INPUT naming each field', async () => {
        const before = await mediaSnapshot();
        const tooLarge = await createUpload(owner.accessToken, {
          contentType: 'image/png',
          byteSize: 10 * 1024 * 1024 + 1,
        });
        expect(errorCode(tooLarge)).toBe('BAD_USER_INPUT');
        expect(Object.keys(tooLarge.errors![0]!.extensions!['fields'])).toEqual(['byteSize']);
        const allWrong = await createUpload(owner.accessToken, {
          filename: '../etc/passwd',
          contentType: 'image/svg+xml',
          byteSize: 0,
        });
        expect(errorCode(allWrong)).toBe('BAD_USER_INPUT');
        expect(Object.keys(allWrong.errors![0]!.extensions!['fields']).sort()).toEqual([
          'byteSize',
          'contentType',
          'filename',
        ]);
        for (const filename of ['', 'a'.repeat(256), 'dir\\photo.png']) {
          const response = await createUpload(owner.accessToken, { filename, contentType: 'image/png', byteSize: 10 });
          expect(Object.keys(response.errors?.[0]?.extensions?.['fields'] ?? {}), filename).toEqual(['filename']);
        }
        expect(await mediaSnapshot()).toEqual(before);
        // The bounds themselves are allowed.
        dataOf(
          await createUpload(owner.accessToken, {
            filename: 'a'.repeat(255),
            contentType: 'image/gif',
            byteSize: 10 * 1024 * 1024,
          }),
        );
      });
    });

    /** EXIF as a phone writes it: the camera, and where the photo was taken. */
    const phoneExif = {
      IFD0: { Make: 'Curbside Phone', Model: 'X1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '38/1 43/1 2016/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '9/1 8/1 2150/100',
      },
    };

    type EventEnvelope = Parameters<EventHandler['handle']>[0];

    /** The media subgraph's background work, run directly (as the workers deployable runs it) on this stack. */
    async function mediaWorker() {
      const orm = await openOrm({
        databaseUrl: stack.databases.media,
        entities: mediaEntities,
        migrations: mediaMigrations,
        migrationMode: 'await',
      });
      const deps = {
        orm,
        logger: createLogger('media-worker-test', 'silent'),
        redis: stack.redis,
        pubsub: stack.pubsub,
        mediaStore: stack.mediaStore,
      };
      const handler = mediaWorkerModule.handlers(deps).find((candidate) => candidate.queue === 'media.process')!;
      const sweep = mediaWorkerModule.schedules!(deps).find((job) => job.name === unfinishedUploadsSchedule)!;
      return { orm, process: handler.handle as (event: EventEnvelope) => Promise<void>, sweep };
    }

    describe('processing after upload', () => {
      it('serves a photo without its EXIF (GPS included), and a 256-pixel-wide WebP thumbnail', async () => {
        const photo = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#d08040' } })
          .jpeg()
          .withExif(phoneExif)
          .toBuffer();
        const exifBefore = (await sharp(photo).metadata()).exif;
        expect(exifBefore?.includes(Buffer.from('Curbside Phone'))).toBe(true);

        const ticket = await ticketFor(photo, { contentType: 'image/jpeg' });
        const { id } = ticket.media;
        expect(await put(ticket.uploadUrl, photo, ticket.uploadHeaders)).toMatchObject({
          status: 202,
          body: { id, status: 'PROCESSING', width: 640, height: 400 },
        });
        await processed(id);
        const media = dataOf(await mediaQuery(id)).media;
        expect(media).toMatchObject({ status: 'READY', width: 640, height: 400, failureReason: null });

        const file = await fetch(media.url);
        expect(file.headers.get('content-type')).toBe('image/jpeg');
        const served = Buffer.from(await file.arrayBuffer());
        const metadata = await sharp(served).metadata();
        expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 640, 400]);
        expect([metadata.exif, metadata.xmp, metadata.iptc, metadata.icc]).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
        expect(served.includes(Buffer.from('Curbside Phone'))).toBe(false);
        expect(served.includes(Buffer.from('Exif\0\0'))).toBe(false);

        const thumbnail = await fetch(media.thumbnailUrl);
        expect(thumbnail.status).toBe(200);
        expect(thumbnail.headers.get('content-type')).toBe('image/webp');
        expect(thumbnail.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        const thumbnailEtag = thumbnail.headers.get('etag');
        expect(thumbnailEtag).toMatch(/^"[0-9a-f]{64}"$/);
        expect(thumbnailEtag).not.toBe(file.headers.get('etag'));
        const thumbnailMetadata = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
        expect([thumbnailMetadata.format, thumbnailMetadata.width, thumbnailMetadata.height]).toEqual([
          'webp',
          256,
          160,
        ]);
        expect(thumbnailMetadata.exif).toBeUndefined();
        expect((await fetch(media.thumbnailUrl, { headers: { 'if-none-match': thumbnailEtag! } })).status).toBe(304);

        // Nothing with the GPS position is kept: the upload itself is removed once processed.
        expect(await filesOf(id)).toEqual([id, `${id}-thumbnail`]);
      });

      it('leaves an image that does not decode FAILED with a reason, and keeps none of its files', async () => {
        // The header is intact (the upload's checks pass), the pixel data is cut short.
        const complete = await png(64, 64);
        const corrupt = complete.subarray(0, complete.length - 24);
        const ticket = await ticketFor(corrupt);
        const { id } = ticket.media;
        expect(await put(ticket.uploadUrl, corrupt, ticket.uploadHeaders)).toMatchObject({
          status: 202,
          body: { status: 'PROCESSING' },
        });
        await processed(id, 'FAILED');
        const media = dataOf(await mediaQuery(id)).media;
        expect(media).toMatchObject({ status: 'FAILED', url: null, thumbnailUrl: null });
        expect(media.failureReason).toMatch(/^The image could not be processed: .+/);
        const [failed] = await eventsOf('media.failed', id);
        expect(failed).toEqual({ mediaId: id, ownerId: owner.id, reason: media.failureReason });
        expect(await eventsOf('media.uploaded', id)).toEqual([]);
        await waitFor('the failed upload to be removed', async () => (await filesOf(id)).length === 0);
        expect((await fetch(`${gatewayOrigin}/media/files/${id}`)).status).toBe(404);
      });

      it('is idempotent: the same event processed again changes nothing and records nothing', async () => {
        const id = await uploaded(await png(12, 8));
        const worker = await mediaWorker();
        try {
          const before = await mediaSnapshot();
          const [received] = await queryRows(
            stack.databases.media,
            "select id, name, payload, occurred_at from outbox_event where name = 'media.received' and payload->>'mediaId' = $1",
            [id],
          );
          const event = {
            id: received!['id'],
            name: 'media.received',
            payload: received!['payload'],
            occurredAt: received!['occurred_at'].toISOString(),
          } as EventEnvelope;
          await worker.process(event);
          await worker.process(event);
          expect(await mediaSnapshot()).toEqual(before);
        } finally {
          await worker.orm.close();
        }
      });
    });

    describe('media uploaded before processing existed', () => {
      it('are taken off the web by the migration, then processed like a new upload', async () => {
        const databaseName = `${testDatabasePrefix()}media_backfill_${Date.now().toString(36)}`;
        await ensureDatabase(postgresUrl, databaseName);
        const url = databaseUrl(postgresUrl, databaseName);
        const before = await openOrm({
          databaseUrl: url,
          entities: mediaEntities,
          migrations: mediaMigrations.filter((migration) => !migration.name.endsWith('_media_processing')),
        });
        await before.close();
        // A READY media as the upload route used to leave it: the uploaded bytes, GPS and all, served as they came.
        const id = '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';
        const photo = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#406080' } })
          .jpeg()
          .withExif(phoneExif)
          .toBuffer();
        await files.write(id, photo);
        await queryRows(
          url,
          `insert into media (id, owner_id, filename, content_type, byte_size, width, height, status, content_hash, created_at, updated_at)
       values ($1, $2, 'old.jpg', 'image/jpeg', $3, 30, 20, 'READY', $4, now(), now())`,
          [id, owner.id, photo.length, 'a'.repeat(64)],
        );

        const orm = await openOrm({ databaseUrl: url, entities: mediaEntities, migrations: mediaMigrations });
        try {
          const [row] = await queryRows(url, 'select status, content_hash from media where id = $1', [id]);
          expect(row).toEqual({ status: 'PROCESSING', content_hash: null });
          const events = await queryRows(
            url,
            "select id, payload, occurred_at from outbox_event where name = 'media.received'",
          );
          expect(events.map((event) => event['payload'])).toEqual([
            { mediaId: id, ownerId: owner.id, contentType: 'image/jpeg', byteSize: photo.length },
          ]);

          const deps = {
            orm,
            logger: createLogger('backfill-test', 'silent'),
            redis: stack.redis,
            pubsub: stack.pubsub,
            mediaStore: stack.mediaStore,
          };
          const handler = mediaWorkerModule.handlers(deps).find((candidate) => candidate.queue === 'media.process')!;
          await (handler.handle as (event: EventEnvelope) => Promise<void>)({
            id: events[0]!['id'],
            name: 'media.received',
            payload: events[0]!['payload'],
            occurredAt: events[0]!['occurred_at'].toISOString(),
          } as EventEnvelope);

          const [processedRow] = await queryRows(url, 'select status, thumbnail_hash from media where id = $1', [id]);
          expect(processedRow).toMatchObject({
            status: 'READY',
            thumbnail_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          });
          const served = await files.read(id);
          expect((await sharp(served).metadata()).exif).toBeUndefined();
          expect(
            await sharp(await files.read(`${id}-thumbnail`))
              .metadata()
              .then((m) => m.width),
          ).toBe(256);
        } finally {
          await orm.close();
          await files.remove(id);
          await files.remove(`${id}-thumbnail`);
        }
      });
    });

    describe('uploads never completed', () => {
      const dayAndAHourAgo = new Date(Date.now() - 25 * 3600_000);
      const makeOld = (id: string) =>
        queryRows(stack.databases.media, 'update media set created_at = $2 where id = $1', [id, dayAndAHourAgo]);

      it('are removed after 24 hours by the hourly job, with their partial files, and nothing else is', async () => {
        const worker = await mediaWorker();
        try {
          // Never uploaded.
          const pending = (await ticketFor(await png(3, 3))).media.id;
          // A PUT whose process died after claiming the upload and storing the bytes, before committing: what
          // it leaves is a claim never released, the private upload, and (local store) a temporary file of another
          // write. An S3 put killed mid-write leaves no object.
          const claimed = (await ticketFor(await png(3, 3))).media.id;
          await queryRows(stack.databases.media, "update media set status = 'UPLOADING' where id = $1", [claimed]);
          await files.write(`${claimed}-original`, Buffer.from('half an image'));
          await files.writeAbandoned?.(`${claimed}-original`, 'abandoned', dayAndAHourAgo);
          // Recent ones, and old finished ones, stay.
          const recentPending = (await ticketFor(await png(3, 3))).media.id;
          const recentWrite = await files.writeAbandoned?.(`${recentPending}-original`, 'in-progress', new Date());
          const oldReady = await uploaded(await png(3, 3));
          for (const id of [pending, claimed, oldReady]) await makeOld(id);

          await worker.sweep.run();

          for (const id of [pending, claimed]) {
            expect(await mediaRow(id), id).toBeUndefined();
            expect(await filesOf(id), id).toEqual([]);
            expect(await eventsOf('media.deleted', id)).toEqual([{ mediaId: id, ownerId: owner.id }]);
          }
          expect(await mediaRow(recentPending)).toMatchObject({ status: 'PENDING_UPLOAD' });
          expect(await filesOf(recentPending)).toEqual(recentWrite ? [recentWrite] : []);
          expect(await mediaRow(oldReady)).toMatchObject({ status: 'READY' });
          expect(await filesOf(oldReady)).toEqual([oldReady, `${oldReady}-thumbnail`]);
          expect(await eventsOf('media.deleted', oldReady)).toEqual([]);

          // Run again: nothing left to do, nothing recorded twice.
          const before = await mediaSnapshot();
          await worker.sweep.run();
          expect(await mediaSnapshot()).toEqual(before);
          if (recentWrite) await files.remove(recentWrite);
        } finally {
          await worker.orm.close();
        }
      });

      it('the job is scheduled every hour in the workers', async () => {
        const bus = { connection: bullConnection(redisUrl), prefix: bullPrefix(stack.redisKeyPrefix) };
        const scheduled = new Queue(scheduledQueueName, queueOptions(bus, scheduledQueueName));
        try {
          const scheduler = await scheduled.getJobScheduler(unfinishedUploadsSchedule);
          expect(scheduler).toMatchObject({ key: unfinishedUploadsSchedule, every: 3_600_000 });
        } finally {
          await scheduled.close();
        }
      });
    });

    type Actor = 'anonymous' | 'another user' | 'owner' | 'admin';
    const tokenOf = (actor: Actor) =>
      ({
        anonymous: undefined,
        'another user': other.accessToken,
        owner: owner.accessToken,
        admin: admin.accessToken,
      })[actor];

    describe('media authorization matrix', () => {
      it.each([
        ['anonymous', 'UNAUTHENTICATED'],
        ['another user', 'ok'],
        ['owner', 'ok'],
        ['admin', 'ok'],
      ] as const)('createUpload as %s: %s', async (actor, expected) => {
        const before = await mediaSnapshot();
        const response = await createUpload(tokenOf(actor), { contentType: 'image/png', byteSize: 100 });
        if (expected === 'ok') {
          const { media } = dataOf(response).createUpload;
          const [row] = await queryRows(stack.databases.media, 'select owner_id, status from media where id = $1', [
            media.id,
          ]);
          const ownerId = { 'another user': other.id, owner: owner.id, admin: admin.id }[
            actor as Exclude<Actor, 'anonymous'>
          ];
          expect(row).toEqual({ owner_id: ownerId, status: 'PENDING_UPLOAD' });
        } else {
          expect(errorCode(response)).toBe(expected);
          expect(await mediaSnapshot()).toEqual(before);
        }
      });

      it.each([
        ['anonymous', 'UNAUTHENTICATED'],
        ['another user', 'FORBIDDEN'],
        ['owner', 'ok'],
        ['admin', 'ok'],
      ] as const)('deleteMedia as %s: %s', async (actor, expected) => {
        const id = await uploaded(await png(5, 7));
        const url = `${gatewayOrigin}/media/files/${id}`;
        const before = await mediaSnapshot();
        expect(await filesOf(id)).toEqual([id, `${id}-thumbnail`]);
        const response = await graphql(
          stack.gatewayUrl,
          'mutation ($id: ID!) { deleteMedia(id: $id) }',
          { id },
          {
            token: tokenOf(actor),
          },
        );
        if (expected === 'ok') {
          expect(dataOf(response).deleteMedia).toBe(id);
          expect(await mediaRow(id)).toBeUndefined();
          expect(await filesOf(id)).toEqual([]);
          expect(await eventsOf('media.deleted', id)).toEqual([{ mediaId: id, ownerId: owner.id }]);
          expect(dataOf(await mediaQuery(id)).media).toBeNull();
          expect((await fetch(url)).status).toBe(404);
        } else {
          expect(errorCode(response)).toBe(expected);
          expect(await mediaSnapshot()).toEqual(before);
          expect((await fetch(url)).status).toBe(200);
        }
      });

      it('deleteMedia of an unknown media is NOT_FOUND and a malformed id BAD_USER_INPUT', async () => {
        const missing = await graphql(
          stack.gatewayUrl,
          'mutation { deleteMedia(id: "00000000-0000-4000-8000-000000000000") }',
          {},
          { token: owner.accessToken },
        );
        expect(errorCode(missing)).toBe('NOT_FOUND');
        const malformed = await graphql(
          stack.gatewayUrl,
          'mutation { deleteMedia(id: "x") }',
          {},
          { token: owner.accessToken },
        );
        expect(errorCode(malformed)).toBe('BAD_USER_INPUT');
      });

      it('an upload URL of a deleted media is refused', async () => {
        const bytes = await png(6, 6);
        const ticket = await ticketFor(bytes);
        dataOf(
          await graphql(
            stack.gatewayUrl,
            'mutation ($id: ID!) { deleteMedia(id: $id) }',
            { id: ticket.media.id },
            {
              token: owner.accessToken,
            },
          ),
        );
        expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({
          status: 404,
          body: { code: 'NOT_FOUND' },
        });
        expect(await filesOf(ticket.media.id)).toEqual([]);
      });
    });

    describe('User.media', () => {
      const USER_MEDIA = `
    query ($id: ID!, $first: Int!, $after: String) {
      user(id: $id) { media(first: $first, after: $after) { edges { node { id status owner { id } } } pageInfo { hasNextPage endCursor } } }
    }
  `;

      it("lists the owner's media newest first, pages through them, and shows others only READY ones", async () => {
        const lister = await registerUser(stack.gatewayUrl, 'media_lister');
        const ready = await uploaded(await png(3, 3), lister.accessToken);
        const pending = (await ticketFor(await png(3, 3), { token: lister.accessToken })).media.id;
        const newest = await uploaded(await png(2, 2), lister.accessToken);
        await uploaded(await png(2, 2), other.accessToken); // someone else's: never listed

        const list = async (token: string | undefined, first: number, after?: string) =>
          dataOf(await graphql(stack.gatewayUrl, USER_MEDIA, { id: lister.id, first, after }, { token })).user.media;

        const all = await list(lister.accessToken, 10);
        expect(all.edges.map((edge: any) => edge.node.id)).toEqual([newest, pending, ready]);
        expect(all.edges.every((edge: any) => edge.node.owner.id === lister.id)).toBe(true);
        expect(all.pageInfo.hasNextPage).toBe(false);
        expect((await list(admin.accessToken, 10)).edges).toHaveLength(3);

        const firstPage = await list(lister.accessToken, 2);
        expect(firstPage.edges.map((edge: any) => edge.node.id)).toEqual([newest, pending]);
        expect(firstPage.pageInfo.hasNextPage).toBe(true);
        const secondPage = await list(lister.accessToken, 2, firstPage.pageInfo.endCursor);
        expect(secondPage.edges.map((edge: any) => edge.node.id)).toEqual([ready]);

        for (const token of [undefined, other.accessToken]) {
          const visible = await list(token, 10);
          expect(visible.edges.map((edge: any) => [edge.node.id, edge.node.status])).toEqual([
            [newest, 'READY'],
            [ready, 'READY'],
          ]);
        }
      });
    });

    /** A one-subgraph supergraph (no `media`), composed once with @apollo/composition from `type Query { ping: String }`. */
    const supergraphWithoutMedia = `
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) {
  query: Query
}
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
input join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }
scalar join__DirectiveArguments
scalar join__FieldSet
scalar join__FieldValue
enum join__Graph { PING @join__graph(name: "ping", url: "http://127.0.0.1:9/graphql") }
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
type Query @join__type(graph: PING) { ping: String }
`;

    describe("the gateway's /media/ proxy", () => {
      const gatewayWith = (supergraphSdl: string, subgraphUrls: Record<string, string>) =>
        createGateway({
          supergraphSdl,
          subgraphUrls,
          verifyAccessToken: () => Promise.reject(new Error('no token is verified here')),
          logger: createLogger('test-gateway', 'silent'),
          production: false,
        });

      it('answers 404 under /media/ when the supergraph has no media subgraph, even with a media URL given', async () => {
        const gateway = await gatewayWith(supergraphWithoutMedia, { media: stack.subgraphUrls.media });
        try {
          const origin = new URL(await gateway.listen(0)).origin;
          const id = await uploaded(await png(2, 3));
          expect((await fetch(`${stack.subgraphUrls.media.replace('/graphql', '')}/media/files/${id}`)).status).toBe(
            200,
          );
          const response = await fetch(`${origin}/media/files/${id}`);
          expect(response.status).toBe(404);
          await response.arrayBuffer();
        } finally {
          await gateway.close();
        }
      });

      it('passes a dropped upload connection on, so the media subgraph undoes the upload', async () => {
        const supergraphSdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
        // Straight to the subgraphs: the test stack's counting proxies do not pass a dropped connection on.
        const gateway = await gatewayWith(supergraphSdl, stack.subgraphUrls);
        try {
          const origin = new URL(await gateway.listen(0)).origin;
          const bytes = await png(40, 20);
          const ticket = await ticketFor(bytes);
          await interruptedPut(ticket.uploadUrl.replace(gatewayOrigin, origin), bytes);
          await expectNothingStored(ticket.media.id);
          expect(await put(ticket.uploadUrl.replace(gatewayOrigin, origin), bytes, ticket.uploadHeaders)).toMatchObject(
            {
              status: 202,
              body: { width: 40, height: 20 },
            },
          );
        } finally {
          await gateway.close();
        }
      });

      it('answers 502 with a JSON body when the media subgraph is unreachable', async () => {
        const supergraphSdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
        const gateway = await gatewayWith(supergraphSdl, {
          ...stack.subgraphUrls,
          media: 'http://127.0.0.1:9/graphql',
        });
        try {
          const origin = new URL(await gateway.listen(0)).origin;
          const response = await fetch(`${origin}/media/files/00000000-0000-4000-8000-000000000000`, {
            headers: { 'x-request-id': 'media-502' },
          });
          expect(response.status).toBe(502);
          expect(response.headers.get('x-request-id')).toBe('media-502');
          expect(await response.json()).toMatchObject({ code: 'BAD_GATEWAY' });
        } finally {
          await gateway.close();
        }
      });

      it('does not hold uploads to the 2 MB GraphQL body limit', async () => {
        // Random pixels do not compress: a PNG of about 3 MB.
        const side = 1000;
        const noise = Buffer.alloc(side * side * 3);
        for (let index = 0; index < noise.length; index++) noise[index] = (index * 2654435761) >>> 24;
        const bytes = await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
          .png({ compressionLevel: 0 })
          .toBuffer();
        expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
        const ticket = await ticketFor(bytes);
        expect(await put(ticket.uploadUrl, bytes, ticket.uploadHeaders)).toMatchObject({
          status: 202,
          body: { width: side, height: side },
        });
        await processed(ticket.media.id);
        const file = await fetch(`${gatewayOrigin}/media/files/${ticket.media.id}`);
        expect((await pixelsOf(Buffer.from(await file.arrayBuffer()))).equals(noise)).toBe(true);
      });
    });
  });
}
