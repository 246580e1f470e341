import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '@curbside/fixtures';
import { dataOf, graphql, registerUser, startStack, waitFor, type TestStack } from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('a post with an uploaded photo, end to end through the gateway', () => {
  it('uploads a PNG with the signed URL, posts it, and serves the same image back, with a thumbnail', async () => {
    const author = await registerUser(stack.gatewayUrl, 'photographer');
    const png = makePng(96, 64, (x, y) => [x * 2, y * 3, 200]);
    const ticket = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
        { input: { filename: 'truck.png', contentType: 'image/png', byteSize: png.length } },
        { token: author.accessToken },
      ),
    ).createUpload;
    // The signed URL is on the gateway's own origin: the client never talks to the media subgraph.
    expect(new URL(ticket.uploadUrl).origin).toBe(new URL(stack.gatewayUrl).origin);
    const put = await fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.uploadHeaders, body: png });
    expect(put.status).toBe(202);

    // The post subgraph learns that the media is READY (processed by the workers) from the media subgraph's event.
    const post = await waitFor('createPost to accept the new media', async () => {
      const response = await graphql(
        stack.gatewayUrl,
        'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
        { input: { body: 'Fresh from the grill', mediaIds: [ticket.media.id] } },
        { token: author.accessToken },
      );
      return response.data?.['createPost'] as { id: string } | undefined;
    });

    const read = dataOf(
      await graphql(
        stack.gatewayUrl,
        'query ($id: ID!) { post(id: $id) { body media { id url thumbnailUrl width height } author { username } } }',
        {
          id: post.id,
        },
      ),
    ).post;
    expect(read).toMatchObject({
      body: 'Fresh from the grill',
      media: [{ id: ticket.media.id, width: 96, height: 64 }],
      author: { username: 'photographer' },
    });

    const image = await fetch(read.media[0].url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await image.arrayBuffer());
    // Re-encoded without metadata; the same pixels (PNG is lossless).
    expect((await sharp(bytes).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
    const metadata = await sharp(bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 96, 64]);

    const thumbnail = await fetch(read.media[0].thumbnailUrl);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const thumbnailMetadata = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([thumbnailMetadata.format, thumbnailMetadata.width, thumbnailMetadata.height]).toEqual(['webp', 256, 171]);
  });
});
