/**
 * `pnpm deploy:check`: the Kubernetes manifests (infra/k8s) checked offline, without a cluster:
 * - the base and each overlay, built the way kustomize builds them here (resources, namespace, images, replicas,
 *   strategic-merge patches matched by kind and name, containers by name), and every object validated against
 *   the Kubernetes API schemas (kubernetes-models);
 * - every variable a workload's deployable reads (the configuration reference, from the env schemas) is set in
 *   its manifest or listed in its `curbside.io/unset-env` annotation, and no manifest sets one that nothing reads;
 *   every ConfigMap and Secret key a workload refers to exists, and every key is read by some workload;
 * - each workload runs a file `pnpm build` makes; Deployments have startup, liveness and readiness probes; the
 *   stop fits: preStop + the hard stop (the gateway's SHUTDOWN_DELAY_MS + DRAIN_TIMEOUT_MS + 2 s within
 *   STOP_TIMEOUT_MS) below terminationGracePeriodSeconds;
 * - the Prometheus alert rules and the Grafana dashboard (infra/observability, see observability-check.ts).
 * Exits 1 listing every problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildTargets } from './build.ts';
import { configReference, type ConfigReference } from './config-reference.ts';
import { checkObservability } from './observability-check.ts';
import { fromRoot } from './paths.ts';

type Manifest = Record<string, any>;

/** The annotation listing the variables a workload reads but leaves unset on purpose. */
export const unsetAnnotation = 'curbside.io/unset-env';

/** The stop timeout of a deployable that does not set one (packages/service defaultStopTimeoutMs). */
const defaultStopTimeoutMs = 15_000;
/** What the gateway's stop does after its drain (gateway/src/env.ts afterDrainMs). */
const afterDrainMs = 2_000;

function readDocuments(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Manifest | null)
    .filter((document): document is Manifest => document !== null);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A strategic merge as kustomize does it for these patches: maps merged, lists of named items merged by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? merge(base[key], value) : value;
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((item) => isObject(item) && 'name' in item)) {
    const merged = [...base];
    for (const item of patch as Record<string, unknown>[]) {
      const at = merged.findIndex((candidate) => isObject(candidate) && candidate['name'] === item['name']);
      if (at === -1) merged.push(item);
      else merged[at] = merge(merged[at], item);
    }
    return merged;
  }
  return patch;
}

const identity = (manifest: Manifest) => `${manifest['kind']}/${manifest['metadata']?.['name']}`;

/** Builds a kustomization folder into its objects; problems (missing files, unmatched patches) are collected. */
export function buildKustomization(dir: string, problems: string[]): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) {
    problems.push(`${dir}: no kustomization.yaml`);
    return [];
  }
  const kustomization = readDocuments(file)[0] ?? {};
  let objects: Manifest[] = [];
  for (const resource of (kustomization['resources'] ?? []) as string[]) {
    const path = resolve(dir, resource);
    if (!existsSync(path)) problems.push(`${file}: resource ${resource} does not exist`);
    else if (existsSync(join(path, 'kustomization.yaml'))) objects.push(...buildKustomization(path, problems));
    else objects.push(...readDocuments(path));
  }
  for (const { path } of (kustomization['patches'] ?? []) as { path: string }[]) {
    const patchFile = resolve(dir, path);
    if (!existsSync(patchFile)) {
      problems.push(`${file}: patch ${path} does not exist`);
      continue;
    }
    for (const patch of readDocuments(patchFile)) {
      const at = objects.findIndex((object) => identity(object) === identity(patch));
      if (at === -1) problems.push(`${patchFile}: patches ${identity(patch)}, which the resources do not hold`);
      else objects[at] = merge(objects[at], patch) as Manifest;
    }
  }
  for (const { name, count } of (kustomization['replicas'] ?? []) as { name: string; count: number }[]) {
    const target = objects.find((object) => object['kind'] === 'Deployment' && object['metadata']?.['name'] === name);
    if (!target) problems.push(`${file}: replicas for ${name}, which is no Deployment`);
    else target['spec'] = { ...target['spec'], replicas: count };
  }
  const images = (kustomization['images'] ?? []) as { name: string; newName?: string; newTag?: string }[];
  const labels = ((kustomization['labels'] ?? []) as { pairs: Record<string, string> }[]).reduce(
    (all, { pairs }) => ({ ...all, ...pairs }),
    {} as Record<string, string>,
  );
  objects = objects.map((object) => {
    const copy = structuredClone(object);
    if (kustomization['namespace'] && copy['kind'] !== 'Namespace') {
      copy['metadata'] = { ...copy['metadata'], namespace: kustomization['namespace'] };
    }
    copy['metadata'] = { ...copy['metadata'], labels: { ...copy['metadata']?.['labels'], ...labels } };
    for (const container of podSpecOf(copy)?.['containers'] ?? []) {
      const image = images.find((candidate) => candidate.name === container['image']);
      if (image) container['image'] = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
    return copy;
  });
  return objects;
}

