/**
 * `pnpm jobs:dead`: lists the dead-letter queue (jobs that failed for good), oldest first.
 * `pnpm jobs:retry <id>`: puts one back in its own queue (the same job: same event id, same data).
 * Reads REDIS_URL, REDIS_CLUSTER_NODES and REDIS_KEY_PREFIX like the services (and the repository's .env if there is
 * one).
 */
// First: a developer's .env applies before any module reads the environment (see load-dotenv.ts).
import './load-dotenv.ts';
import { bullConnection, bullPrefix, closeBullConnection, listDeadLetters, retryDeadLetter } from '@curbside/event-bus';
import { redisTargetFromEnv } from '@curbside/redis';

const redis = redisTargetFromEnv(process.env);
const bus = {
  connection: bullConnection(redis.url, redis.clusterNodes),
  prefix: bullPrefix(process.env['REDIS_KEY_PREFIX'] ?? 'curbside:'),
};
const [command, id] = process.argv.slice(2);

if (command === 'dead') {
  const letters = await listDeadLetters(bus);
  if (letters.length === 0) console.log('The dead-letter queue is empty.');
  for (const letter of letters) {
    console.log(
      `${letter.queue}/${letter.jobId}  ${letter.name}  failed ${letter.failedAt} after ${letter.attemptsMade} attempt(s): ${letter.failedReason}`,
    );
  }
  if (letters.length > 0)
    console.log(`\n${letters.length} dead letter(s). Retry one with: pnpm jobs:retry <queue>/<id>`);
} else if (command === 'retry' && id) {
  if (await retryDeadLetter(id, bus)) console.log(`${id} is back in its queue.`);
  else {
    console.error(`No dead letter '${id}' (see pnpm jobs:dead).`);
    process.exitCode = 1;
  }
} else {
  console.error('Usage: pnpm jobs:dead | pnpm jobs:retry <queue>/<id>');
  process.exitCode = 2;
}
// BullMQ's connections are closed by the helpers, and a cluster client here; nothing else keeps the process alive.
await closeBullConnection(bus.connection);
