export { BoundedQueue, type BoundedQueueOptions } from './bounded-queue.ts';
export { manualClock, systemClock, type Clock, type ManualClock } from './clock.ts';
export { atDeadline } from './deadline.ts';
export { mapConcurrently } from './map-concurrently.ts';
export { DeadlineSet, type Expiring } from './deadline-set.ts';
