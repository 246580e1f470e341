/**
 * The API schema's changes between two versions (GraphQL Inspector's diff), the deprecation policy that says
 * which breaking ones may ship, and the changelog that records them all (`schema/CHANGELOG.md`).
 *
 * The policy: a breaking change ships only when what it breaks was announced in the previous release, that is
 * the schema being compared against (on main, the previous commit's). Announced means the element itself carried
 * `@deprecated` there (a field, an argument, an input field, an enum value), or sat only behind deprecated
 * elements (a type no client can reach from Query, Mutation or Subscription without going through one: the
 * type of a deprecated field, removed with it). Everything else breaking fails the gate: deprecate first,
 * release, then remove.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Change } from '@graphql-inspector/core';
import type { GraphQLNamedType, GraphQLSchema } from 'graphql';

/**
 * graphql and GraphQL Inspector both through require: Inspector checks the schemas it is given with
 * `instanceof`, and under vitest an `import` of graphql here and Inspector's own could load its two builds.
 */
const require = createRequire(import.meta.url);
const { diff, CriticalityLevel } = require('@graphql-inspector/core') as typeof import('@graphql-inspector/core');
const { buildSchema, getNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType } =
  require('graphql') as typeof import('graphql');
type CriticalityLevel = import('@graphql-inspector/core').CriticalityLevel;

/** A schema version's short name in the changelog: the first 12 hex digits of its text's sha256. */
export const schemaHash = (sdl: string): string => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

/** Every change from `before` to `after`, in GraphQL Inspector's order. */
export async function schemaChanges(before: string, after: string): Promise<Change[]> {
  return diff(buildSchema(before), buildSchema(after));
}

const isDeprecatedElement = (element: { deprecationReason?: string | null | undefined } | undefined) =>
  element?.deprecationReason !== undefined && element.deprecationReason !== null;

/**
 * The named types a client can reach from the root types without passing through a deprecated field, argument
 * or input field. An interface reaches its implementations and a union its members (a client spreads on them).
 */
export function reachableTypes(schema: GraphQLSchema): Set<string> {
  const reached = new Set<string>();
  const pending: GraphQLNamedType[] = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((type) => type !== null && type !== undefined)
    .map((type) => type!);
  while (pending.length > 0) {
    const type = pending.pop()!;
    if (reached.has(type.name)) continue;
    reached.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (isDeprecatedElement(field)) continue;
        pending.push(getNamedType(field.type));
        for (const arg of field.args) if (!isDeprecatedElement(arg)) pending.push(getNamedType(arg.type));
      }
      if (isInterfaceType(type)) pending.push(...schema.getPossibleTypes(type));
    } else if (isUnionType(type)) {
      pending.push(...type.getTypes());
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!isDeprecatedElement(field)) pending.push(getNamedType(field.type));
      }
    }
  }
  return reached;
}

/**
 * Whether the element at a change's path (`Type`, `Type.field`, `Type.field.argument`, `Input.field`,
 * `Enum.VALUE`) was announced as going in `before`: deprecated itself, or not reachable but through
 * deprecated elements.
 */
export function wasAnnounced(path: string | undefined, before: GraphQLSchema, reachable: Set<string>): boolean {
  if (!path || path.startsWith('@')) return false; // directives cannot be deprecated
  const [typeName, memberName, argumentName] = path.split('.');
  const type = before.getType(typeName!);
  if (!type) return false;
  if (!reachable.has(type.name)) return true;
  if (memberName === undefined) return false;
  if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[memberName];
    if (isDeprecatedElement(field)) return true;
    return argumentName !== undefined && isDeprecatedElement(field?.args.find((arg) => arg.name === argumentName));
  }
  if (isInputObjectType(type)) return isDeprecatedElement(type.getFields()[memberName]);
  if (isEnumType(type)) return isDeprecatedElement(type.getValue(memberName) ?? undefined);
  return false;
}

