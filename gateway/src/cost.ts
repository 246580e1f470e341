/**
 * Cost estimation following the GraphQL Cost Directives specification (IBM), as Apollo Router, Hive Router and
 * Cosmo read it: subgraphs declare `@cost(weight:)` and `@listSize(assumedSize:, slicingArguments:,
 * sizedFields:)`, composition carries them into the supergraph, and the gateway estimates an operation's cost
 * from its shape and variables before any subgraph is called.
 *
 * - A field of an object, interface or union type costs 1, a scalar or enum field 0, unless `@cost` on the
 *   field (or, failing that, on its type) says otherwise. Each root field of a mutation adds
 *   `mutationFieldCost` for the write.
 * - A list field multiplies its own cost and everything selected under it by its size: the largest slicing
 *   argument given (a literal, the variable's value, the variable's default when it is not sent, or the
 *   argument's default in the schema), else `assumedSize`, else `defaultListSize`. With `sizedFields`, the
 *   size applies to those child fields instead (a connection's `edges`).
 * - Fragments are expanded; on an interface or union, the cost is the largest over its possible types.
 * - Where the schema declares no `@listSize` on a field (a supergraph without the directives, or Apollo's API
 *   schema, which drops them), the Relay convention stands in: an `Int` argument `first` slices the field, and
 *   when the field is not a list, its `edges` field.
 */
import { createRequire } from 'node:module';
import type {
  ConstDirectiveNode,
  DocumentNode,
  FieldDefinitionNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  TypeDefinitionNode,
  TypeExtensionNode,
  ValueNode,
} from 'graphql';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS), and so must type checks. */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The size assumed for a list field that declares neither a slicing argument nor an `assumedSize` (Apollo
 * Router's documented example value). Curbside's schema sizes every list, so this only applies to other
 * supergraphs. Default 10.
 */
export const defaultListSize = 10;

/**
 * What each root field of a mutation adds to its field cost, for the write. Apollo Router gives a mutation
 * operation a base cost of 10, once; we charge it per root field, since each is a write of its own and aliases
 * can repeat one. Default 10.
 */
export const mutationFieldCost = 10;

/** `@listSize` on one field, as declared. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments: string[];
  sizedFields: string[];
  /** Kept for completeness: every slicing argument here has a default, so it is never enforced. */
  requireOneSlicingArgument: boolean;
}

/** The cost directives of a schema, keyed by `Type.field` (fields) and type name (types). */
export interface CostDirectives {
  fieldWeights: ReadonlyMap<string, number>;
  typeWeights: ReadonlyMap<string, number>;
  listSizes: ReadonlyMap<string, ListSize>;
}

/** The names the directives go by in an SDL: a supergraph may import them under other names via `@link`. */
function directiveNames(document: DocumentNode): { cost: string; listSize: string } {
  const names = { cost: 'cost', listSize: 'listSize' };
  for (const definition of document.definitions) {
    if (definition.kind !== 'SchemaDefinition' && definition.kind !== 'SchemaExtension') continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = link.arguments?.find((argument) => argument.name.value === 'url')?.value;
      if (url?.kind !== 'StringValue' || !url.value.startsWith('https://specs.apollo.dev/cost/')) continue;
      // The spec's own name (`cost`), or its `as:`, prefixes what is not imported: `@cost__listSize`.
      const as = link.arguments?.find((argument) => argument.name.value === 'as')?.value;
      const prefix = as?.kind === 'StringValue' ? as.value : 'cost';
      names.cost = prefix;
      names.listSize = `${prefix}__listSize`;
      const imports = link.arguments?.find((argument) => argument.name.value === 'import')?.value;
      for (const item of imports?.kind === 'ListValue' ? imports.values : []) {
        if (item.kind === 'StringValue' && item.value === '@listSize') names.listSize = 'listSize';
        if (item.kind === 'ObjectValue') {
          const field = (name: string) => item.fields.find((entry) => entry.name.value === name)?.value;
          const name = field('name');
          const renamed = field('as');
          if (name?.kind === 'StringValue' && renamed?.kind === 'StringValue' && name.value === '@listSize') {
            names.listSize = renamed.value.replace(/^@/, '');
          }
        }
      }
    }
  }
  return names;
}

function argumentOf(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((argument) => argument.name.value === name)?.value;
}

function intArgument(directive: ConstDirectiveNode, name: string): number | undefined {
  const value = argumentOf(directive, name);
  return value?.kind === 'IntValue' ? Number(value.value) : undefined;
}

function stringsArgument(directive: ConstDirectiveNode, name: string): string[] {
  const value = argumentOf(directive, name);
  if (value?.kind === 'StringValue') return [value.value];
  if (value?.kind !== 'ListValue') return [];
  return value.values.flatMap((item) => (item.kind === 'StringValue' ? [item.value] : []));
}