function podSpecOf(object: Manifest): Manifest | undefined {
  return object['spec']?.['template']?.['spec'];
}

/** Validates each object against the Kubernetes API schema of its apiVersion and kind. */
async function validateObjects(where: string, objects: Manifest[], problems: string[]): Promise<void> {
  for (const object of objects) {
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${where}: an object without apiVersion and kind`);
      continue;
    }
    let Model: new (data: Manifest) => { validate(): void };
    try {
      const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, any>;
      Model = module[kind] ?? module['default'];
    } catch {
      problems.push(`${where}: ${identity(object)}: no Kubernetes schema for ${apiVersion} ${kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${identity(object)}: ${(error as Error).message}`);
    }
  }
}

/** Workloads (Deployments and Jobs) against what their deployables read, the build and the stop budget. */
function checkWorkloads(where: string, objects: Manifest[], reference: ConfigReference, problems: string[]): void {
  const configMaps = new Map(
    objects.filter((o) => o['kind'] === 'ConfigMap').map((o) => [o['metadata']['name'], Object.keys(o['data'] ?? {})]),
  );
  const secrets = new Map(
    objects
      .filter((o) => o['kind'] === 'Secret')
      .map((o) => [o['metadata']['name'], Object.keys({ ...o['data'], ...o['stringData'] })]),
  );
  const readKeys = new Set<string>();
  for (const workload of objects.filter((o) => o['kind'] === 'Deployment' || o['kind'] === 'Job')) {
    const name = workload['metadata']['name'] as string;
    const at = `${where}: ${workload['kind']}/${name}`;
    const reads = reference.get(name);
    if (!reads) {
      problems.push(`${at}: no deployable or command named ${name} (the build targets name them)`);
      continue;
    }
    const spec = podSpecOf(workload) ?? {};
    const container = (spec['containers'] ?? [])[0] ?? {};
    const command = (container['command'] ?? []) as string[];
    const target = buildTargets.find((candidate) => candidate.name === name);
    if (command[0] !== 'node' || command[1] !== target?.outfile) {
      problems.push(`${at}: runs ${JSON.stringify(command)}, not node ${target?.outfile}`);
    }
    const unset = String(workload['metadata']?.['annotations']?.[unsetAnnotation] ?? '')
      .split(',')
      .map((variable) => variable.trim())
      .filter(Boolean);
    const env = (container['env'] ?? []) as Manifest[];
    const set = env.map((entry) => entry['name'] as string);
    for (const variable of set) {
      if (!reads.has(variable)) problems.push(`${at}: sets ${variable}, which ${name} does not read`);
      if (unset.includes(variable)) problems.push(`${at}: sets ${variable}, also listed as unset`);
    }
    if (new Set(set).size !== set.length) problems.push(`${at}: sets a variable twice`);
    for (const variable of unset) {
      if (!reads.has(variable)) problems.push(`${at}: lists ${variable} as unset, which ${name} does not read`);
    }
    for (const variable of reads.keys()) {
      if (!set.includes(variable) && !unset.includes(variable)) {
        problems.push(`${at}: ${name} reads ${variable}, which is neither set nor listed in ${unsetAnnotation}`);
      }
    }
    for (const entry of env) {
      for (const [kind, refs] of [
        ['configMapKeyRef', configMaps],
        ['secretKeyRef', secrets],
      ] as const) {
        const ref = entry['valueFrom']?.[kind];
        if (!ref) continue;
        readKeys.add(`${kind}:${ref['name']}:${ref['key']}`);
        if (!refs.get(ref['name'])?.includes(ref['key'])) {
          problems.push(`${at}: ${entry['name']} refers to ${ref['name']}/${ref['key']}, which does not exist`);
        }
      }
    }
    if (workload['kind'] !== 'Deployment') continue;
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      if (!container[probe]) problems.push(`${at}: no ${probe}`);
    }
    if (container['readinessProbe']?.['httpGet']?.['path'] !== '/ready')
      problems.push(`${at}: readiness is not /ready`);
    const value = (variable: string) => Number(env.find((entry) => entry['name'] === variable)?.['value'] ?? NaN);
    const stopMs = reads.has('STOP_TIMEOUT_MS') ? value('STOP_TIMEOUT_MS') : defaultStopTimeoutMs;
    if (reads.has('STOP_TIMEOUT_MS')) {
      const needed = value('SHUTDOWN_DELAY_MS') + value('DRAIN_TIMEOUT_MS') + afterDrainMs;
      if (!(needed <= stopMs))
        problems.push(`${at}: SHUTDOWN_DELAY_MS + DRAIN_TIMEOUT_MS + 2 s exceeds STOP_TIMEOUT_MS`);
    }
    const preStopMs = 1000 * Number(container['lifecycle']?.['preStop']?.['sleep']?.['seconds'] ?? 0);
    const graceMs = 1000 * Number(spec['terminationGracePeriodSeconds'] ?? 30);
    if (!(preStopMs + stopMs < graceMs)) {
      problems.push(
        `${at}: preStop ${preStopMs} ms + hard stop ${stopMs} ms is not below the grace period ${graceMs} ms`,
      );
    }
  }
  for (const [kind, refs] of [
    ['configMapKeyRef', configMaps],
    ['secretKeyRef', secrets],
  ] as const) {
    for (const [name, keys] of refs) {
      for (const key of keys) {
        if (!readKeys.has(`${kind}:${name}:${key}`)) problems.push(`${where}: ${name}/${key} is read by no workload`);
      }
    }
  }
}

/** Every problem with the manifests under `root` (infra/k8s or a copy of it). */
export async function checkManifests(root: string, reference?: ConfigReference): Promise<string[]> {
  const problems: string[] = [];
  const references = reference ?? (await configReference());
  const builds = [join(root, 'base'), join(root, 'overlays', 'small'), join(root, 'overlays', 'large')];
  for (const dir of builds) {
    const where = dir.slice(dirname(root).length + 1);
    const objects = buildKustomization(dir, problems);
    await validateObjects(where, objects, problems);
    checkWorkloads(where, objects, references, problems);
  }
  return problems;
}

if (import.meta.main) {
  const problems = [
    ...(await checkManifests(fromRoot('infra/k8s'))),
    ...(await checkObservability(fromRoot('infra/observability'))),
  ];
  if (problems.length > 0) {
    console.error(
      `The Kubernetes manifests, alert rules and dashboard have ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    process.exit(1);
  }
  console.log('infra/k8s: base and overlays valid against the Kubernetes API schemas, every variable wired');
  console.log('infra/observability: alert rules parse; rules and dashboard name only registered metrics');
}
