import { createRequire } from 'node:module';
import type {
  DirectiveNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The root fields of an operation as graphql-js would execute them, by response key: inline and named
 * fragments expanded, `@skip` / `@include` applied with the coerced variables, and fields sharing a response
 * key (validation makes their arguments equal) kept once, as they run once. The operation must have passed
 * validation (fragments exist and do not cycle) and its variables must have coerced.
 */
export function rootFieldsOf(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  coercedVariables: Record<string, unknown>,
): Map<string, FieldNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  const included = (node: { readonly directives?: readonly DirectiveNode[] | undefined }) => {
    const skip = graphqlCjs.getDirectiveValues(graphqlCjs.GraphQLSkipDirective, node, coercedVariables);
    if (skip?.['if'] === true) return false;
    const include = graphqlCjs.getDirectiveValues(graphqlCjs.GraphQLIncludeDirective, node, coercedVariables);
    return include?.['if'] !== false;
  };
  const fields = new Map<string, FieldNode>();
  // graphql-js spreads a named fragment once per selection set; validation already refused cycles.
  const collect = (selectionSet: SelectionSetNode, spread: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === 'Field') {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, selection);
      } else if (selection.kind === 'InlineFragment') collect(selection.selectionSet, spread);
      else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, spread);
      }
    }
  };
  collect(operation.selectionSet, new Set());
  return fields;
}

/**
 * Whether a root selection of the operation (inline fragments and fragment spreads at the root included) carries
 * `@skip` or `@include`: whether the operation's root depends on its variables.
 */
export function hasConditionalRoot(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  const conditional = (node: { readonly directives?: readonly DirectiveNode[] | undefined }) =>
    (node.directives ?? []).some((directive) => directive.name.value === 'skip' || directive.name.value === 'include');
  const visit = (selectionSet: SelectionSetNode, spread: Set<string>): boolean =>
    selectionSet.selections.some((selection) => {
      if (conditional(selection)) return true;
      if (selection.kind === 'Field') return false;
      if (selection.kind === 'InlineFragment') return visit(selection.selectionSet, spread);
      if (spread.has(selection.name.value)) return false;
      spread.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      return fragment ? visit(fragment.selectionSet, spread) : false;
    });
  return visit(operation.selectionSet, new Set());
}
