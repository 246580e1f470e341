import { Pool, type Dispatcher } from 'undici';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { DefinitionNode, GraphQLFormattedError, SelectionNode } from 'graphql';
import { gatewayCredentialHeader } from '@curbside/auth';
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
  /**
   * Identical query fetches in flight share one request: same subgraph, operation, variables and every header
   * that reaches the subgraph (the caller's credentials included; anonymous fetches share with anonymous ones)
   * but the request id and trace context. Mutations and subscriptions never. Default on.
   */
  shareInFlightQueries: boolean;
}

/** Keep-alive connections a gateway process opens to one subgraph at most. */
const maxConnectionsPerSubgraph = 128;

export const defaultSubgraphFetchPolicy: SubgraphFetchPolicy = {
  timeoutMs: 10_000,
  failuresToOpen: 5,
  probeIntervalMs: 500,
  shareInFlightQueries: true,
};

/**
 * Whether a subgraph operation (as the query planner prints it) is a query: `{ … }`, or `query` followed by
 * its name, variables or selection. Anything else (a mutation, a subscription) is never shared.
 */
export function isQueryOperation(text: string): boolean {
  let start = 0;
  while (start < text.length && (text[start] === ' ' || text[start] === '\n' || text[start] === '\t')) start++;
  if (text[start] === '{') return true;
  if (!text.startsWith('query', start)) return false;
  const next = text[start + 5];
  return next === undefined || !/[_0-9A-Za-z]/.test(next);
}

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

/** What a data source answers the query plan with: data and errors as the subgraph sent them. */
type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** A fetch given up after the policy's timeout (named like the abort error of `AbortSignal.timeout`). */
class SubgraphTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The parts of a subgraph's answer the gateway reads. */
interface SubgraphAnswer {
  status: number;
  contentType: string;
  cacheControl: string | undefined;
  body: string;
}

/**
 * Restricts the response's cache policy by the subgraph's `Cache-Control` (`max-age`, `private`, `public`):
 * without one, the subgraph's data may not be cached, so neither may the response.
 */
function restrictCachePolicy(options: GraphQLDataSourceProcessOptions<GatewayContext>, cacheControl = ''): void {
  if (!('incomingRequestContext' in options)) return; // a health check or schema load, not an operation
  const policy = options.incomingRequestContext.overallCachePolicy as
    { restrict?: (hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void } | undefined;
  if (typeof policy?.restrict !== 'function') return;
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name = '', value = ''] = directive.trim().split('=');
    if (name === 'max-age' && /^[0-9]+$/.test(value)) hint.maxAge = Number(value);
    if (name === 'private') hint.scope = 'PRIVATE';
    if (name === 'public') hint.scope = 'PUBLIC';
  }
  policy.restrict(hint);
}

/**
 * The gateway's fetches to one subgraph: forwards the caller's credentials and request id, gives up after the
 * timeout, and goes through a circuit breaker. A fetch that fails (timeout, connection refused, HTTP error)
 * becomes errors in place of its fields, so the rest of the response still goes out. Nothing is retried: a
 * mutation must never run twice, and a query's caller can retry itself.
 *
 * Requests go out on a keep-alive connection pool of undici's own (not `fetch`, nor Apollo's HTTP client): a
 * query plan makes several fetches per operation, and Node's fetch (web streams, Request/Response objects, abort
 * signals) cost the gateway about a fifth of its CPU time and much of its garbage under load.
 */
export class SubgraphSource implements GraphQLDataSource<GatewayContext> {
  readonly url: string;
  readonly #name: string;
  readonly #path: string;
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #breaker: CircuitBreaker;
  readonly #metrics: GatewayMetrics;
  readonly #gatewaySecret: string | undefined;
  readonly #shareInFlightQueries: boolean;
  /** Query fetches in flight, by everything that reaches the subgraph but the request id and trace context. */
  readonly #inFlight = new Map<string, Promise<SubgraphAnswer>>();

