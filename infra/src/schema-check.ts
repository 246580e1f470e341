/**
 * `pnpm schema:check` (CI): fails when a change to the API schema breaks an element that was not deprecated in
 * the previous release, or when `schema/CHANGELOG.md` does not record the change. `pnpm schema:changelog`
 * (`--write`) writes the changelog's entry for it first. `--base <revision>` (or SCHEMA_BASE) names the previous
 * release; see schema-gate.ts for the default.
 */
import { runSchemaGate } from './schema-gate.ts';
import { repoRoot } from './paths.ts';

const baseFlag = process.argv.indexOf('--base');
const base = baseFlag >= 0 ? process.argv[baseFlag + 1] : process.env['SCHEMA_BASE'] || undefined;
const result = await runSchemaGate({
  root: repoRoot,
  mode: process.argv.includes('--write') ? 'write' : 'check',
  base,
});
for (const message of result.messages) (result.ok ? console.log : console.error)(message);
if (!result.ok) process.exit(1);
