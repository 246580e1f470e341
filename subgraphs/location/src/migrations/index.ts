import { Migration20261121020000_locations } from './Migration20261121020000_locations.ts';
import { Migration20261215000000_location_history_created } from './Migration20261215000000_location_history_created.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
} from '@curbside/subgraph-kit';

/** Every migration of the location database, oldest first. */
export const migrations = [
  { name: 'Migration20261121020000_locations', class: Migration20261121020000_locations },
  { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
  { name: 'Migration20261210000000_outbox_sent_index', class: Migration20261210000000_outbox_sent_index },
  { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
  {
    name: 'Migration20261215000000_location_history_created',
    class: Migration20261215000000_location_history_created,
  },
];
