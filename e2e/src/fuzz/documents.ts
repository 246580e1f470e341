/**
 * Schema-aware operations: random queries, mutations and subscriptions built by walking the API schema's
 * types (fields, arguments, aliases, inline and named fragments, variables with and without defaults,
 * @include/@skip, deep nesting), mostly valid and sometimes deliberately not (a wrong type, a missing
 * required argument, a field that does not exist).
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Pick } from './pick.ts';
import { hostileJsonText, hostileString } from './values.ts';

/** Values a generated document may use where an existing object helps it go deeper (ids of real rows). */
export interface KnownValues {
  ids: string[];
}

/** One operation as a client would send it: its text, its variables (as JSON text) and maybe a name. */
export interface GeneratedOperation {
  query: string;
  /** The variables object as JSON text (it may hold `__proto__` keys, huge numbers, ...). */
  variablesJson: string;
  operationName?: string;
  kind: 'query' | 'mutation' | 'subscription';
}

interface Build {
  pick: Pick;
  schema: GraphQLSchema;
  known: KnownValues;
  variableDefinitions: string[];
  variableValues: string[];
  fragments: string[];
  maxDepth: number;
  /** Whether the document may be made invalid on purpose. */
  sloppy: boolean;
  /** Fields left to select: without a budget, 4 fields a level 40 levels deep is no document but a bomb. */
  fieldsLeft: number;
}

/** Builds one operation of `schema` from `pick`'s choices. */
export function generateOperation(pick: Pick, schema: GraphQLSchema, known: KnownValues): GeneratedOperation {
  const kind = pick.weighted([
    [6, 'query'],
    [3, 'mutation'],
    [2, 'subscription'],
  ] as const);
  const root =
    kind === 'query'
      ? schema.getQueryType()
      : kind === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const build: Build = {
    pick,
    schema,
    known,
    variableDefinitions: [],
    variableValues: [],
    fragments: [],
    maxDepth: pick.weighted([
      [6, pick.int(1, 4)],
      [3, pick.int(5, 10)],
      [1, pick.int(11, 40)],
    ]),
    sloppy: pick.chance(0.25),
    fieldsLeft: pick.int(5, 300),
  };
  // A subscription has one root field (more is a validation error, worth sending now and then).
  const rootFields = kind === 'subscription' && !pick.chance(0.1) ? 1 : pick.int(1, 3);
  const selections = selectionSet(build, root!, 1, rootFields);
  const name = pick.chance(0.4) ? `Op${pick.name()}` : undefined;
  const variables = build.variableDefinitions.length > 0 ? `(${build.variableDefinitions.join(', ')})` : '';
  const head =
    name || variables || pick.chance(0.5) ? `${kind} ${name ?? ''}${variables} ` : kind === 'query' ? '' : `${kind} `;
  // A second operation: the name then picks which runs (and without a name, the request is refused).
  const extraOperation = pick.chance(name ? 0.1 : 0.01) ? `\nquery Other { __typename }` : '';
  const query = `${head}${selections}${extraOperation}\n${build.fragments.join('\n')}`;
  const variablesJson = `{${build.variableValues.join(',')}}`;
  return { query, variablesJson, kind, ...(name && pick.chance(0.9) ? { operationName: name } : {}) };
}

function selectionSet(build: Build, type: GraphQLNamedType, depth: number, count?: number): string {
  const { pick } = build;
  const selections: string[] = [];
  if (build.fieldsLeft <= 0) return '{ __typename }';
  if (isObjectType(type) || isInterfaceType(type)) {
    const fields = Object.values(type.getFields());
    const chosen = pick.some(fields, 1, count ?? pick.int(1, 4));
    for (const field of chosen) selections.push(fieldSelection(build, field, depth));
    if (pick.chance(0.15)) selections.push(aliasPrefix(build) + '__typename');
    if (isInterfaceType(type) && pick.chance(0.5)) {
      const possible = build.schema.getPossibleTypes(type);
      if (possible.length > 0) selections.push(inlineFragment(build, pick.one(possible), depth));
    }
    if (pick.chance(0.1) && depth < build.maxDepth) selections.push(namedFragmentSpread(build, type, depth));
  } else if (isUnionType(type)) {
    selections.push('__typename');
    for (const member of pick.some(type.getTypes(), 1, 3)) selections.push(inlineFragment(build, member, depth));
  }
  if (build.sloppy && pick.chance(0.1)) selections.push(pick.name()); // a field that (likely) does not exist
  return `{ ${selections.join(' ')} }`;
}

