import { createRequire } from 'node:module';

/**
 * graphql's CommonJS build: the one the federation packages build the API schema with. Type checks
 * (`isNonNullType`, `isSubType`) must come from the same build as the schema's types, and an ESM import of
 * `graphql` can resolve to the other one under vitest.
 */
export const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
