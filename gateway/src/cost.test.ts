import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { outcomeWithinHangGuardSync } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { costDirectivesFromSdl, costDirectivesFromSchema, defaultListSize } from './cost.ts';
import {
  defaultOperationLimits,
  makeOperationMeasurer,
  measureOperation,
  operationLimitErrors,
} from './operation-limits.ts';

const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const sdl = `
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

  type Query {
    user(id: ID!): User
    vendors(first: Int! = 20, after: String): VendorConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    nearby(first: Int! = 20, last: Int): [Vendor!]! @cost(weight: 5) @listSize(slicingArguments: ["first", "last"])
    tags: [String!]!
    things: [Thing!]! @listSize(assumedSize: 2)
    unsized: [Vendor!]!
    node(id: ID!): Node
    search: [SearchResult!]! @listSize(assumedSize: 3)
  }
  type Mutation {
    createVendor(name: String!): Vendor!
    login(password: String!): Session! @cost(weight: 50)
  }
  type Session { token: String! user: User! }
  interface Node { id: ID! }
  type User implements Node {
    id: ID!
    name: String!
    vendors: [Vendor!]! @listSize(assumedSize: 5)
  }
  type Vendor implements Node {
    id: ID!
    name: String!
    owner: User!
    photos: [Photo!]! @listSize(assumedSize: 10)
  }
  type Photo @cost(weight: 3) { url: String! }
  type Thing { id: ID! }
  type VendorEdge { cursor: String! node: Vendor! }
  type VendorConnection { edges: [VendorEdge!]! total: Int! }
  union SearchResult = User | Vendor
`;
const schema = graphqlCjs.buildSchema(sdl);

/** The estimated cost of `query`, checked valid first (the measurer expects a validated document). */
function cost(query: string, variables: Record<string, unknown> = {}, on = schema): number {
  const document = graphqlCjs.parse(query);
  expect(graphqlCjs.validate(on, document)).toEqual([]);
  return measureOperation(document, graphqlCjs.getOperationAST(document)!, on, variables).cost;
}

describe('field costs', () => {
  it('charges 1 per object field and 0 per scalar or enum field', () => {
    // user 1 + name 0
    expect(cost('{ user(id: "1") { id name } }')).toBe(1);
    expect(cost('{ user(id: "1") { __typename } }')).toBe(1);
  });

  it('uses @cost on a field instead of its type cost, and @cost on a type for fields of that type', () => {
    // nearby: 20 × (5 + name 0)
    expect(cost('{ nearby { name } }')).toBe(100);
    // user 1 + vendors 5 × (1 + photos 10 × 3)
    expect(cost('{ user(id: "1") { vendors { photos { url } } } }')).toBe(1 + 5 * (1 + 10 * 3));
  });

  it('adds 10 for each mutation root field (the write) to its field cost', () => {
    // 10 + Vendor 1
    expect(cost('mutation { createVendor(name: "x") { id } }')).toBe(11);
    expect(cost('mutation { a: createVendor(name: "x") { id } b: createVendor(name: "y") { id } }')).toBe(22);
    // 10 + login's @cost 50 + user 1
    expect(cost('mutation { login(password: "x") { token user { id } } }')).toBe(61);
  });

  it('does not cost introspection', () => {
    expect(cost('{ __schema { types { name fields { name } } } }')).toBe(0);
  });
});

