/**
 * Bugs the fuzzer has found that are reported and not fixed yet. A finding one of these recognises is listed as
 * `known` rather than `fail`, so `pnpm test` stays green for everyone while a fix is under way and still fails on
 * anything new. Recognition is by the input's shape (not by a masked response, which says nothing), narrowly:
 * delete an entry once its fix lands, and the fuzzer checks the fix from then on.
 */
import { getOperationAST, parse, type DocumentNode } from 'graphql';
import type { FuzzInput } from './inputs.ts';
import type { Problem } from './oracle.ts';

export interface KnownFinding {
  id: string;
  /** What is wrong and where, as reported. */
  why: string;
  matches(problem: Problem, input: FuzzInput): boolean;
}

interface SentOperation {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  method: string;
}

/** The operation an HTTP input carries (POST JSON body or GET query string), when its document parses. */
export function sentOperation(input: FuzzInput): SentOperation | null {
  if (input.kind === 'ws') return null;
  const { http } = input;
  let fields: Record<string, unknown>;
  try {
    if (http.method === 'GET') {
      const params = new URLSearchParams(http.target.split('?')[1] ?? '');
      fields = {
        query: params.get('query'),
        operationName: params.get('operationName') ?? undefined,
        variables: JSON.parse(params.get('variables') ?? '{}'),
      };
    } else {
      fields = JSON.parse(typeof http.body === 'string' ? http.body : Buffer.from(http.body).toString('utf8'));
    }
    if (typeof fields['query'] !== 'string') return null;
    const document = parse(fields['query']);
    const variables = fields['variables'];
    return {
      document,
      operationName: typeof fields['operationName'] === 'string' ? fields['operationName'] : undefined,
      variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {},
      method: http.method,
    };
  } catch {
    return null;
  }
}

const maskedFailure = (problem: Problem) => problem.category === 'http-5xx' || problem.category === 'masked-internal';

export const knownFindings: KnownFinding[] = [
  {
    id: 'unknown-operation-name',
    why:
      'operationName naming no operation of the document, or left out when it has several: @apollo/gateway throws ' +
      'INVALID_GRAPHQL ("Unknown operation named", "Must provide operation name"), which formatError masks: HTTP 500 ' +
      'instead of a 400 OPERATION_RESOLUTION_FAILURE (gateway/src/gateway.ts)',
    matches(problem, input) {
      const sent = sentOperation(input);
      return maskedFailure(problem) && !!sent && !getOperationAST(sent.document, sent.operationName);
    },
  },
  {
    id: 'subscription-over-get',
    why:
      'a subscription sent with GET goes to Apollo, which cannot run it: HTTP 500 instead of a 400/405 ' +
      '(gateway/src/gateway.ts handles subscriptions for POST only)',
    matches(problem, input) {
      const sent = sentOperation(input);
      return (
        maskedFailure(problem) &&
        sent?.method === 'GET' &&
        getOperationAST(sent.document, sent.operationName)?.operation === 'subscription'
      );
    },
  },
  {
    id: 'missing-variable-in-directive',
    why:
      'a required variable left out of the variables and used in @include/@skip: the operation measure ' +
      '(gateway/src/operation-limits.ts, run in didResolveOperation) throws an uncoded GraphQLError, masked: HTTP 500 ' +
      'instead of 400 BAD_USER_INPUT; over graphql-ws, graphql-js validation of a subscription throws the same ' +
      'and graphql-ws closes the socket 4500 with the message (gateway/src/subscriptions/websocket.ts)',
    matches(problem, input) {
      if (problem.category === 'ws-internal-close') {
        return /was provided the variable "\$\w+" which was not provided a runtime value/.test(problem.detail);
      }
      const sent = sentOperation(input);
      if (!maskedFailure(problem) || !sent) return false;
      const operation = getOperationAST(sent.document, sent.operationName);
      return !!operation?.variableDefinitions?.some(
        (definition) =>
          definition.type.kind === 'NonNullType' &&
          !definition.defaultValue &&
          sent.variables[definition.variable.name.value] == null,
      );
    },
  },
  {
    id: 'skipped-subscription-root',
    why:
      'a subscription whose root field is left out by @skip/@include plans to nothing: over multipart HTTP 500, over ' +
      'graphql-ws a 4500 close "expected a subscription plan, got none" (gateway/src/subscriptions/planner.ts); it ' +
      'should be refused as a bad request, or complete at once',
    matches(problem, input) {
      if (problem.category === 'ws-internal-close') return problem.detail.includes('expected a subscription plan');
      const sent = sentOperation(input);
      const operation = sent && getOperationAST(sent.document, sent.operationName);
      return (
        maskedFailure(problem) &&
        operation?.operation === 'subscription' &&
        operation.selectionSet.selections.some((selection) => (selection.directives ?? []).length > 0)
      );
    },
  },
  {
    id: 'ws-deeply-nested-message',
    why:
      'a graphql-ws message nested a few thousand levels deep (a ping payload of [[[[...]]]]) overflows the stack ' +
      'in the message handling: 4500 "Maximum call stack size exceeded" (gateway/src/subscriptions/websocket.ts, ' +
      'graphql-ws); it should be a 4400',
    matches: (problem) =>
      problem.category === 'ws-internal-close' && problem.detail.includes('Maximum call stack size exceeded'),
  },
  {
    id: 'parser-stack-overflow',
    why:
      "selections nested a few thousand deep within maxTokens (15,000) overflow the parser's recursion: the client " +
      'gets GRAPHQL_PARSE_FAILED "Maximum call stack size exceeded" (an internal message, and a stack overflow per ' +
      'request); the nesting should be refused before parsing (gateway/src/operation-limits.ts)',
    matches: (problem) => problem.category === 'leak' && problem.detail.includes('Maximum call stack size exceeded'),
  },
];
