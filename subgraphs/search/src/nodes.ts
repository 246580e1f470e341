import { badUserInput } from '@curbside/errors';
import { maxNodeIds, parseGlobalId } from '@curbside/subgraph-kit';
import type { ResultReference } from './entities.ts';

/**
 * `node(id:)`: the reference a global id names, without looking anything up. The planner takes every field the
 * client selects from the owning subgraph (the stubs here are keyed by `nodeKey`, which clients cannot select),
 * and the owner's `__resolveReference` answers null for what does not exist or what the viewer may not see.
 */
export function nodeReference(globalId: string, argument = 'id'): ResultReference {
  const { __typename, id } = parseGlobalId(globalId, argument);
  return { __typename, nodeKey: id };
}

/** `nodes(ids:)`: one reference per id, in order; at most `maxNodeIds`, every id checked before any is used. */
export function nodeReferences(globalIds: readonly string[]): ResultReference[] {
  if (globalIds.length < 1 || globalIds.length > maxNodeIds) {
    throw badUserInput({ ids: `expected 1 to ${maxNodeIds} global ids, got ${globalIds.length}` });
  }
  return globalIds.map((globalId, index) => nodeReference(globalId, `ids[${index}]`));
}
