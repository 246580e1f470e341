import { createServer, type Server } from 'node:http';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { closeServer, listen } from '@curbside/http';

/**
 * Two small subgraphs for `@defer` tests, each a real HTTP server: `shops` lists shops (fast), `reviews`
 * adds each shop's reviews through `_entities`, after `reviewsDelayMs` (the slow part a client defers).
 * Their supergraph is written out below (join v0.5), so no composition runs in the test.
 */
export interface DeferSubgraphs {
  supergraphSdl: string;
  urls: { shops: string; reviews: string };
  /** Requests each subgraph answered. */
  requests: { shops: number; reviews: number };
  /** While true, `reviews` answers every request with HTTP 503. */
  reviewsDown: boolean;
  close(): Promise<void>;
}

const shops = [
  { id: 's1', name: 'Tacos Oscar' },
  { id: 's2', name: 'Crêpes du Coin' },
];

const reviewsByShop: Record<string, { stars: number; body: string | null }[]> = {
  s1: [{ stars: 5, body: 'Al pastor as it should be.' }],
  s2: [
    { stars: 4, body: null },
    { stars: 3, body: 'Long queue.' },
  ],
};

const shopsSchema = buildSchema(`
  scalar _Any
  union _Entity = Shop
  type Query { shops: [Shop!]! _entities(representations: [_Any!]!): [_Entity]! }
  type Shop { id: ID! name: String! }
`);

const reviewsSchema = buildSchema(`
  scalar _Any
  union _Entity = Shop
  type Query { _entities(representations: [_Any!]!): [_Entity]! }
  type Shop { id: ID! reviews: [Review!]! }
  type Review { stars: Int! body: String }
`);

function supergraph(shopsUrl: string, reviewsUrl: string): string {
  return `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
{
  query: Query
}

directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

input join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }
scalar join__DirectiveArguments
scalar join__FieldSet
scalar join__FieldValue
enum join__Graph {
  REVIEWS @join__graph(name: "reviews", url: "${reviewsUrl}")
  SHOPS @join__graph(name: "shops", url: "${shopsUrl}")
}
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

type Query @join__type(graph: REVIEWS) @join__type(graph: SHOPS) {
  shops: [Shop!]! @join__field(graph: SHOPS)
}

type Review @join__type(graph: REVIEWS) {
  stars: Int!
  body: String
}

type Shop @join__type(graph: REVIEWS, key: "id") @join__type(graph: SHOPS, key: "id") {
  id: ID!
  name: String! @join__field(graph: SHOPS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
}
`;
}

/** A subgraph answering POSTed GraphQL with graphql-js, after `delayMs`; HTTP 503 while `down()`. */
function subgraphServer(
  schema: GraphQLSchema,
  rootValue: object,
  delayMs: number,
  onRequest: () => void,
  down: () => boolean = () => false,
): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      onRequest();
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      setTimeout(() => {
        if (down()) {
          res.writeHead(503).end();
          return;
        }
        void graphql({ schema, source: query, rootValue, variableValues: variables ?? null }).then((result) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result));
        });
      }, delayMs);
    });
  });
}

/** Starts both subgraphs on OS-chosen ports; `reviewsDelayMs` (default 0) slows every answer of `reviews`. */
export async function startDeferSubgraphs(options: { reviewsDelayMs?: number } = {}): Promise<DeferSubgraphs> {
  const requests = { shops: 0, reviews: 0 };
  let reviewsDown = false;
  const shopsServer = subgraphServer(
    shopsSchema,
    {
      shops: () => shops,
      _entities: ({ representations }: { representations: { __typename: string; id: string }[] }) =>
        representations.map(({ __typename, id }) => ({ __typename, ...shops.find((shop) => shop.id === id) })),
    },
    0,
    () => void requests.shops++,
  );
  const reviewsServer = subgraphServer(
    reviewsSchema,
    {
      _entities: ({ representations }: { representations: { __typename: string; id: string }[] }) =>
        representations.map(({ __typename, id }) => ({ __typename, id, reviews: reviewsByShop[id] ?? [] })),
    },
    options.reviewsDelayMs ?? 0,
    () => void requests.reviews++,
    () => reviewsDown,
  );
  const urls = {
    shops: `http://127.0.0.1:${await listen(shopsServer, 0, '127.0.0.1')}/graphql`,
    reviews: `http://127.0.0.1:${await listen(reviewsServer, 0, '127.0.0.1')}/graphql`,
  };
  return {
    supergraphSdl: supergraph(urls.shops, urls.reviews),
    urls,
    requests,
    get reviewsDown() {
      return reviewsDown;
    },
    set reviewsDown(down: boolean) {
      reviewsDown = down;
    },
    async close() {
      await Promise.all([closeServer(shopsServer), closeServer(reviewsServer)]);
    },
  };
}
