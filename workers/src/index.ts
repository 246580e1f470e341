export { createWorkers, type Workers, type WorkersDeps } from './workers.ts';
export { workerModules } from './modules.ts';
export { startWorkersProbe, type WorkersProbe, type WorkersReadiness } from './probe.ts';
