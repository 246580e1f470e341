import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { rootFieldsOf } from './root-fields.ts';

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
 * The sign-in attempts of an operation as it would execute: its root fields as graphql-js runs them
 * (`rootFieldsOf`: fragments expanded, `@skip`/`@include` applied, each response key once) and arguments read with the variables
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
  const fields = rootFieldsOf(document, operation, coercedVariables);
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
