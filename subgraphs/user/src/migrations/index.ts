import { Migration20261121000000_accounts } from './Migration20261121000000_accounts.ts';
import { Migration20261128000000_social_graph } from './Migration20261128000000_social_graph.ts';
import { Migration20261206000000_notifications } from './Migration20261206000000_notifications.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
} from '@curbside/subgraph-kit';

/** Every migration of the user database, oldest first. */
export const migrations = [
  { name: 'Migration20261121000000_accounts', class: Migration20261121000000_accounts },
  { name: 'Migration20261128000000_social_graph', class: Migration20261128000000_social_graph },
  { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
  { name: 'Migration20261206000000_notifications', class: Migration20261206000000_notifications },
  { name: 'Migration20261210000000_outbox_sent_index', class: Migration20261210000000_outbox_sent_index },
  { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
];
