import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildTargets } from './build.ts';
import { fromRoot } from './paths.ts';
import { gatewayService, subgraphServices, workersService } from './services.ts';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(fromRoot('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const outfileOf = (name: string) => buildTargets.find((target) => target.name === name)!.outfile;
const deployables = [...subgraphServices, gatewayService, workersService];

describe('docker-compose.yml is in step with the services', () => {
  it('has PostgreSQL and Redis with healthchecks, on the loopback only, as the default URLs expect', () => {
    for (const name of ['postgres', 'redis'])
      expect(compose.services[name]?.healthcheck?.test?.length).toBeGreaterThan(0);
    expect(compose.services['postgres']?.ports).toEqual(['127.0.0.1:5432:5432']);
    expect(compose.services['redis']?.ports).toEqual(['127.0.0.1:6379:6379']);
    // The default URL (postgres://postgres@127.0.0.1:5432/postgres) carries no password.
    expect(compose.services['postgres']?.environment?.['POSTGRES_HOST_AUTH_METHOD']).toBe('trust');
    const created = readFileSync(fromRoot('infra/compose/create-databases.sql'), 'utf8');
    for (const service of subgraphServices) expect(created).toContain(`CREATE DATABASE ${service.database};`);
  });

  it.each(deployables)(
    'runs $name in production mode from dist/ on its port, with a readiness healthcheck',
    (service) => {
      const definition = compose.services[service.name];
      const command = definition?.command?.join(' ') ?? '';
      expect(command).toContain(`exec node ${outfileOf(service.name)}`);
      expect(command).not.toContain('tsx');
      // Its secrets are the generated ones: never set here, so never the public development ones.
      expect(command).toContain('. /run/curbside/secrets.env');
      expect(definition?.volumes).toContain('secrets:/run/curbside:ro');
      expect(definition?.environment?.['GATEWAY_SECRET']).toBeUndefined();
      expect(definition?.environment?.['NODE_ENV']).toBe('production');
      expect(definition?.environment?.['PORT']).toBe(String(service.port));
      // Only the gateway is published: subgraphs answer only the gateway, over the compose network.
      if (service === gatewayService) expect(definition?.ports).toEqual([`${service.port}:${service.port}`]);
      else expect(definition?.ports).toBeUndefined();
      expect(definition?.healthcheck?.test).toEqual(['CMD', 'node', outfileOf('healthcheck')]);
      expect(definition?.environment?.['APOLLO_TELEMETRY_DISABLED']).toBe('1');
      expect(definition?.depends_on?.['migrate']?.condition).toBe('service_completed_successfully');
      expect(definition?.depends_on?.['secrets']?.condition).toBe('service_completed_successfully');
    },
  );

  it('generates the secrets once and migrates before anything starts', () => {
    expect(compose.services['secrets']?.command).toEqual([
      'node',
      outfileOf('stack-secrets'),
      '/run/curbside/secrets.env',
    ]);
    expect(compose.services['migrate']?.command).toEqual(['node', outfileOf('migrate')]);
    expect(compose.services['migrate']?.environment?.['NODE_ENV']).toBe('production');
  });

  it('publishes nothing but the gateway (and PostgreSQL and Redis on the loopback)', () => {
    const published = Object.entries(compose.services).filter(([, service]) => service.ports);
    expect(published.map(([name]) => name).sort()).toEqual(['gateway', 'postgres', 'redis']);
  });

  it('gives the workers the media files the media subgraph writes', () => {
    const workers = compose.services[workersService.name];
    expect(workers?.environment?.['MEDIA_DIR']).toBe(compose.services['media']?.environment?.['MEDIA_DIR']);
    expect(workers?.volumes).toContain('media-data:/data/media');
    expect(compose.services['media']?.volumes).toContain('media-data:/data/media');
  });

  it('points the gateway at every subgraph by name', () => {
    const environment = compose.services['gateway']?.environment ?? {};
    for (const service of subgraphServices) {
      expect(environment[`SUBGRAPH_URL_${service.name.toUpperCase()}`]).toBe(
        `http://${service.name}:${service.port}/graphql`,
      );
      expect(compose.services['gateway']?.depends_on?.[service.name]?.condition).toBe('service_healthy');
    }
  });
});
