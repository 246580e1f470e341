/**
 * Seeding through the real API, shared by the benchmarks that need posts with media. `@curbside/e2e` is loaded
 * on first use, after the benchmark has set its test-run environment.
 */
import { makePng } from '@curbside/fixtures';
import { checkedData } from './report.ts';

interface Gateway {
  gatewayUrl: string;
}
interface Account {
  accessToken: string;
}

/** A distinct PNG uploaded through the gateway's signed upload URL, as a client would: its media id. */
export async function uploadImage(stack: Gateway, owner: Account, index: number): Promise<string> {
  const { graphql } = await import('@curbside/e2e');
  const png = makePng(64 + index, 48, (x, y) => [(x * 4 + index * 20) % 256, (y * 5) % 256, 128]);
  const ticket = checkedData(
    await graphql<{
      createUpload: { media: { id: string }; uploadUrl: string; uploadHeaders: Record<string, string> };
    }>(
      stack.gatewayUrl,
      'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
      { input: { filename: `bench-${index}.png`, contentType: 'image/png', byteSize: png.length } },
      { token: owner.accessToken },
    ),
  ).createUpload;
  const response = await fetch(ticket.uploadUrl, { method: 'PUT', headers: ticket.uploadHeaders, body: png });
  if (!response.ok) throw new Error(`upload ${index} failed: HTTP ${response.status} ${await response.text()}`);
  return ticket.media.id;
}

/** createPost, retried while the post subgraph's copies of the new vendor and media arrive by event. */
export async function createPostOnceCopied(
  stack: Gateway,
  author: Account,
  input: Record<string, unknown>,
): Promise<string> {
  const { graphql } = await import('@curbside/e2e');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await graphql<{ createPost: { id: string } }>(
      stack.gatewayUrl,
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input },
      { token: author.accessToken },
    );
    if (response.data?.createPost) return response.data.createPost.id;
    if (Date.now() > deadline) throw new Error(`createPost failed: ${JSON.stringify(response.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `count` posts by `author` on `vendorId`, post `i` with photos `i` and `i + 1` of `mediaIds` (round robin), each
 * liked by every other reader and commented on by every third (which ones depends on the post and the reader);
 * the posts that `bench:posts` and `bench:gateway` read.
 */
export async function createPostsWithReactions(
  stack: Gateway,
  author: Account,
  readers: readonly Account[],
  { count, mediaIds, vendorId }: { count: number; mediaIds: readonly string[]; vendorId: string },
): Promise<void> {
  const { graphql } = await import('@curbside/e2e');
  const as = async (reader: Account, query: string, variables: Record<string, unknown>) =>
    checkedData(await graphql(stack.gatewayUrl, query, variables, { token: reader.accessToken }));
  for (let index = 0; index < count; index++) {
    const postId = await createPostOnceCopied(stack, author, {
      body: `Today's special #${index}: ${'tacos and salsa '.repeat(1 + (index % 5))}`,
      mediaIds: [mediaIds[index % mediaIds.length]!, mediaIds[(index + 1) % mediaIds.length]!],
      vendorId,
    });
    for (const [readerIndex, reader] of readers.entries()) {
      if ((index + readerIndex) % 2 === 0) {
        await as(reader, 'mutation ($id: ID!) { likePost(postId: $id) { id } }', { id: postId });
      }
      if ((index + readerIndex) % 3 === 0) {
        await as(reader, 'mutation ($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }', {
          id: postId,
          body: `Looks great (${readerIndex})`,
        });
      }
    }
  }
}
