import { Migration20261121000000_vendors } from './Migration20261121000000_vendors.ts';
import { Migration20261128000000_vendor_open_and_follows } from './Migration20261128000000_vendor_open_and_follows.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
} from '@curbside/subgraph-kit';

/** Every migration of the vendor database, oldest first. */
export const migrations = [
  { name: 'Migration20261121000000_vendors', class: Migration20261121000000_vendors },
  { name: 'Migration20261128000000_vendor_open_and_follows', class: Migration20261128000000_vendor_open_and_follows },
  { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
  { name: 'Migration20261210000000_outbox_sent_index', class: Migration20261210000000_outbox_sent_index },
  { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
];
