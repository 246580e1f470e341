import { Migration20261128130000_media } from './Migration20261128130000_media.ts';
import { Migration20261130100000_media_processing } from './Migration20261130100000_media_processing.ts';
import {
  Migration20261129000000_outbox_notify,
  Migration20261210000000_outbox_sent_index,
  Migration20261211000000_outbox_traceparent,
} from '@curbside/subgraph-kit';

/** Every migration of the media database, oldest first. */
export const migrations = [
  { name: 'Migration20261128130000_media', class: Migration20261128130000_media },
  { name: 'Migration20261129000000_outbox_notify', class: Migration20261129000000_outbox_notify },
  { name: 'Migration20261130100000_media_processing', class: Migration20261130100000_media_processing },
  { name: 'Migration20261210000000_outbox_sent_index', class: Migration20261210000000_outbox_sent_index },
  { name: 'Migration20261211000000_outbox_traceparent', class: Migration20261211000000_outbox_traceparent },
];
