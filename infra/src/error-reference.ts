/**
 * The error vocabulary, checked: the error reference (`docs/errors.md`: every `extensions.code` with its HTTP
 * status and meaning, how errors arrive over each transport, every WebSocket close code) and README's table of
 * error codes are generated from the registry (`packages/errors`), and every code written as a string literal in
 * the source (`code: 'X'`) must be one of the registry's. `pnpm errors:table` rewrites both; `--check` (run by
 * `pnpm lint`) fails, listing what is wrong, when either is stale or a source file names an unregistered code.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { closeCodes, errorCodes } from '@curbside/errors';
import { fromRoot, repoRoot } from './paths.ts';

const readmePath = fromRoot('README.md');
const referencePath = fromRoot('docs', 'errors.md');
const startMarker = '<!-- error-codes:start (generated from packages/errors by pnpm errors:table) -->';
const endMarker = '<!-- error-codes:end -->';

/** A markdown table as prettier formats it: every column padded to its widest cell. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const errorRows = () =>
  Object.entries(errorCodes).map(([code, { httpStatus, description }]) => [
    `\`${code}\``,
    String(httpStatus),
    description,
  ]);

/** README's table: every code, its HTTP status and meaning. */
const errorTable = (): string => markdownTable(['code', 'HTTP', 'meaning'], errorRows());

/** docs/errors.md, whole. */
function errorReference(): string {
  const closeRows = Object.entries(closeCodes).map(([code, { reason, description, reconnect }]) => [
    code,
    reason,
    reconnect ? 'yes' : 'no',
    description,
  ]);
  return `<!-- Generated from packages/errors by pnpm errors:table; pnpm lint fails when it is stale. -->

# Error reference

Every error a Curbside service sends to a client carries a code from one registry (\`packages/errors\`): a
GraphQL error's \`extensions.code\`, the \`code\` of a plain HTTP route's JSON body, or a WebSocket close code.
No other code reaches a client: an error without a registered code is masked as \`INTERNAL_SERVER_ERROR\`
(message hidden, \`extensions.requestId\` added) and logged with that request id.

## How errors arrive

- **Queries and mutations over HTTP** (\`POST /graphql\`): a body with
  \`"errors": [{ "message", "path", "extensions": { "code", ... } }]\`. A request refused as a whole (nothing
  ran) gets the HTTP status below; an error in one field of a response that ran comes with HTTP 200, the rest
  of the data, and the field's \`path\`.
- **Over graphql-ws** (\`ws://…/graphql\`, \`graphql-transport-ws\`): a refused operation gets an \`error\`
  message whose payload is the list of errors; an error in one field arrives in a \`next\` message, as over
  HTTP. What is wrong with the connection itself closes the socket with a close code (below).
- **Multipart subscriptions** (\`Accept: multipart/mixed;subscriptionSpec=1.0\`): refused before the stream
  starts, a JSON response with the HTTP status below; ended by an error, a last part
  \`{ "payload": null, "errors": [...] }\`.
- **Plain HTTP routes** (\`/media/uploads/*\`, \`/media/files/*\`, \`/admin/*\`, \`/metrics\`): the HTTP status
  below and a JSON body \`{ "error": "<message>", "code": "<code>" }\`.
- Every response carries \`x-request-id\`; an \`INTERNAL_SERVER_ERROR\` carries it as \`extensions.requestId\` too.

## Error codes

${errorTable()}

## WebSocket close codes

What each close of a graphql-ws socket by the gateway or a subgraph means, and whether reconnecting can help
(graphql-ws clients reconnect on their own after the \`yes\` ones).

${markdownTable(['code', 'name', 'reconnect', 'meaning'], closeRows)}
`;
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
  const reference = errorReference();
  let currentReference: string | null;
  try {
    currentReference = readFileSync(referencePath, 'utf8');
  } catch {
    currentReference = null;
  }
  const problems = unregisteredCodes();
  const summary = `${Object.keys(errorCodes).length} codes, ${Object.keys(closeCodes).length} close codes`;
  if (check) {
    if (updated !== readme) problems.push('README.md: the error table is stale; run pnpm errors:table');
    if (currentReference !== reference) problems.push('docs/errors.md is stale; run pnpm errors:table');
    if (problems.length > 0) {
      console.error(`error vocabulary:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`error vocabulary: ${summary}, docs/errors.md and README table up to date`);
    return;
  }
  if (updated !== readme) writeFileSync(readmePath, updated);
  if (currentReference !== reference) {
    mkdirSync(dirname(referencePath), { recursive: true });
    writeFileSync(referencePath, reference);
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`docs/errors.md and README.md error table: ${summary}`);
}

main();
