import { createRequire } from 'node:module';
import type { DocumentNode } from 'graphql';
import { coerceVariables } from '../admission.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner.ts';

/** graphql's CommonJS build: the API schema is built by Apollo's federation packages (CommonJS). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What an active subscription becomes on another supergraph: planned again, or rejected (with why). */
export type Replanned = { plan: SubscriptionPlan } | { rejected: string };

/** An active subscription's operation, as it was admitted. */
export interface AdmittedOperation {
  document: DocumentNode;
  operationName: string | undefined;
  /** Identifies the document text and operation name (the planner's cache key). */
  operationKey: string;
  variables: Record<string, unknown>;
}

/**
 * Plans active subscriptions again on a new supergraph's planner, as their admission would have: the document
 * validated against the new API schema, then its variables coerced by the new variable types, then planned.
 * A document is validated and planned once per planner (every viewer of an operation shares the answer); the
 * variables are coerced for each subscription. Only what depends on the schema is checked again: the limits and
 * budgets the subscription was admitted under stay as they were.
 */
export class Replanner {
  readonly planner: SubscriptionPlanner;
  readonly #documents = new Map<string, Replanned>();

  constructor(planner: SubscriptionPlanner) {
    this.planner = planner;
  }

  replan(operation: AdmittedOperation): Replanned {
    const planned = this.#document(operation);
    if ('rejected' in planned) return planned;
    const definition = graphqlCjs.getOperationAST(operation.document, operation.operationName);
    if (!definition) return { rejected: 'the operation is gone from its document' };
    const coerced = coerceVariables(this.planner.apiSchema, definition, operation.variables);
    if ('refused' in coerced) return { rejected: coerced.refused.message };
    return planned;
  }

  #document(operation: AdmittedOperation): Replanned {
    const known = this.#documents.get(operation.operationKey);
    if (known) return known;
    let planned: Replanned;
    try {
      const invalid = graphqlCjs.validate(this.planner.apiSchema, operation.document);
      planned =
        invalid.length > 0
          ? { rejected: invalid.map((error) => error.message).join(' ') }
          : { plan: this.planner.plan(operation.document, operation.operationName, operation.operationKey) };
    } catch (error) {
      // Validation throws on what it cannot evaluate, planning on what it cannot plan: either way not on this one.
      planned = { rejected: (error as Error).message };
    }
    this.#documents.set(operation.operationKey, planned);
    return planned;
  }
}
