import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type SequenceNode } from '@apollo/query-planner';
import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { selectsViewerDependentField, viewerDependentDirective } from '@curbside/http';
import { fragmentsOf } from '../executor/planning.ts';
import { buildShape, type FieldShape } from '../executor/response-shape.ts';

/** graphql's CommonJS build, the one the federation packages build the API schema with. */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The name the per-event plan gives the primary fetch: a data source answering it with the event the owning
 * subgraph pushed, so the owning subgraph is not queried again for each event.
 */
export const eventSourceName = '__subscription_event__';

export interface SubscriptionPlan {
  /** The subscription sent to the subgraph owning the root field (its own fields plus the entity keys). */
  primary: FetchNode;
  /** Run for every event: the primary fetch answered by the event, then the other subgraphs' entity fetches. */
  perEvent: SequenceNode;
  /** The subscription root type's name, and the event's response shape (built once per operation). */
  rootTypeName: string;
  shape: FieldShape[];
  /**
   * True when the operation selects no `@viewerDependent` field (declared by the subgraph owning it): every
   * viewer then gets the same fields for the same event, and the gateway may complete it once for all of them.
   */
  viewerIndependent: boolean;
}

/** `Type.field` of every field the subgraphs declared `@viewerDependent`, read from the supergraph. */
function viewerDependentFields(supergraphSdl: string): Set<string> {
  const fields = new Set<string>();
  for (const definition of graphqlCjs.parse(supergraphSdl).definitions) {
    if (!('fields' in definition) || !definition.fields) continue;
    for (const field of definition.fields) {
      if (field.directives?.some((directive) => directive.name.value === viewerDependentDirective)) {
        fields.add(`${definition.name.value}.${field.name.value}`);
      }
    }
  }
  return fields;
}

/** Plans kept per planner; a client sending ever-new documents cannot grow memory past this. */
const maxCachedPlans = 1_000;

/**
 * Plans subscriptions with Apollo's own query planner on one supergraph. `@apollo/gateway` plans them too
 * but refuses to execute them; the plan is `{ kind: 'Subscription', primary, rest }`, and `rest` is the usual
 * sequence of `_entities` fetches, so the gateway's own executor runs it for every event (`completeEvent`).
 */
export class SubscriptionPlanner {
  /** The schema clients see (graphql-js, CommonJS build: validation must use that build too). */
  readonly apiSchema: GraphQLSchema;
  readonly federatedApiSchema: Schema;
  readonly #planner: QueryPlanner;
  readonly #plans = new Map<string, SubscriptionPlan>();
  readonly #viewerDependent: Set<string>;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.federatedApiSchema = supergraph.apiSchema();
    this.apiSchema = this.federatedApiSchema.toGraphQLJSSchema();
    this.#planner = new QueryPlanner(supergraph);
    this.#viewerDependent = viewerDependentFields(supergraphSdl);
  }

  /** The plan of a validated subscription document; `cacheKey` identifies the document text and operation name. */
  plan(document: DocumentNode, operationName: string | undefined, cacheKey: string): SubscriptionPlan {
    const cached = this.#plans.get(cacheKey);
    if (cached) return cached;
    const operation = operationFromDocument(this.federatedApiSchema, document, { operationName });
    const queryPlan = this.#planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription') throw new Error(`expected a subscription plan, got ${node?.kind ?? 'none'}`);
    const rest: PlanNode[] = !node.rest ? [] : node.rest.kind === 'Sequence' ? node.rest.nodes : [node.rest];
    const definition = document.definitions.find(
      (candidate): candidate is OperationDefinitionNode =>
        candidate.kind === 'OperationDefinition' && (!operationName || candidate.name?.value === operationName),
    );
    const rootType = this.apiSchema.getSubscriptionType();
    if (!definition || !rootType) throw new Error('expected a subscription operation the schema can run');
    const plan: SubscriptionPlan = {
      primary: node.primary,
      perEvent: { kind: 'Sequence', nodes: [{ ...node.primary, serviceName: eventSourceName }, ...rest] },
      rootTypeName: rootType.name,
      shape: buildShape(this.apiSchema, rootType, definition.selectionSet, fragmentsOf(document)),
      viewerIndependent: !selectsViewerDependentField(this.apiSchema, document, (type, field) =>
        this.#viewerDependent.has(`${type}.${field}`),
      ),
    };
    if (this.#plans.size >= maxCachedPlans) this.#plans.delete(this.#plans.keys().next().value!);
    this.#plans.set(cacheKey, plan);
    return plan;
  }
}
