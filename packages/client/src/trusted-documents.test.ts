import { createHash } from 'node:crypto';
import { InMemoryCache } from '@apollo/client';
import { Kind, parse, print, visit, type DocumentNode, type SelectionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from './operations.ts';
import { documentIdOf, trustedDocuments } from './trusted-documents.ts';

const documents = Object.entries(operations) as [string, DocumentNode][];

/** The document in a canonical order (selections, variables, arguments by name): the manifest prints it so. */
const sorted = (document: DocumentNode): string => {
  const keyOf = (selection: SelectionNode) =>
    selection.kind === Kind.FIELD ? (selection.alias ?? selection.name).value : print(selection);
  const byName = <T extends { name: { value: string } }>(items: readonly T[] | undefined) =>
    [...(items ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value));
  return print(
    visit(document, {
      SelectionSet: (node) => ({
        ...node,
        selections: [...node.selections].sort((a, b) => keyOf(a).localeCompare(keyOf(b))),
      }),
      Field: (node) => ({ ...node, arguments: byName(node.arguments) }),
      ObjectValue: (node) => ({ ...node, fields: byName(node.fields) }),
      OperationDefinition: (node) => ({
        ...node,
        variableDefinitions: [...(node.variableDefinitions ?? [])].sort((a, b) =>
          a.variable.name.value.localeCompare(b.variable.name.value),
        ),
      }),
    }),
  );
};

describe('trusted documents', () => {
  it('are exactly what Apollo Client sends: its cache adds nothing to any of them', () => {
    expect(documents.length).toBeGreaterThan(0);
    const cache = new InMemoryCache();
    for (const [name, document] of documents) {
      // Apollo Client sends `cache.transformDocument(query)`, which adds __typename to every selection set.
      expect(print(cache.transformDocument(document)), name).toBe(print(document));
    }
  });

  it('each carry their manifest id, the sha256 of the manifest text, which is the same document', () => {
    expect(Object.keys(trustedDocuments)).toHaveLength(documents.length);
    for (const [name, document] of documents) {
      const id = documentIdOf(document);
      expect(id, name).toMatch(/^sha256:[0-9a-f]{64}$/);
      const text = trustedDocuments[id!]!;
      expect(`sha256:${createHash('sha256').update(text).digest('hex')}`, name).toBe(id);
      expect(sorted(parse(text)), name).toBe(sorted(document));
    }
  });

  it('gives no id to a document codegen did not make', () => {
    expect(documentIdOf(parse('{ __typename }'))).toBeUndefined();
  });
});