describe('list sizes', () => {
  it('multiplies an unpaginated list by its assumedSize', () => {
    expect(cost('{ things { id } }')).toBe(2);
    expect(cost('{ user(id: "1") { vendors { id } } }')).toBe(1 + 5);
  });

  it(`sizes a list that declares nothing by defaultListSize (${defaultListSize})`, () => {
    expect(cost('{ unsized { owner { id } } }')).toBe(defaultListSize * 2);
  });

  it('costs a list of scalars 0, whatever its size', () => {
    expect(cost('{ tags }')).toBe(0);
  });

  it('multiplies nested lists', () => {
    // The N⁴ shape: each user's vendors (5), each vendor's owner, each owner's vendors (5), ...
    const query =
      '{ user(id: "1") { vendors { owner { vendors { owner { vendors { owner { vendors { id } } } } } } } } }';
    expect(cost(query)).toBe(1 + 5 * (1 + 1 + 5 * (1 + 1 + 5 * (1 + 1 + 5 * 1))));
  });

  it('reads a slicing argument from a literal, a sent variable, the variable default, or the schema default', () => {
    expect(cost('{ nearby(first: 3) { id } }')).toBe(15);
    expect(cost('query($n: Int!) { nearby(first: $n) { id } }', { n: 7 })).toBe(35);
    expect(cost('query($n: Int! = 11) { nearby(first: $n) { id } }')).toBe(55);
    expect(cost('query($n: Int! = 11) { nearby(first: $n) { id } }', { n: 2 })).toBe(10);
    expect(cost('{ nearby { id } }')).toBe(100);
  });

  it('takes the largest of several slicing arguments', () => {
    expect(cost('{ nearby(first: 2, last: 9) { id } }')).toBe(45);
  });

  it('applies the size to sizedFields (a connection and its edges)', () => {
    // vendors 1 + edges 50 × (edge 1 + node 1 + owner 1)
    expect(cost('{ vendors(first: 50) { total edges { cursor node { owner { id } } } } }')).toBe(1 + 50 * 3);
    expect(cost('{ vendors { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(cost('query($n: Int = 500) { vendors(first: $n) { edges { node { id } } } }')).toBe(1 + 500 * 2);
  });
});

describe('fragments and abstract types', () => {
  it('expands inline and named fragments', () => {
    const direct = cost('{ vendors(first: 4) { edges { node { name owner { id } } } } }');
    expect(
      cost('{ vendors(first: 4) { ... on VendorConnection { edges { node { ... on Vendor { owner { id } } } } } } }'),
    ).toBe(direct);
    expect(
      cost(`
        query { vendors(first: 4) { ...Page } }
        fragment Page on VendorConnection { edges { ...Edge } }
        fragment Edge on VendorEdge { node { name owner { id } } }
      `),
    ).toBe(direct);
  });

  it('takes the most expensive possible type of a union or an interface', () => {
    // search 3 × (1 + max(User: vendors 5 × 1, Vendor: photos 10 × 3))
    expect(cost('{ search { ... on User { vendors { id } } ... on Vendor { photos { url } } } }')).toBe(3 * (1 + 30));
    // node 1 + max(User: 5, Vendor: owner 1)
    expect(cost('{ node(id: "1") { id ... on User { vendors { id } } ... on Vendor { owner { id } } } }')).toBe(6);
  });

  it('keeps nested fragment spreads cheap to measure', () => {
    const fragments = Array.from(
      { length: 40 },
      (_, index) => `fragment F${index + 1} on User { ...F${index} ...F${index} }`,
    ).join('\n');
    const document = graphqlCjs.parse(`{ user(id: "1") { ...F40 } }\nfragment F0 on User { id }\n${fragments}`);
    const measured = outcomeWithinHangGuardSync(() =>
      measureOperation(document, graphqlCjs.getOperationAST(document)!, schema, {}),
    );
    expect(measured).not.toBeInstanceOf(Error);
  });
});

describe('the memo', () => {
  it('measures again when a page size comes from a variable, sent or left to its default', () => {
    const measure = makeOperationMeasurer();
    const document = graphqlCjs.parse('query($n: Int = 500) { vendors(first: $n) { edges { node { id } } } }');
    const operation = graphqlCjs.getOperationAST(document)!;
    expect(measure(document, operation, schema, {}).cost).toBe(1001);
    expect(measure(document, operation, schema, { n: 5 }).cost).toBe(11);
    expect(measure(document, operation, schema, {}).cost).toBe(1001);
  });
});

describe('the supergraph', () => {
  const supergraphSdl = readFileSync(
    fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)),
    'utf8',
  );
  const costs = costDirectivesFromSdl(supergraphSdl);
  // What the gateway measures against: Apollo's API schema, which has lost the directives.
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const supergraphCost = (query: string, variables: Record<string, unknown> = {}) => {
    const document = graphqlCjs.parse(query);
    expect(graphqlCjs.validate(api, document)).toEqual([]);
    return measureOperation(document, graphqlCjs.getOperationAST(document)!, api, variables, costs).cost;
  };

  it('sizes every list field that returns objects, by a slicing argument, an assumedSize or a parent', () => {
    const supergraph = graphqlCjs.buildASTSchema(graphqlCjs.parse(supergraphSdl), { assumeValidSDL: true });
    expect(costDirectivesFromSchema(supergraph).listSizes).toEqual(costs.listSizes);
    const sizedByParent = new Set<string>();
    for (const [key, listSize] of costs.listSizes) {
      const [typeName, fieldName] = key.split('.') as [string, string];
      const field = (supergraph.getType(typeName) as import('graphql').GraphQLObjectType).getFields()[fieldName]!;
      const child = graphqlCjs.getNamedType(field.type).name;
      for (const sized of listSize.sizedFields) sizedByParent.add(`${child}.${sized}`);
    }
    const unsized: string[] = [];
    for (const type of Object.values(supergraph.getTypeMap())) {
      if (!graphqlCjs.isObjectType(type) || type.name.startsWith('__') || type.name.startsWith('join__')) continue;
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        const returnsList = graphqlCjs.isListType(graphqlCjs.getNullableType(field.type));
        if (returnsList && graphqlCjs.isCompositeType(graphqlCjs.getNamedType(field.type))) {
          if (!costs.listSizes.has(key) && !sizedByParent.has(key)) unsized.push(key);
        }
      }
    }
    expect(unsized).toEqual([]);
  });

  it('weights what is expensive: search, vendorsNearby, and password hashing', () => {
    expect(costs.fieldWeights.get('Query.search')).toBe(10);
    expect(costs.fieldWeights.get('Query.vendorsNearby')).toBe(5);
    expect(costs.fieldWeights.get('Mutation.login')).toBe(50);
    expect(costs.fieldWeights.get('Mutation.register')).toBe(50);
    expect(supergraphCost('mutation { markNotificationsRead(ids: []) { id } }')).toBe(10 + 100);
  });

  it('refuses the N⁴ vendors query and a 500-page by a variable default, and admits natural pages', () => {
    const { maxCost } = defaultOperationLimits;
    const over = (query: string, variables?: Record<string, unknown>) => {
      const document = graphqlCjs.parse(query);
      const measure = measureOperation(document, graphqlCjs.getOperationAST(document)!, api, variables ?? {}, costs);
      return operationLimitErrors(measure, defaultOperationLimits).map((error) => error.extensions['limit']);
    };
    const fourLevels =
      '{ user(id: "1") { vendors { owner { vendors { owner { vendors { owner { vendors { id } } } } } } } } }';
    expect(supergraphCost(fourLevels)).toBeGreaterThan(maxCost);
    expect(over(fourLevels)).toEqual(['cost']);
    const defaulted =
      'query($n: Int = 500) { vendors(first: $n) { edges { node { name owner { username vendors { name } } } } } }';
    expect(over(defaulted)).toEqual(['cost']);
    expect(over(defaulted, { n: 50 })).toEqual([]);

    const vendorPage = '{ vendors(first: 50) { edges { node { owner { username vendors { name } } } } } }';
    expect(supergraphCost(vendorPage)).toBe(1 + 50 * (1 + 1 + 1 + 10));
    const feedPage = `{ feed(first: 20) {
      edges { cursor node { id body likeCount commentCount viewerHasLiked author { username displayName }
        vendor { name isOpen } media { url thumbnailUrl } } }
      pageInfo { hasNextPage endCursor }
    } }`;
    expect(supergraphCost(feedPage)).toBe(1 + 1 + 20 * (1 + 1 + 1 + 1 + 10));
    expect(supergraphCost(feedPage) * 10).toBeLessThan(maxCost);
    // The client kit's documents (packages/client/src/operations.ts) and a sign-in.
    const myFeed = '{ feed(first: 20) { edges { cursor node { id body author { username } } } } }';
    expect(supergraphCost(myFeed)).toBe(61);
    const nearMe = `{ vendorsNearby(lat: 38.7, lng: -9.1, radiusMeters: 2000, first: 20) {
      distanceMeters vendor { id name isOpen } } }`;
    expect(supergraphCost(nearMe)).toBe(20 * (5 + 1));
    expect(supergraphCost('mutation { login(input: { login: "a", password: "b" }) { accessToken } }')).toBe(60);
  });

  it('without the directives, sizes connections by their first argument (the Relay convention)', () => {
    const document = graphqlCjs.parse('{ vendors(first: 50) { edges { node { owner { username } } } } }');
    expect(measureOperation(document, graphqlCjs.getOperationAST(document)!, api, {}).cost).toBe(1 + 50 * 3);
  });
});
