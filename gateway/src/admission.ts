import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { HeaderMap } from '@apollo/server';
import type { Viewer } from '@curbside/auth';
import type { ErrorCode } from '@curbside/errors';
import type { Logger } from '@curbside/service';
import { authAttemptsOf } from './auth-attempts.ts';
import { bracketNesting } from './document-shape.ts';
import type { GatewayMetrics } from './metrics.ts';
import {
  makeOperationMeasurer,
  operationLimitErrors,
  type CostDirectives,
  type OperationLimits,
  type OperationMeasure,
} from './operation-limits.ts';
import type { Charge, RateLimiter, RateLimits } from './rate-limit.ts';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS), and so must the errors. */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** Who sends an operation, as every transport knows it once the token is verified. */
export interface Caller {
  viewer: Viewer | null;
  /** The caller's address (see client-ip.ts), for anonymous budgets and sign-in attempts. */
  clientIp: string;
}

/** Limits on admission itself, before and beside the operation limits. */
export interface AdmissionLimits {
  /**
   * The longest document text, in bytes, on every transport, checked before it is parsed. The token limit
   * does not count comments or the length of names, so without this a document could be most of the body
   * (and an APQ registration keeps what it is sent). Default 64 KiB.
   */
  maxDocumentBytes: number;
  /**
   * The deepest nesting of brackets in a document's text, checked before it is parsed: graphql-js parses
   * recursively, so thousands of nested selections (far under the token limit) would overflow its stack. Far
   * above what the depth limit lets through (fields, fragments and input values nested). Default 64.
   */
  maxDocumentNesting: number;
  /** Subscriptions one user (or, anonymous, one address) may hold open on one gateway process. Default 100. */
  maxSubscriptionsPerCaller: number;
  /** Subscriptions open at once on one gateway process, over every transport. Default 20,000. */
  maxSubscriptionsPerProcess: number;
}

export const defaultAdmissionLimits: AdmissionLimits = {
  maxDocumentBytes: 64 * 1024,
  maxDocumentNesting: 64,
  maxSubscriptionsPerCaller: 100,
  maxSubscriptionsPerProcess: 20_000,
};

export interface AdmissionOptions {
  operationLimits: OperationLimits;
  /** The current supergraph's `@cost` and `@listSize` (Apollo's API schema drops directives). */
  costDirectives: () => CostDirectives;
  limits: AdmissionLimits;
  rateLimits: RateLimits;
  /** Budgets kept in Redis; null: no rate limits (nor per-minute budgets to exceed). */
  rateLimiter: RateLimiter | null;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** An error with a registered code and the HTTP status a refusal of that kind answers with. */
export function refusal(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  status = 400,
): GraphQLError {
  return new graphqlCjs.GraphQLError(message, { extensions: { ...extensions, code, http: { status } } });
}

/**
 * The operation's variables as it will run with them (types coerced, defaults applied), or the refusal
 * execution would answer with (BAD_USER_INPUT): every measure and count reads the coerced values, so a
 * required variable left out, or one of the wrong type, is refused here and never measured.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): { coerced: Record<string, unknown> } | { refused: GraphQLError } {
  const result = graphqlCjs.getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 5,
  });
  if (!result.errors) return { coerced: result.coerced };
  const message = result.errors.map((error) => error.message).join(' ');
  return { refused: refusal('BAD_USER_INPUT', message) };
}

/**
 * What is wrong with a string as text a subgraph stores, or null: PostgreSQL text cannot hold NUL (U+0000)
 * (a bound parameter carrying one breaks the protocol message itself), and a lone surrogate is not Unicode
 * (it cannot be encoded as UTF-8, and JSON columns refuse it).
 */
function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'Text may not contain the NUL character (U+0000).';
  if (!text.isWellFormed()) return 'Text must be Unicode: a lone surrogate (U+D800 to U+DFFF) is not.';
  return null;
}

/** The first text problem in a value's strings, walked without recursion (however deep the value nests). */
function valueTextProblem(value: unknown): string | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      const problem = textProblem(next);
      if (problem) return problem;
    } else if (typeof next === 'object' && next !== null) {
      for (const item of Object.values(next)) pending.push(item);
    }
  }
  return null;
}

/**
 * What would fail an operation after admission although it validated: text no subgraph can store (see
 * `textProblem`) in its string literals or variables, and number literals too large to be finite (`1e400`
 * validates as a Float, and only fails when the plan's fetch is written). Null when there is none.
 */
function operationInputProblem(document: DocumentNode, variables: Record<string, unknown>): string | null {
  return literalProblem(document) ?? valueTextProblem(variables);
}

