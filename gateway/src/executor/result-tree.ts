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

/** One element of a plan path, parsed once per path (see `stepsOf`). */
type PathStep =
  | { kind: 'list' }
  | { kind: 'typeCondition'; typeCondition: string }
  | { kind: 'field'; fieldName: string; possibleTypes: readonly string[] | null };

/** Plan paths parsed, by the plan's own array: a plan is run many times, its paths are parsed once. */
const parsedPaths = new WeakMap<readonly (string | number)[], readonly PathStep[]>();

function stepsOf(planPath: readonly (string | number)[]): readonly PathStep[] {
  const known = parsedPaths.get(planPath);
  if (known) return known;
  const steps = planPath.map((element): PathStep => {
    if (element === '@') return { kind: 'list' };
    if (typeof element === 'string' && element.startsWith('... on ')) {
      return { kind: 'typeCondition', typeCondition: element.slice('... on '.length) };
    }
    const [fieldName = '', conditions] = String(element).split('|');
    return { kind: 'field', fieldName, possibleTypes: conditions ? conditions.slice(1, -1).split(',') : null };
  });
  parsedPaths.set(planPath, steps);
  return steps;
}

/** Whether `value` is an object of one of `types` (none given: any object). */
function isObjectOfTypes(
  schema: GraphQLSchema,
  value: unknown,
  types: readonly string[] | null,
): value is ResultObject {
  if (!isResultObject(value)) return false;
  if (!types) return true;
  for (const type of types) if (matchesType(schema, value['__typename'], type)) return true;
  return false;
}

/**
 * The objects a plan path (`Flatten`'s: field names, `@` for each list element, `field|[A,B]` to keep only
 * those types; a deferred block's: field names through lists, `... on T`) reaches from `root`, each with its
 * concrete path. Nulls and missing fields reach nothing. Run for every fetch of every request: the values
 * reached and their paths are kept in two arrays rather than an object each, and the path is parsed once.
 */
export function objectsAtPath(
  schema: GraphQLSchema,
  root: ResultObject,
  planPath: readonly (string | number)[],
  rootPath: ResponsePath = [],
): LocatedObject[] {
  let values: unknown[] = [root];
  let ats: (PathLink | ResponsePath)[] = [rootPath];
  for (const step of stepsOf(planPath)) {
    const nextValues: unknown[] = [];
    const nextAts: (PathLink | ResponsePath)[] = [];
    for (let position = 0; position < values.length; position++) {
      const value = values[position];
      const at = ats[position]!;
      if (step.kind === 'list') {
        if (!Array.isArray(value)) continue;
        for (let index = 0; index < value.length; index++) {
          nextValues.push(value[index]);
          nextAts.push({ parent: at, key: index });
        }
      } else if (step.kind === 'typeCondition') {
        // A deferred block's query path: only the objects of that type go on.
        const items: readonly unknown[] = Array.isArray(value) ? value : [value];
        for (let index = 0; index < items.length; index++) {
          const item = items[index];
          if (!isResultObject(item) || !matchesType(schema, item['__typename'], step.typeCondition)) continue;
          nextValues.push(item);
          nextAts.push(Array.isArray(value) ? { parent: at, key: index } : at);
        }
      } else {
        const items: readonly unknown[] = Array.isArray(value) ? value : [value];
        for (let index = 0; index < items.length; index++) {
          const item = items[index];
          if (!isObjectOfTypes(schema, item, step.possibleTypes)) continue;
          const itemAt = Array.isArray(value) ? { parent: at, key: index } : at;
          if (step.fieldName === '') {
            nextValues.push(item);
            nextAts.push(itemAt);
          } else {
            nextValues.push(item[step.fieldName]);
            nextAts.push({ parent: itemAt, key: step.fieldName });
          }
        }
      }
    }
    values = nextValues;
    ats = nextAts;
  }
  const objects: LocatedObject[] = [];
  for (let position = 0; position < values.length; position++)
    collectObjects(values[position], ats[position]!, objects);
  return objects;
}

function collectObjects(value: unknown, at: PathLink | ResponsePath, into: LocatedObject[]): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) collectObjects(value[index], { parent: at, key: index }, into);
  } else if (isResultObject(value)) into.push(new Located(value, at));
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
