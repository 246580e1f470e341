/**
 * The kit as a frontend installs it: `pnpm pack` (which builds it with tsc) makes a tarball whose package.json
 * points every export at JavaScript and type declarations inside it, and that JavaScript loads in plain Node,
 * with no TypeScript loader.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let out: string;
let files: string[];
let manifest: { exports: Record<string, string | Record<string, string>>; types: string; files: string[] };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'curbside-client-pack-'));
  await run('pnpm', ['pack', '--pack-destination', out], { cwd: packageDir });
  const [tarball] = (await readdir(out)).filter((name) => name.endsWith('.tgz'));
  await run('tar', ['xzf', join(out, tarball!), '-C', out]);
  files = (await run('tar', ['tzf', join(out, tarball!)])).stdout
    .trim()
    .split('\n')
    .map((path) => path.replace(/^package\//, ''));
  manifest = JSON.parse(await readFile(join(out, 'package', 'package.json'), 'utf8'));
}, 120_000);
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('@curbside/client as published', () => {
  it('exports JavaScript and declarations from dist, and ships them (and no TypeScript source)', () => {
    const targets = Object.values(manifest.exports).flatMap((target) =>
      typeof target === 'string' ? [target] : Object.values(target),
    );
    expect(targets).toEqual(expect.arrayContaining(['./dist/index.js', './dist/index.d.ts']));
    for (const target of [...targets, manifest.types]) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('README.md');
  });

  it('JavaScript imports JavaScript (no .ts specifier survives the build)', async () => {
    for (const path of files.filter((file) => file.endsWith('.js'))) {
      const text = await readFile(join(out, 'package', path), 'utf8');
      expect(text, path).not.toMatch(/from ['"]\.{1,2}\/[^'"]+\.ts['"]/);
    }
  });

  it("types a frontend's code through its declarations", async () => {
    // A frontend project with the tarball installed beside the kit's own peers.
    const app = join(out, 'app');
    const modules = join(app, 'node_modules');
    await mkdir(join(modules, '@curbside'), { recursive: true });
    await rename(join(out, 'package'), join(modules, '@curbside', 'client'));
    await mkdir(join(modules, '@apollo'));
    for (const peer of ['@apollo/client', 'graphql', 'graphql-ws', 'rxjs', '@graphql-typed-document-node/core']) {
      await mkdir(dirname(join(modules, peer)), { recursive: true });
      await symlink(await realpath(join(packageDir, 'node_modules', peer)), join(modules, peer));
    }
    await writeFile(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    const compilerOptions = {
      module: 'nodenext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      lib: ['es2022', 'dom'],
      types: [],
    };
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
    await writeFile(
      join(app, 'app.ts'),
      [
        "import { createCurbsideClient, errorCodeOf, Me } from '@curbside/client';",
        "const curbside = createCurbsideClient({ url: 'http://localhost:4000/graphql', getAccessToken: () => null });",
        'const { data, error } = await curbside.client.query({ query: Me });',
        'const username: string | undefined = data?.me?.username;',
        'const code: string | undefined = errorCodeOf(error);',
        'const wrong: number = data!.me!.username; // the one error expected',
        'console.log(username, code, wrong);',
      ].join('\n'),
    );
    const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
    const checked = await run(process.execPath, [tsc, '-p', app], { cwd: app }).then(
      () => '',
      (failure: { stdout: string }) => failure.stdout,
    );
    expect(checked.trim().split('\n')).toEqual([
      "app.ts(6,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  }, 60_000);

  it('loads in plain Node', async () => {
    const script = `const kit = await import(${JSON.stringify(join(packageDir, 'dist', 'index.js'))});
      console.log(JSON.stringify([typeof kit.createCurbsideClient, Object.keys(kit.trustedDocuments).length, kit.documentIdOf(kit.Me)]));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    const [factory, documents, meId] = JSON.parse(stdout) as [string, number, string];
    expect(factory).toBe('function');
    expect(documents).toBeGreaterThan(0);
    expect(meId).toMatch(/^sha256:/);
  });
});
