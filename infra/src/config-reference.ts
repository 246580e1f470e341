/**
 * `pnpm config:reference`: writes docs/configuration.md and .env.example from the env schemas;
 * `pnpm config:check` fails when either is not what the schemas give (CI).
 *
 * What each deployable reads is found in the source files its entry reaches (the same reach `pnpm build`
 * compiles): the keys of its zod env schemas (`NAME: z...` / `NAME: someSchema`), `process.env['NAME']` /
 * `env['NAME']` / `source['NAME']` reads, and names built per subgraph (`${subgraph.toUpperCase()}_SUFFIX`,
 * `^PREFIX_([A-Z0-9_]+)$`, `databaseVariable`), expanded for the subgraphs the deployable reaches. A variable's
 * description is the doc comment above its schema key, its default the literal (or named constant) in its
 * `.default(...)`, its unit read from its name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { buildTargets, reachableFiles, type BuildTarget } from './build.ts';
import { fromRoot, repoRoot } from './paths.ts';
import { subgraphServices } from './services.ts';

/** One variable as one deployable reads it. */
export interface VariableUse {
  name: string;
  /** The default, as written in the schema (a constant resolved to its value); undefined when none. */
  default: string | undefined;
  description: string;
  unit: string;
}

/** What each deployable reads (deployables and production commands, by build target name). */
export type ConfigReference = Map<string, Map<string, VariableUse>>;

const keyLine = /^(\s*)([A-Z][A-Z0-9_]{2,}):\s*(?:z\b|[a-zA-Z]+Schema\b)/;
const directRead = /(?:process\.env|\benv|\bsource)\[\s*['"]([A-Z][A-Z0-9_]{2,})['"]\s*\]/g;
const perSubgraph = /`\$\{[^}`]*toUpperCase\(\)\}_([A-Z0-9_]+)`/g;
const prefixPattern = /\/\^([A-Z][A-Z0-9_]*_)\(\[A-Z0-9_\]\+\)\$\//g;

function unitOf(name: string): string {
  if (name.endsWith('_MS')) return 'milliseconds';
  if (name.endsWith('_SECONDS')) return 'seconds';
  if (name.endsWith('_DAYS')) return 'days';
  if (name.endsWith('_BYTES')) return 'bytes';
  if (name === 'PORT' || name.endsWith('_PORT')) return 'TCP port';
  if (name.endsWith('_URL') || name.endsWith('_ENDPOINT')) return 'URL';
  if (name.endsWith('_SIZE')) return 'connections';
  if (name.endsWith('_COST')) return 'cost points per minute';
  if (name.endsWith('_ATTEMPTS')) return 'attempts per minute';
  if (name.endsWith('_DIR') || name.endsWith('_PATH') || name.endsWith('_MANIFEST')) return 'path';
  return '';
}

/** The doc comment right above line `index`, on one line. */
function docCommentAbove(lines: string[], index: number): string {
  let end = index - 1;
  if (end < 0 || !lines[end]!.trim().endsWith('*/')) return '';
  let start = end;
  while (start > 0 && !lines[start]!.includes('/**')) start -= 1;
  return lines
    .slice(start, end + 1)
    .join(' ')
    .replace(/\/\*\*|\*\/|^\s*\*|\s\*\s/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The argument of the first `.default(...)` in `text`, parentheses balanced. */
function defaultArgument(text: string): string | undefined {
  const at = text.indexOf('.default(');
  if (at === -1) return undefined;
  let depth = 0;
  for (let index = at + '.default('.length - 1; index < text.length; index += 1) {
    if (text[index] === '(') depth += 1;
    if (text[index] === ')' && --depth === 0) return text.slice(at + '.default('.length, index).trim();
  }
  return undefined;
}

/** A default as an operator writes it: literals unquoted, numbers without separators, constants resolved. */
function renderDefault(argument: string, constants: Map<string, string>): string {
  if (/^['"`].*['"`]$/.test(argument)) return argument.slice(1, -1);
  if (/^[\d_]+$/.test(argument)) return argument.replaceAll('_', '');
  if (argument === 'true' || argument === 'false') return argument;
  const constant = constants.get(argument);
  if (constant !== undefined) return renderDefault(constant, new Map());
  if (/^default[A-Z]\w*Path$|MediaDir$/.test(argument)) return '(beside the build, see the description)';
  return `(${argument})`;
}

