import type { GraphQLLeafType, GraphQLOutputType, GraphQLSchema } from 'graphql';
import { graphql } from './graphql-cjs.ts';
import type { FieldShape } from './response-shape.ts';
import { isResultObject, pathOf, type PathLink, type ResponsePath, type ResultObject } from './result-tree.ts';

const { isCompositeType, isEnumType, isListType, isNonNullType, isObjectType, getNamedType } = graphql;

/** Stands for a null where the type forbids one: the nearest nullable parent becomes null instead. */
const nullInNonNull = Symbol('null in non-null position');

const noFields: readonly FieldShape[] = [];

/** A value the operation's types refuse (a null in a non-null position, an unknown enum value), and where. */
export interface ValueCompletionError {
  message: string;
  path: ResponsePath;
}

/** What completing a response reads and where it reports. */
export interface CompletionScope {
  /** The API schema: a value or type it does not have (an `@inaccessible` one) is not shown. */
  schema: GraphQLSchema;
  /** The operation's variables, coerced (`@skip`/`@include`). */
  variables: Readonly<Record<string, unknown>>;
  errors: ValueCompletionError[];
}

/**
 * Turns what the subgraphs sent (merged, with the planner's extra fields) into the response the operation
 * asked for: its fields only, in its order, under its aliases, for the runtime type of each object, with
 * `@skip`/`@include` applied; a value the API schema does not have becomes null, and a null in a non-null
 * position propagates to the nearest nullable parent (both recorded in `scope.errors`). Returns null when the
 * null reaches the root.
 */
export function completeObject(
  shape: readonly FieldShape[],
  source: ResultObject,
  staticTypeName: string,
  scope: CompletionScope,
  path: ResponsePath,
): ResultObject | null {
  const completed = completeSelection(shape, source, staticTypeName, scope, path);
  return completed === nullInNonNull ? null : completed;
}

/**
 * The fields one object shows, grouped by response name (in the order the operation first selects each):
 * fields of the same name from several fragments merge their selections.
 */
interface FieldGroup {
  responseKey: string;
  first: FieldShape;
  selections: readonly FieldShape[] | null;
}

/**
 * Groups of a shape by runtime type name, computed once per shape and type (the shape is built once per
 * operation): a response completes thousands of objects of few types. Only shapes without `@skip`/`@include`
 * on variables are kept here; those are grouped per object, the variables deciding.
 */
const groupsByShape = new WeakMap<readonly FieldShape[], Map<string, readonly FieldGroup[]> | null>();

function fieldGroups(
  shape: readonly FieldShape[],
  typename: string,
  variables: Readonly<Record<string, unknown>>,
): readonly FieldGroup[] {
  let byType = groupsByShape.get(shape);
  if (byType === undefined) {
    byType = shape.some((field) => field.conditions.length > 0) ? null : new Map();
    groupsByShape.set(shape, byType);
  }
  if (byType === null) return groupFields(shape, typename, variables);
  let groups = byType.get(typename);
  if (!groups) {
    groups = groupFields(shape, typename, variables);
    byType.set(typename, groups);
  }
  return groups;
}

function groupFields(
  shape: readonly FieldShape[],
  typename: string,
  variables: Readonly<Record<string, unknown>>,
): FieldGroup[] {
  const groups = new Map<string, FieldShape[]>();
  for (const field of shape) {
    if (field.runtimeTypes && !field.runtimeTypes.has(typename)) continue;
    if (!field.conditions.every(({ variable, include }) => Boolean(variables[variable]) === include)) continue;
    const group = groups.get(field.responseKey);
    if (group) group.push(field);
    else groups.set(field.responseKey, [field]);
  }
  return [...groups].map(([responseKey, fields]) => {
    const first = fields[0] as FieldShape;
    return {
      responseKey,
      first,
      selections: fields.length === 1 ? first.selections : fields.flatMap((field) => field.selections ?? []),
    };
  });
}

function completeSelection(
  shape: readonly FieldShape[],
  source: ResultObject,
  staticTypeName: string,
  scope: CompletionScope,
  at: PathLink | ResponsePath,
): ResultObject | typeof nullInNonNull {
  const sourceTypename = source['__typename'];
  const typename = typeof sourceTypename === 'string' ? sourceTypename : staticTypeName;
  const result: ResultObject = {};
  for (const { responseKey, first, selections } of fieldGroups(shape, typename, scope.variables)) {
    if (first.fieldName === '__typename') {
      result[responseKey] = typename;
      continue;
    }
    const value = completeValue(
      first.type,
      source[responseKey],
      selections,
      scope,
      { parent: at, key: responseKey },
      first,
    );
    if (value === nullInNonNull) return nullInNonNull;
    result[responseKey] = value;
  }
  return result;
}

/** A value at a position of `type`: a null in a non-null position below a nullable one stops here as null. */
function completeValue(
  type: GraphQLOutputType,
  value: unknown,
  selections: readonly FieldShape[] | null,
  scope: CompletionScope,
  at: PathLink,
  field: FieldShape,
): unknown {
  if (isNonNullType(type)) {
    const completed = completeNullable(type.ofType, value, selections, scope, at, field);
    // Only where the null is found is it reported; above, it only propagates (as graphql-js does).
    if (completed === null) {
      scope.errors.push({
        message: `Cannot return null for non-nullable field ${field.parentTypeName}.${field.fieldName}.`,
        path: pathOf(at),
      });
      return nullInNonNull;
    }
    return completed;
  }
  const completed = completeNullable(type, value, selections, scope, at, field);
  return completed === nullInNonNull ? null : completed;
}

/** A value of a nullable type; `nullInNonNull` when a non-null position inside it got a null. */
function completeNullable(
  type: GraphQLOutputType,
  value: unknown,
  selections: readonly FieldShape[] | null,
  scope: CompletionScope,
  at: PathLink,
  field: FieldShape,
): unknown {
  if (value === null || value === undefined) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) return null;
    const items: unknown[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      const item = completeValue(type.ofType, value[index], selections, scope, { parent: at, key: index }, field);
      if (item === nullInNonNull) return nullInNonNull;
      items[index] = item;
    }
    return items;
  }
  if (isCompositeType(type)) {
    if (!isResultObject(value)) return null;
    const typename = value['__typename'];
    // An object of a type clients cannot see (@inaccessible): shown as null, its type name not leaked.
    if (typeof typename === 'string' && !isCompositeType(scope.schema.getType(typename))) {
      scope.errors.push({
        message: `Invalid __typename found for object at field ${fieldName(field)}.`,
        path: pathOf(at),
      });
      return null;
    }
    const staticName = isObjectType(type) ? type.name : getNamedType(type).name;
    return completeSelection(selections ?? noFields, value, staticName, scope, at);
  }
  if (isValidLeafValue(type as GraphQLLeafType, value)) return value;
  scope.errors.push({ message: `Invalid value found for field ${fieldName(field)}.`, path: pathOf(at) });
  return null;
}

function fieldName(field: FieldShape): string {
  return `${field.parentTypeName}.${field.fieldName}`;
}

/**
 * Whether a subgraph's leaf value is one of the API schema's: an enum value clients can see, a built-in
 * scalar of its kind; custom scalars take anything.
 */
function isValidLeafValue(type: GraphQLLeafType, value: unknown): boolean {
  if (isEnumType(type)) return typeof value === 'string' && type.getValue(value) !== undefined;
  switch (type.name) {
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Int':
      return Number.isInteger(value);
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return typeof value === 'string';
    case 'ID':
      return typeof value === 'string' || Number.isInteger(value);
    default:
      return true;
  }
}
