/**
 * `pnpm image:layout <dir>`: lays out in `<dir>` what the production image runs, from the output of
 * `pnpm build`: the workspace's package manifests and lockfile, production dependencies only (installed from
 * pnpm's store, offline, for the compiled packages alone), each compiled package's `dist/`, and the files read
 * at run time outside them (the committed supergraph). infra/Dockerfile runs it in its build stage and copies
 * `<dir>` into the runtime stage; the image test runs it into a temporary folder and starts services from it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildTargets, plan } from './build.ts';
import { repoRoot } from './paths.ts';

/** The folders of every workspace package (all are needed for pnpm to accept the lockfile as up to date). */
function workspaceManifests(): string[] {
  const manifests = ['package.json'];
  for (const dir of ['gateway', 'workers', 'infra', 'bench', 'e2e', 'e2e/fixtures'])
    manifests.push(`${dir}/package.json`);
  for (const parent of ['subgraphs', 'packages', 'examples']) {
    for (const entry of readdirSync(resolve(repoRoot, parent))) manifests.push(`${parent}/${entry}/package.json`);
  }
  return manifests.filter((manifest) => statSync(resolve(repoRoot, manifest), { throwIfNoEntry: false })?.isFile());
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
