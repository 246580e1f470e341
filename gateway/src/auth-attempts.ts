import { createRequire } from 'node:module';
import type {
  DirectiveNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/** graphql's CommonJS build: the schema comes from Apollo's packages (CommonJS). */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** The root mutation fields that try a credential: each one executed is one sign-in attempt. */
const attemptFields = new Set(['login', 'refreshSession']);

/** The longest account name (an email address) counted as itself. */
const maxAccountNameLength = 320;

/** Sign-in attempts an operation would make, and the account names its `login` fields would try. */
export interface AuthAttempts {
  /** login and refreshSession fields that would execute (each alias once, however it is spelled). */
  count: number;
  /** Each account name a login would try (trimmed, lower-cased), with how many times. */
  accounts: Map<string, number>;
}

/**
 * The sign-in attempts of an operation as it would execute: root fields collected the way graphql-js does
 * (inline and named fragments expanded, `@skip`/`@include` applied) and arguments read with the variables
 * already coerced (defaults applied), so no spelling of the same mutation escapes the count. The operation
 * must have passed validation (fragments exist and do not cycle).
 */
export function authAttemptsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  coercedVariables: Record<string, unknown>,
): AuthAttempts {
  const attempts: AuthAttempts = { count: 0, accounts: new Map() };
  const mutationType = schema.getMutationType();
  if (operation.operation !== 'mutation' || !mutationType) return attempts;
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
  // By response key, as graphql-js executes them: fields sharing one (validation makes their arguments equal)
  // run once.
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
  const mutationFields = mutationType.getFields();
  for (const field of fields.values()) {
    const name = field.name.value;
    if (!attemptFields.has(name)) continue;
    attempts.count++;
    const definition = mutationFields[name];
    if (name !== 'login' || !definition) continue;
    let account: unknown;
    try {
      const args = graphqlCjs.getArgumentValues(definition, field, coercedVariables);
      account = (args['input'] as { login?: unknown } | undefined)?.login;
    } catch {
      continue; // an invalid argument fails before the resolver runs: no attempt on any account
    }
    if (typeof account !== 'string') continue;
    // Bounded: a key is kept in Redis for a minute, and no account name is longer (longer logins are refused).
    const key = account.trim().toLowerCase().slice(0, maxAccountNameLength);
    attempts.accounts.set(key, (attempts.accounts.get(key) ?? 0) + 1);
  }
  return attempts;
}