/** Reads `@cost` and `@listSize` from type definitions (and extensions) under the given directive names. */
function collect(
  definitions: readonly (TypeDefinitionNode | TypeExtensionNode)[],
  names: { cost: string; listSize: string },
): CostDirectives {
  const fieldWeights = new Map<string, number>();
  const typeWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  for (const definition of definitions) {
    const typeName = definition.name.value;
    for (const directive of definition.directives ?? []) {
      const weight = directive.name.value === names.cost ? intArgument(directive, 'weight') : undefined;
      if (weight !== undefined) typeWeights.set(typeName, weight);
    }
    const hasFields =
      definition.kind === 'ObjectTypeDefinition' ||
      definition.kind === 'ObjectTypeExtension' ||
      definition.kind === 'InterfaceTypeDefinition' ||
      definition.kind === 'InterfaceTypeExtension';
    const fields: readonly FieldDefinitionNode[] = hasFields ? (definition.fields ?? []) : [];
    for (const field of fields) {
      const key = `${typeName}.${field.name.value}`;
      for (const directive of field.directives ?? []) {
        if (directive.name.value === names.cost) {
          const weight = intArgument(directive, 'weight');
          if (weight !== undefined) fieldWeights.set(key, weight);
        } else if (directive.name.value === names.listSize) {
          const assumedSize = intArgument(directive, 'assumedSize');
          const requireOne = argumentOf(directive, 'requireOneSlicingArgument');
          listSizes.set(key, {
            ...(assumedSize !== undefined && { assumedSize }),
            slicingArguments: stringsArgument(directive, 'slicingArguments'),
            sizedFields: stringsArgument(directive, 'sizedFields'),
            requireOneSlicingArgument: requireOne?.kind === 'BooleanValue' ? requireOne.value : true,
          });
        }
      }
    }
  }
  return { fieldWeights, typeWeights, listSizes };
}

/**
 * The cost directives of a supergraph (or subgraph) SDL. The gateway's API schema has lost them (Apollo removes
 * directive applications from it), so the gateway builds this once per supergraph and hands it to the measurer.
 */
export function costDirectivesFromSdl(sdl: string): CostDirectives {
  const document = graphqlCjs.parse(sdl);
  const definitions = document.definitions.filter(
    (definition): definition is TypeDefinitionNode | TypeExtensionNode =>
      graphqlCjs.isTypeDefinitionNode(definition) || graphqlCjs.isTypeExtensionNode(definition),
  );
  return collect(definitions, directiveNames(document));
}

/** Derived once per schema object; a schema never changes, so a weak cache cannot go stale. */
const fromSchemas = new WeakMap<GraphQLSchema, CostDirectives>();

/**
 * The cost directives found in a schema's own AST nodes (a schema built from SDL keeps them; Apollo's API
 * schema keeps none, which leaves the Relay convention and `defaultListSize`). Cached per schema.
 */
export function costDirectivesFromSchema(schema: GraphQLSchema): CostDirectives {
  const known = fromSchemas.get(schema);
  if (known) return known;
  const definitions: (TypeDefinitionNode | TypeExtensionNode)[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.astNode) definitions.push(type.astNode);
    definitions.push(...type.extensionASTNodes);
  }
  const schemaNodes = [schema.astNode, ...schema.extensionASTNodes].filter((node) => node != null);
  const costs = collect(definitions, directiveNames({ kind: graphqlCjs.Kind.DOCUMENT, definitions: schemaNodes }));
  fromSchemas.set(schema, costs);
  return costs;
}

/** Introspection is not costed (it is off in production, and tools send large introspection queries). */
export const isIntrospectionField = (field: FieldNode) =>
  field.name.value === '__schema' || field.name.value === '__type';

/** Costs beyond this are all "too much"; keeps the arithmetic finite and the number printable. */
const maxReportedCost = Number.MAX_SAFE_INTEGER;

/** A size given to a child field by its parent's `sizedFields`. */
interface SizedChildren {
  names: readonly string[];
  size: number;
}

/**
 * The estimated cost of an operation that passed validation, and whether it depends on the variables (a
 * slicing argument given by a variable, sent or left to its default): such a measure cannot be reused for
 * the next request of the same document.
 */
