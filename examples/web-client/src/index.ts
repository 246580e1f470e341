export { resumableSubscriptions } from './resumable-subscriptions.ts';
