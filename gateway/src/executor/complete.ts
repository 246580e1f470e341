import type { GraphQLOutputType } from 'graphql';
import { graphql } from './graphql-cjs.ts';
import type { FieldShape } from './response-shape.ts';
import { isResultObject, type ResponsePath, type ResultObject } from './result-tree.ts';

const { isCompositeType, isListType, isNonNullType, isObjectType, getNamedType } = graphql;

/** Stands for a null where the type forbids one: the nearest nullable parent becomes null instead. */
const nullInNonNull = Symbol('null in non-null position');

/** A null found where the operation's types forbid it, and where. */
export interface ValueCompletionError {
  message: string;
  path: ResponsePath;
}

/**
 * Turns what the subgraphs sent (merged, with the planner's extra fields) into the response the operation
 * asked for: its fields only, in its order, under its aliases, for the runtime type of each object, with
 * `@skip`/`@include` applied, and a null in a non-null position propagated to the nearest nullable parent
 * (recorded in `errors`). Returns null when the null reaches the root.
 */
export function completeObject(
  shape: readonly FieldShape[],
  source: ResultObject,
  staticTypeName: string,
  variables: Readonly<Record<string, unknown>>,
  path: ResponsePath,
  errors: ValueCompletionError[],
): ResultObject | null {
  const completed = completeSelection(shape, source, staticTypeName, variables, path, errors);
  return completed === nullInNonNull ? null : completed;
}

function completeSelection(
  shape: readonly FieldShape[],
  source: ResultObject,
  staticTypeName: string,
  variables: Readonly<Record<string, unknown>>,
  path: ResponsePath,
  errors: ValueCompletionError[],
): ResultObject | typeof nullInNonNull {
  const typename = typeof source['__typename'] === 'string' ? source['__typename'] : staticTypeName;
  // Entries grouped by response name, in the order the operation first selects each.
  const groups = new Map<string, FieldShape[]>();
  for (const field of shape) {
    if (field.runtimeTypes && !field.runtimeTypes.has(typename)) continue;
    if (!field.conditions.every(({ variable, include }) => Boolean(variables[variable]) === include)) continue;
    const group = groups.get(field.responseKey);
    if (group) group.push(field);
    else groups.set(field.responseKey, [field]);
  }
  const result: ResultObject = {};
  for (const [responseKey, group] of groups) {
    const [first] = group as [FieldShape, ...FieldShape[]];
    const fieldPath = [...path, responseKey];
    if (first.fieldName === '__typename') {
      result[responseKey] = typename;
      continue;
    }
    const selections = group.length === 1 ? first.selections : group.flatMap((field) => field.selections ?? []);
    const value = completeValue(first.type, source[responseKey], selections, variables, fieldPath, errors, first);
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
  variables: Readonly<Record<string, unknown>>,
  path: ResponsePath,
  errors: ValueCompletionError[],
  field: FieldShape,
): unknown {
  if (isNonNullType(type)) {
    const completed = completeNullable(type.ofType, value, selections, variables, path, errors, field);
    // Only where the null is found is it reported; above, it only propagates (as graphql-js does).
    if (completed === null) {
      errors.push({
        message: `Cannot return null for non-nullable field ${field.parentTypeName}.${field.fieldName}.`,
        path,
      });
      return nullInNonNull;
    }
    return completed;
  }
  const completed = completeNullable(type, value, selections, variables, path, errors, field);
  return completed === nullInNonNull ? null : completed;
}

/** A value of a nullable type; `nullInNonNull` when a non-null position inside it got a null. */
function completeNullable(
  type: GraphQLOutputType,
  value: unknown,
  selections: readonly FieldShape[] | null,
  variables: Readonly<Record<string, unknown>>,
  path: ResponsePath,
  errors: ValueCompletionError[],
  field: FieldShape,
): unknown {
  if (value === null || value === undefined) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) return null;
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index++) {
      const item = completeValue(type.ofType, value[index], selections, variables, [...path, index], errors, field);
      if (item === nullInNonNull) return nullInNonNull;
      items.push(item);
    }
    return items;
  }
  if (isCompositeType(type)) {
    if (!isResultObject(value)) return null;
    const staticName = isObjectType(type) ? type.name : getNamedType(type).name;
    return completeSelection(selections ?? [], value, staticName, variables, path, errors);
  }
  return value;
}
