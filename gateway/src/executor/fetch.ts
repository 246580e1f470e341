import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { FetchNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { graphql } from './graphql-cjs.ts';
import {
  applyRewrites,
  deepMerge,
  isResultObject,
  matchesType,
  objectsAtPath,
  type LocatedObject,
  type ResponsePath,
  type ResultObject,
} from './result-tree.ts';

/** The request Apollo Server hands a gateway executor (what data sources receive as `incomingRequestContext`). */
export type IncomingRequestContext = Parameters<
  NonNullable<Awaited<ReturnType<ApolloServerOptionsWithGateway<GatewayContext>['gateway']['load']>>['executor']>
>[0];

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION` (the enum is not exported by `@apollo/gateway`'s entry). */
const incomingOperation = 'incoming operation' as GraphQLDataSourceProcessOptions['kind'];

/** What one fetch needs from the execution around it. */
export interface FetchScope {
  /** The API schema (type conditions of `requires` and paths). */
  schema: GraphQLSchema;
  /** The response being assembled; fetches merge into it. */
  data: ResultObject;
  /** The variables as the client sent them: subgraphs get the ones their operation uses. */
  rawVariables: Readonly<Record<string, unknown>>;
  dataSource: (serviceName: string) => GraphQLDataSource | undefined;
  requestContext: IncomingRequestContext;
  /** Where this part of the execution (the initial payload, or a deferred block) collects its errors. */
  errors: InstanceType<typeof graphql.GraphQLError>[];
}

/**
 * Runs one `Fetch` at a plan path: a root fetch merges its data at the path; an entity fetch sends the
 * representations of the objects there (their `requires` selection, with `__typename`) and merges each
 * `_entities` answer into its object. Subgraph errors are placed at their path in the client's response.
 * The fetch goes through the subgraph's data source (timeouts, breaker, headers, trace context, cache hints).
 */
export async function runFetch(
  scope: FetchScope,
  fetch: FetchNode,
  planPath: readonly (string | number)[],
): Promise<void> {
  const source = scope.dataSource(fetch.serviceName);
  if (!source) throw new Error(`no data source for subgraph '${fetch.serviceName}'`);
  const variables: Record<string, unknown> = {};
  for (const name of fetch.variableUsages ?? []) {
    if (name in scope.rawVariables) variables[name] = scope.rawVariables[name];
  }
  if (!fetch.requires) {
    const targets = objectsAtPath(scope.schema, scope.data, planPath);
    const response = await send(scope, source, fetch, variables, planPath);
    recordErrors(scope, fetch, response.errors, (errorPath) => [...concretePrefix(targets), ...errorPath]);
    if (!isResultObject(response.data)) return;
    applyRewrites(scope.schema, fetch.outputRewrites, response.data);
    for (const target of targets) deepMerge(target.object, response.data);
    return;
  }
  const targets: LocatedObject[] = [];
  const representations: ResultObject[] = [];
  for (const target of objectsAtPath(scope.schema, scope.data, planPath)) {
    const representation = selectInputs(scope.schema, target.object, fetch.requires);
    if (!representation || typeof representation['__typename'] !== 'string') continue;
    applyRewrites(scope.schema, fetch.inputRewrites, representation);
    targets.push(target);
    representations.push(representation);
  }
  if (representations.length === 0) return;
  const response = await send(scope, source, fetch, { ...variables, representations }, planPath);
  recordErrors(scope, fetch, response.errors, ([field, index, ...rest]) => {
    const target = field === '_entities' && typeof index === 'number' ? targets[index] : undefined;
    return target ? [...target.path, ...rest] : [...concretePrefix(targets)];
  });
  const entities = isResultObject(response.data) ? response.data['_entities'] : undefined;
  if (entities === undefined || entities === null) return;
  if (!Array.isArray(entities) || entities.length !== targets.length) {
    throw new graphql.GraphQLError(
      `Expected "data._entities" from ${fetch.serviceName} to hold ${targets.length} entities.`,
      { extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: fetch.serviceName } },
    );
  }
  entities.forEach((entity: unknown, index) => {
    const target = targets[index];
    if (!target || !isResultObject(entity)) return;
    entity['__typename'] ??= target.object['__typename'];
    applyRewrites(scope.schema, fetch.outputRewrites, entity);
    deepMerge(target.object, entity);
  });
}

async function send(
  scope: FetchScope,
  source: GraphQLDataSource,
  fetch: FetchNode,
  variables: Record<string, unknown>,
  planPath: readonly (string | number)[],
) {
  return source.process({
    kind: incomingOperation,
    request: {
      query: fetch.operation,
      variables,
      ...(fetch.operationName ? { operationName: fetch.operationName } : {}),
    },
    incomingRequestContext: scope.requestContext,
    context: scope.requestContext.context,
    ...(fetch.operationDocumentNode ? { document: fetch.operationDocumentNode } : {}),
    pathInIncomingRequest: planPath.map((element) =>
      typeof element === 'number' ? element : String(element),
    ) as never,
  });
}

/** A root fetch's path in the response: its plan path has no lists, so any target's path will do. */
function concretePrefix(targets: readonly LocatedObject[]): ResponsePath {
  return targets[0]?.path ?? [];
}

/** Subgraph errors as the client sees them: message and extensions kept, the subgraph named, the path mapped. */
function recordErrors(
  scope: FetchScope,
  fetch: FetchNode,
  errors: readonly GraphQLFormattedError[] | undefined,
  mapPath: (subgraphPath: readonly (string | number)[]) => ResponsePath,
): void {
  for (const error of errors ?? []) {
    const extensions = { ...error.extensions };
    // A subgraph error without a code is unexpected: the client sees it masked, as with Apollo's executor.
    extensions['code'] ??= 'INTERNAL_SERVER_ERROR';
    extensions['serviceName'] = fetch.serviceName;
    scope.errors.push(
      new graphql.GraphQLError(error.message || `Error while fetching subquery from service "${fetch.serviceName}"`, {
        ...(error.path ? { path: mapPath(error.path) } : {}),
        extensions,
      }),
    );
  }
}

/**
 * The fields of `source` a fetch's `requires` selects (keys and `@requires` inputs), for a representation;
 * null when one is missing (an earlier fetch failed for it: the entity is left out, its error already told).
 */
function selectInputs(
  schema: GraphQLSchema,
  source: ResultObject,
  selections: readonly QueryPlanSelectionNode[],
): ResultObject | null {
  const result: ResultObject = {};
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition && !matchesType(schema, source['__typename'], selection.typeCondition)) continue;
      const nested = selectInputs(schema, source, selection.selections);
      if (!nested) return null;
      deepMerge(result, nested);
      continue;
    }
    const responseName = selection.alias ?? selection.name;
    const value = source[responseName];
    if (value === undefined) return null;
    result[responseName] = selection.selections ? selectValue(schema, value, selection.selections) : value;
  }
  return result;
}

function selectValue(schema: GraphQLSchema, value: unknown, selections: readonly QueryPlanSelectionNode[]): unknown {
  if (Array.isArray(value)) return value.map((item) => selectValue(schema, item, selections));
  return isResultObject(value) ? selectInputs(schema, value, selections) : value;
}
