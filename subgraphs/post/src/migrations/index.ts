import { Migration20261128120000_posts } from './Migration20261128120000_posts.ts';
import { Migration20261206000000_follow_copy } from './Migration20261206000000_follow_copy.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
} from '@curbside/subgraph-kit';

/** Every migration of the post database, oldest first. */
export const migrations = [
  { name: 'Migration20261128120000_posts', class: Migration20261128120000_posts },
  { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
  { name: 'Migration20261206000000_follow_copy', class: Migration20261206000000_follow_copy },
  { name: 'Migration20261210000000_outbox_sent_index', class: Migration20261210000000_outbox_sent_index },
  { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
];
