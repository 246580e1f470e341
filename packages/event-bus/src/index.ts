export { bullConnection, bullPrefix, closeBullConnection, queueOptions } from './connection.ts';
export { eventJobOptions, startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export { eventBatchJobId, eventBatchJobName } from './batch.ts';
export {
  outboxPruningDefaults,
  pruneSentOutbox,
  deleteInBatches,
  startPruning,
  startOutboxPruning,
  unqueuedEventNames,
  type OutboxPruning,
  type OutboxPruningSettings,
} from './prune.ts';
export {
  deadLetterId,
  deadLetterQueueName,
  listDeadLetters,
  retryDeadLetter,
  type DeadLetter,
} from './dead-letters.ts';
export {
  defineEventHandler,
  scheduledQueueName,
  startEventConsumer,
  startEventHandlers,
  type EventConsumer,
  type EventBatchHandling,
  type EventConsumerOptions,
  type EventHandler,
  type EventHandlersOptions,
  type HandlerOf,
  type JobObserver,
  type WorkersEventHandler,
} from './consumer.ts';
