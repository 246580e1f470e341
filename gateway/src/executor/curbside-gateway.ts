import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerOptionsWithGateway, ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { makeCurbsideExecutor, type CurbsideExecutorOptions } from './executor.ts';
import { DeferredResponses, deferredDeliveryPlugin } from './incremental.ts';
import { SupergraphPlanning } from './planning.ts';

/** What Apollo Server takes as `gateway`. */
export type GatewayInterface = ApolloServerOptionsWithGateway<GatewayContext>['gateway'];

/** The gateway with its own executor, and the API schema it runs operations against. */
export interface CurbsideGateway extends GatewayInterface {
  /** The current supergraph's API schema, with `@defer`; throws before the first supergraph is loaded. */
  apiSchema(): GraphQLSchema;
}

/**
 * `ApolloGateway` with the gateway's own executor in place of `executeQueryPlan`: Apollo's gateway still loads
 * and switches supergraphs and builds the data sources; each supergraph it loads is planned here too, with
 * `@defer` enabled, and clients validate against that API schema (which declares `@defer`). Apollo Server runs
 * everything else around the executor as before (parsing, validation, plugins: limits, cost, metrics).
 */
export function withCurbsideExecutor(
  gateway: ApolloGateway,
  options: Omit<CurbsideExecutorOptions, 'planning'>,
): CurbsideGateway {
  let planning: SupergraphPlanning | undefined;
  const current = (): SupergraphPlanning => {
    if (!planning) throw new Error('the gateway has not loaded a supergraph yet');
    return planning;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      return gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
        if (planning?.supergraphSdl !== coreSupergraphSdl) {
          planning = new SupergraphPlanning(coreSupergraphSdl, { enableDefer: true });
        }
        callback({ apiSchema: planning.schema, coreSupergraphSdl });
      });
    },
    async load(loadOptions) {
      await gateway.load(loadOptions);
      return { executor: makeCurbsideExecutor({ ...options, planning: current }) };
    },
    stop: () => gateway.stop(),
    apiSchema: () => current().schema,
  };
}

/**
 * What Apollo Server runs: Apollo's gateway around the gateway's own executor, the plugin that streams deferred
 * parts, and its API schema (which declares `@defer`), for transports that validate operations themselves
 * (graphql-ws).
 */
export function curbsideGateway(
  gateway: ApolloGateway,
  options: {
    /** The data sources Apollo's gateway built, by subgraph name (filled as it loads supergraphs). */
    dataSources: ReadonlyMap<string, GraphQLDataSource>;
    formatError: CurbsideExecutorOptions['formatError'];
  },
): {
  gateway: CurbsideGateway;
  plugins: ApolloServerPlugin<GatewayContext>[];
  apiSchema: () => GraphQLSchema;
} {
  const deferredResponses = new DeferredResponses();
  const { dataSources, formatError } = options;
  const curbside = withCurbsideExecutor(gateway, {
    dataSource: (name) => dataSources.get(name),
    formatError,
    deferredResponses,
  });
  return {
    gateway: curbside,
    plugins: [deferredDeliveryPlugin<GatewayContext>(deferredResponses)],
    apiSchema: () => curbside.apiSchema(),
  };
}
