/**
 * The breaking-change gate and the changelog of the API schema, run on a git checkout.
 *
 * What is compared: `schema/schema.graphql` now, against the previous release's. The previous release is
 * `base` when given (a git revision), otherwise: HEAD when the file differs from HEAD's (a change about to be
 * committed, as a developer runs it), else HEAD's first parent (the change the newest commit made, as CI sees
 * it on a clone of main). When there is no such version (the first commit, a shallow clone, no git, a schema
 * new in that commit) nothing can break: the gate passes and says why, and the changelog's newest entry must
 * still be the current version's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  changelogSection,
  newestEntry,
  schemaChanges,
  schemaHash,
  unannouncedBreakingChanges,
  withSection,
} from './schema-changes.ts';

export const schemaPath = 'schema/schema.graphql';
export const changelogPath = 'schema/CHANGELOG.md';

export interface SchemaGateOptions {
  /** The repository's root (a git work tree, or not). */
  root: string;
  /** `check` fails on problems; `write` rewrites the changelog's newest entry, then checks. */
  mode: 'check' | 'write';
  /** The git revision of the previous release. Default: see above. */
  base?: string | undefined;
}

export interface SchemaGateResult {
  ok: boolean;
  /** What was compared with what, and every problem, for the console. */
  messages: string[];
}

/** git's output, or null when git fails (no repository, no such revision or path). */
function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return null;
  }
}

const schemaAt = (root: string, revision: string) => git(root, ['show', `${revision}:${schemaPath}`]);
const commitExists = (root: string, revision: string) =>
  git(root, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]) !== null;

/** The previous release's schema (null when there is none to compare with) and how it was found. */
function previousRelease(
  root: string,
  current: string,
  base: string | undefined,
): { before: string | null; why: string } {
  if (base !== undefined) {
    if (!commitExists(root, base)) throw new Error(`no commit '${base}' in ${root}`);
    const before = schemaAt(root, base);
    return { before, why: before === null ? `${base} has no ${schemaPath}` : `compared with ${base}` };
  }
  if (!commitExists(root, 'HEAD')) return { before: null, why: 'not a git checkout with commits: nothing to compare' };
  const head = schemaAt(root, 'HEAD');
  if (head !== null && head !== current) return { before: head, why: 'compared with HEAD (uncommitted change)' };
  if (!commitExists(root, 'HEAD^')) {
    const shallow = git(root, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true';
    return {
      before: null,
      why: shallow
        ? 'shallow clone without HEAD^ (git fetch --deepen=1 to compare): nothing to compare'
        : 'first commit: nothing to compare',
    };
  }
  const parent = schemaAt(root, 'HEAD^');
  return {
    before: parent,
    why: parent === null ? `HEAD^ has no ${schemaPath}` : 'compared with HEAD^ (previous commit)',
  };
}

export async function runSchemaGate(options: SchemaGateOptions): Promise<SchemaGateResult> {
  const { root, mode } = options;
  const current = readFileSync(join(root, schemaPath), 'utf8');
  const changelogFile = join(root, changelogPath);
  const changelog = existsSync(changelogFile) ? readFileSync(changelogFile, 'utf8') : null;
  const { before, why } = previousRelease(root, current, options.base);
  const messages = [`API schema ${schemaHash(current)}: ${why}`];
  const problems: string[] = [];
  let expected = changelog;

  if (before !== null && before !== current) {
    const changes = await schemaChanges(before, current);
    const refused = unannouncedBreakingChanges(changes, before);
    messages.push(`${changes.length} change(s) from ${schemaHash(before)}, ${refused.length} refused`);
    for (const change of refused) {
      problems.push(
        `breaking change to ${change.path ?? 'the schema'} that was not deprecated in the previous release: ${change.message} ` +
          '(deprecate it with @deprecated(reason: ...) first, release, then remove or change it)',
      );
    }
    expected = withSection(changelog, changelogSection(before, current, changes, new Set(refused)));
  } else if (newestEntry(changelog)?.hash !== schemaHash(current)) {
    if (changelog === null) expected = withSection(null, changelogSection(null, current, []));
    else if (before === null) {
      problems.push(
        `${changelogPath}: its newest entry is not ${schemaHash(current)}, and there is no previous schema to diff (${why})`,
      );
    } else problems.push(`${changelogPath}: its newest entry is not ${schemaHash(current)}, the current schema`);
  }

  if (expected !== changelog) {
    if (mode === 'write' && expected !== null) {
      writeFileSync(changelogFile, expected);
      messages.push(`wrote ${changelogPath}`);
    } else problems.push(`${changelogPath} does not record this change: run pnpm schema:changelog and commit it`);
  }
  return { ok: problems.length === 0, messages: [...messages, ...problems.map((problem) => `  - ${problem}`)] };
}