/**
 * The literals' problem of a document, found once per document: Apollo Server hands the same parsed document to
 * every request of the same text (its document store), and a client sends the same few texts again and again.
 */
const literalProblems = new WeakMap<DocumentNode, string | null>();

function literalProblem(document: DocumentNode): string | null {
  const known = literalProblems.get(document);
  if (known !== undefined) return known;
  let problem: string | null = null;
  graphqlCjs.visit(document, {
    StringValue(node) {
      problem ??= textProblem(node.value);
    },
    FloatValue(node) {
      if (!Number.isFinite(Number(node.value))) problem ??= `The number ${node.value.slice(0, 40)} is not finite.`;
    },
    IntValue(node) {
      if (!Number.isFinite(Number(node.value))) problem ??= `The number ${node.value.slice(0, 40)} is not finite.`;
    },
  });
  literalProblems.set(document, problem);
  return problem;
}

/** A slot of a subscription cap, taken at admission and given back when the subscription ends. */
export interface SubscriptionSlot {
  release(): void;
}

/**
 * The one admission of the gateway: every operation that will run, whatever transport brought it (HTTP, a
 * graphql-ws socket, a multipart subscription), passes through `admitOperation` after it is parsed and
 * validated and before anything is planned or fetched; every subscription also takes a slot of the caps.
 * A limit therefore cannot hold on one transport and not on another.
 */
