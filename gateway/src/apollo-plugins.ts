import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@curbside/service';
import { refusal, type Admission } from './admission.ts';
import type { GatewayContext } from './context.ts';
import { makeOperationLabel, type GatewayMetrics } from './metrics.ts';

/** Errors that refuse a request before it runs (as opposed to errors while running it). */
const refusalCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_ALLOWED',
]);

/** The metrics label of a document that did not parse or validate: its name is the client's invention. */
export const invalidOperationLabel = '(invalid)';

/**
 * Requests by operation and outcome, their latency, and one log line each. The operation label is the name
 * the document gives its operation, and only once the document parsed and validated (a name a client merely
 * sent is not one), bounded in distinct values (see `makeOperationLabel`).
 */
export function metricsPlugin(options: {
  metrics: GatewayMetrics;
  logger: Logger;
}): ApolloServerPlugin<GatewayContext> {
  const { metrics, logger } = options;
  const operationLabel = makeOperationLabel();
  return {
    async requestDidStart({ request, contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, errors, operationName, operation: resolved }) {
          const operation = resolved
            ? operationLabel((operationName ?? 'anonymous').slice(0, 64))
            : invalidOperationLabel;
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const codes = (body?.errors ?? errors ?? []).map((error) => error.extensions?.['code']);
          const outcome =
            codes.length === 0
              ? 'ok'
              : body?.data === undefined || codes.some((code) => refusalCodes.has(String(code)))
                ? 'refused'
                : 'error';
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requests.inc({ operation, outcome });
          metrics.requestSeconds.observe({ operation }, seconds);
          // One line per request; never the variables, the document or the token.
          logger.info(
            {
              requestId: contextValue.requestId,
              operation,
              clientName: request.http?.headers.get('apollographql-client-name')?.slice(0, 64) ?? null,
              clientVersion: request.http?.headers.get('apollographql-client-version')?.slice(0, 64) ?? null,
              userId: contextValue.viewer?.userId ?? null,
              outcome,
              errorCodes: codes.length > 0 ? [...new Set(codes)] : undefined,
              durationMs: Math.round(seconds * 1000 * 10) / 10,
            },
            'graphql request',
          );
        },
      };
    },
  };
}

/** The refusal of a document whose operation cannot be chosen (the name quoted cut short). */
function unresolvedOperation(operationName: string | undefined) {
  const message =
    operationName === undefined
      ? 'The document has several operations: name the one to run in operationName.'
      : `The document has no operation named ${JSON.stringify(operationName.slice(0, 64))}.`;
  return refusal('OPERATION_RESOLUTION_FAILURE', message);
}

/**
 * Admits every operation Apollo runs (HTTP, and queries and mutations over graphql-ws) after it is validated
 * and before it is planned: the gateway's one admission, so a refused operation reaches no subgraph. Outside
 * production the estimated cost is returned in `extensions.cost`, so a frontend engineer sees what a document
 * spends of the budget.
 */
export function admissionPlugin(options: {
  admission: Admission;
  exposeCost: boolean;
}): ApolloServerPlugin<GatewayContext> {
  const { admission, exposeCost } = options;
  return {
    async requestDidStart() {
      let cost: number | undefined;
      return {
        async didResolveOperation({ document, operation, schema, request, contextValue }) {
          // Apollo lets a document through whose operationName names none of its operations (or is left out
          // among several); @apollo/gateway then fails unexplained. Refused here for what it is.
          if (!operation) throw unresolvedOperation(request.operationName);
          const admitted = await admission.admitOperation({
            schema,
            document,
            operation,
            variables: request.variables,
            caller: contextValue,
          });
          if ('refused' in admitted) throw admitted.refused;
          cost = admitted.measure.cost;
        },
        async willSendResponse({ response }) {
          if (!exposeCost || cost === undefined || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: { estimated: cost } };
        },
      };
    },
  };
}