function inlineFragment(build: Build, type: GraphQLObjectType, depth: number): string {
  return `... on ${type.name}${directives(build)} ${selectionSet(build, type, depth)}`;
}

function namedFragmentSpread(build: Build, type: GraphQLNamedType, depth: number): string {
  const name = `F${build.fragments.length}${build.pick.name()}`;
  // Reserve the slot first: the fragment's own selections may add fragments too.
  const slot = build.fragments.push('') - 1;
  build.fragments[slot] = `fragment ${name} on ${type.name} ${selectionSet(build, type, depth)}`;
  return `...${name}${directives(build)}`;
}

function aliasPrefix(build: Build): string {
  return build.pick.chance(0.2) ? `${build.pick.name()}: ` : '';
}

function directives(build: Build): string {
  const { pick } = build;
  if (!pick.chance(0.15)) return '';
  const directive = pick.one(['include', 'skip']);
  const argument = pick.chance(0.5)
    ? String(pick.chance(0.5))
    : variable(build, 'Boolean!', () => String(pick.chance(0.5)));
  return ` @${directive}(if: ${argument})`;
}

function fieldSelection(build: Build, field: GraphQLField<unknown, unknown>, depth: number): string {
  const { pick } = build;
  build.fieldsLeft--;
  const args = field.args.flatMap((arg) => {
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    if (required ? build.sloppy && pick.chance(0.1) : !pick.chance(0.5)) return [];
    return [`${arg.name}: ${argumentValue(build, arg)}`];
  });
  if (build.sloppy && pick.chance(0.02)) args.push(`${pick.name()}: ${pick.int(-5, 5)}`);
  const head = `${aliasPrefix(build)}${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${directives(build)}`;
  const type = getNamedType(field.type);
  if (isLeafType(type)) {
    return build.sloppy && pick.chance(0.05) ? `${head} { id }` : head;
  }
  if (depth >= build.maxDepth) return build.sloppy && pick.chance(0.2) ? head : `${head} { __typename }`;
  return `${head} ${selectionSet(build, type, depth + 1)}`;
}

/** An argument as a literal or as a variable, of its type or (when sloppy) of another. */
function argumentValue(build: Build, arg: GraphQLArgument): string {
  const { pick } = build;
  if (pick.chance(0.35)) {
    const declared =
      build.sloppy && pick.chance(0.2) ? pick.one(['Int', 'String!', '[ID!]!', 'Boolean']) : String(arg.type);
    return variable(build, declared, () => jsonValueOf(build, arg.type), arg.type);
  }
  return literalOf(build, arg.type, 0);
}

/** Declares a new variable (with a default now and then) and records its JSON value; returns `$name`. */
function variable(build: Build, typeText: string, jsonValue: () => string, type?: GraphQLInputType): string {
  const { pick } = build;
  const name = `v${build.variableDefinitions.length}`;
  const withDefault = type && !typeText.endsWith('!') && pick.chance(0.3);
  const defaultText = withDefault ? ` = ${literalOf(build, type, 0)}` : '';
  build.variableDefinitions.push(`$${name}: ${typeText}${defaultText}`);
  // Left out now and then: the default (or null, or a missing-variable error) then applies.
  if (!pick.chance(0.1)) build.variableValues.push(`${JSON.stringify(name)}:${jsonValue()}`);
  return `$${name}`;
}

