export { bullConnection, bullPrefix } from './connection.ts';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export { startEventConsumer, type EventConsumer, type EventConsumerOptions } from './consumer.ts';
