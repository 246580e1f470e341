/**
 * Runs codegen.ts. With --check it writes nothing and fails when any committed output differs from
 * what the SDL files generate now.
 */
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import config from '../../codegen.ts';
import { fromRoot } from './paths.ts';

process.chdir(fromRoot());
const check = process.argv.includes('--check');
const outputs = (await generate({ ...config, silent: true }, !check)) as { filename: string; content: string }[];
if (check) {
  const stale = outputs.filter(({ filename, content }) => {
    try {
      return readFileSync(fromRoot(filename), 'utf8') !== content;
    } catch {
      return true;
    }
  });
  for (const { filename } of stale) console.error(`${filename} is stale: run 'pnpm codegen' and commit the result.`);
  if (stale.length > 0) process.exit(1);
  console.log(`${outputs.length} generated files are up to date`);
} else {
  for (const { filename } of outputs) console.log(`wrote ${filename}`);
}
