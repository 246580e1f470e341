import { Migration20261130000000_search } from './Migration20261130000000_search.ts';

/**
 * Every migration of the search database, oldest first. The search subgraph records no domain events, so
 * unlike the others it has no outbox (and no relay).
 */
export const migrations = [{ name: 'Migration20261130000000_search', class: Migration20261130000000_search }];
