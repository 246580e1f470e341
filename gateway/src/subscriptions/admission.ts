import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { AccountBlocklist, Viewer } from '@curbside/auth';
import type { ErrorCode } from '@curbside/errors';
import { coerceVariables, refusal, type Admission, type Caller } from '../admission.ts';
import { hasConditionalRoot, rootFieldsOf } from '../root-fields.ts';
import type { DocumentResolution } from '../persisted-documents.ts';
import { accountBlockError } from './account-watch.ts';
import { lastEventIdOf } from './resume.ts';
import type { SubscriptionRequest } from './service.ts';

/** graphql's CommonJS build: the API schema is built by Apollo's federation packages (CommonJS). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What a client sent for one operation, over a socket or in a multipart request's body (not yet trusted). */
export interface OperationPayload {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** Who sends it, with what the subscription service needs to act for them. */
export interface SubscriptionCaller extends Caller {
  /** The verified `Authorization` header (null when anonymous). */
  authorization: string | null;
  requestId: string;
}

/** A query or mutation: Apollo's pipeline admits it (the same `admitOperation`) when it runs. */
export interface AdmittedExecution {
  kind: 'execution';
  document: DocumentNode;
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** A subscription, admitted and holding its cap slots until its stream ends. */
export interface AdmittedSubscription {
  kind: 'subscription';
  request: SubscriptionRequest;
}

export type SubscriptionAdmissionResult = AdmittedExecution | AdmittedSubscription | { refused: GraphQLError[] };

export interface SubscriptionAdmissionOptions {
  admission: Admission;
  /** The API schema subscriptions are validated against (it changes on a supergraph reload). */
  schema: () => GraphQLSchema;
  /**
   * The API schema queries and mutations are validated against: the one Apollo Server runs them with (the
   * gateway's own executor's declares `@defer`). Default: `schema`.
   */
  executionSchema?: (() => GraphQLSchema) | undefined;
  /** Trusted documents: the document a payload names, why it may not run, or null to run it as sent. */
  resolveDocument: (payload: OperationPayload) => DocumentResolution | null;
  maxTokens: number;
  /**
   * Re-read for a socket's viewer at each subscribe (the token was verified once, at connection_init): a
   * suspended or closed account may open nothing more. Default: none.
   */
  accountBlocklist?: AccountBlocklist | undefined;
}

const coded = (message: string, code: ErrorCode) => refusal(code, message);

/** Documents parsed and validated per schema, remembered for the next subscribe that sends the same text. */
const maxCachedDocuments = 1_000;
/** ... and the most text they may hold together: 1 Mi characters. */
const maxCachedDocumentChars = 1024 * 1024;

/** Why a subscription with a conditional root (or none, or several) is refused. */
export const conditionalRootMessage =
  "A subscription selects exactly one root field, unconditionally (no @skip or @include on it): subscribe, or don't.";

/**
 * The admission of operations that arrive outside Apollo's HTTP pipeline: every graphql-ws message and every
 * multipart subscription pass through this one function, in this order: token still valid, trusted documents,
 * document size, parse and validate (cached per schema and text), then for a subscription the variables, the
 * valid `lastEventId`, the operation limits, the budgets and sign-in attempts (`Admission.admitOperation`, the
 * same as HTTP's), then the caps per connection, per caller and per process.
 */
export function makeSubscriptionAdmission(options: SubscriptionAdmissionOptions) {
  const { admission } = options;
  const validDocuments = new WeakMap<GraphQLSchema, { byText: Map<string, DocumentNode>; chars: number }>();
  const remember = (schema: GraphQLSchema, query: string, document: DocumentNode) => {
    let documents = validDocuments.get(schema);
    if (!documents) validDocuments.set(schema, (documents = { byText: new Map(), chars: 0 }));
    // Bounded in count and in text (a parsed document is a few times its text): a client sending ever-new
    // documents cannot grow it past this. The oldest go first.
    while (
      documents.byText.size > 0 &&
      (documents.byText.size >= maxCachedDocuments || documents.chars + query.length > maxCachedDocumentChars)
    ) {
      const oldest = documents.byText.keys().next().value!;
      documents.byText.delete(oldest);
      documents.chars -= oldest.length;
    }
    documents.byText.set(query, document);
    documents.chars += query.length;
  };

  return async function admit(
    payload: OperationPayload,
    caller: SubscriptionCaller,
    connection?: { open: number; max: number },
  ): Promise<SubscriptionAdmissionResult> {
    const viewer: Viewer | null = caller.viewer;
    if (viewer && viewer.expiresAt * 1000 <= Date.now()) {
      return {
        refused: [refusal('UNAUTHENTICATED', 'The access token has expired; sign in again and reconnect.', {}, 401)],
      };
    }
    if (options.accountBlocklist) {
      const blocked = await accountBlockError(options.accountBlocklist, viewer);
      if (blocked) return { refused: [blocked] };
    }
    const resolution = options.resolveDocument(payload);
    if (resolution && 'refused' in resolution) {
      return { refused: [refusal(resolution.refused.code, resolution.refused.message)] };
    }
    const query = resolution?.query ?? payload.query;
    if (typeof query !== 'string') return { refused: [refusal('BAD_REQUEST', 'Send the document in `query`.')] };
    const unparsable = admission.documentRefusal(query);
    if (unparsable) return { refused: [unparsable] };
    const subscriptionSchema = options.schema();
    const executionSchema = options.executionSchema?.() ?? subscriptionSchema;
    // Clients send the same few documents over and over: each is parsed and validated once per schema.
    let document: DocumentNode | undefined;
    let validatedIn: GraphQLSchema | undefined;
    for (const cachedIn of [subscriptionSchema, executionSchema]) {
      document = validDocuments.get(cachedIn)?.byText.get(query);
      if (document) {
        validatedIn = cachedIn;
        break;
      }
    }
    if (!document) {
      try {
        document = graphqlCjs.parse(query, { maxTokens: options.maxTokens });
      } catch (error) {
        return { refused: [coded((error as Error).message, 'GRAPHQL_PARSE_FAILED')] };
      }
    }
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    const operation = graphqlCjs.getOperationAST(document, operationName);
    // Queries and mutations are validated as Apollo Server will run them; subscriptions (and a document whose
    // operation is ambiguous, to report why) as the subscription service will.
    const schema = operation && operation.operation !== 'subscription' ? executionSchema : subscriptionSchema;
    if (validatedIn !== schema) {
      let invalid: readonly GraphQLError[];
      try {
        invalid = graphqlCjs.validate(schema, document);
      } catch {
        // graphql-js 16's single-field-subscription rule evaluates @skip/@include on the root without variables,
        // and throws on a variable there instead of reporting it.
        return { refused: [coded(conditionalRootMessage, 'GRAPHQL_VALIDATION_FAILED')] };
      }
      if (invalid.length > 0) {
        return { refused: invalid.map((error) => coded(error.message, 'GRAPHQL_VALIDATION_FAILED')) };
      }
      remember(schema, query, document);
    }
    if (!operation) return { refused: [coded('Name the operation to run.', 'GRAPHQL_VALIDATION_FAILED')] };
    const given = payload.variables ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      return { refused: [coded('`variables` must be an object.', 'BAD_USER_INPUT')] };
    }
    const rawVariables = given as Record<string, unknown>;
    if (operation.operation !== 'subscription') {
      const exceeded = admission.exceedsLimits({ schema, document, operation, variables: rawVariables });
      if (exceeded) return { refused: [exceeded] };
      return { kind: 'execution', document, query, operationName, variables: rawVariables };
    }
    const coerced = coerceVariables(schema, operation, rawVariables);
    if ('refused' in coerced) return { refused: [coerced.refused] };
    // The planner plans one subscription field; a root that @skip/@include may remove plans to a condition.
    if (hasConditionalRoot(document, operation) || rootFieldsOf(document, operation, coerced.coerced).size !== 1) {
      return {
        refused: [coded(conditionalRootMessage, 'GRAPHQL_VALIDATION_FAILED')],
      };
    }
    const extensions =
      typeof payload.extensions === 'object' && payload.extensions !== null
        ? (payload.extensions as Record<string, unknown>)
        : undefined;
    const lastEventId = lastEventIdOf(extensions);
    if (lastEventId === 'invalid') {
      return { refused: [coded('extensions.lastEventId must be an eventId that an event carried.', 'BAD_USER_INPUT')] };
    }
    const admitted = await admission.admitOperation({
      schema,
      document,
      operation,
      variables: coerced.coerced,
      caller,
    });
    if ('refused' in admitted) return { refused: [admitted.refused] };
    // The caps last, with nothing awaited between taking a slot and the subscription that holds it: a slot is
    // never held by a subscription still being admitted (one whose client may already have gone).
    const slot = admission.reserveSubscription(caller, connection);
    if ('refused' in slot) return { refused: [slot.refused] };
    return {
      kind: 'subscription',
      request: {
        document,
        query,
        operationName,
        variables: coerced.coerced,
        authorization: caller.authorization,
        viewer,
        requestId: caller.requestId,
        lastEventId,
        onRelease: () => slot.release(),
      },
    };
  };
}

export type SubscriptionAdmission = ReturnType<typeof makeSubscriptionAdmission>;
