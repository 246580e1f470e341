import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dropDatabasesWithPrefix } from '@curbside/subgraph-kit';
import { repoFile } from './processes.ts';
import { postgresUrl, testDatabasePrefix } from './stack.ts';
import { prepareTemplateDatabases } from './templates.ts';

/**
 * Makes the run's migrated template databases (every stack copies them) and compiles the entry files
 * (`pnpm build`, a few seconds): the profiles using this setup start them from their compiled JavaScript
 * (`spawnBuiltVariable` in processes.ts, set by vitest.config.ts), so what runs is always what is in the tree.
 * At the end, drops every database this run created, whether its tests passed or not.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const building = promisify(execFile)(process.execPath, ['--import', 'tsx', repoFile('infra/src/build.ts')], {
    cwd: repoFile(''),
    maxBuffer: 16 * 1024 * 1024,
  });
  await Promise.all([prepareTemplateDatabases(postgresUrl, testDatabasePrefix()), building]);
  return async () => {
    const started = performance.now();
    const dropped = await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`global teardown: dropped the run's ${dropped.length} test databases in ${seconds} s`);
  };
}
