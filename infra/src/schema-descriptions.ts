/**
 * Every element of the API schema clients see must carry a description: each type, field (input fields
 * included), argument and enum value, and each directive the schema defines. The descriptions are written in the
 * subgraph SDL files; composition carries them into schema/schema.graphql, which is what this reads.
 * `pnpm compose:check` runs it on the committed API schema (and `pnpm compose` prints the counts); run alone,
 * `tsx infra/src/schema-descriptions.ts [file]` prints the counts and every element left undescribed, and exits 1
 * when there is one.
 */
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLArgument,
} from 'graphql';
import { fromRoot } from './paths.ts';

/** The kinds of element counted, in the order they are reported. */
export const elementKinds = ['types', 'fields', 'arguments', 'enum values', 'directives'] as const;
export type ElementKind = (typeof elementKinds)[number];

export interface DescriptionCoverage {
  /** How many elements of each kind the schema has, and how many of them are described. */
  counts: Record<ElementKind, { described: number; total: number }>;
  /** Schema coordinates of the elements without a description (`Type.field(argument:)`, `Enum.VALUE`, ...). */
  undescribed: string[];
}

const described = (description: string | null | undefined): boolean => (description ?? '').trim().length > 0;

/** Counts the described elements of an SDL's own definitions (built-in scalars and directives aside). */
export function descriptionCoverage(sdl: string): DescriptionCoverage {
  const schema = buildSchema(sdl);
  const counts = Object.fromEntries(elementKinds.map((kind) => [kind, { described: 0, total: 0 }])) as Record<
    ElementKind,
    { described: number; total: number }
  >;
  const undescribed: string[] = [];
  const count = (kind: ElementKind, coordinate: string, description: string | null | undefined) => {
    counts[kind].total += 1;
    if (described(description)) counts[kind].described += 1;
    else undescribed.push(coordinate);
  };
  const countArguments = (owner: string, args: readonly GraphQLArgument[]) => {
    for (const argument of args) count('arguments', `${owner}(${argument.name}:)`, argument.description);
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    count('types', type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        count('fields', `${type.name}.${field.name}`, field.description);
        countArguments(`${type.name}.${field.name}`, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        count('fields', `${type.name}.${field.name}`, field.description);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) count('enum values', `${type.name}.${value.name}`, value.description);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    count('directives', `@${directive.name}`, directive.description);
    countArguments(`@${directive.name}`, directive.args);
  }
  return { counts, undescribed };
}

/** One line per kind: "types 52/52 described", ... */
export function formatCoverage({ counts }: DescriptionCoverage): string {
  return elementKinds
    .filter((kind) => kind !== 'directives' || counts[kind].total > 0)
    .map((kind) => `${kind} ${counts[kind].described}/${counts[kind].total}`)
    .join(', ');
}

/** The committed API schema's coverage. */
export function apiSchemaCoverage(path = fromRoot('schema/schema.graphql')): DescriptionCoverage {
  return descriptionCoverage(readFileSync(path, 'utf8'));
}

if (import.meta.main) {
  const coverage = apiSchemaCoverage(process.argv[2] ?? fromRoot('schema/schema.graphql'));
  for (const coordinate of coverage.undescribed) console.error(`undescribed: ${coordinate}`);
  console.log(`API schema descriptions: ${formatCoverage(coverage)}`);
  if (coverage.undescribed.length > 0) {
    console.error(
      `${coverage.undescribed.length} elements of the API schema have no description: describe them in the subgraph SDL files, then run 'pnpm compose'.`,
    );
    process.exit(1);
  }
}
