/**
 * The error vocabulary, checked: README's table of error codes is generated from the registry
 * (`packages/errors`), and every code written as a string literal in the source (`code: 'X'`) must be one of
 * the registry's. `pnpm errors:table` rewrites the table; `--check` (run by `pnpm lint`) fails, listing what is
 * wrong, when the table is stale or a source file names an unregistered code.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorCodes } from '@curbside/errors';
import { fromRoot, repoRoot } from './paths.ts';

const readmePath = fromRoot('README.md');
const startMarker = '<!-- error-codes:start (generated from packages/errors by pnpm errors:table) -->';
const endMarker = '<!-- error-codes:end -->';

/** The table as prettier formats a markdown table: every column padded to its widest cell. */
function errorTable(): string {
  const rows = Object.entries(errorCodes).map(([code, { httpStatus, description }]) => [
    `\`${code}\``,
    String(httpStatus),
    description,
  ]);
  const header = ['code', 'HTTP', 'meaning'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** README with its table replaced by the generated one. */
function withTable(readme: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${startMarker} … ${endMarker}`);
  return `${readme.slice(0, start + startMarker.length)}\n\n${errorTable()}\n\n${readme.slice(end)}`;
}

/** Every `.ts` file of the workspace's source folders, tests and generated code left out. */
function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'generated', 'results', 'dist'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** A code written out as a `code` property's string literal (an error's extensions, a JSON refusal's body). */
const codeLiteral = /\bcode:\s*'([A-Z][A-Z0-9_]*)'/g;

/** Every `file:line: code` whose code the registry does not have. */
function unregisteredCodes(): string[] {
  const problems: string[] = [];
  for (const folder of ['gateway', 'subgraphs', 'packages', 'workers', 'infra']) {
    for (const file of sourceFiles(fromRoot(folder))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, index) => {
        if (/^\s*(\*|\/\/)/.test(text)) return; // comments may quote anything
        for (const match of text.matchAll(codeLiteral)) {
          if (!Object.hasOwn(errorCodes, match[1]!)) {
            problems.push(`${relative(repoRoot, file)}:${index + 1}: '${match[1]}' is not in packages/errors`);
          }
        }
      });
    }
  }
  return problems;
}

function main(): void {
  const check = process.argv.includes('--check');
  const readme = readFileSync(readmePath, 'utf8');
  const updated = withTable(readme);
  const problems = unregisteredCodes();
  if (check) {
    if (updated !== readme) problems.push('README.md: the error table is stale; run pnpm errors:table');
    if (problems.length > 0) {
      console.error(`error vocabulary:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`error vocabulary: ${Object.keys(errorCodes).length} codes, README table up to date`);
    return;
  }
  if (updated !== readme) writeFileSync(readmePath, updated);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`README.md error table: ${Object.keys(errorCodes).length} codes`);
}

main();
