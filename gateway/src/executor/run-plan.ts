import type { DeferNode, DeferredNode, PlanNode } from '@apollo/query-planner';
import { runFetch, type FetchScope } from './fetch.ts';
import { graphql } from './graphql-cjs.ts';

/** A deferred block whose fetches are done: the response part it adds can be shaped and sent. */
export interface CompletedDeferredBlock {
  block: DeferredNode;
  /** Errors of the block's own fetches. */
  errors: FetchScope['errors'];
}

/** How `Defer` nodes run: `inline` (the whole result at once) or `stream` (deferred blocks after the rest). */
export type DeferMode =
  | { kind: 'inline' }
  | {
      kind: 'stream';
      /** Told, synchronously, of every deferred block as it starts: the stream is not over while any runs. */
      started(): void;
      /** Told of every block once its fetches are done and the block it is nested in was delivered. */
      completed(block: CompletedDeferredBlock): Promise<void>;
    };

/** What a plan node runs with: the fetch scope and, for deferred blocks, when the enclosing part goes out. */
export interface RunScope extends FetchScope {
  /** The operation's variables, coerced (defaults applied): `Condition` nodes read them. */
  variables: Readonly<Record<string, unknown>>;
  defer: DeferMode;
  /** Resolves once the part this node belongs to was delivered (nested deferred blocks wait for it). */
  delivered: Promise<void>;
}

/**
 * Runs a plan node at a plan path: `Sequence` in order, `Parallel` at once, `Flatten` one level down,
 * `Condition` by its variable, `Fetch` through the subgraph's data source, `Defer` by the scope's mode.
 * A fetch that throws becomes an error of the part it belongs to; the rest of the plan goes on.
 */
export async function runPlanNode(
  scope: RunScope,
  node: PlanNode,
  planPath: readonly (string | number)[],
): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await runPlanNode(scope, child, planPath);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => runPlanNode(scope, child, planPath)));
      return;
    case 'Flatten':
      return runPlanNode(scope, node.node, [...planPath, ...node.path]);
    case 'Condition': {
      const branch = scope.variables[node.condition] === true ? node.ifClause : node.elseClause;
      if (branch) await runPlanNode(scope, branch, planPath);
      return;
    }
    case 'Fetch':
      try {
        await runFetch(scope, node, planPath);
      } catch (error) {
        scope.errors.push(asGraphQLError(error));
      }
      return;
    case 'Defer':
      return runDefer(scope, node, planPath);
  }
}

/**
 * The primary part first; then every deferred block. Inline, they are awaited here (the whole result at once).
 * Streamed, they run on their own once the primary part is done (their `depends` are fetches of the primary
 * part or of the block they are nested in), and each is handed over when done and its parent delivered.
 */
async function runDefer(scope: RunScope, node: DeferNode, planPath: readonly (string | number)[]): Promise<void> {
  if (node.primary.node) await runPlanNode(scope, node.primary.node, planPath);
  const { defer } = scope;
  if (defer.kind === 'inline') {
    await Promise.all(node.deferred.map((block) => (block.node ? runPlanNode(scope, block.node, planPath) : null)));
    return;
  }
  for (const block of node.deferred) {
    defer.started();
    let markDelivered!: () => void;
    const delivered = new Promise<void>((resolve) => (markDelivered = resolve));
    const blockScope: RunScope = { ...scope, errors: [], delivered };
    // Not awaited: the block runs on its own. It cannot reject: a failure of the plan becomes an error of the
    // block, and `completed` reports its own failures in the payload.
    void (async () => {
      try {
        if (block.node) await runPlanNode(blockScope, block.node, planPath);
      } catch (error) {
        blockScope.errors.push(asGraphQLError(error));
      }
      await scope.delivered;
      try {
        await defer.completed({ block, errors: blockScope.errors });
      } finally {
        markDelivered();
      }
    })();
  }
}

function asGraphQLError(error: unknown): InstanceType<typeof graphql.GraphQLError> {
  return error instanceof graphql.GraphQLError ? error : new graphql.GraphQLError((error as Error).message);
}
