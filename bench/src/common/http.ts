/** The load clients' HTTP: node:http with keep-alive agents, lighter than fetch, so less of the client is measured. */
import { request, type Agent } from 'node:http';

/** POSTs a JSON `body` to `target` over `agent`, with `headers` besides the content type and length. */
export function postJson(
  agent: Agent,
  target: URL,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