  constructor(options: {
    name: string;
    url: string;
    policy: SubgraphFetchPolicy;
    metrics: GatewayMetrics;
    /** Sent in `x-curbside-gateway` on every fetch, for subgraphs that answer only the gateway. Default: none. */
    gatewaySecret?: string | undefined;
  }) {
    this.url = options.url;
    this.#gatewaySecret = options.gatewaySecret;
    this.#name = options.name;
    const target = new URL(options.url);
    this.#path = target.pathname + target.search;
    // Keep-alive connections to the subgraph's origin, one per fetch in flight up to a cap: unbounded, a burst
    // of thousands of subscription events opened one each and ran the process out of file descriptors; past
    // the cap fetches wait their turn (two cores serve far fewer at once anyway).
    this.#pool = new Pool(target.origin, { connections: maxConnectionsPerSubgraph });
    this.#timeoutMs = options.policy.timeoutMs;
    this.#shareInFlightQueries = options.policy.shareInFlightQueries;
    this.#metrics = options.metrics;
    this.#metrics.circuitState.set({ subgraph: options.name }, 0);
    this.#breaker = new CircuitBreaker(options.policy, (open) =>
      this.#metrics.circuitState.set({ subgraph: options.name }, open ? 1 : 0),
    );
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const name = this.#name;
    if (!this.#breaker.admit()) {
      this.#metrics.subgraphFetchSeconds.observe({ subgraph: name, outcome: 'circuit_open' }, 0);
      return {
        errors: errorsInPlaceOf(options, `The ${name} service is unavailable; retry shortly.`, 'SERVICE_UNAVAILABLE'),
      };
    }
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let shared = false;
    try {
      const fetched = this.#fetch(options);
      shared = fetched.shared;
      const answer = await fetched.answer;
      if (answer.status < 200 || answer.status > 299) throw new Error(`HTTP ${answer.status} from ${name}`);
      if (!/^application\/(graphql-response\+)?json/.test(answer.contentType)) {
        throw new Error(`${name} answered ${answer.contentType || 'no content type'}, not JSON`);
      }
      const body = JSON.parse(answer.body) as unknown;
      if (typeof body !== 'object' || body === null) throw new Error(`${name} answered a JSON ${typeof body}`);
      restrictCachePolicy(options, answer.cacheControl);
      // A shared fetch is one fetch: the breaker and the latency histogram count it once, for the caller
      // that sent it.
      if (!shared) {
        this.#breaker.succeeded();
        this.#metrics.subgraphFetchSeconds.observe({ subgraph: name, outcome: 'ok' }, seconds());
      }
      return body as SubgraphResponse;
    } catch (error) {
      if (!shared) this.#breaker.failed();
      const timedOut = (error as Error).name === 'TimeoutError';
      if (!shared) {
        this.#metrics.subgraphFetchSeconds.observe(
          { subgraph: name, outcome: timedOut ? 'timeout' : 'error' },
          seconds(),
        );
      }
      return {
        errors: timedOut
          ? errorsInPlaceOf(options, `The ${name} service did not answer in time.`, 'GATEWAY_TIMEOUT')
          : errorsInPlaceOf(options, `The ${name} service is unavailable; retry shortly.`, 'SERVICE_UNAVAILABLE'),
      };
    }
  }

  /** Closes the keep-alive connections once the fetches in flight have finished; idempotent. */
  close(): void {
    if (!this.#pool.closed) void this.#pool.close();
  }

  /**
   * The subgraph's answer to this fetch: an identical query fetch's already in flight (`shared`), or a new
   * request. The answer is the body as text: each caller parses its own copy, since executors merge into it.
   */
  #fetch(options: GraphQLDataSourceProcessOptions<GatewayContext>): {
    answer: Promise<SubgraphAnswer>;
    shared: boolean;
  } {
    const { http, ...operation } = options.request;
    const body = JSON.stringify(operation);
    const headers: Record<string, string> = {};
    for (const [name, value] of http?.headers ?? []) headers[name] = value;
    headers['content-type'] = 'application/json';
    const { context } = options;
    if ('requestId' in context && context.authorization) headers['authorization'] = context.authorization;
    if (!this.#shareInFlightQueries || !isQueryOperation(operation.query ?? '')) {
      return { answer: this.#post(this.#withRequestHeaders(headers, context), body), shared: false };
    }
    // Everything that reaches the subgraph but what identifies one caller's request (id, trace context).
    const key = `${JSON.stringify(headers)}\n${body}`;
    const inFlight = this.#inFlight.get(key);
    if (inFlight) {
      this.#metrics.subgraphFetchesShared.inc({ subgraph: this.#name });
      return { answer: inFlight, shared: true };
    }
    const answer = this.#post(this.#withRequestHeaders(headers, context), body);
    this.#inFlight.set(key, answer);
    const forget = () => this.#inFlight.delete(key);
    answer.then(forget, forget);
    return { answer, shared: false };
  }

  /** The request id, trace context and gateway credential added to a fetch's headers. */
  #withRequestHeaders(
    headers: Record<string, string>,
    context: GraphQLDataSourceProcessOptions<GatewayContext>['context'],
  ): Record<string, string> {
    const sent = { ...headers };
    if ('requestId' in context) {
      sent['x-request-id'] = context.requestId;
      // The subgraph continues this request's trace (when tracing is on).
      injectTraceHeaders((name, value) => (sent[name] = value));
    }
    // Last, so that no forwarded header can stand in for it.
    if (this.#gatewaySecret) sent[gatewayCredentialHeader] = this.#gatewaySecret;
    return sent;
  }

  /**
   * POSTs the operation; rejects on a network error or the timeout. Through the pool's `dispatch` with a handler
   * of our own rather than `request`: no response stream, abort signal or body mixin per fetch, which cost the
   * gateway a measurable share of its CPU time at a few thousand fetches a second.
   */
  #post(headers: Record<string, string>, body: string): Promise<SubgraphAnswer> {
    const timeoutMs = this.#timeoutMs;
    return new Promise((resolve, reject) => {
      let controller: Dispatcher.DispatchController | null = null;
      let settled = false;
      let answer: Omit<SubgraphAnswer, 'body'> = { status: 0, contentType: '', cacheControl: undefined };
      let chunks: Buffer[] = [];
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      // Given up after the timeout wherever it is: waiting for a connection of the pool, or on the wire.
      const timer = setTimeout(() => {
        const timedOut = new SubgraphTimeoutError(`no answer within ${timeoutMs} ms`);
        settle(() => reject(timedOut));
        controller?.abort(timedOut);
      }, timeoutMs);
      this.#pool.dispatch(
        { path: this.#path, method: 'POST', headers, body },
        {
          onRequestStart(started) {
            controller = started;
            if (settled) started.abort(new SubgraphTimeoutError(`no answer within ${timeoutMs} ms`));
          },
          onResponseStart(_controller, status, responseHeaders) {
            const contentType = responseHeaders['content-type'];
            const cacheControl = responseHeaders['cache-control'];
            answer = {
              status,
              contentType: typeof contentType === 'string' ? contentType : '',
              cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined,
            };
            chunks = [];
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            settle(() => resolve({ ...answer, body: Buffer.concat(chunks).toString('utf8') }));
          },
          onResponseError(_controller, error) {
            settle(() => reject(error));
          },
        },
      );
    });
  }
}
