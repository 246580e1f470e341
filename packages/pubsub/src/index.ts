export {
  makeRedisPubSub,
  type PubSub,
  type PubSubStats,
  type RedisPubSubOptions,
  type SubscribeOptions,
  type TopicName,
  type TopicPayload,
  type TopicSchemas,
} from './pubsub.ts';
export { BufferedSubscription, type Subscription } from './subscription.ts';
