/**
 * The yardstick of `bench:gateway`: a bare @apollo/gateway on @apollo/server's standalone server, in a process
 * of its own. Same supergraph and subgraphs as Curbside's gateway, none of its protections (no token
 * verification, operation limits, rate limits, metrics, request logs, timeouts or circuit breaking), Apollo's
 * own subgraph HTTP client. It forwards the caller's Authorization header, as any deployment must for the
 * subgraphs to know the viewer.
 *
 * Environment: PORT (required), SUPERGRAPH_PATH (default the committed supergraph), SUBGRAPH_URL_<NAME> (the
 * URL of subgraph <name>, default the supergraph's).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

interface Context {
  authorization: string | undefined;
}

class ForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

const port = Number(process.env['PORT']);
if (!Number.isInteger(port) || port < 1) throw new Error(`PORT must be a port number, got '${process.env['PORT']}'`);
const supergraphPath =
  process.env['SUPERGRAPH_PATH'] ?? fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const subgraphUrls = new Map<string, string>();
for (const [name, value] of Object.entries(process.env)) {
  const match = /^SUBGRAPH_URL_([A-Z0-9_]+)$/.exec(name);
  if (match?.[1] && value) subgraphUrls.set(match[1].toLowerCase(), value);
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  buildService: ({ name, url }) => new ForwardingDataSource({ url: subgraphUrls.get(name) ?? url }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(JSON.stringify({ msg: 'bare gateway ready', url }));
