import type { GraphQLDataSource } from '@apollo/gateway';
import type { PlanNode } from '@apollo/query-planner';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { completeObject, type ValueCompletionError } from './complete.ts';
import type { IncomingRequestContext } from './fetch.ts';
import { graphql } from './graphql-cjs.ts';
import {
  acceptsDeferredDelivery,
  PayloadQueue,
  type DeferredResponses,
  type SubsequentPayload,
} from './incremental.ts';
import type { SupergraphPlanning } from './planning.ts';
import { objectsAtPath, type ResultObject } from './result-tree.ts';
import { runPlanNode, type CompletedDeferredBlock, type DeferMode, type RunScope } from './run-plan.ts';

/** What Apollo Server expects back from a gateway executor. */
export interface ExecutorResult {
  data?: Record<string, unknown> | null;
  errors?: readonly InstanceType<typeof graphql.GraphQLError>[];
  extensions?: Record<string, unknown>;
}

export interface CurbsideExecutorOptions {
  /** The supergraph being served (it changes on a reload). */
  planning: () => SupergraphPlanning;
  /** The data source of a subgraph: every fetch goes through it. */
  dataSource: (serviceName: string) => GraphQLDataSource | undefined;
  /** Where a streamed response's later payloads wait for the HTTP response. */
  deferredResponses: DeferredResponses;
  /** The gateway's error formatting, for errors of later payloads (Apollo formats only the initial one's). */
  formatError: (error: GraphQLFormattedError) => GraphQLFormattedError;
}

/**
 * The gateway's own executor of Apollo's query plans: plans once per document and operation (with the
 * response shape), runs the plan through the data sources, and shapes the response from the precomputed shape.
 * With `@defer` and a client that accepts `multipart/mixed; deferSpec=20220824`, the initial payload is returned
 * and the deferred parts follow as they complete; otherwise the whole result is returned at once.
 */
export function makeCurbsideExecutor(options: CurbsideExecutorOptions) {
  return async function executeOperation(requestContext: IncomingRequestContext): Promise<ExecutorResult> {
    const planning = options.planning();
    const { request, document } = requestContext;
    let prepared;
    try {
      prepared = planning.prepare(document, request.operationName ?? null, requestContext.queryHash);
    } catch (error) {
      if (error instanceof graphql.GraphQLError) return { errors: [error] };
      throw error;
    }
    const rawVariables = request.variables ?? {};
    const coerced = graphql.getVariableValues(
      planning.schema,
      prepared.operation.variableDefinitions ?? [],
      rawVariables,
    );
    if (coerced.errors) return { errors: coerced.errors };
    const variables = coerced.coerced;
    const data: ResultObject = {};
    const errors: RunScope['errors'] = [];
    if (prepared.introspection) {
      const introspection = await graphql.execute({
        schema: planning.schema,
        document: prepared.introspection,
        variableValues: rawVariables,
      });
      Object.assign(data, introspection.data);
      errors.push(...(introspection.errors ?? []));
    }
    const root = prepared.plan.node?.kind === 'Subscription' ? undefined : effectiveRoot(prepared.plan.node, variables);
    const streamed = root?.kind === 'Defer' && acceptsDeferredDelivery(request.http?.headers.get('accept'));
    const payloads = new PayloadQueue();
    let running = 0;
    const deliver = (block: CompletedDeferredBlock): Promise<void> => {
      running--;
      if (payloads.abandoned) return Promise.resolve();
      let payload: SubsequentPayload | null;
      try {
        payload = deferredPayload(block, running > 0);
      } catch (error) {
        // The stream must still end: the block's part is given up with a (masked) error.
        const failure = new graphql.GraphQLError((error as Error).message, {
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
        const path = block.block.queryPath.filter((element) => !element.startsWith('... on '));
        payload = {
          hasNext: running > 0,
          incremental: [{ data: null, path, errors: [options.formatError(failure.toJSON())] }],
        };
      }
      if (payload) payloads.push(payload);
      return Promise.resolve();
    };
    const defer: DeferMode = streamed
      ? { kind: 'stream', started: () => void running++, completed: deliver }
      : { kind: 'inline' };
    const scope: RunScope = {
      schema: planning.schema,
      data,
      rawVariables,
      variables,
      // A stream whose reader went away (a socket closed mid-stream) starts no more subgraph fetches: the
      // blocks still to run end at once, with an error nobody reads.
      dataSource: streamed ? (name) => (payloads.abandoned ? undefined : options.dataSource(name)) : options.dataSource,
      requestContext,
      errors,
      defer,
      delivered: Promise.resolve(),
    };
    if (root) await runPlanNode(scope, root, []);

    const completionErrors: ValueCompletionError[] = [];
    const initialShape = streamed ? prepared.initialShape : prepared.shape;
    const shaped = completeObject(
      initialShape,
      data,
      prepared.rootTypeName,
      { schema: planning.schema, variables, errors: completionErrors },
      [],
    );
    if (streamed && running > 0) {
      options.deferredResponses.park(requestContext.context, payloads);
      // Apollo Server's multipart writer cannot be stopped while it waits for a payload: the queue is told.
      (requestContext.context as Partial<GatewayContext>).onClientGone?.(() => payloads.abandon());
    }
    return resultOf(shaped, errors, completionErrors);

    /** The payload a completed block adds: its fields at every object its query path reaches. */
    function deferredPayload(
      { block, errors: blockErrors }: CompletedDeferredBlock,
      hasNext: boolean,
    ): SubsequentPayload | null {
      const { typeName, shape } = planning.blockShape(block, prepared!, document);
      const blockCompletionErrors: ValueCompletionError[] = [];
      const incremental: NonNullable<SubsequentPayload['incremental']> = objectsAtPath(
        planning.schema,
        data,
        block.queryPath,
      ).map(({ object, path }) => ({
        data: completeObject(
          shape,
          object,
          typeName,
          { schema: planning.schema, variables, errors: blockCompletionErrors },
          path,
        ),
        path,
        ...(block.label ? { label: block.label } : {}),
      }));
      // Each error goes with the part whose path it is under; one under none goes with the first part.
      for (const error of blockErrors) {
        const errorPath = error.path ?? [];
        const owner =
          incremental.find(({ path }) => path.every((element, index) => errorPath[index] === element)) ??
          incremental[0];
        if (owner) (owner.errors ??= []).push(options.formatError(error.toJSON()));
      }
      if (incremental.length === 0 && !hasNext) return { hasNext };
      return incremental.length === 0 ? null : { hasNext, incremental };
    }
  };
}

/** The plan's root once the root `Condition` nodes are decided (`@defer(if: $v)` plans branch at the root). */
function effectiveRoot(node: PlanNode | undefined, variables: Readonly<Record<string, unknown>>): PlanNode | undefined {
  let current = node;
  while (current?.kind === 'Condition') {
    current = variables[current.condition] === true ? current.ifClause : current.elseClause;
  }
  return current;
}

/**
 * The result as Apollo's own executor gives it: errors from the fetches; nulls in non-null positions that
 * nothing else explains go in `extensions.valueCompletion` (as `@apollo/gateway` and Apollo Router report them),
 * not as errors.
 */
function resultOf(
  data: ResultObject | null,
  errors: RunScope['errors'],
  completionErrors: readonly ValueCompletionError[],
): ExecutorResult {
  if (errors.length > 0) return { data, errors };
  if (completionErrors.length > 0) {
    return { data, extensions: { valueCompletion: completionErrors.map(({ message, path }) => ({ message, path })) } };
  }
  return { data };
}
