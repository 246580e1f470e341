import { describe, expect, it } from 'vitest';
import type { GraphQLCompositeType, OperationDefinitionNode } from 'graphql';
import { completeObject, type ValueCompletionError } from './complete.ts';
import { graphql } from './graphql-cjs.ts';
import { buildShape } from './response-shape.ts';

const schema = graphql.buildSchema(`
  type Query { me: User, search: [Result!]!, strict: Strict }
  enum Kind { REGULAR }
  type User { id: ID!, name: String!, email: String, friends: [User!], kind: Kind, age: Int }
  type Vendor { id: ID!, name: String!, open: Boolean! }
  union Result = User | Vendor
  type Strict { inner: User! }
`);

/** Shapes `data` (as subgraphs sent it, with the planner's extra fields) by `query`. */
function shaped(query: string, data: Record<string, unknown>, variables: Record<string, unknown> = {}) {
  const document = graphql.parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d]] : [])),
  );
  const shape = buildShape(schema, schema.getQueryType() as GraphQLCompositeType, operation.selectionSet, fragments);
  const errors: ValueCompletionError[] = [];
  return { data: completeObject(shape, data, 'Query', { schema, variables, errors }, []), errors };
}

describe('response shaping from a precomputed shape', () => {
  it('keeps the operation’s fields in its order and aliases, drops what the planner added', () => {
    const { data } = shaped('{ me { who: name id } }', {
      me: { __typename: 'User', id: 'u1', who: 'Ana', email: 'kept out' },
    });
    expect(data).toEqual({ me: { who: 'Ana', id: 'u1' } });
    expect(Object.keys((data as { me: object }).me)).toEqual(['who', 'id']);
  });

  it('applies fragments by runtime type and merges fields selected twice', () => {
    const { data } = shaped(
      `{ search { __typename ...UserPart ... on Vendor { name open } ... on User { friends { id } } } }
       fragment UserPart on User { name friends { name } }`,
      {
        search: [
          { __typename: 'User', name: 'Ana', friends: [{ __typename: 'User', id: 'u2', name: 'Bo' }] },
          { __typename: 'Vendor', name: 'Tacos', open: true },
        ],
      },
    );
    expect(data).toEqual({
      search: [
        { __typename: 'User', name: 'Ana', friends: [{ name: 'Bo', id: 'u2' }] },
        { __typename: 'Vendor', name: 'Tacos', open: true },
      ],
    });
  });

  it('follows @skip and @include by the variables', () => {
    const query =
      'query ($withEmail: Boolean!, $skipName: Boolean!) { me { email @include(if: $withEmail) name @skip(if: $skipName) } }';
    const data = { me: { __typename: 'User', email: 'a@b.c', name: 'Ana' } };
    expect(shaped(query, data, { withEmail: true, skipName: true }).data).toEqual({ me: { email: 'a@b.c' } });
    expect(shaped(query, data, { withEmail: false, skipName: false }).data).toEqual({ me: { name: 'Ana' } });
  });

  it('propagates a null in a non-null position to the nearest nullable parent, and says where', () => {
    expect(shaped('{ me { id name } }', { me: { id: 'u1', name: null } })).toEqual({
      data: { me: null },
      errors: [{ message: 'Cannot return null for non-nullable field User.name.', path: ['me', 'name'] }],
    });
    // A non-null list element nulls the (nullable) list; a non-null object field nulls its parent.
    expect(shaped('{ me { friends { id } } }', { me: { friends: [{ id: 'u2' }, { id: null }] } }).data).toEqual({
      me: { friends: null },
    });
    expect(shaped('{ strict { inner { id } } }', { strict: { inner: null } }).data).toEqual({ strict: null });
  });

  it('nulls the whole response when the null reaches a non-null root field', () => {
    const { data, errors } = shaped('{ search { ... on Vendor { open } } }', {
      search: [{ __typename: 'Vendor', open: null }],
    });
    expect(data).toBeNull();
    expect(errors.map((error) => error.path)).toEqual([['search', 0, 'open']]);
  });

  it('shows null for a value the API schema does not have (an @inaccessible enum value, a mistyped scalar)', () => {
    const { data, errors } = shaped('{ me { kind age } }', { me: { kind: 'ANONYMOUS', age: '42' } });
    expect(data).toEqual({ me: { kind: null, age: null } });
    expect(errors).toEqual([
      { message: 'Invalid value found for field User.kind.', path: ['me', 'kind'] },
      { message: 'Invalid value found for field User.age.', path: ['me', 'age'] },
    ]);
    expect(shaped('{ me { kind } }', { me: { kind: 'REGULAR' } }).data).toEqual({ me: { kind: 'REGULAR' } });
  });
});