/** The breaking changes of `changes` that the policy above refuses (their element was not announced in `before`). */
export function unannouncedBreakingChanges(changes: Change[], before: string): Change[] {
  const schema = buildSchema(before);
  const reachable = reachableTypes(schema);
  return changes.filter(
    (change) => change.criticality.level === CriticalityLevel.Breaking && !wasAnnounced(change.path, schema, reachable),
  );
}

const levelLabel: Record<CriticalityLevel, string> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/**
 * One change as a changelog line. Description changes name the element only (the text itself is in the
 * schema, and can be paragraphs long); a breaking change that shipped says it had been announced.
 */
function changeLine(change: Change, refused: ReadonlySet<Change>): string {
  const where = change.path ? `\`${change.path}\`` : '';
  const description = /DESCRIPTION_(ADDED|REMOVED|CHANGED)$/.exec(change.type);
  const message = description
    ? `description ${description[1]!.toLowerCase()}`
    : change.message.replace(/\s+/g, ' ').replace(/'/g, '`');
  const level = levelLabel[change.criticality.level];
  const announced =
    change.criticality.level !== CriticalityLevel.Breaking
      ? ''
      : refused.has(change)
        ? ' (NOT deprecated in the previous release: refused)'
        : ' (deprecated in the previous release)';
  return `- ${level}${where ? ` ${where}` : ''}: ${message}${announced}`;
}

export const changelogTitle = '# API schema changelog';

const preamble = `${changelogTitle}

Every change to \`schema/schema.graphql\`, newest first: each section is one version of the API schema (the
first 12 hex digits of its sha256) and the changes from the version before it, as GraphQL Inspector's diff
finds them (\`breaking\`, \`dangerous\`, \`safe\`). \`pnpm schema:changelog\` writes the section for a change,
\`pnpm schema:check\` (CI) fails when it is missing or stale, and when a change breaks an element that was not
deprecated in the previous release.
`;

/** The section recording the change from `before` to `after` (`refused`: the changes the policy refuses). */
export function changelogSection(
  beforeSdl: string | null,
  afterSdl: string,
  changes: Change[],
  refused: ReadonlySet<Change> = new Set(),
): string {
  const heading = `## ${schemaHash(afterSdl)}${beforeSdl === null ? '' : ` (from ${schemaHash(beforeSdl)})`}`;
  const lines =
    beforeSdl === null
      ? ['- first recorded version; earlier changes are in the history of `schema/schema.graphql`']
      : changes.map((change) => changeLine(change, refused));
  return `${heading}\n\n${lines.join('\n')}\n`;
}

interface Section {
  hash: string;
  from: string | null;
  text: string;
}

function sectionsOf(changelog: string): Section[] {
  const starts = [...changelog.matchAll(/^## /gm)].map((match) => match.index);
  return starts.map((start, index) => {
    const text = changelog.slice(start, starts[index + 1] ?? changelog.length);
    const match = /^## ([0-9a-f]{12})(?: \(from ([0-9a-f]{12})\))?/.exec(text);
    return { hash: match?.[1] ?? '', from: match?.[2] ?? null, text: text.replace(/\n+$/, '\n') };
  });
}

/**
 * The changelog with `section` as its newest entry: it replaces a newest entry for the same change (from the
 * same version, regenerated) and otherwise goes on top.
 */
export function withSection(changelog: string | null, section: string): string {
  const sections = sectionsOf(changelog ?? '');
  const added = sectionsOf(section)[0]!;
  const newest = sections[0];
  const rest =
    newest && (newest.hash === added.hash || (added.from !== null && newest.from === added.from))
      ? sections.slice(1)
      : sections;
  return [preamble, added.text, ...rest.map((item) => item.text)].join('\n');
}

/** The newest entry's version and the version it came from, or null when there is none. */
export function newestEntry(changelog: string | null): { hash: string; from: string | null; text: string } | null {
  return changelog === null ? null : (sectionsOf(changelog)[0] ?? null);
}