export function makeAdmission(options: AdmissionOptions) {
  const { operationLimits, limits, rateLimits, rateLimiter, metrics, logger } = options;
  const measure = makeOperationMeasurer();
  const subscriptionsByCaller = new Map<string, number>();
  /** Slots taken on this process, over every transport (every subscription takes one). */
  let subscriptionSlots = 0;
  let lastUnavailableLog = 0;

  const callerKey = (caller: Caller) => (caller.viewer ? `user:${caller.viewer.userId}` : `ip:${caller.clientIp}`);

  /**
   * The caller's whole per-minute budget: an operation estimated above it could never run, however long the
   * caller waited, so it is refused as too costly rather than with a 429 no wait can satisfy.
   */
  function budgetExceeded(cost: number, caller: Caller): GraphQLError | null {
    if (!rateLimiter) return null;
    const [budget, max] = caller.viewer
      ? (['userCostPerMinute', rateLimits.userCostPerMinute] as const)
      : (['anonymousCostPerMinute', rateLimits.anonymousCostPerMinute] as const);
    if (cost <= max) return null;
    return refusal(
      'OPERATION_LIMIT_EXCEEDED',
      `The operation costs more than the whole ${caller.viewer ? "user's" : 'anonymous'} budget of ${max} per minute: ${cost}. Ask for smaller pages.`,
      { limit: budget, max, actual: cost },
    );
  }

  /** Charges the operation's cost and its sign-in attempts; the refusal, or null. Fails open without Redis. */
  async function charge(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    cost: number,
    caller: Caller,
  ): Promise<GraphQLError | null> {
    if (!rateLimiter) return null;
    const charges: Charge[] = caller.viewer
      ? [{ limit: 'user', key: `user:${caller.viewer.userId}`, amount: cost, max: rateLimits.userCostPerMinute }]
      : [{ limit: 'anonymous', key: `ip:${caller.clientIp}`, amount: cost, max: rateLimits.anonymousCostPerMinute }];
    const attempts = authAttemptsOf(schema, document, operation, variables);
    if (attempts.count > 0) {
      charges.push({
        limit: 'auth-ip',
        key: `auth:ip:${caller.clientIp}`,
        amount: attempts.count,
        max: rateLimits.authAttemptsPerIpPerMinute,
      });
      for (const [account, count] of attempts.accounts) {
        charges.push({
          limit: 'auth-account',
          key: `auth:account:${account}`,
          amount: count,
          max: rateLimits.authAttemptsPerAccountPerMinute,
        });
      }
    }
    const decision = await rateLimiter.charge(charges);
    if ('unavailable' in decision) {
      metrics.rateLimitUnavailable.inc();
      if (Date.now() - lastUnavailableLog > 60_000) {
        lastUnavailableLog = Date.now();
        logger.warn('rate limits unavailable (Redis unreachable): requests pass unchecked');
      }
      return null;
    }
    if (decision.allowed) return null;
    metrics.rateLimited.inc({ limit: decision.limit });
    const retryAfterSeconds = Math.ceil(decision.retryAfterMs / 1000);
    return new graphqlCjs.GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s.`, {
      extensions: {
        code: 'RATE_LIMITED',
        limit: decision.limit,
        retryAfterMs: decision.retryAfterMs,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    });
  }

  return {
    /** The document's size or nesting, refused before it is parsed; null when it may be parsed. */
    documentRefusal(query: string): GraphQLError | null {
      // Bytes are at most 3 per UTF-16 unit: most documents are decided without counting them.
      const bytes = query.length * 3 <= limits.maxDocumentBytes ? query.length : Buffer.byteLength(query, 'utf8');
      if (bytes > limits.maxDocumentBytes) {
        return refusal(
          'OPERATION_LIMIT_EXCEEDED',
          `The document is larger than allowed: ${bytes} bytes, at most ${limits.maxDocumentBytes}.`,
          { limit: 'documentBytes', max: limits.maxDocumentBytes, actual: bytes },
        );
      }
      const nesting = bracketNesting(query, limits.maxDocumentNesting);
      if (nesting > limits.maxDocumentNesting) {
        return refusal(
          'OPERATION_LIMIT_EXCEEDED',
          `The document nests brackets deeper than allowed: at most ${limits.maxDocumentNesting}.`,
          { limit: 'documentNesting', max: limits.maxDocumentNesting },
        );
      }
      return null;
    },

    /**
     * The operation limits alone (no budget, nothing charged): for a query or mutation refused early on a
     * socket, which Apollo's pipeline then admits in full (`admitOperation`) when it runs.
     */
    exceedsLimits(input: {
      schema: GraphQLSchema;
      document: DocumentNode;
      operation: OperationDefinitionNode;
      variables: Record<string, unknown>;
    }): GraphQLError | null {
      const { schema, document, operation } = input;
      const variables = coerceVariables(schema, operation, input.variables);
      if ('refused' in variables) return variables.refused;
      const measured = measure(document, operation, schema, variables.coerced, options.costDirectives());
      return operationLimitErrors(measured, operationLimits)[0] ?? null;
    },

    /**
     * Admits a parsed and validated operation as it will execute: its variables coerced with their defaults,
     * measured against the operation limits (fragments expanded), its cost held against the caller's whole
     * budget, then charged with its sign-in attempts. Returns the measure, or the first refusal.
     */
    async admitOperation(input: {
      schema: GraphQLSchema;
      document: DocumentNode;
      operation: OperationDefinitionNode;
      variables: Record<string, unknown> | undefined;
      caller: Caller;
    }): Promise<{ measure: OperationMeasure } | { refused: GraphQLError }> {
      const { schema, document, operation, caller } = input;
      const coerced = coerceVariables(schema, operation, input.variables ?? {});
      if ('refused' in coerced) return coerced;
      const variables = coerced.coerced;
      const inputProblem = operationInputProblem(document, variables);
      if (inputProblem) return { refused: refusal('BAD_USER_INPUT', inputProblem) };
      const measured = measure(document, operation, schema, variables, options.costDirectives());
      metrics.operationCost.observe({ operation: operation.operation }, measured.cost);
      const [exceeded] = operationLimitErrors(measured, operationLimits);
      if (exceeded) return { refused: exceeded };
      const overBudget = budgetExceeded(measured.cost, caller);
      if (overBudget) return { refused: overBudget };
      const limited = await charge(schema, document, operation, variables, measured.cost, caller);
      if (limited) return { refused: limited };
      return { measure: measured };
    },

    /**
     * Takes a slot for one more subscription of `caller` (and of its connection, when it has one), or refuses
     * with SUBSCRIPTION_LIMIT_REACHED. The slot must be released when the subscription ends.
     */
    reserveSubscription(
      caller: Caller,
      connection?: { open: number; max: number },
    ): SubscriptionSlot | { refused: GraphQLError } {
      const limitReached = (message: string) => ({
        refused: refusal('SUBSCRIPTION_LIMIT_REACHED', message, {}, 429),
      });
      if (connection && connection.open >= connection.max) {
        return limitReached(`At most ${connection.max} subscriptions per connection.`);
      }
      const key = callerKey(caller);
      const held = subscriptionsByCaller.get(key) ?? 0;
      if (held >= limits.maxSubscriptionsPerCaller) {
        return limitReached(
          `At most ${limits.maxSubscriptionsPerCaller} subscriptions per ${caller.viewer ? 'user' : 'address'} at once; close some first.`,
        );
      }
      if (subscriptionSlots >= limits.maxSubscriptionsPerProcess) {
        return limitReached('This gateway holds as many subscriptions as it may; retry shortly.');
      }
      subscriptionsByCaller.set(key, held + 1);
      subscriptionSlots++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          subscriptionSlots--;
          const left = (subscriptionsByCaller.get(key) ?? 1) - 1;
          if (left > 0) subscriptionsByCaller.set(key, left);
          else subscriptionsByCaller.delete(key);
        },
      };
    },
  };
}

export type Admission = ReturnType<typeof makeAdmission>;
