/**
 * The deployables and where they listen locally. Ports and database names are the defaults each
 * service's env.ts uses too, and the ones docker-compose.yml runs them on (it publishes only the gateway's).
 */
export interface SubgraphService {
  name: string;
  /** The SDL file: the schema is the file. */
  schemaPath: string;
  /** Entry file of the process (reads the environment, listens). */
  entry: string;
  port: number;
  /** Environment variable naming its database, and the default name. */
  databaseVariable: string;
  database: string;
}

export const subgraphServices: SubgraphService[] = [
  {
    name: 'user',
    schemaPath: 'subgraphs/user/src/schema.graphql',
    entry: 'subgraphs/user/src/main.ts',
    port: 4001,
    databaseVariable: 'USER_DATABASE',
    database: 'curbside_user',
  },
  {
    name: 'vendor',
    schemaPath: 'subgraphs/vendor/src/schema.graphql',
    entry: 'subgraphs/vendor/src/main.ts',
    port: 4002,
    databaseVariable: 'VENDOR_DATABASE',
    database: 'curbside_vendor',
  },
  {
    name: 'location',
    schemaPath: 'subgraphs/location/src/schema.graphql',
    entry: 'subgraphs/location/src/main.ts',
    port: 4003,
    databaseVariable: 'LOCATION_DATABASE',
    database: 'curbside_location',
  },
  {
    name: 'post',
    schemaPath: 'subgraphs/post/src/schema.graphql',
    entry: 'subgraphs/post/src/main.ts',
    port: 4004,
    databaseVariable: 'POST_DATABASE',
    database: 'curbside_post',
  },
  {
    name: 'media',
    schemaPath: 'subgraphs/media/src/schema.graphql',
    entry: 'subgraphs/media/src/main.ts',
    port: 4005,
    databaseVariable: 'MEDIA_DATABASE',
    database: 'curbside_media',
  },
  {
    name: 'search',
    schemaPath: 'subgraphs/search/src/schema.graphql',
    entry: 'subgraphs/search/src/main.ts',
    port: 4006,
    databaseVariable: 'SEARCH_DATABASE',
    database: 'curbside_search',
  },
];

export const gatewayService = { name: 'gateway', entry: 'gateway/src/main.ts', port: 4000 };

/** The workers' probe endpoint (/health, /ready): their only port. */
export const workersProbePort = 4010;

/** BullMQ workers: they use the subgraphs' databases once the subgraphs have migrated them. */
export const workersService = { name: 'workers', entry: 'workers/src/main.ts', port: workersProbePort };

/** The URL each subgraph has in the committed supergraph (the gateway can override each one). */
export const subgraphUrl = (service: SubgraphService): string => `http://127.0.0.1:${service.port}/graphql`;
