import type { FetchDataRewrite } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { graphql } from './graphql-cjs.ts';

const { isAbstractType, isObjectType } = graphql;

/** An object of the response being assembled, as subgraphs sent it (response names, `__typename`). */
export type ResultObject = Record<string, unknown>;

/** A path into the response: field names and list indices. */
export type ResponsePath = (string | number)[];

/**
 * A path in the response built only when something needs it (an error, a deferred payload): each level links
 * to its parent rather than copying the whole path for every object of a list.
 */
export interface PathLink {
  readonly parent: PathLink | ResponsePath;
  readonly key: string | number;
}

export function pathOf(at: PathLink | ResponsePath): ResponsePath {
  if (Array.isArray(at)) return [...at];
  const keys: (string | number)[] = [];
  let link: PathLink | ResponsePath = at;
  while (!Array.isArray(link)) {
    keys.push(link.key);
    link = link.parent;
  }
  return [...link, ...keys.reverse()];
}

/** An object of the response found at a plan path, with its concrete path (indices in place of `@`). */
export interface LocatedObject {
  readonly object: ResultObject;
  readonly path: ResponsePath;
}

/** A located object whose path is built when read (most never are). */
class Located implements LocatedObject {
  readonly object: ResultObject;
  readonly #at: PathLink | ResponsePath;

  constructor(object: ResultObject, at: PathLink | ResponsePath) {
    this.object = object;
    this.#at = at;
  }

  get path(): ResponsePath {
    return pathOf(this.#at);
  }
}

export function isResultObject(value: unknown): value is ResultObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether an object whose `__typename` is `typename` is of `typeCondition` (the type itself, or an abstract
 * type it implements or belongs to). Without a `__typename` nothing can be ruled out.
 */
export function matchesType(schema: GraphQLSchema, typename: unknown, typeCondition: string): boolean {
  if (typeof typename !== 'string' || typename === typeCondition) return true;
  const condition = schema.getType(typeCondition);
  const runtime = schema.getType(typename);
  return isAbstractType(condition) && isObjectType(runtime) && schema.isSubType(condition, runtime);
}

/**
 * The objects a plan path (`Flatten`'s: field names, `@` for each list element, `field|[A,B]` to keep only
 * those types; a deferred block's: field names through lists, `... on T`) reaches from `root`, each with its concrete path. Nulls and missing fields reach nothing.
 */
export function objectsAtPath(
  schema: GraphQLSchema,
  root: ResultObject,
  planPath: readonly (string | number)[],
  rootPath: ResponsePath = [],
): LocatedObject[] {
  interface Reached {
    value: unknown;
    at: PathLink | ResponsePath;
  }
  let located: Reached[] = [{ value: root, at: rootPath }];
  for (const element of planPath) {
    const next: Reached[] = [];
    if (element === '@') {
      for (const { value, at } of located) {
        if (!Array.isArray(value)) continue;
        for (let index = 0; index < value.length; index++) {
          next.push({ value: value[index], at: { parent: at, key: index } });
        }
      }
    } else if (typeof element === 'string' && element.startsWith('... on ')) {
      // A deferred block's query path: only the objects of that type go on.
      const typeCondition = element.slice('... on '.length);
      const keep = (value: unknown, at: PathLink | ResponsePath) => {
        if (isResultObject(value) && matchesType(schema, value['__typename'], typeCondition)) next.push({ value, at });
      };
      for (const { value, at } of located) {
        if (Array.isArray(value)) value.forEach((item, index) => keep(item, { parent: at, key: index }));
        else keep(value, at);
      }
    } else {
      const [fieldName = '', conditions] = String(element).split('|');
      const possibleTypes = conditions ? conditions.slice(1, -1).split(',') : null;
      const step = (value: unknown, at: PathLink | ResponsePath) => {
        if (!isResultObject(value)) return;
        if (possibleTypes && !possibleTypes.some((type) => matchesType(schema, value['__typename'], type))) return;
        next.push(fieldName === '' ? { value, at } : { value: value[fieldName], at: { parent: at, key: fieldName } });
      };
      for (const { value, at } of located) {
        if (Array.isArray(value)) value.forEach((item, index) => step(item, { parent: at, key: index }));
        else step(value, at);
      }
    }
    located = next;
  }
  const objects: LocatedObject[] = [];
  const collect = (value: unknown, at: PathLink | ResponsePath) => {
    if (Array.isArray(value)) value.forEach((item, index) => collect(item, { parent: at, key: index }));
    else if (isResultObject(value)) objects.push(new Located(value, at));
  };
  for (const { value, at } of located) collect(value, at);
  return objects;
}

/** Merges `source` into `target` in place: objects field by field, lists element by element. */
export function deepMerge(target: ResultObject, source: ResultObject): void {
  for (const key of Object.keys(source)) {
    const incoming = source[key];
    const existing = target[key];
    if (isResultObject(existing) && isResultObject(incoming)) deepMerge(existing, incoming);
    else if (Array.isArray(existing) && Array.isArray(incoming) && existing.length === incoming.length) {
      for (let index = 0; index < incoming.length; index++) {
        const from = incoming[index];
        const to = existing[index];
        if (isResultObject(to) && isResultObject(from)) deepMerge(to, from);
        else existing[index] = from;
      }
    } else if (incoming !== undefined) target[key] = incoming;
  }
}

/**
 * Applies the planner's rewrites to a representation sent or an entity received: a `ValueSetter` puts a value
 * (an `@interfaceObject`'s `__typename`), a `KeyRenamer` moves a field the planner aliased to its real name.
 * Path elements `... on T` apply to objects of type T only.
 */
export function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: ResultObject,
): void {
  for (const rewrite of rewrites ?? []) {
    const parentPath = rewrite.path.slice(0, -1);
    const last = rewrite.path[rewrite.path.length - 1];
    if (last === undefined) continue;
    visitAtPath(schema, parentPath, value, (object) => {
      if (rewrite.kind === 'ValueSetter') object[last] = rewrite.setValueTo;
      else if (object[last] !== undefined) {
        object[rewrite.renameKeyTo] = object[last];
        delete object[last];
      }
    });
  }
}

function visitAtPath(
  schema: GraphQLSchema,
  path: readonly string[],
  value: unknown,
  visit: (object: ResultObject) => void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) visitAtPath(schema, path, item, visit);
    return;
  }
  if (!isResultObject(value)) return;
  const [head, ...rest] = path;
  if (head === undefined) return visit(value);
  if (head.startsWith('... on ')) {
    if (matchesType(schema, value['__typename'], head.slice('... on '.length))) visitAtPath(schema, rest, value, visit);
    return;
  }
  visitAtPath(schema, rest, value[head], visit);
}
