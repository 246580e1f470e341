import { badUserInput } from '@curbside/errors';
import { isUuid } from './guards.ts';
import { quoted } from './input.ts';

/**
 * The entity types a global id can name: each implements `Node` in the subgraph that owns it, and `node(id:)`
 * hands the search subgraph's reference to that owner, which alone decides whether the viewer may see it.
 */
export const nodeTypes = ['User', 'Vendor', 'Post', 'Comment', 'Media'] as const;
export type NodeType = (typeof nodeTypes)[number];

/** Most ids one `nodes(ids:)` call takes: 100, as a connection's page. */
export const maxNodeIds = 100;

/**
 * The longest global id accepted: 80 characters. `globalIdOf` makes at most 60 (base64url of "Comment:" and a
 * UUID); the bound keeps a forged megabyte from being decoded.
 */
export const maxGlobalIdLength = 80;

/** The opaque global id of an entity: base64url of "Type:id", so that it names its type. */
export function globalIdOf(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id.toLowerCase()}`, 'utf8').toString('base64url');
}

/** What a global id names. */
export interface NodeReference {
  __typename: NodeType;
  /** The entity's own id in its subgraph (a UUID, lower case). */
  id: string;
}

const isNodeType = (value: string): value is NodeType => (nodeTypes as readonly string[]).includes(value);

/** Parses a global id; one not made by `globalIdOf` (or too long) is `BAD_USER_INPUT` naming `argument`. */
export function parseGlobalId(value: string, argument = 'id'): NodeReference {
  const refuse = () => badUserInput({ [argument]: `expected a global id (a Node's globalId), got ${quoted(value)}` });
  if (value.length > maxGlobalIdLength || !/^[A-Za-z0-9_-]+$/.test(value)) throw refuse();
  const decoded = Buffer.from(value, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const type = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (separator < 1 || !isNodeType(type) || !isUuid(id)) throw refuse();
  // Only the canonical spelling is accepted, so that one entity has one global id (a cache key for clients).
  if (globalIdOf(type, id) !== value) throw refuse();
  return { __typename: type, id: id.toLowerCase() };
}

/**
 * The id of an entity reference by whichever key came: `id` from other subgraphs' references, `nodeKey` from
 * `node(id:)` and search hits (a key clients cannot select, so that the owner always answers).
 */
export function referenceId(reference: { id: string } | { nodeKey: string }): string {
  return 'id' in reference ? reference.id : reference.nodeKey;
}
