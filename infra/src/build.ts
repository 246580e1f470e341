/**
 * `pnpm build`: compiles every deployable, and the commands production runs, to JavaScript, so that production
 * runs `node gateway/dist/main.js` (never tsx).
 *
 * Each workspace package an entry file reaches is compiled file by file into its own `dist/`, mirroring `src/`
 * (`packages/redis/src/index.ts` → `packages/redis/dist/index.js`), rather than bundled into one file: every
 * compiled file stays in its package, so it imports npm packages from that package's `node_modules` exactly as
 * the sources do in development (a bundle would resolve them from the deployable's folder, where a package the
 * deployable does not declare is missing, or is another version). Imports are rewritten: relative `.ts` to
 * `.js`, and `@curbside/<x>` to the relative path of `<x>/dist/index.js`. Files a module reads beside itself
 * (`new URL('./schema.graphql', import.meta.url)`) are copied into `dist/` at the same place; files it reads
 * outside its package (the committed supergraph) are listed in `runtimeFiles`, for the image to carry.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './paths.ts';
import { gatewayService, subgraphServices, workersService } from './services.ts';

/** One entry file and the JavaScript file production runs (both from the repository root). */
export interface BuildTarget {
  /** The deployable or command, as the manifests and the image name it. */
  name: string;
  entry: string;
  outfile: string;
}

const distOf = (entry: string) => entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js');

/** Commands production runs beside the services (`node infra/dist/<name>.js`). */
export const productionCommands = [
  'migrate',
  'jobs',
  'admin-grant',
  'search-reindex',
  'healthcheck',
  'stack-secrets',
] as const;

/** Every entry `pnpm build` compiles: the gateway, each subgraph, the workers, then the production commands. */
export const buildTargets: readonly BuildTarget[] = [
  gatewayService,
  ...subgraphServices,
  workersService,
  ...productionCommands.map((name) => ({ name, entry: `infra/src/${name}.ts` })),
].map(({ name, entry }) => ({ name, entry, outfile: distOf(entry) }));

/** A workspace package: its folder (from the repository root) and name. */
export interface WorkspacePackage {
  dir: string;
  name: string;
}

/** What `pnpm build` made. */
export interface BuildResult {
  /** Packages compiled (those the entries reach), each into `<dir>/dist/`. */
  packages: WorkspacePackage[];
  /** Files compiled. */
  files: number;
  /** Files read at run time from outside any `src/` (from the repository root): the image must hold them. */
  runtimeFiles: string[];
}

const posix = (path: string) => path.split(sep).join('/');
const urlPattern = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/** The workspace packages with an entry point, by name. */
export function workspacePackages(): Map<string, WorkspacePackage> {
  const dirs = ['gateway', 'workers', 'infra'];
  for (const parent of ['subgraphs', 'packages']) {
    for (const entry of readdirSync(resolve(repoRoot, parent))) dirs.push(`${parent}/${entry}`);
  }
  const packages = new Map<string, WorkspacePackage>();
  for (const dir of dirs) {
    const manifest = statSync(resolve(repoRoot, dir, 'package.json'), { throwIfNoEntry: false });
    if (!manifest) continue;
    const { name } = JSON.parse(readFileSync(resolve(repoRoot, dir, 'package.json'), 'utf8')) as { name: string };
    packages.set(name, { dir, name });
  }
  return packages;
}

const packageOf = (file: string, packages: Iterable<WorkspacePackage>): WorkspacePackage | undefined => {
  const path = posix(relative(repoRoot, file));
  for (const pkg of packages) if (path.startsWith(`${pkg.dir}/src/`)) return pkg;
  return undefined;
};

/** Every source file the targets reach (absolute paths), found by esbuild resolving their imports. */
export async function reachableFiles(targets: readonly BuildTarget[]): Promise<string[]> {
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: targets.map((target) => resolve(repoRoot, target.entry)),
    outdir: resolve(repoRoot, 'dist-analysis'),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@curbside/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  return Object.keys(result.metafile.inputs).map((input) => resolve(repoRoot, input));
}

