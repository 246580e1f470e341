import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { DefinitionNode, GraphQLFormattedError, SelectionNode } from 'graphql';
import { injectTraceHeaders } from '@curbside/tracing';
import type { GatewayContext } from './context.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface SubgraphFetchPolicy {
  /** A fetch that takes longer is abandoned: its fields are null with GATEWAY_TIMEOUT. Default 10 s. */
  timeoutMs: number;
  /** Consecutive failures that open the circuit (fetches then fail at once). Default 5. */
  failuresToOpen: number;
  /** While open, one probe fetch is let through this often; its success closes the circuit. Default 500 ms. */
  probeIntervalMs: number;
}

export const defaultSubgraphFetchPolicy: SubgraphFetchPolicy = {
  timeoutMs: 10_000,
  failuresToOpen: 5,
  probeIntervalMs: 500,
};

/**
 * A circuit breaker for one subgraph: closed (all fetches go), open after `failuresToOpen` failures in a row
 * (fetches fail at once, sparing a dying subgraph and the callers' time), half-open every `probeIntervalMs`
 * (one fetch goes; success closes, failure keeps it open).
 */
class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;

  readonly policy: SubgraphFetchPolicy;
  readonly onChange: (open: boolean) => void;

  constructor(policy: SubgraphFetchPolicy, onChange: (open: boolean) => void) {
    this.policy = policy;
    this.onChange = onChange;
  }

  /** Whether a fetch may go now; a true while open means this fetch is the probe. */
  admit(): boolean {
    if (this.#openedAt === null) return true;
    if (this.#probing || Date.now() - this.#openedAt < this.policy.probeIntervalMs) return false;
    this.#probing = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#openedAt !== null) {
      this.#openedAt = null;
      this.onChange(false);
    }
  }

  failed(): void {
    this.#failures++;
    if (this.#probing) {
      this.#probing = false;
      this.#openedAt = Date.now();
      return;
    }
    if (this.#openedAt === null && this.#failures >= this.policy.failuresToOpen) {
      this.#openedAt = Date.now();
      this.onChange(true);
    }
  }
}

/**
 * Errors standing for a fetch that produced no answer, placed where the planner can put them: one per entity
 * asked for (at `_entities.<i>`), or one per root field the fetch selected. The fields are then null and the
 * rest of the response goes out.
 */
function errorsInPlaceOf(
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
  message: string,
  code: string,
): GraphQLFormattedError[] {
  const extensions = { code };
  const representations = options.request.variables?.['representations'];
  if (Array.isArray(representations)) {
    return representations.map((_, index) => ({ message, path: ['_entities', index], extensions }));
  }
  const document = 'document' in options ? options.document : undefined;
  const operation = document?.definitions.find(
    (definition: DefinitionNode) => definition.kind === 'OperationDefinition',
  );
  const fields =
    operation?.kind === 'OperationDefinition'
      ? operation.selectionSet.selections.flatMap((selection: SelectionNode) =>
          selection.kind === 'Field' ? [selection.alias?.value ?? selection.name.value] : [],
        )
      : [];
  if (fields.length === 0) return [{ message, extensions }];
  return fields.map((field) => ({ message, path: [field], extensions }));
}

/**
 * The gateway's fetches to one subgraph: forwards the caller's credentials and request id, gives up after the
 * timeout, and goes through a circuit breaker. A fetch that fails (timeout, connection refused, HTTP error)
 * becomes errors in place of its fields, so the rest of the response still goes out. Nothing is retried: a
 * mutation must never run twice, and a query's caller can retry itself.
 */
export class SubgraphSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #name: string;
  readonly #breaker: CircuitBreaker;
  readonly #metrics: GatewayMetrics;

  constructor(options: { name: string; url: string; policy: SubgraphFetchPolicy; metrics: GatewayMetrics }) {
    const { timeoutMs } = options.policy;
    super({
      url: options.url,
      // Node's own fetch: pooled keep-alive connections, and an abort signal for the timeout.
      fetcher: ((url: string, init: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
    });
    this.#name = options.name;
    this.#metrics = options.metrics;
    this.#metrics.circuitState.set({ subgraph: options.name }, 0);
    this.#breaker = new CircuitBreaker(options.policy, (open) =>
      this.#metrics.circuitState.set({ subgraph: options.name }, open ? 1 : 0),
    );
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !('requestId' in context)) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    headers.set('x-request-id', context.requestId);
    // The subgraph continues this request's trace (when tracing is on).
    injectTraceHeaders((name, value) => headers.set(name, value));
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const name = this.#name;
    if (!this.#breaker.admit()) {
      this.#metrics.subgraphFetchSeconds.observe({ subgraph: name, outcome: 'circuit_open' }, 0);
      return {
        errors: errorsInPlaceOf(options, `The ${name} service is unavailable; retry shortly.`, 'SERVICE_UNAVAILABLE'),
      };
    }
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const response = await super.process(options);
      this.#breaker.succeeded();
      this.#metrics.subgraphFetchSeconds.observe({ subgraph: name, outcome: 'ok' }, seconds());
      return response;
    } catch (error) {
      this.#breaker.failed();
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      this.#metrics.subgraphFetchSeconds.observe(
        { subgraph: name, outcome: timedOut ? 'timeout' : 'error' },
        seconds(),
      );
      return {
        errors: timedOut
          ? errorsInPlaceOf(options, `The ${name} service did not answer in time.`, 'GATEWAY_TIMEOUT')
          : errorsInPlaceOf(options, `The ${name} service is unavailable; retry shortly.`, 'SERVICE_UNAVAILABLE'),
      };
    }
  }
}
