/**
 * `pnpm bench:posts`: through the gateway, latency and throughput of a 20-post page with authors,
 * vendors, media and counts. Seeds through the real API: users, a vendor, PNG uploads through the
 * gateway's signed URLs, 60 posts with media, likes and comments. Every response is checked.
 */
import { availableParallelism } from 'node:os';
import { checkedData, intFromEnv, printTable, reportFailures, result, type OperationResult } from './common/report.ts';
import { prepareBenchRun } from './common/run.ts';
import { createPostsWithReactions, uploadImage } from './common/seeding.ts';
import { runConcurrent } from './common/stats.ts';

prepareBenchRun();

const { startStack, graphql, registerUser, postgresUrl, testDatabasePrefix } = await import('@curbside/e2e');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');

const pageRequests = intFromEnv('BENCH_PAGE_REQUESTS', 1_000);
const postCount = 60;
const imageCount = 12;

const PAGE = `query ($authorId: ID!) {
  user(id: $authorId) {
    posts(first: 20) {
      edges { node {
        id body createdAt editedAt likeCount commentCount viewerHasLiked
        author { username displayName }
        vendor { name isOpen }
        media { url width height contentType }
      } }
    }
  }
}`;

type Stack = Awaited<ReturnType<typeof startStack>>;

async function seed(stack: Stack) {
  const author = await registerUser(stack.gatewayUrl, 'bench_author');
  const readers = await Promise.all(
    Array.from({ length: 5 }, (_, index) => registerUser(stack.gatewayUrl, `bench_reader_${index}`)),
  );
  const vendorId = checkedData(
    await graphql<{ createVendor: { id: string } }>(
      stack.gatewayUrl,
      'mutation { createVendor(input: { name: "Bench Tacos", category: FOOD_TRUCK }) { id } }',
      {},
      { token: author.accessToken },
    ),
  ).createVendor.id;
  const mediaIds: string[] = [];
  for (let index = 0; index < imageCount; index++) mediaIds.push(await uploadImage(stack, author, index));
  await createPostsWithReactions(stack, author, readers, { count: postCount, mediaIds, vendorId });
  return { author, viewer: readers[0]! };
}

async function main(): Promise<void> {
  const stack = await startStack({ countSubgraphRequests: false });
  const results: OperationResult[] = [];
  let failures = 0;
  try {
    const seedStart = performance.now();
    const { author, viewer } = await seed(stack);
    const seedMs = performance.now() - seedStart;
    const page = async () => {
      const data = checkedData(
        await graphql<{
          user: {
            posts: {
              edges: { node: { media: { url: string }[]; author: { username: string }; vendor: { name: string } } }[];
            };
          };
        }>(stack.gatewayUrl, PAGE, { authorId: author.id }, { token: viewer.accessToken }),
      );
      const edges = data.user.posts.edges;
      if (edges.length !== 20) throw new Error(`expected 20 posts, got ${edges.length}`);
      for (const { node } of edges) {
        if (
          node.author.username !== author.username ||
          node.vendor?.name !== 'Bench Tacos' ||
          node.media.length !== 2 ||
          !node.media[0]?.url
        ) {
          throw new Error(`incomplete post: ${JSON.stringify(node)}`);
        }
      }
    };
    await runConcurrent(50, 4, page);
    const sequential = await runConcurrent(pageRequests, 1, page);
    results.push(result('20-post page @ gateway', 1, sequential));
    const parallel = await runConcurrent(pageRequests, 8, page);
    results.push(result('20-post page @ gateway', 8, parallel));
    for (const [label, run] of [
      ['c=1', sequential],
      ['c=8', parallel],
    ] as const) {
      reportFailures(label, run);
      failures += run.failures;
    }
    const date = new Date().toISOString();
    console.log(
      `Curbside posts benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
        `Seeded ${postCount} posts with 2 images each, likes and comments through the API in ${(seedMs / 1000).toFixed(1)} s.\n` +
        'Every service and the load generator share one process (one core for JavaScript).',
    );
    printTable(results);
    console.log(`RESULT ${JSON.stringify({ benchmark: 'posts', node: process.version, date, results })}`);
  } finally {
    await stack.stop();
    await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
  }
  if (failures > 0) process.exitCode = 1;
}

await main();
