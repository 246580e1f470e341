import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaChanges, schemaHash, unannouncedBreakingChanges } from './schema-changes.ts';
import { changelogPath, runSchemaGate, schemaPath } from './schema-gate.ts';

const v1 = `
type Query {
  vendor(id: ID!): Vendor
  vendors(first: Int! = 20, category: Category): [Vendor!]!
}
type Vendor {
  id: ID!
  name: String!
  phone: String
  legacy: Legacy
}
type Legacy {
  code: String!
}
enum Category {
  FOOD_TRUCK
  MARKET_STALL
}
`;
/** v1 with `phone`, `legacy` and `MARKET_STALL` deprecated: what a release announcing their removal ships. */
const deprecated = v1
  .replace('phone: String', 'phone: String @deprecated(reason: "Use contact.")')
  .replace('legacy: Legacy', 'legacy: Legacy @deprecated(reason: "Gone.")')
  .replace('MARKET_STALL', 'MARKET_STALL @deprecated(reason: "Use FOOD_TRUCK.")');
/** Then their removal, with `Legacy`, which only the deprecated field reached. */
const removed = deprecated
  .replace(/ +phone: String @deprecated\(reason: "Use contact."\)\n/, '')
  .replace(/ +legacy: Legacy @deprecated\(reason: "Gone."\)\n/, '')
  .replace(/type Legacy \{\n  code: String!\n\}\n/, '')
  .replace(/ +MARKET_STALL @deprecated\(reason: "Use FOOD_TRUCK."\)\n/, '');

const refusedPaths = async (before: string, after: string) =>
  unannouncedBreakingChanges(await schemaChanges(before, after), before).map((change) => change.path);

describe('the deprecation policy', () => {
  it('refuses removing a field, an enum value or a type that was not deprecated', async () => {
    expect(await refusedPaths(v1, v1.replace(/ +phone: String\n/, ''))).toEqual(['Vendor.phone']);
    expect(await refusedPaths(v1, v1.replace(/ +MARKET_STALL\n/, ''))).toEqual(['Category.MARKET_STALL']);
    expect(
      await refusedPaths(v1, v1.replace(/ +legacy: Legacy\n/, '').replace(/type Legacy \{\n  code: String!\n\}\n/, '')),
    ).toEqual(expect.arrayContaining(['Vendor.legacy', 'Legacy']));
  });

  it('refuses changing the type of a field or argument that was not deprecated', async () => {
    expect(await refusedPaths(v1, v1.replace('name: String!', 'name: Int!'))).toEqual(['Vendor.name']);
    expect(await refusedPaths(v1, v1.replace('first: Int! = 20', 'first: String! = "20"'))).toEqual([
      'Query.vendors.first',
    ]);
  });

  it('takes a deprecation (nothing breaks), then the removal of what was deprecated in the previous release', async () => {
    expect(await refusedPaths(v1, deprecated)).toEqual([]);
    expect(await refusedPaths(deprecated, removed)).toEqual([]);
    // Deprecating and removing in one release is refused: no client was told.
    expect(await refusedPaths(v1, removed)).toEqual(expect.arrayContaining(['Vendor.phone', 'Category.MARKET_STALL']));
  });
});

describe('pnpm schema:check on a git checkout', () => {
  let root: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
      cwd: root,
      stdio: 'pipe',
    });
  const writeSchema = (sdl: string) => writeFileSync(join(root, schemaPath), sdl);
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const repository = () => {
    root = mkdtempSync(join(tmpdir(), 'curbside-schema-gate-'));
    mkdirSync(join(root, 'schema'));
    git('init', '-q', '-b', 'main');
  };
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails on a deliberately removed field, naming it; passes on a deprecation and its removal a release later', async () => {
    repository();
    writeSchema(v1);
    expect((await runSchemaGate({ root, mode: 'write' })).ok).toBe(true); // no commit yet: nothing to compare
    commit('v1');

    writeSchema(v1.replace(/ +phone: String\n/, ''));
    const refused = await runSchemaGate({ root, mode: 'write' });
    expect(refused.ok).toBe(false);
    expect(refused.messages.join('\n')).toContain('breaking change to Vendor.phone that was not deprecated');

    writeSchema(deprecated);
    expect(await runSchemaGate({ root, mode: 'check' })).toMatchObject({ ok: false }); // changelog not written yet
    const deprecation = await runSchemaGate({ root, mode: 'write' });
    expect(deprecation.messages).toContain(`wrote ${changelogPath}`);
    expect(deprecation.ok).toBe(true);
    commit('deprecate phone, legacy and MARKET_STALL');
    // As CI sees it on a clone: the newest commit against its parent.
    expect(await runSchemaGate({ root, mode: 'check' })).toMatchObject({ ok: true });

    writeSchema(removed);
    expect((await runSchemaGate({ root, mode: 'write' })).ok).toBe(true);
    commit('remove them');
    expect(await runSchemaGate({ root, mode: 'check' })).toMatchObject({ ok: true });

    const changelog = readFileSync(join(root, changelogPath), 'utf8');
    const headings = [...changelog.matchAll(/^## .*$/gm)].map(([heading]) => heading);
    expect(headings).toEqual([
      `## ${schemaHash(removed)} (from ${schemaHash(deprecated)})`,
      `## ${schemaHash(deprecated)} (from ${schemaHash(v1)})`,
      `## ${schemaHash(v1)}`,
    ]);
    expect(changelog).toContain(
      '- breaking `Vendor.phone`: Field `phone` (deprecated) was removed from object type `Vendor` (deprecated in the previous release)',
    );
  });

  it('fails in CI when the newest commit removed a field, or changed the schema without its changelog entry', async () => {
    repository();
    writeSchema(v1);
    await runSchemaGate({ root, mode: 'write' });
    commit('v1');
    writeSchema(v1.replace(/ +phone: String\n/, ''));
    commit('remove phone (no changelog)');
    const result = await runSchemaGate({ root, mode: 'check' });
    expect(result.ok).toBe(false);
    expect(result.messages.join('\n')).toMatch(/Vendor\.phone[\s\S]*CHANGELOG\.md does not record this change/);
  });

  it('passes with nothing to compare in a shallow clone of one commit, if the changelog names the schema', async () => {
    repository();
    writeSchema(v1);
    await runSchemaGate({ root, mode: 'write' });
    commit('v1');
    writeSchema(deprecated);
    await runSchemaGate({ root, mode: 'write' });
    commit('deprecate');
    const origin = root;
    root = mkdtempSync(join(tmpdir(), 'curbside-schema-gate-clone-'));
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin}`, root], { stdio: 'pipe' });
    try {
      const result = await runSchemaGate({ root, mode: 'check' });
      expect(result).toMatchObject({ ok: true });
      expect(result.messages[0]).toContain('shallow clone');
    } finally {
      rmSync(origin, { recursive: true, force: true });
    }
  });
});