/** A GraphQL literal of `type`, or of the wrong type now and then. */
function literalOf(build: Build, type: GraphQLInputType, depth: number, nullable = true): string {
  const { pick } = build;
  if (build.sloppy && pick.chance(0.1))
    return pick.one(['null', '1', '"x"', 'true', '[]', '{}', 'ENUM_VALUE', '1e400']);
  if (isNonNullType(type)) return literalOf(build, type.ofType, depth, false);
  if (nullable && pick.chance(0.03)) return 'null';
  if (isListType(type)) {
    const items = Array.from({ length: pick.int(0, depth > 2 ? 1 : 4) }, () =>
      literalOf(build, type.ofType, depth + 1),
    );
    return pick.chance(0.1) && items.length === 1 ? items[0]! : `[${items.join(', ')}]`;
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter(
      (field) => (isNonNullType(field.type) && field.defaultValue === undefined) || pick.chance(0.5),
    );
    return `{ ${fields.map((field) => `${field.name}: ${literalOf(build, field.type, depth + 1)}`).join(', ')} }`;
  }
  if (isEnumType(type)) return pick.chance(0.9) ? pick.one(type.getValues()).name : pick.name().toUpperCase();
  return scalarLiteral(build, type.name);
}

function scalarLiteral(build: Build, scalar: string): string {
  const { pick } = build;
  switch (scalar) {
    case 'Int':
      return String(intValue(pick));
    case 'Float':
      return pick.one([String(intValue(pick)), floatText(pick)]);
    case 'Boolean':
      return String(pick.chance(0.5));
    case 'ID':
      return pick.chance(0.5) && build.known.ids.length > 0
        ? JSON.stringify(pick.one(build.known.ids))
        : pick.chance(0.5)
          ? String(pick.int(0, 1_000_000))
          : graphqlString(pick);
    case 'JSON':
      return pick.one(['{ a: 1 }', '[1, "two", null]', '"text"', '42', 'true', '{ __proto__: { polluted: true } }']);
    default:
      return graphqlString(pick);
  }
}

/** A GraphQL string literal: plain, escaped, block, huge or odd Unicode (JSON's escaping is valid GraphQL). */
function graphqlString(pick: Pick): string {
  const value = hostileString(pick);
  return pick.chance(0.1) && !value.includes('"""') && !value.includes('\\') ? `"""${value}"""` : JSON.stringify(value);
}

function intValue(pick: Pick): number {
  return pick.weighted([
    [6, pick.int(-3, 120)],
    [2, pick.int(-2_147_483_648, 2_147_483_647)],
    [1, pick.one([2_147_483_648, -2_147_483_649, 9_007_199_254_740_993, 0, -1, 1e21])],
  ]);
}

function floatText(pick: Pick): string {
  return pick.one(['0.0', '-0.0', '1.5e300', '1e-320', '51.5', '-180.0001', '90.00001', '1e308', '3.4028235e38']);
}

/** A JSON value for a variable of `type`: of that type mostly, hostile now and then. */
function jsonValueOf(build: Build, type: GraphQLInputType): string {
  const { pick } = build;
  if (pick.chance(0.15)) return hostileJsonText(pick);
  const named = getNamedType(type);
  if (isListType(isNonNullType(type) ? type.ofType : type)) {
    const inner = (isNonNullType(type) ? type.ofType : type) as { ofType: GraphQLInputType };
    return `[${Array.from({ length: pick.int(0, 3) }, () => jsonValueOf(build, inner.ofType)).join(',')}]`;
  }
  if (isInputObjectType(named)) {
    const fields = Object.values(named.getFields()).filter((field) => isNonNullType(field.type) || pick.chance(0.5));
    return `{${fields.map((field) => `${JSON.stringify(field.name)}:${jsonValueOf(build, field.type)}`).join(',')}}`;
  }
  if (isEnumType(named)) return JSON.stringify(pick.one(named.getValues()).name);
  if (isScalarType(named)) {
    const literal = scalarLiteral(build, named.name);
    // Literals of strings and numbers are valid JSON as they are; JSON-scalar literals are not.
    return named.name === 'JSON'
      ? pick.one(['{"a":1}', '[1,"two",null]', '{"__proto__":{"polluted":true}}'])
      : literal.startsWith('"""')
        ? JSON.stringify(literal.slice(3, -3))
        : literal;
  }
  return 'null';
}