export function estimateCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  costs: CostDirectives,
): { cost: number; dependsOnVariables: boolean } {
  let dependsOnVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  // A fragment's cost on one concrete type is the same wherever it is spread (costs multiply from above), so
  // each is computed once: nested spreads cannot make the estimate itself exponential.
  const fragmentCosts = new Map<string, number>();
  const rootType = schema.getRootType(operation.operation);

  function intValue(node: ValueNode): number | undefined {
    if (node.kind === 'IntValue') return Number(node.value);
    if (node.kind !== 'Variable') return undefined;
    dependsOnVariables = true;
    const sent = variables[node.name.value];
    if (sent !== undefined) return typeof sent === 'number' ? sent : undefined;
    const fallback = variableDefaults.get(node.name.value);
    return fallback ? intValue(fallback) : undefined;
  }

  /** The size a slicing argument gives: its value in the operation, else its default in the schema. */
  function slicedSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, names: readonly string[]) {
    let size: number | undefined;
    for (const name of names) {
      const given = field.arguments?.find((argument) => argument.name.value === name);
      const value = given
        ? intValue(given.value)
        : definition.args.find((argument) => argument.name === name)?.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, Math.max(value, 0));
    }
    return size;
  }

  function fieldCost(field: FieldNode, parent: GraphQLObjectType, sized: SizedChildren | undefined): number {
    if (isIntrospectionField(field)) return 0;
    const definition = parent.getFields()[field.name.value];
    if (!definition) return 0; // __typename (costs 0 as a scalar), or a field validation would have refused
    const key = `${parent.name}.${field.name.value}`;
    const type = graphqlCjs.getNamedType(definition.type);
    const isComposite = graphqlCjs.isCompositeType(type);
    const own = costs.fieldWeights.get(key) ?? costs.typeWeights.get(type.name) ?? (isComposite ? 1 : 0);
    // The write itself, once, however many objects it returns.
    const write = parent === rootType && operation.operation === 'mutation' ? mutationFieldCost : 0;

    const isList = graphqlCjs.isListType(graphqlCjs.getNullableType(definition.type));
    const declared = costs.listSizes.get(key);
    const hasFirst = definition.args.some((argument) => argument.name === 'first');
    // The Relay convention stands in where nothing is declared (see the file's comment).
    const slicing = declared?.slicingArguments ?? (hasFirst ? ['first'] : []);
    const sizedFieldNames =
      declared?.sizedFields ?? (hasFirst && !isList && isComposite && 'getFields' in type ? ['edges'] : []);
    const fromArguments = slicedSize(field, definition, slicing);
    const size = fromArguments ?? declared?.assumedSize ?? defaultListSize;

    let multiplier = 1;
    if (sized?.names.includes(field.name.value)) multiplier = sized.size;
    else if (isList && sizedFieldNames.length === 0) multiplier = size;
    else if (isList) multiplier = declared?.assumedSize ?? defaultListSize;

    const children =
      field.selectionSet && isComposite
        ? selectionCost(
            field.selectionSet.selections,
            type,
            sizedFieldNames.length > 0 ? { names: sizedFieldNames, size } : undefined,
          )
        : 0;
    return Math.min(write + multiplier * (own + children), maxReportedCost);
  }

  /** On an abstract type, the most expensive of its possible types: any of them may be what comes back. */
  function selectionCost(
    selections: readonly SelectionNode[],
    type: GraphQLNamedType,
    sized: SizedChildren | undefined,
  ): number {
    if (graphqlCjs.isObjectType(type)) return concreteCost(selections, type, sized);
    if (!graphqlCjs.isAbstractType(type)) return 0;
    let most = 0;
    for (const possible of schema.getPossibleTypes(type)) {
      most = Math.max(most, concreteCost(selections, possible, sized));
    }
    return most;
  }

  function applies(typeCondition: string | undefined, type: GraphQLObjectType): boolean {
    if (!typeCondition || typeCondition === type.name) return true;
    const condition = schema.getType(typeCondition);
    return !!condition && graphqlCjs.isAbstractType(condition) && schema.isSubType(condition, type);
  }

  function concreteCost(
    selections: readonly SelectionNode[],
    type: GraphQLObjectType,
    sized: SizedChildren | undefined,
  ): number {
    let cost = 0;
    for (const selection of selections) {
      if (selection.kind === 'Field') {
        cost += fieldCost(selection, type, sized);
      } else if (selection.kind === 'InlineFragment') {
        if (applies(selection.typeCondition?.name.value, type)) {
          cost += concreteCost(selection.selectionSet.selections, type, sized);
        }
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || !applies(fragment.typeCondition.name.value, type)) continue;
        // A parent's size changes what the fragment costs, so it is part of the key.
        const key = `${fragment.name.value}@${type.name}${sized ? `@${sized.names.join(',')}:${sized.size}` : ''}`;
        let fragmentCost = fragmentCosts.get(key);
        if (fragmentCost === undefined) {
          fragmentCost = concreteCost(fragment.selectionSet.selections, type, sized);
          fragmentCosts.set(key, fragmentCost);
        }
        cost += fragmentCost;
      }
      if (cost >= maxReportedCost) return maxReportedCost;
    }
    return cost;
  }

  const cost = rootType ? selectionCost(operation.selectionSet.selections, rootType, undefined) : 0;
  return { cost, dependsOnVariables };
}
