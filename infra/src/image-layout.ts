/**
 * `pnpm image:layout <dir>`: lays out in `<dir>` what the production image runs, from the output of
 * `pnpm build`: the workspace's package manifests and lockfile, production dependencies only (installed from
 * pnpm's store, offline, for the compiled packages alone), each compiled package's `dist/`, and the files read
 * at run time outside them (the committed supergraph). infra/Dockerfile runs it in its build stage and copies
 * `<dir>` into the runtime stage; the image test runs it into a temporary folder and starts services from it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { buildTargets, plan } from './build.ts';
import { repoRoot } from './paths.ts';

/** Every workspace package's manifest, as pnpm-workspace.yaml lists them (pnpm checks the lockfile against all). */
function workspaceManifests(): string[] {
  const { packages = [] } = parse(readFileSync(resolve(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages?: string[];
  };
  const dirs = packages.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(resolve(repoRoot, parent))) return [];
    return readdirSync(resolve(repoRoot, parent)).map((entry) => `${parent}/${entry}`);
  });
  return ['package.json', ...dirs.map((dir) => `${dir}/package.json`)].filter((manifest) =>
    statSync(resolve(repoRoot, manifest), { throwIfNoEntry: false })?.isFile(),
  );
}

/** Lays the runtime out in `target` (emptied first); returns the compiled packages' folders. */
export async function layOutRuntime(target: string, options: { quiet?: boolean } = {}): Promise<string[]> {
  const { packages, runtimeFiles } = await plan(buildTargets);
  for (const pkg of packages) {
    if (!existsSync(resolve(repoRoot, pkg.dir, 'dist'))) throw new Error(`${pkg.dir}/dist is missing: run pnpm build`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of [...workspaceManifests(), 'pnpm-lock.yaml', 'pnpm-workspace.yaml']) {
    mkdirSync(dirname(resolve(target, file)), { recursive: true });
    cpSync(resolve(repoRoot, file), resolve(target, file));
  }
  execFileSync(
    'pnpm',
    [
      'install',
      '--prod',
      '--frozen-lockfile',
      '--offline',
      '--config.confirmModulesPurge=false',
      ...packages.flatMap((pkg) => ['--filter', `./${pkg.dir}`]),
    ],
    { cwd: target, stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'] },
  );
  for (const pkg of packages) {
    cpSync(resolve(repoRoot, pkg.dir, 'dist'), resolve(target, pkg.dir, 'dist'), { recursive: true });
  }
  for (const file of runtimeFiles) {
    mkdirSync(dirname(resolve(target, file)), { recursive: true });
    cpSync(resolve(repoRoot, file), resolve(target, file));
  }
  return packages.map((pkg) => pkg.dir);
}

if (import.meta.main) {
  const target = process.argv[2];
  if (!target) {
    console.error('Usage: pnpm image:layout <dir>');
    process.exit(2);
  }
  const dirs = await layOutRuntime(resolve(target));
  console.log(`laid out ${dirs.length} packages in ${resolve(target)}`);
}
