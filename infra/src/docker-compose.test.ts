import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromRoot } from './paths.ts';
import { gatewayService, subgraphServices, workersService } from './services.ts';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(fromRoot('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml is in step with the services', () => {
  it('has PostgreSQL and Redis with healthchecks', () => {
    for (const name of ['postgres', 'redis'])
      expect(compose.services[name]?.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it.each([...subgraphServices, gatewayService])(
    'runs $name from its entry file on its port, with a readiness healthcheck',
    (service) => {
      const definition = compose.services[service.name];
      expect(definition?.command).toContain(service.entry);
      expect(definition?.environment?.['PORT']).toBe(String(service.port));
      // Only the gateway is published: subgraphs answer only the gateway, over the compose network.
      if (service === gatewayService) expect(definition?.ports).toContain(`${service.port}:${service.port}`);
      else expect(definition?.ports).toBeUndefined();
      expect(definition?.environment?.['GATEWAY_SECRET']).toBe(
        compose.services['gateway']?.environment?.['GATEWAY_SECRET'],
      );
      expect(definition?.environment?.['GATEWAY_SECRET']?.length).toBeGreaterThanOrEqual(32);
      expect(definition?.healthcheck?.test.join(' ')).toContain('/ready');
      expect(definition?.environment?.['APOLLO_TELEMETRY_DISABLED']).toBe('1');
    },
  );

  it('runs the workers from their entry file, with the media files the media subgraph writes', () => {
    const workers = compose.services[workersService.name];
    expect(workers?.command).toContain(workersService.entry);
    expect(workers?.environment?.['MEDIA_DIR']).toBe(compose.services['media']?.environment?.['MEDIA_DIR']);
    expect(workers?.depends_on?.['user']?.condition).toBe('service_healthy');
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
