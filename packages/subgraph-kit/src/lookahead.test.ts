import { buildSchema, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsPath } from './lookahead.ts';

const schema = buildSchema(`
  type Query { list: List }
  type List { edges: [Edge] }
  type Edge { node: Node }
  type Node { owner: Owner name: String }
  type Owner { vendors: [String] }
`);

async function sees(query: string): Promise<boolean> {
  let seen = false;
  await graphql({
    schema,
    source: query,
    rootValue: {
      list: (_args: unknown, _context: unknown, info: Parameters<typeof selectsPath>[0]) => {
        seen = selectsPath(info, ['edges', 'node', 'owner', 'vendors']);
        return { edges: [] };
      },
    },
  });
  return seen;
}

describe('selectsPath', () => {
  it('finds a nested field directly and through fragments, and not when absent', async () => {
    expect(await sees('{ list { edges { node { owner { vendors } } } } }')).toBe(true);
    expect(
      await sees('{ list { edges { ... on Edge { node { ...N } } } } } fragment N on Node { owner { vendors } }'),
    ).toBe(true);
    expect(await sees('{ list { edges { node { name owner { __typename } } } } }')).toBe(false);
  });
});
