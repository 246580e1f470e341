import type { FormattedExecutionResult } from 'graphql';
import type { Client, Sink, SubscribePayload } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { resumableSubscriptions } from './resumable-subscriptions.ts';

/** A graphql-ws client playing one script per subscribe, recording the payload each one sent. */
function scripted(attempts: ((sink: Sink<FormattedExecutionResult>) => void)[]) {
  const sent: SubscribePayload[] = [];
  const held: SubscribePayload[] = [];
  const client = {
    subscribe: (payload: SubscribePayload, sink: Sink<FormattedExecutionResult>) => {
      sent.push(structuredClone(payload));
      held.push(payload);
      attempts[sent.length - 1]!(sink);
      return () => undefined;
    },
  } as unknown as Client;
  return { client, sent, held };
}

function run(client: Client) {
  const events: unknown[] = [];
  return new Promise<{ events: unknown[]; error?: unknown }>((resolve) => {
    client.subscribe(
      { query: 'subscription { commentAdded(postId: "p") { body } }' },
      {
        next: (result) => void events.push(result.data),
        error: (error) => resolve({ events, error }),
        complete: () => resolve({ events }),
      },
    );
  });
}

const event = (body: string, eventId: string) => ({ data: { commentAdded: { body } }, extensions: { eventId } });
const ended = (code: string) => [{ message: 'ended', extensions: { code } }];
const immediately = () => Promise.resolve();

describe('resumableSubscriptions', () => {
  it('keeps the last eventId in the payload graphql-ws holds, which it sends again on reconnecting', async () => {
    const { client, sent, held } = scripted([
      (sink) => {
        sink.next(event('one', 'e1'));
        sink.next(event('two', 'e2'));
        sink.complete();
      },
    ]);
    await run(resumableSubscriptions(client));
    expect(sent[0]!.extensions).toEqual({});
    expect(held[0]!.extensions).toEqual({ lastEventId: 'e2' });
  });

  it('subscribes again from the last event when the gateway ends the subscription asking for it', async () => {
    const { client, sent } = scripted([
      (sink) => {
        sink.next(event('one', 'e1'));
        sink.error(ended('SUBSCRIPTION_SCHEMA_RELOAD'));
      },
      (sink) => {
        sink.next(event('two', 'e2'));
        sink.complete();
      },
    ]);
    const { events, error } = await run(resumableSubscriptions(client, { retryWait: immediately }));
    expect(error).toBeUndefined();
    expect(events).toEqual([{ commentAdded: { body: 'one' } }, { commentAdded: { body: 'two' } }]);
    expect(sent.map((payload) => payload.extensions?.['lastEventId'])).toEqual([undefined, 'e1']);
  });

  it('passes any other ending on, and gives up after retryAttempts', async () => {
    const refused = scripted([(sink) => sink.error(ended('SUBSCRIPTION_CANNOT_RESUME'))]);
    expect((await run(resumableSubscriptions(refused.client, { retryWait: immediately }))).error).toEqual(
      ended('SUBSCRIPTION_CANNOT_RESUME'),
    );
    expect(refused.sent).toHaveLength(1);
    const reload = (sink: Sink<FormattedExecutionResult>) => sink.error(ended('SUBSCRIPTION_SCHEMA_RELOAD'));
    const reloads = scripted([reload, reload, reload, reload]);
    const result = await run(resumableSubscriptions(reloads.client, { retryWait: immediately, retryAttempts: 2 }));
    expect(result.error).toEqual(ended('SUBSCRIPTION_SCHEMA_RELOAD'));
    expect(reloads.sent).toHaveLength(3);
  });
});
