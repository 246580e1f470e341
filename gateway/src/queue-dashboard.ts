import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue, type ConnectionOptions } from 'bullmq';
import express from 'express';
import { deadLetterQueueName, queueOptions, scheduledQueueName } from '@curbside/event-bus';
import { eventQueues } from '@curbside/events';

/** Where the dashboard lives on the gateway's host. */
export const queueDashboardPath = '/admin/queues';

export interface QueueDashboard {
  /** Serves a request under `queueDashboardPath` (the caller has checked that it comes from an admin). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/**
 * bull-board over every queue the workers use (the event queues, the scheduled jobs and the dead letters),
 * read from the same Redis and key prefix. It shows jobs (payloads included) and can retry or remove them,
 * so the gateway lets only admins reach it.
 */
export function createQueueDashboard(options: { connection: ConnectionOptions; prefix: string }): QueueDashboard {
  const names = [...Object.keys(eventQueues), scheduledQueueName, deadLetterQueueName];
  const queues = names.map((name) => new Queue(name, queueOptions(options, name)));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(queueDashboardPath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: queue.name === scheduledQueueName })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Curbside queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(queueDashboardPath, serverAdapter.getRouter());
  return {
    handle: (req, res) => app(req as express.Request, res as express.Response),
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