/** Every variable one target reads, from the files it reaches. */
async function variablesOf(target: BuildTarget): Promise<Map<string, VariableUse>> {
  const files = (await reachableFiles([target])).filter(
    (file) => file.startsWith(repoRoot) && !file.includes('/node_modules/') && !file.endsWith('.test.ts'),
  );
  const texts = files.map((file) => readFileSync(file, 'utf8'));
  const constants = new Map<string, string>();
  for (const text of texts) {
    for (const match of text.matchAll(/^(?:export )?const (\w+)(?:: \w+)? = (['"][^'"\n]*['"]|[\d_]+);$/gm))
      constants.set(match[1]!, match[2]!);
  }
  // Shared schemas with their own default (`redisUrlSchema = z.string().default(...)`), by name.
  const schemaDefaults = new Map<string, string>();
  const schemaDescriptions = new Map<string, string>();
  for (const text of texts) {
    const lines = text.split('\n');
    for (const match of text.matchAll(/^(?:export )?const (\w+Schema) = ([\s\S]*?);$/gm)) {
      const argument = defaultArgument(match[2]!);
      if (argument !== undefined) schemaDefaults.set(match[1]!, argument);
      const line = text.slice(0, match.index).split('\n').length - 1;
      schemaDescriptions.set(match[1]!, docCommentAbove(lines, line));
    }
  }
  const reached = subgraphServices.filter((service) =>
    files.some((file) => relative(repoRoot, file).startsWith(`subgraphs/${service.name}/`)),
  );
  const variables = new Map<string, VariableUse>();
  const add = (name: string, use: Partial<VariableUse> = {}) => {
    const known = variables.get(name);
    variables.set(name, {
      name,
      default: known?.default ?? use.default,
      description: known?.description || use.description || '',
      unit: unitOf(name),
    });
  };
  for (const text of texts) {
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      const match = keyLine.exec(line);
      if (!match) return;
      let end = index + 1;
      while (end < lines.length && !keyLine.test(lines[end]!) && !/^\s*\}\)/.test(lines[end]!)) end += 1;
      const expression = lines.slice(index, end).join('\n');
      const shared = /:\s*(\w+Schema)\b/.exec(line)?.[1] ?? '';
      const argument = defaultArgument(expression) ?? schemaDefaults.get(shared);
      add(match[2]!, {
        description: docCommentAbove(lines, index) || schemaDescriptions.get(shared) || '',
        default: argument === undefined ? undefined : renderDefault(argument, constants),
      });
    });
    for (const match of text.matchAll(directRead)) add(match[1]!);
    for (const match of text.matchAll(perSubgraph)) {
      for (const service of reached) add(`${service.name.toUpperCase()}_${match[1]}`);
    }
    for (const match of text.matchAll(prefixPattern)) {
      for (const service of subgraphServices) add(`${match[1]}${service.name.toUpperCase()}`);
    }
    if (text.includes('databaseVariable')) {
      for (const service of reached) add(service.databaseVariable, { default: service.database });
    }
  }
  for (const use of variables.values()) use.description ||= fallbackDescription(use.name);
  return variables;
}

/** What a variable without a doc comment of its own (read directly, or built per subgraph) is for. */
function fallbackDescription(name: string): string {
  const subgraph = /^([A-Z]+)_DATABASE/.exec(name)?.[1]?.toLowerCase();
  if (name.endsWith('_DATABASE_URL'))
    return `URL of the ${subgraph} subgraph's database, directly or through PgBouncer (transaction pooling); unset: ${subgraph?.toUpperCase()}_DATABASE on POSTGRES_URL.`;
  if (name.endsWith('_DATABASE_DIRECT_URL'))
    return `A direct URL of the ${subgraph} database (never a pooler), for the outbox relay's LISTEN; unset: the URL derived from POSTGRES_URL, or none (the relay then sweeps every second).`;
  if (name.endsWith('_DATABASE')) return `Name of the ${subgraph} subgraph's database on POSTGRES_URL.`;
  if (name.startsWith('SUBGRAPH_URL_'))
    return `Overrides the URL the supergraph gives the ${name.slice('SUBGRAPH_URL_'.length).toLowerCase()} subgraph.`;
  const known: Record<string, string> = {
    HOST: 'Interface to listen on (0.0.0.0 in a container).',
    PORT: 'Port of the HTTP server; for the workers, of their probe endpoint (/health, /ready). 0 asks the OS.',
    LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent.',
    NODE_ENV:
      'production: secrets required (public development ones refused), no Sandbox or introspection, databases never created or migrated at start (the migration job does it).',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'OpenTelemetry collector (OTLP/HTTP); unset (with the next one): no tracing.',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'OpenTelemetry collector for traces only (OTLP/HTTP).',
    APOLLO_TELEMETRY_DISABLED: "Apollo's usage reporting off; the gateway sets 1 when unset.",
    REDIS_KEY_PREFIX: 'Prefix of every Redis key and BullMQ queue of this deployment.',
  };
  return known[name] ?? '';
}

/** What every build target reads. */
export async function configReference(targets: readonly BuildTarget[] = buildTargets): Promise<ConfigReference> {
  const reference: ConfigReference = new Map();
  for (const target of targets) reference.set(target.name, await variablesOf(target));
  return reference;
}

