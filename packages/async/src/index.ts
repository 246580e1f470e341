export { BoundedQueue, type BoundedQueueOptions } from './bounded-queue.ts';
export { atDeadline } from './deadline.ts';
