/** Reading multipart HTTP subscriptions in tests (`multipart/mixed;subscriptionSpec=1.0`, as the gateway streams them). */

const boundary = '\r\n--graphql';

/**
 * A multipart subscription response, part by part: each part's JSON body (a heartbeat is `{}`). Ends when the
 * response does.
 */
export async function* multipartParts(response: Response): AsyncGenerator<Record<string, any>> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf(boundary)) >= 0) {
      const part = buffer.slice(0, end);
      buffer = buffer.slice(end + boundary.length);
      const body = part.slice(part.indexOf('\r\n\r\n') + 4);
      if (part.includes('\r\n\r\n') && body.trim()) yield JSON.parse(body);
    }
  }
}
