import { createRequire } from 'node:module';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { costDirectivesFromSchema, estimateCost, isIntrospectionField, type CostDirectives } from './cost.ts';

export { costDirectivesFromSdl, costDirectivesFromSchema, defaultListSize, mutationFieldCost } from './cost.ts';
export type { CostDirectives, ListSize } from './cost.ts';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS), and so must the errors. */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** What one operation may ask for. The same limits hold over HTTP and over the WebSocket. */
export interface OperationLimits {
  /** Lexical tokens in the document (checked while parsing, before anything else). Default 15,000. */
  maxTokens: number;
  /** Nesting of fields, fragments expanded. Default 10. */
  maxDepth: number;
  /** Aliased fields in the operation, fragments expanded. Default 30. */
  maxAliases: number;
  /** Fields at the root of the operation. Default 20. */
  maxRootFields: number;
  /** Directives used anywhere in the document. Default 50. */
  maxDirectives: number;
  /**
   * Estimated cost, after the GraphQL cost directives specification (see cost.ts): object fields cost 1,
   * scalars 0, `@cost` where declared, and a list multiplies what is selected under it by its page size
   * (`@listSize`). Default 5,000: a 20-post feed page costs about 300, a 50-vendor page with each owner's
   * vendors about 650 (README, "Operation limits").
   */
  maxCost: number;
}

export const defaultOperationLimits: OperationLimits = {
  maxTokens: 15_000,
  maxDepth: 10,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 5_000,
};

/** What was measured, for logs, metrics and rate limiting (weighted by cost). */
export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  /** The estimated cost (see `OperationLimits.maxCost`): what the operation is charged to rate budgets. */
  cost: number;
}

/**
 * Measures an operation that has passed validation (so its fragments exist and do not cycle). `costs` are the
 * supergraph's cost directives (`costDirectivesFromSdl`); by default those found in `schema`'s own AST, which
 * Apollo's API schema lacks (then lists are sized by the Relay convention and `defaultListSize`).
 */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  costs: CostDirectives = costDirectivesFromSchema(schema),
): OperationMeasure {
  return measureAndTell(document, operation, schema, variables, costs).measure;
}

/**
 * `measureOperation` with a memory: an operation whose measure does not depend on its variables (no page size
 * given by a variable, whether sent or left to the variable's default) is measured once per schema and cost
 * directives. Apollo Server reuses the document it parsed and validated for a query text it has seen, so a
 * client's repeated operations are measured once.
 */
export function makeOperationMeasurer(): typeof measureOperation {
  const measured = new WeakMap<
    OperationDefinitionNode,
    { schema: GraphQLSchema; costs: CostDirectives; measure: OperationMeasure }
  >();
  return (document, operation, schema, variables, costs = costDirectivesFromSchema(schema)) => {
    const known = measured.get(operation);
    if (known?.schema === schema && known.costs === costs) return known.measure;
    const { measure, dependsOnVariables } = measureAndTell(document, operation, schema, variables, costs);
    if (!dependsOnVariables) measured.set(operation, { schema, costs, measure });
    return measure;
  };
}

function measureAndTell(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  costs: CostDirectives,
): { measure: OperationMeasure; dependsOnVariables: boolean } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  let directives = 0;
  graphqlCjs.visit(document, { Directive: () => void directives++ });

  // Each fragment is measured once and its numbers reused at every spread, so nested spreads cannot make the
  // measuring itself exponential.
  const fragmentShapes = new Map<string, { depth: number; aliases: number }>();

  /** Depth and aliases of a selection set, fragments expanded. Introspection's depth is not limited. */
  function shape(selectionSet: SelectionSetNode): { depth: number; aliases: number } {
    let depth = 0;
    let aliases = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === 'Field') {
        if (selection.alias) aliases++;
        if (isIntrospectionField(selection)) continue;
        const child = selection.selectionSet ? shape(selection.selectionSet) : { depth: 0, aliases: 0 };
        depth = Math.max(depth, child.depth + 1);
        aliases += child.aliases;
      } else if (selection.kind === 'InlineFragment') {
        const child = shape(selection.selectionSet);
        depth = Math.max(depth, child.depth);
        aliases += child.aliases;
      } else {
        const name = selection.name.value;
        let child = fragmentShapes.get(name);
        const fragment = fragments.get(name);
        if (!child && fragment) fragmentShapes.set(name, (child = shape(fragment.selectionSet)));
        depth = Math.max(depth, child?.depth ?? 0);
        aliases += child?.aliases ?? 0;
      }
    }
    return { depth, aliases };
  }

  const { depth, aliases } = shape(operation.selectionSet);
  const { cost, dependsOnVariables } = estimateCost(document, operation, schema, variables, costs);
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