/**
 * Compiles one file, alone: every import stays an import (esbuild bundles nothing when each one is
 * external), rewritten to the compiled file it names.
 */
function rewriteImports(packages: Map<string, WorkspacePackage>): esbuild.Plugin {
  return {
    name: 'curbside-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (args.path.startsWith('.')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
        const name = args.path.split('/').slice(0, 2).join('/');
        const pkg = args.path.startsWith('@curbside/') ? packages.get(name) : undefined;
        if (!pkg && args.path.startsWith('@curbside/')) {
          throw new Error(`${args.importer}: '${args.path}' is not a package pnpm build compiles`);
        }
        if (!pkg) return { path: args.path, external: true };
        if (args.path !== name) throw new Error(`${args.importer}: deep import '${args.path}'`);
        const fromDir = dirname(args.importer).replace(`${sep}src`, `${sep}dist`);
        let path = posix(relative(fromDir, resolve(repoRoot, pkg.dir, 'dist/index.js')));
        if (!path.startsWith('.')) path = `./${path}`;
        return { path, external: true };
      });
    },
  };
}

/** Files a module reads through `new URL(<literal>, import.meta.url)`, as absolute paths (files only). */
function filesReadBeside(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(urlPattern)]
    .map((match) => resolve(dirname(file), match[2]!))
    .filter((target) => statSync(target, { throwIfNoEntry: false })?.isFile() ?? false);
}

/** What `pnpm build` compiles for `targets`, without writing anything. */
export async function plan(
  targets: readonly BuildTarget[],
): Promise<BuildResult & { sources: Map<WorkspacePackage, string[]> }> {
  const packages = workspacePackages();
  const files = (await reachableFiles(targets)).filter((file) => packageOf(file, packages.values()));
  const sources = new Map<WorkspacePackage, string[]>();
  for (const file of files) {
    const pkg = packageOf(file, packages.values())!;
    sources.set(pkg, [...(sources.get(pkg) ?? []), file]);
  }
  const runtimeFiles = new Set<string>();
  for (const [pkg, pkgSources] of sources) {
    for (const target of pkgSources.flatMap(filesReadBeside)) {
      if (!target.startsWith(resolve(repoRoot, pkg.dir, 'src') + sep))
        runtimeFiles.add(posix(relative(repoRoot, target)));
    }
  }
  return {
    packages: [...sources.keys()].sort((a, b) => a.dir.localeCompare(b.dir)),
    files: files.length,
    runtimeFiles: [...runtimeFiles].sort(),
    sources,
  };
}

/** Empties the `dist/` of every package the targets reach, then compiles those packages' reachable files. */
export async function build(targets: readonly BuildTarget[] = buildTargets): Promise<BuildResult> {
  const { sources, ...result } = await plan(targets);
  const packages = workspacePackages();
  await Promise.all(
    [...sources].map(async ([pkg, files]) => {
      const src = resolve(repoRoot, pkg.dir, 'src');
      const dist = resolve(repoRoot, pkg.dir, 'dist');
      rmSync(dist, { recursive: true, force: true });
      await esbuild.build({
        absWorkingDir: repoRoot,
        entryPoints: files,
        outbase: src,
        outdir: dist,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        sourcemap: true,
        logLevel: 'warning',
        plugins: [rewriteImports(packages)],
      });
      for (const target of files.flatMap(filesReadBeside)) {
        if (!target.startsWith(`${src}${sep}`)) continue;
        const destination = join(dist, relative(src, target));
        mkdirSync(dirname(destination), { recursive: true });
        copyFileSync(target, destination);
      }
    }),
  );
  return result;
}

if (import.meta.main) {
  const started = performance.now();
  const result = await build();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`compiled ${result.files} files of ${result.packages.length} packages in ${seconds} s:`);
  for (const target of buildTargets) console.log(`  ${target.name.padEnd(15)} node ${target.outfile}`);
  if (result.runtimeFiles.length > 0) console.log(`read at run time: ${result.runtimeFiles.join(', ')}`);
}
