import { ApolloLink, gql, type ApolloLink as Link } from '@apollo/client';
import { CombinedProtocolErrors, PROTOCOL_ERRORS_SYMBOL } from '@apollo/client/errors';
import { execute } from '@apollo/client/link';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { resumableMultipartLink } from './resumable-multipart.ts';

const subscription = gql`
  subscription {
    commentAdded(postId: "p") {
      body
    }
  }
`;

/** A terminating link playing one script per attempt, recording the extensions each attempt sent. */
function scripted(attempts: ((observer: { next(value: unknown): void; error(error: unknown): void }) => void)[]) {
  const sent: Record<string, unknown>[] = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        sent.push({ ...operation.extensions });
        attempts[sent.length - 1]!(observer as never);
      }) as never,
  );
  return { link, sent };
}

function run(link: Link) {
  const events: unknown[] = [];
  return new Promise<{ events: unknown[]; error?: unknown }>((resolve) => {
    execute(link, { query: subscription }, { client: {} as never }).subscribe({
      next: (result) => void events.push(result.data),
      error: (error) => resolve({ events, error }),
      complete: () => resolve({ events }),
    });
  });
}

const event = (body: string, eventId: string) => ({ data: { commentAdded: { body } }, extensions: { eventId } });
const immediately = () => Promise.resolve();

describe('resumableMultipartLink', () => {
  it('sends the subscription again after a dropped connection, from the last event received', async () => {
    const { link, sent } = scripted([
      (observer) => {
        observer.next(event('one', 'e1'));
        observer.next(event('two', 'e2'));
        observer.error(new TypeError('terminated'));
      },
      (observer) => observer.error(new TypeError('fetch failed')), // still offline: no event, same resume point
      (observer) => {
        observer.next(event('three', 'e3'));
        (observer as unknown as { complete(): void }).complete();
      },
    ]);
    const { events, error } = await run(ApolloLink.from([resumableMultipartLink({ retryWait: immediately }), link]));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { commentAdded: { body: 'one' } },
      { commentAdded: { body: 'two' } },
      { commentAdded: { body: 'three' } },
    ]);
    expect(sent.map((extensions) => extensions['lastEventId'])).toEqual([undefined, 'e2', 'e2']);
  });

  it("passes the gateway's refusals on without retrying", async () => {
    const refusal = new CombinedProtocolErrors([
      { message: 'gone', extensions: { code: 'SUBSCRIPTION_CANNOT_RESUME' } },
    ]);
    const { link, sent } = scripted([(observer) => observer.error(refusal)]);
    const { error } = await run(ApolloLink.from([resumableMultipartLink({ retryWait: immediately }), link]));
    expect(error).toBe(refusal);
    expect(sent).toHaveLength(1);
  });

  it('sends it again, from the last event, when the gateway ends the stream asking for that', async () => {
    const reload = new CombinedProtocolErrors([
      { message: 'reload', extensions: { code: 'SUBSCRIPTION_SCHEMA_RELOAD' } },
    ]);
    const { link, sent } = scripted([
      (observer) => {
        observer.next(event('one', 'e1'));
        // The multipart part {"payload": null, "errors": [...]}, as Apollo Client's HttpLink passes it on.
        observer.next({ extensions: { [PROTOCOL_ERRORS_SYMBOL]: reload } });
      },
      (observer) => {
        observer.next(event('two', 'e2'));
        (observer as unknown as { complete(): void }).complete();
      },
    ]);
    const { events, error } = await run(ApolloLink.from([resumableMultipartLink({ retryWait: immediately }), link]));
    expect(error).toBeUndefined();
    expect(events).toEqual([{ commentAdded: { body: 'one' } }, { commentAdded: { body: 'two' } }]);
    expect(sent.map((extensions) => extensions['lastEventId'])).toEqual([undefined, 'e1']);
  });

  it('gives up after retryAttempts failures in a row', async () => {
    const offline = (observer: { error(error: unknown): void }) => observer.error(new TypeError('fetch failed'));
    const { link, sent } = scripted([offline, offline, offline, offline]);
    const { error } = await run(
      ApolloLink.from([resumableMultipartLink({ retryWait: immediately, retryAttempts: 2 }), link]),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(sent).toHaveLength(3);
  });
});
