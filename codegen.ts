import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameToDocument } from '@apollo/client/utilities';

/**
 * Resolver types for each subgraph, typed from its own SDL with entity mappers, so a resolver for a
 * field or type that is not in the SDL fails typecheck instead of being dropped by buildSubgraphSchema.
 * That holds because the maps have no index signature (no `useIndexSignature`, which would make every map
 * `T & Record<string, any>`) and reach buildSubgraphSchema only through `subgraphSchema<Resolvers>`; each
 * subgraph's `resolvers.typecheck.ts` proves it in `pnpm typecheck`.
 * `pnpm codegen` writes them; `pnpm codegen:check` fails when a committed file is stale.
 */
const subgraphs: Record<string, { mappers: Record<string, string> }> = {
  user: {
    mappers: {
      User: '../entities.ts#UserEntity',
      Notification: '../entities.ts#NotificationEntity',
      Post: '../entities.ts#EntityReference',
      Vendor: '../entities.ts#EntityReference',
    },
  },
  vendor: { mappers: { Vendor: '../entities.ts#VendorEntity', User: '../entities.ts#UserReference' } },
  location: {
    mappers: {
      Vendor: '../entities.ts#VendorReference',
      VendorLocation: '../entities.ts#LocationFix',
      NearbyVendor: '../entities.ts#NearbyVendorResult',
    },
  },
  post: {
    mappers: {
      Post: '../entities.ts#PostRow',
      Comment: '../entities.ts#CommentEntity',
      User: '../entities.ts#EntityReference',
      Vendor: '../entities.ts#EntityReference',
      Media: '../entities.ts#EntityReference',
    },
  },
  media: { mappers: { Media: '../entities.ts#MediaEntity', User: '../entities.ts#UserReference' } },
  search: {
    mappers: {
      SearchHit: '../entities.ts#SearchHitRow',
      User: '../entities.ts#SearchResultReference',
      Vendor: '../entities.ts#SearchResultReference',
      Post: '../entities.ts#SearchResultReference',
      Comment: '../entities.ts#ResultReference',
      Media: '../entities.ts#ResultReference',
      Node: '../entities.ts#ResultReference',
    },
  },
};

/**
 * The client kit (`packages/client`, `@curbside/client`): typed operations from the API schema, and the
 * trusted-documents manifest (`persisted-documents.json`, sha256 ids) a gateway in safelist mode loads.
 * `__typename` is added by Apollo Client's own transform (`addTypenameToDocument`, which its cache applies to
 * every document before sending: each selection set but the operation's root): the manifest then holds the
 * very document Apollo Client asks for, and the gateway answers every `__typename` its cache reads.
 * (The client preset's `addTypenameSelectionDocumentTransform` differs: it also selects `__typename` at the
 * root of queries and mutations.)
 */
const clientKit: CodegenConfig['generates'] = {
  'packages/client/src/gql/': {
    schema: 'schema/schema.graphql',
    documents: ['packages/client/src/**/*.ts', '!packages/client/src/gql/**', '!packages/client/src/**/*.test.ts'],
    preset: 'client',
    presetConfig: {
      persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      fragmentMasking: false,
    },
    documentTransforms: [
      {
        transform: ({ documents }) =>
          documents.map((source) => ({
            ...source,
            document: source.document && addTypenameToDocument(source.document),
          })),
      },
    ],
    config: {
      enumsAsTypes: true,
      useTypeImports: true,
      scalars: { DateTime: 'string' },
      emitLegacyCommonJSImports: false,
    },
  },
};

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    ...clientKit,
    ...Object.fromEntries(
      Object.entries(subgraphs).map(([name, { mappers }]) => [
        `subgraphs/${name}/src/generated/resolvers.ts`,
        {
          schema: `subgraphs/${name}/src/schema.graphql`,
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useTypeImports: true,
            enumsAsTypes: true,
            contextType: '../context.ts#RequestContext',
            mappers,
            scalars: { DateTime: 'Date' },
            mapperTypeSuffix: '',
          },
        },
      ]),
    ),
  },
};

export default config;