/** The long-running deployables (what the manifests run); the rest are commands. */
const deployableNames = ['gateway', ...subgraphServices.map((service) => service.name), 'workers'];

const cell = (text: string) => text.replaceAll('|', '\\|');

/** docs/configuration.md. */
export function renderReference(reference: ConfigReference): string {
  const readers = new Map<string, string[]>();
  for (const [target, variables] of reference) {
    for (const name of variables.keys()) readers.set(name, [...(readers.get(name) ?? []), target]);
  }
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated by `pnpm config:reference` from the env schemas; `pnpm config:check` fails when it is stale. -->',
    '',
    'Every variable each deployable reads, with its default and unit. Each deployable validates its variables at',
    'boot and reports every problem at once. Outside production every variable is optional (the defaults match',
    'docker-compose.yml and the project machines); `NODE_ENV=production` requires the secrets (`GATEWAY_SECRET`,',
    '`MEDIA_SIGNING_SECRET`, `AUTH_SIGNING_KEY`) and refuses the public development ones. The Kubernetes',
    'manifests (infra/k8s) set exactly these variables for each Deployment: `pnpm deploy:check` verifies it.',
    '',
    '## Which deployable reads what',
    '',
    `| Variable | ${[...reference.keys()].join(' | ')} |`,
    `| --- | ${[...reference.keys()].map(() => ':-:').join(' | ')} |`,
    ...[...readers.keys()]
      .sort()
      .map(
        (name) =>
          `| \`${name}\` | ${[...reference.keys()].map((target) => (readers.get(name)!.includes(target) ? '✓' : '')).join(' | ')} |`,
      ),
    '',
  ];
  for (const [target, variables] of reference) {
    const kind = deployableNames.includes(target) ? 'deployable' : 'command';
    const command = buildTargets.find((candidate) => candidate.name === target)?.outfile;
    out.push(
      `## ${target} (${kind}: \`node ${command}\`)`,
      '',
      '| Variable | Default | Unit | Description |',
      '| --- | --- | --- | --- |',
    );
    for (const use of [...variables.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push(
        `| \`${use.name}\` | ${use.default === undefined ? '—' : `\`${cell(use.default) || '(empty)'}\``} | ${use.unit} | ${cell(use.description)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** .env.example: every variable a deployable reads, commented out at its default. */
export function renderEnvExample(reference: ConfigReference): string {
  const deployables = deployableNames.filter((name) => reference.has(name));
  const byName = new Map<string, { use: VariableUse; readers: string[] }>();
  for (const name of deployables) {
    for (const use of reference.get(name)!.values()) {
      const known = byName.get(use.name);
      byName.set(use.name, { use: known?.use ?? use, readers: [...(known?.readers ?? []), name] });
    }
  }
  const out = [
    '# Generated by `pnpm config:reference` from the env schemas (docs/configuration.md describes each variable).',
    '# Every variable is optional outside production: the defaults match docker-compose.yml and the project',
    '# machines. Copy to .env (ignored by git) and uncomment a line only to change something.',
    '',
  ];
  const groups = new Map<string, VariableUse[]>();
  for (const { use, readers } of byName.values()) {
    const group = readers.length === deployables.length ? 'every deployable' : readers.join(', ');
    groups.set(group, [...(groups.get(group) ?? []), use]);
  }
  const order = [...groups.keys()].sort((a, b) => groups.get(b)!.length - groups.get(a)!.length || a.localeCompare(b));
  for (const group of order) {
    out.push(`# ── ${group} ──`);
    for (const use of groups.get(group)!.sort((a, b) => a.name.localeCompare(b.name))) {
      const defaults = new Map(
        byName.get(use.name)!.readers.map((reader) => [reader, reference.get(reader)!.get(use.name)!.default ?? '']),
      );
      const values = new Set(defaults.values());
      if (values.size > 1) {
        const each = [...defaults].map(([reader, value]) => `${reader} ${value}`).join(', ');
        out.push(`# ${use.name}=                  # default: ${each}`);
        continue;
      }
      const value = use.default ?? '';
      out.push(`# ${use.name}=${value.startsWith('(') ? '' : value}`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  const reference = await configReference();
  const outputs = [
    { path: 'docs/configuration.md', text: renderReference(reference) },
    { path: '.env.example', text: renderEnvExample(reference) },
  ];
  let stale = false;
  for (const { path, text } of outputs) {
    let current = '';
    try {
      current = readFileSync(fromRoot(path), 'utf8');
    } catch {
      // missing: stale
    }
    if (current === text) continue;
    if (check) {
      console.error(`${path} is not what the env schemas give: run pnpm config:reference`);
      stale = true;
    } else {
      writeFileSync(fromRoot(path), text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale) process.exit(1);
}
