import type { GatewayContext } from './context.ts';
import type { GatewayInterface } from './executor/curbside-gateway.ts';
import { acceptsDeferredDelivery } from './executor/incremental.ts';
import type { IncomingRequestContext } from './executor/fetch.ts';
import type { GatewayMetrics } from './metrics.ts';

type Executor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;
type ExecutionResult = Awaited<ReturnType<Executor>>;

interface CachePolicy {
  restrict?: (hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void;
  policyIfCacheable?: () => { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' } | null;
}

/**
 * The key of an operation whose execution can be shared, or null: queries only (never a mutation or a
 * subscription), never one streamed with `@defer` (its payloads go to one response), and keyed by everything
 * the execution reads from the request: the document (its hash), the operation, the variables as sent and the
 * caller's credentials (anonymous callers share with anonymous ones only).
 */
export function sharedOperationKey(requestContext: IncomingRequestContext): string | null {
  if (requestContext.operation.operation !== 'query') return null;
  if (acceptsDeferredDelivery(requestContext.request.http?.headers.get('accept'))) return null;
  const { authorization } = requestContext.context as GatewayContext;
  return JSON.stringify([
    requestContext.queryHash,
    requestContext.request.operationName ?? null,
    requestContext.request.variables ?? {},
    authorization ?? null,
  ]);
}

/**
 * Identical inbound queries in flight share one execution (SHARE_IN_FLIGHT_OPERATIONS, off by default). Each
 * request still goes through everything before execution on its own (parsing, validation, the operation
 * limits, its rate-limit charge, metrics and logs); only the query plan's run and its subgraph fetches are
 * shared, and each request gets its own copy of the result's envelope and the cache policy the run found.
 */
export function shareInFlightOperations(gateway: GatewayInterface, metrics: GatewayMetrics): GatewayInterface {
  const inFlight = new Map<string, { result: Promise<ExecutionResult>; cachePolicy: CachePolicy }>();
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      const execute = loaded.executor;
      if (!execute) return loaded;
      const shared: Executor = async (requestContext) => {
        const key = sharedOperationKey(requestContext);
        if (key === null) return execute(requestContext);
        const running = inFlight.get(key);
        if (running) {
          metrics.operationsShared.inc();
          const result = await running.result;
          const policy = running.cachePolicy.policyIfCacheable?.();
          (requestContext.overallCachePolicy as CachePolicy).restrict?.(policy ?? { maxAge: 0 });
          return envelopeOf(result);
        }
        const result = execute(requestContext);
        // Copied when the run ends, before the first request's plugins can add to its extensions.
        const snapshot = result.then(envelopeOf);
        inFlight.set(key, { result: snapshot, cachePolicy: requestContext.overallCachePolicy as CachePolicy });
        const forget = () => inFlight.delete(key);
        result.then(forget, forget);
        return result;
      };
      return { ...loaded, executor: shared };
    },
  };
}

/** A result's own envelope (data and errors shared, read only; extensions copied, since plugins add to them). */
function envelopeOf(result: ExecutionResult): ExecutionResult {
  return { ...result, ...(result.extensions ? { extensions: { ...result.extensions } } : {}) };
}
