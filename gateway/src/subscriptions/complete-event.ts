import type { ServiceMap } from '@apollo/gateway';
import type { ExecutionResult } from 'graphql';
import { completeObject, type ValueCompletionError } from '../executor/complete.ts';
import type { IncomingRequestContext } from '../executor/fetch.ts';
import { runPlanNode, type RunScope } from '../executor/run-plan.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner.ts';

/**
 * Runs a subscription's per-event plan for one event already in `serviceMap[eventSourceName]` with the gateway's
 * own executor (as queries run): fetches the other subgraphs' fields, then shapes the result as the client asked
 * (aliases, fragments, no extra keys, nulls propagated by the operation's types) from the plan's precomputed shape.
 * Fetch errors are placed at their paths in the event; the data sources read only `context` of the request.
 */
export async function completeEvent(input: {
  plan: SubscriptionPlan;
  planner: SubscriptionPlanner;
  serviceMap: ServiceMap;
  /** Coerced by the operation's variable types (at admission, or by a reload's replanning). */
  variables: Record<string, unknown>;
  operationName: string | undefined;
  context: unknown;
}): Promise<ExecutionResult> {
  const { plan, planner, serviceMap, variables } = input;
  const scope: RunScope = {
    schema: planner.apiSchema,
    data: {},
    rawVariables: variables,
    variables,
    dataSource: (name) => serviceMap[name],
    requestContext: {
      request: { variables, operationName: input.operationName },
      context: input.context,
    } as unknown as IncomingRequestContext,
    errors: [],
    defer: { kind: 'inline' },
    delivered: Promise.resolve(),
  };
  await runPlanNode(scope, plan.perEvent, []);
  const completionErrors: ValueCompletionError[] = [];
  const data = completeObject(
    plan.shape,
    scope.data,
    plan.rootTypeName,
    {
      schema: planner.apiSchema,
      variables,
      errors: completionErrors,
    },
    [],
  );
  return scope.errors.length > 0 ? { data, errors: scope.errors } : { data };
}
