import { createRequire } from 'node:module';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS), and so must the errors. */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What one operation may ask for. The same limits hold over HTTP and over the WebSocket. */
export interface OperationLimits {
  /** Lexical tokens in the document (checked while parsing, before anything else). */
  maxTokens: number;
  /** Nesting of fields, fragments expanded. */
  maxDepth: number;
  /** Aliased fields in the operation, fragments expanded. */
  maxAliases: number;
  /** Fields at the root of the operation. */
  maxRootFields: number;
  /** Directives used anywhere in the document. */
  maxDirectives: number;
  /**
   * Estimated cost: every field costs 1, times the page sizes above it (a field's `first` argument, or its
   * default, multiplies what is selected under it).
   */
  maxCost: number;
}

export const defaultOperationLimits: OperationLimits = {
  maxTokens: 15_000,
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 10_000,
};

/** What was measured, for logs, metrics and rate limiting (weighted by cost). */
export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  cost: number;
}

/**
 * Introspection's depth and cost are not limited here (it is off in production, and Sandbox's own query nests
 * deeper than 10); its aliases still count.
 */
const isIntrospection = (field: FieldNode) => field.name.value === '__schema' || field.name.value === '__type';

function argumentValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === 'Variable') return variables[node.name.value];
  if (node.kind === 'IntValue') return Number(node.value);
  return undefined;
}

/** Measures an operation that has passed validation (so its fragments exist and do not cycle). */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
): OperationMeasure {
  return measureAndTell(document, operation, schema, variables).measure;
}

/**
 * `measureOperation` with a memory: an operation whose measure does not depend on its variables (no page size
 * given by a variable) is measured once per schema. Apollo Server reuses the document it parsed and validated
 * for a query text it has seen, so a client's repeated operations are measured once.
 */
export function makeOperationMeasurer(): typeof measureOperation {
  const measured = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; measure: OperationMeasure }>();
  return (document, operation, schema, variables) => {
    const known = measured.get(operation);
    if (known?.schema === schema) return known.measure;
    const { measure, dependsOnVariables } = measureAndTell(document, operation, schema, variables);
    if (!dependsOnVariables) measured.set(operation, { schema, measure });
    return measure;
  };
}

function measureAndTell(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
): { measure: OperationMeasure; dependsOnVariables: boolean } {
  let dependsOnVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  let directives = 0;
  graphqlCjs.visit(document, { Directive: () => void directives++ });
  let aliases = 0;

  /** Cost and depth of a selection set whose fields are each asked `multiplier` times. */
  function walk(
    selectionSet: SelectionSetNode,
    parentType: unknown,
    multiplier: number,
  ): { cost: number; depth: number } {
    let cost = 0;
    let depth = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === 'Field') {
        if (selection.alias) aliases++;
        if (isIntrospection(selection)) continue;
        const fieldDef =
          parentType && typeof parentType === 'object' && 'getFields' in parentType
            ? (
                parentType as {
                  getFields(): Record<string, { type: unknown; args: { name: string; defaultValue?: unknown }[] }>;
                }
              ).getFields()[selection.name.value]
            : undefined;
        let childMultiplier = multiplier;
        const first = selection.arguments?.find((argument) => argument.name.value === 'first');
        if (first?.value.kind === 'Variable') dependsOnVariables = true;
        const pageSize = first
          ? argumentValue(first.value, variables)
          : fieldDef?.args.find((argument) => argument.name === 'first')?.defaultValue;
        if (typeof pageSize === 'number' && pageSize > 1) childMultiplier = multiplier * pageSize;
        cost += multiplier;
        if (selection.selectionSet) {
          const child = walk(
            selection.selectionSet,
            fieldDef ? graphqlCjs.getNamedType(fieldDef.type as never) : undefined,
            childMultiplier,
          );
          cost += child.cost;
          depth = Math.max(depth, child.depth + 1);
        } else {
          depth = Math.max(depth, 1);
        }
      } else {
        const inner = selection.kind === 'InlineFragment' ? selection : fragments.get(selection.name.value);
        if (!inner) continue;
        const condition = inner.typeCondition ? schema.getType(inner.typeCondition.name.value) : parentType;
        const child = walk(inner.selectionSet, condition ?? parentType, multiplier);
        cost += child.cost;
        depth = Math.max(depth, child.depth);
      }
    }
    return { cost, depth };
  }

  const rootType = schema.getRootType(operation.operation);
  const { cost, depth } = walk(operation.selectionSet, rootType, 1);
  const rootFields = operation.selectionSet.selections.length;
  return { measure: { depth, aliases, rootFields, directives, cost }, dependsOnVariables };
}

/** The limits an operation exceeds, as client errors naming each (empty when it is within them). */
export function operationLimitErrors(measure: OperationMeasure, limits: OperationLimits): GraphQLError[] {
  const checks: [keyof OperationMeasure, number, string][] = [
    ['depth', limits.maxDepth, 'nests fields deeper'],
    ['aliases', limits.maxAliases, 'uses more aliases'],
    ['rootFields', limits.maxRootFields, 'asks for more root fields'],
    ['directives', limits.maxDirectives, 'uses more directives'],
    ['cost', limits.maxCost, 'costs more'],
  ];
  return checks
    .filter(([name, max]) => measure[name] > max)
    .map(
      ([name, max, what]) =>
        new graphqlCjs.GraphQLError(`The operation ${what} than allowed: ${measure[name]}, at most ${max}.`, {
          extensions: {
            code: 'OPERATION_LIMIT_EXCEEDED',
            limit: name,
            max,
            actual: measure[name],
            http: { status: 400 },
          },
        }),
    );
}
