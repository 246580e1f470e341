import {
  Kind,
  type DirectiveNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { graphql } from './graphql-cjs.ts';

const {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} = graphql;

/** A condition from `@skip(if: $v)` (`include: false`) or `@include(if: $v)` (`include: true`). */
export interface VariableCondition {
  variable: string;
  include: boolean;
}

/**
 * One field of a selection as the response must show it, with everything decided once per operation: its
 * response name, its type (for null propagation), the runtime types it applies to (from the fragments around
 * it), the variables that skip it, and its own selection. Fields of the same response name in several
 * fragments stay separate entries; the runtime type and variables decide which of them apply.
 */
export interface FieldShape {
  responseKey: string;
  fieldName: string;
  /** The type the field was selected on, for error messages (`Parent.field`). */
  parentTypeName: string;
  type: GraphQLOutputType;
  /** Object type names this entry applies to; null: every object the selection reaches. */
  runtimeTypes: ReadonlySet<string> | null;
  conditions: readonly VariableCondition[];
  selections: readonly FieldShape[] | null;
}

/**
 * What a shape does with `@defer`red fragments: `include` them (the whole result at once), or `exclude` them
 * (the initial payload of a streamed response; a `@defer(if: $v)` fragment is then left out when `$v` is true).
 */
export type DeferredFragments = 'include' | 'exclude';

/** Builds the shape of `selectionSet` on `parentType` (fragment spreads resolved from `fragments`). */
export function buildShape(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  deferred: DeferredFragments = 'include',
): FieldShape[] {
  const shape: FieldShape[] = [];
  collect(schema, parentType, selectionSet, fragments, deferred, null, [], shape);
  return shape;
}

function collect(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  deferred: DeferredFragments,
  runtimeTypes: ReadonlySet<string> | null,
  conditions: readonly VariableCondition[],
  into: FieldShape[],
): void {
  for (const selection of selectionSet.selections) {
    const own = conditionsOf(selection.directives, deferred);
    if (own === 'never') continue;
    const allConditions = own.length > 0 ? [...conditions, ...own] : conditions;
    if (selection.kind === Kind.FIELD) {
      const definition = fieldDefinition(schema, parentType, selection.name.value);
      if (!definition) throw new Error(`no field ${parentType.name}.${selection.name.value} in the schema`);
      const namedType = getNamedType(definition.type);
      into.push({
        responseKey: selection.alias?.value ?? selection.name.value,
        fieldName: selection.name.value,
        parentTypeName: parentType.name,
        type: definition.type,
        runtimeTypes,
        conditions: allConditions,
        selections:
          selection.selectionSet && isCompositeType(namedType)
            ? buildShape(schema, namedType, selection.selectionSet, fragments, deferred)
            : null,
      });
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : (fragments[selection.name.value] ?? null);
    if (!fragment)
      throw new Error(`unknown fragment ${selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : ''}`);
    const conditionName = fragment.typeCondition?.name.value;
    const conditionType = conditionName ? schema.getType(conditionName) : parentType;
    if (!isCompositeType(conditionType)) throw new Error(`fragment on unknown type ${conditionName ?? ''}`);
    collect(
      schema,
      conditionType,
      fragment.selectionSet,
      fragments,
      deferred,
      conditionName ? intersect(runtimeTypes, possibleTypeNames(schema, conditionType)) : runtimeTypes,
      allConditions,
      into,
    );
  }
}

function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  fieldName: string,
): GraphQLField<unknown, unknown> | undefined {
  if (fieldName === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (fieldName === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (fieldName === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parentType ? parentType.getFields()[fieldName] : undefined;
}

function possibleTypeNames(schema: GraphQLSchema, type: GraphQLCompositeType): Set<string> {
  if (isObjectType(type)) return new Set([type.name]);
  return new Set(isAbstractType(type) ? schema.getPossibleTypes(type).map((possible) => possible.name) : []);
}

function intersect(current: ReadonlySet<string> | null, next: Set<string>): ReadonlySet<string> {
  if (!current) return next;
  return new Set([...next].filter((name) => current.has(name)));
}

/**
 * The variable conditions of `@skip`/`@include` on a selection (and of `@defer` when deferred fragments are
 * excluded); 'never' when a literal already excludes it.
 */
function conditionsOf(
  directives: readonly DirectiveNode[] | undefined,
  deferred: DeferredFragments,
): VariableCondition[] | 'never' {
  const conditions: VariableCondition[] = [];
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    const argument = directive.arguments?.find((arg) => arg.name.value === 'if')?.value;
    if (name === 'defer' && deferred === 'exclude') {
      // Deferred unless `if` is false: left out of the initial payload when the defer applies.
      if (argument?.kind === Kind.VARIABLE) conditions.push({ variable: argument.name.value, include: false });
      else if (argument?.kind !== Kind.BOOLEAN || argument.value) return 'never';
      continue;
    }
    if (name !== 'skip' && name !== 'include') continue;
    const include = name === 'include';
    if (argument?.kind === Kind.BOOLEAN) {
      if (argument.value !== include) return 'never';
    } else if (argument?.kind === Kind.VARIABLE) {
      conditions.push({ variable: argument.name.value, include });
    }
  }
  return conditions;
}
