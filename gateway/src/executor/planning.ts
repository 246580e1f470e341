import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type DeferredNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { graphql } from './graphql-cjs.ts';
import { buildShape, type FieldShape } from './response-shape.ts';

/** Operations whose plan and shape one supergraph keeps: a client sending ever-new documents cannot grow past it. */
const maxPreparedOperations = 1_000;

/** The root introspection fields: the gateway answers them itself from the API schema. */
const introspectionFields = new Set(['__schema', '__type']);

/** An operation made ready to run, once per document and operation name: its plan and its response shape. */
export interface PreparedOperation {
  operation: OperationDefinitionNode;
  plan: QueryPlan;
  rootTypeName: string;
  /** The whole response (deferred parts included, as the client gets it at once). */
  shape: FieldShape[];
  /** The initial payload of a streamed response (the operation without its deferred fragments). */
  initialShape: FieldShape[];
  /** The document's introspection part (root `__schema`/`__type`), run with graphql-js; null when none. */
  introspection: DocumentNode | null;
  /** True when the plan defers something (a `Defer` node somewhere). */
  defers: boolean;
}

/** The shape of what a deferred block (or a `Defer` node's primary part) adds, and where it goes. */
export interface DeferredShape {
  typeName: string;
  shape: FieldShape[];
}

/**
 * One supergraph made ready for execution: the API schema clients validate against (with `@defer` when
 * enabled), Apollo's query planner on it, and the operations prepared so far.
 */
export class SupergraphPlanning {
  readonly supergraphSdl: string;
  /** The API schema, graphql-js (CommonJS build, like the federation packages'). */
  readonly schema: GraphQLSchema;
  readonly #apiSchema: Schema;
  readonly #planner: QueryPlanner;
  readonly #prepared = new Map<string, PreparedOperation>();
  readonly #deferredShapes = new WeakMap<object, DeferredShape>();

  constructor(supergraphSdl: string, options: { enableDefer: boolean }) {
    this.supergraphSdl = supergraphSdl;
    const supergraph = Supergraph.build(supergraphSdl);
    this.#apiSchema = supergraph.apiSchema();
    this.schema = this.#apiSchema.toGraphQLJSSchema({ includeDefer: options.enableDefer });
    this.#planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: options.enableDefer } });
  }

  /** The plan and shape of a validated document's operation; `documentKey` identifies the document text. */
  prepare(document: DocumentNode, operationName: string | null, documentKey: string): PreparedOperation {
    const key = `${documentKey}\u0000${operationName ?? ''}`;
    const cached = this.#prepared.get(key);
    if (cached) {
      // Most recently used last: the oldest entry is the one dropped.
      this.#prepared.delete(key);
      this.#prepared.set(key, cached);
      return cached;
    }
    const operation = document.definitions.find(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === 'OperationDefinition' &&
        (operationName === null || definition.name?.value === operationName),
    );
    if (!operation) throw new graphql.GraphQLError(`Unknown operation named "${operationName ?? ''}".`);
    const fragments = fragmentsOf(document);
    const rootType = this.schema.getRootType(operation.operation);
    if (!rootType) throw new graphql.GraphQLError(`The schema has no ${operation.operation} type.`);
    const plan = this.#planner.buildQueryPlan(
      operationFromDocument(this.#apiSchema, document, { ...(operationName ? { operationName } : {}) }),
    );
    const prepared: PreparedOperation = {
      operation,
      plan,
      rootTypeName: rootType.name,
      shape: buildShape(this.schema, rootType, operation.selectionSet, fragments),
      initialShape: buildShape(this.schema, rootType, operation.selectionSet, fragments, 'exclude'),
      introspection: introspectionDocument(document, operation),
      defers: plan.node?.kind !== 'Subscription' && containsDefer(plan.node),
    };
    if (this.#prepared.size >= maxPreparedOperations) this.#prepared.delete(this.#prepared.keys().next().value!);
    this.#prepared.set(key, prepared);
    return prepared;
  }

  /**
   * The shape of a part of a deferred response: a deferred block (the planner prints its selection; a block
   * with nested blocks prints it as its `Defer` node's primary part) or a `Defer` node's primary part, at
   * `queryPath`. Computed once per plan node.
   */
  partShape(
    owner: object,
    subselection: string | undefined,
    queryPath: readonly string[],
    prepared: PreparedOperation,
    document: DocumentNode,
  ): DeferredShape {
    const cached = this.#deferredShapes.get(owner);
    if (cached) return cached;
    const typeName = typeAtQueryPath(prepared.shape, prepared.rootTypeName, queryPath);
    const type = this.schema.getType(typeName) as GraphQLCompositeType;
    const selectionSet: SelectionSetNode = subselection
      ? (graphql.parse(`query ${subselection}`).definitions[0] as OperationDefinitionNode).selectionSet
      : { kind: graphql.Kind.SELECTION_SET, selections: [] };
    const shape: DeferredShape = {
      typeName,
      shape: buildShape(this.schema, type, selectionSet, fragmentsOf(document)),
    };
    this.#deferredShapes.set(owner, shape);
    return shape;
  }

  /** {@link partShape} of a deferred block. */
  blockShape(block: DeferredNode, prepared: PreparedOperation, document: DocumentNode): DeferredShape {
    const subselection =
      block.subselection ?? (block.node?.kind === 'Defer' ? block.node.primary.subselection : undefined);
    return this.partShape(block, subselection, block.queryPath, prepared, document);
  }
}

/** The document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments[definition.name.value] = definition;
  }
  return fragments;
}

/**
 * The type a deferred block's query path (response names, `... on T`) reaches from the root, followed through
 * the operation's own shape so that aliases resolve to their fields.
 */
function typeAtQueryPath(rootShape: readonly FieldShape[], rootTypeName: string, queryPath: readonly string[]): string {
  let typeName = rootTypeName;
  let shape = rootShape;
  for (const element of queryPath) {
    if (element.startsWith('... on ')) {
      typeName = element.slice('... on '.length);
      continue;
    }
    const field = shape.find((entry) => entry.responseKey === element && entry.selections);
    if (!field) throw new Error(`cannot follow the deferred path ${queryPath.join('.')} at ${typeName}.${element}`);
    typeName = graphql.getNamedType(field.type).name;
    shape = shape.filter((entry) => entry.responseKey === element).flatMap((entry) => entry.selections ?? []);
  }
  return typeName;
}

/** Whether a plan node defers anything. */
function containsDefer(node: PlanNode | undefined): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Defer':
      return true;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(containsDefer);
    case 'Flatten':
      return containsDefer(node.node);
    case 'Condition':
      return containsDefer(node.ifClause) || containsDefer(node.elseClause);
    case 'Fetch':
      return false;
  }
}

/** The operation reduced to its root introspection fields (with the document's fragments), or null. */
function introspectionDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode | null {
  const selections = operation.selectionSet.selections.filter(
    (selection) => selection.kind === 'Field' && introspectionFields.has(selection.name.value),
  );
  if (selections.length === 0) return null;
  return {
    kind: graphql.Kind.DOCUMENT,
    definitions: [
      { ...operation, selectionSet: { ...operation.selectionSet, selections } },
      ...document.definitions.filter((definition) => definition.kind === 'FragmentDefinition'),
    ],
  } as DocumentNode;
}
