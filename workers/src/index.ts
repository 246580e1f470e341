export { createWorkers, scheduledQueueName, type Workers, type WorkersDeps } from './workers.ts';
export { workerModules } from './modules.ts';
