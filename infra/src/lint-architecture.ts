/**
 * Architecture lint: what each folder may import. Fails (exit 1) listing every violation of:
 * - a bare import not declared in the importing package's package.json (tests may also use the root's devDependencies);
 * - a deep import into another workspace package (`@curbside/x/src/...`): packages meet only at their entry;
 * - a relative import that leaves its package;
 * - a subgraph importing another subgraph, or a shared package importing a deployable;
 * - an import cycle between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fromRoot, repoRoot } from './paths.ts';

interface WorkspacePackage {
  dir: string;
  name: string;
  declared: Set<string>;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
const rootManifest = readJson(fromRoot('package.json'));
const rootDevDependencies = new Set(Object.keys(rootManifest['devDependencies'] ?? {}));

function workspacePackages(): WorkspacePackage[] {
  const dirs = ['gateway', 'workers', 'infra', 'bench', 'e2e'];
  for (const parent of ['subgraphs', 'packages']) {
    for (const entry of readdirSync(fromRoot(parent))) dirs.push(join(parent, entry));
  }
  return dirs
    .filter((dir) => statSync(fromRoot(dir, 'package.json'), { throwIfNoEntry: false }))
    .map((dir) => {
      const manifest = readJson(fromRoot(dir, 'package.json'));
      return {
        dir,
        name: String(manifest['name']),
        declared: new Set([
          ...Object.keys(manifest['dependencies'] ?? {}),
          ...Object.keys(manifest['devDependencies'] ?? {}),
        ]),
      };
    });
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'generated', 'results', 'dist'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) found.push(path);
  }
  return found;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(text: string): string[] {
  return [...text.matchAll(importPattern)].map((match) => (match[1] ?? match[2])!);
}

/**
 * A source file past this many lines is hard to change safely; a longer one must say at its top why it is not
 * split (a comment starting `// Why this file is long`). Tests are exempt: a suite is many short cases.
 */
const maxLinesWithoutReason = 400;
const lengthReason = '// Why this file is long';

function lengthProblem(where: string, text: string): string | null {
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines <= maxLinesWithoutReason || text.startsWith(lengthReason)) return null;
  return `${where}: ${lines} lines; split it, or say why not in a '${lengthReason}' comment at its top`;
}

const packageNameOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
const builtins = new Set(builtinModules);

const problems: string[] = [];
const graph = new Map<string, string[]>();
const packages = workspacePackages();
const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));

for (const pkg of packages) {
  const pkgRoot = fromRoot(pkg.dir);
  for (const file of sourceFiles(pkgRoot)) {
    const where = relative(repoRoot, file);
    const isTest = file.endsWith('.test.ts');
    const text = readFileSync(file, 'utf8');
    const tooLong = isTest ? null : lengthProblem(where, text);
    if (tooLong) problems.push(tooLong);
    const edges: string[] = [];
    for (const specifier of importsOf(text)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        // infra/ runs the repository's root configuration (codegen.ts), which lives at the top level by design.
        const rootConfig = pkg.dir === 'infra' && dirname(target) === repoRoot;
        if (!target.startsWith(pkgRoot + sep) && !rootConfig) {
          problems.push(`${where}: relative import '${specifier}' leaves ${pkg.dir}/`);
        }
        edges.push(target);
        continue;
      }
      if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = packageNameOf(specifier);
      if (!pkg.declared.has(name) && !(isTest && rootDevDependencies.has(name))) {
        problems.push(`${where}: imports '${name}' but ${pkg.dir}/package.json does not declare it`);
      }
      const target = byName.get(name);
      if (!target) continue;
      if (specifier !== name) problems.push(`${where}: deep import '${specifier}'; import '${name}' instead`);
      if (pkg.dir.startsWith('subgraphs/') && target.dir.startsWith('subgraphs/')) {
        problems.push(
          `${where}: subgraphs never import each other ('${name}'); they meet in the supergraph and events`,
        );
      }
      if (pkg.dir.startsWith('packages/') && !target.dir.startsWith('packages/')) {
        problems.push(`${where}: shared packages never import deployables ('${name}')`);
      }
    }
    graph.set(file, edges);
  }
}

// Cycles between files (relative imports), by depth-first search with colours.
const state = new Map<string, 'visiting' | 'done'>();
function visit(file: string, stack: string[]): void {
  state.set(file, 'visiting');
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(next)), next].map((path) => relative(repoRoot, path));
      problems.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (!state.has(next) && graph.has(next)) visit(next, [...stack, next]);
  }
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);

if (problems.length > 0) {
  console.error(`Architecture lint found ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(`architecture lint: ${graph.size} files in ${packages.length} packages, no problems`);
