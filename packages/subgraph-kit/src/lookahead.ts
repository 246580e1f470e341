import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function childFields(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo, name: string): FieldNode[] {
  if (!selectionSet) return [];
  const found: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === name) found.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) found.push(...childFields(selection.selectionSet, info, name));
    else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = info.fragments[selection.name.value];
      if (fragment) found.push(...childFields(fragment.selectionSet, info, name));
    }
  }
  return found;
}

/**
 * True when the current field's selection reaches `path` (field names, through fragments): lets a
 * resolver load, in the same query, what a nested field will ask for.
 */
export function selectsPath(info: GraphQLResolveInfo, path: string[]): boolean {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    level = level.flatMap((field) => childFields(field.selectionSet, info, name));
    if (level.length === 0) return false;
  }
  return true;
}
