import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeRepository, composeSchemas } from './compose.ts';
import { fromRoot } from './paths.ts';
import { subgraphServices, subgraphUrl } from './services.ts';

const sdlOf = (name: string) =>
  readFileSync(fromRoot(subgraphServices.find((service) => service.name === name)!.schemaPath), 'utf8');
const subgraphs = () =>
  subgraphServices.map((service) => ({ name: service.name, url: subgraphUrl(service), sdl: sdlOf(service.name) }));

describe('composition', () => {
  it('matches the committed supergraph and API schema', () => {
    const composed = composeRepository();
    expect(composed.supergraph).toBe(readFileSync(fromRoot('schema/supergraph.graphql'), 'utf8'));
    expect(composed.api).toBe(readFileSync(fromRoot('schema/schema.graphql'), 'utf8'));
  });

  it('sees an SDL change: the composed output then differs from the committed one', () => {
    const changed = subgraphs().map((subgraph) =>
      subgraph.name === 'vendor'
        ? { ...subgraph, sdl: subgraph.sdl.replace('  name: String!', '  name: String!\n  slogan: String') }
        : subgraph,
    );
    expect(composeSchemas(changed).api).toContain('slogan: String');
    expect(composeSchemas(changed).api).not.toBe(readFileSync(fromRoot('schema/schema.graphql'), 'utf8'));
  });

  it('fails with the composition errors when subgraphs disagree', () => {
    const broken = subgraphs().map((subgraph) =>
      subgraph.name === 'vendor'
        ? {
            ...subgraph,
            sdl: subgraph.sdl.replace(
              'type User @key(fields: "id") {\n  id: ID!',
              'type User @key(fields: "id") {\n  id: Int!',
            ),
          }
        : subgraph,
    );
    expect(() => composeSchemas(broken)).toThrow(/Composition failed/);
  });
});
