import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { composeSchemas } from './compose.ts';
import { fromRoot } from './paths.ts';
import { apiSchemaCoverage, descriptionCoverage, formatCoverage } from './schema-descriptions.ts';
import { subgraphServices, subgraphUrl } from './services.ts';

describe('API schema descriptions', () => {
  it('the committed API schema describes every type, field, argument and enum value', () => {
    const coverage = apiSchemaCoverage();
    expect(coverage.undescribed).toEqual([]);
    expect(coverage.counts.types.total).toBeGreaterThan(40);
    expect(coverage.counts.arguments.described).toBe(coverage.counts.arguments.total);
  });

  it('sees an element added to a subgraph without a description, once composed', () => {
    const subgraphs = subgraphServices.map((service) => {
      const sdl = readFileSync(fromRoot(service.schemaPath), 'utf8');
      return {
        name: service.name,
        url: subgraphUrl(service),
        sdl:
          service.name === 'vendor'
            ? sdl.replace('  name: String!', '  name: String!\n  slogan(short: Boolean): String')
            : sdl,
      };
    });
    expect(descriptionCoverage(composeSchemas(subgraphs).api).undescribed).toEqual([
      'Vendor.slogan',
      'Vendor.slogan(short:)',
    ]);
  });

  it('names each undescribed element by its coordinate, whatever its kind, and counts the rest', () => {
    const coverage = descriptionCoverage(`
      "Described."
      type Query {
        "Described."
        a("Described." x: Int, y: Int): Kind
        b: Int
      }
      enum Kind {
        "Described."
        ONE
        TWO
      }
      input Filter {
        "  "
        text: String
      }
      scalar Undescribed
      "Described."
      directive @mark(reason: String) on FIELD_DEFINITION
    `);
    expect(coverage.undescribed.sort()).toEqual(
      ['Query.a(y:)', 'Query.b', 'Kind', 'Kind.TWO', 'Filter', 'Filter.text', 'Undescribed', '@mark(reason:)'].sort(),
    );
    expect(formatCoverage(coverage)).toBe('types 1/4, fields 1/3, arguments 1/3, enum values 1/2, directives 1/1');
  });
});
