export {
  makeRedisPubSub,
  type PubSub,
  HistoryUnavailableError,
  historyIdPattern,
  type HistoryOptions,
  type PubSubStats,
  type ReplayRange,
  type RedisPubSubOptions,
  type SubscribeOptions,
  type TopicName,
  type TopicPayload,
  type TopicSchemas,
} from './pubsub.ts';
export { BufferedSubscription, type Subscription } from './subscription.ts';
