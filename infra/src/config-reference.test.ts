import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, renderEnvExample, renderReference } from './config-reference.ts';
import { fromRoot } from './paths.ts';

const reference = await configReference();

describe('the configuration reference', () => {
  it('is what the env schemas give (docs/configuration.md and .env.example are regenerated and committed)', () => {
    expect(readFileSync(fromRoot('docs/configuration.md'), 'utf8')).toBe(renderReference(reference));
    expect(readFileSync(fromRoot('.env.example'), 'utf8')).toBe(renderEnvExample(reference));
  });

  it('finds variables with their defaults, from schemas, shared schemas, direct reads and per-subgraph names', () => {
    const gateway = reference.get('gateway')!;
    expect(gateway.get('STOP_TIMEOUT_MS')).toMatchObject({ default: '15000', unit: 'milliseconds' });
    expect(gateway.get('REDIS_URL')?.default).toBe('redis://127.0.0.1:6379');
    expect(gateway.get('SUBGRAPH_URL_MEDIA')).toBeDefined();
    expect(reference.get('user')?.get('USER_DATABASE_URL')).toBeDefined();
    expect(reference.get('user')?.get('VENDOR_DATABASE_URL')).toBeUndefined();
    expect(reference.get('workers')?.get('PORT')?.default).toBe('4010');
    expect(reference.get('vendor')?.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toBeDefined();
  });

  it('lists each variable once in .env.example, setting none (so nothing there is refused by validation)', () => {
    const lines = readFileSync(fromRoot('.env.example'), 'utf8').split('\n');
    const names = lines.map((line) => /^#? ?([A-Z][A-Z0-9_]+)=/.exec(line)?.[1]).filter(Boolean);
    expect(new Set(names).size).toBe(names.length);
    expect(lines.filter((line) => /^[A-Z]/.test(line))).toEqual([]);
  });
});
