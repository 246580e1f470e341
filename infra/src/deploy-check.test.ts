import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { configReference } from './config-reference.ts';
import { checkManifests } from './deploy-check.ts';
import { fromRoot } from './paths.ts';

const reference = await configReference();
let copy: string | undefined;
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = undefined;
});

type Manifest = Record<string, any>;

/** A copy of infra/k8s with the objects of `file` changed by `mutate` (parsed, changed, written back). */
function brokenCopy(file: string, mutate: (objects: Manifest[]) => void): string {
  copy = mkdtempSync(join(tmpdir(), 'curbside-k8s-'));
  cpSync(fromRoot('infra/k8s'), join(copy, 'k8s'), { recursive: true });
  const path = join(copy, 'k8s', file);
  const objects = parseAllDocuments(readFileSync(path, 'utf8')).map((document) => document.toJS() as Manifest);
  const before = JSON.stringify(objects);
  mutate(objects);
  expect(JSON.stringify(objects)).not.toBe(before);
  writeFileSync(path, objects.map((object) => stringify(object)).join('---\n'));
  return join(copy, 'k8s');
}

const containerOf = (deployment: Manifest): Manifest => deployment['spec']['template']['spec']['containers'][0];

describe('pnpm deploy:check', () => {
  it('passes on the committed manifests (base, small and large)', async () => {
    expect(await checkManifests(fromRoot('infra/k8s'), reference)).toEqual([]);
  });

  it('fails validation against the Kubernetes schemas on a broken manifest', async () => {
    const root = brokenCopy('base/gateway.yaml', ([gateway]) => {
      containerOf(gateway!)['ports'][0]['containerPort'] = 'four thousand';
    });
    const problems = await checkManifests(root, reference);
    // Once per build: the base and both overlays hold the gateway.
    expect(
      problems.filter((problem) => /Deployment\/gateway: .*containerPort must be integer/.test(problem)),
    ).toHaveLength(3);
  });

  it('fails validation when a required field is missing', async () => {
    const root = brokenCopy('base/workers.yaml', ([workers]) => {
      delete workers!['spec']['selector'];
    });
    const problems = await checkManifests(root, reference);
    expect(problems.some((problem) => /Deployment\/workers: .*selector/.test(problem))).toBe(true);
  });

  it('fails when a variable the deployable reads is not wired, or one nothing reads is set', async () => {
    const root = brokenCopy('base/gateway.yaml', ([gateway]) => {
      const container = containerOf(gateway!);
      container['env'] = container['env'].filter((entry: Manifest) => entry['name'] !== 'SUBGRAPH_TIMEOUT_MS');
      container['env'].push({ name: 'GATEWAY_PORT', value: '4000' });
    });
    const problems = await checkManifests(root, reference);
    expect(problems).toContain(
      'k8s/base: Deployment/gateway: gateway reads SUBGRAPH_TIMEOUT_MS, which is neither set nor listed in curbside.io/unset-env',
    );
    expect(problems).toContain('k8s/base: Deployment/gateway: sets GATEWAY_PORT, which gateway does not read');
  });

  it('fails when a secret key is missing, or a stop cannot finish within the grace period', async () => {
    let root = brokenCopy('base/secrets.yaml', ([secret]) => {
      delete secret!['stringData']['AUTH_SIGNING_KEY'];
    });
    expect(await checkManifests(root, reference)).toContain(
      'k8s/base: Deployment/user: AUTH_SIGNING_KEY refers to curbside-secrets/AUTH_SIGNING_KEY, which does not exist',
    );
    rmSync(copy!, { recursive: true, force: true });
    root = brokenCopy('base/gateway.yaml', ([gateway]) => {
      gateway!['spec']['template']['spec']['terminationGracePeriodSeconds'] = 15;
    });
    expect(await checkManifests(root, reference)).toContain(
      'k8s/base: Deployment/gateway: preStop 0 ms + hard stop 20000 ms is not below the grace period 15000 ms',
    );
  });
});
