/**
 * The `fetch` the Slack WebClient is given. Every customer message costs at least one Web API call,
 * and the global fetch (undici with web streams) was the largest single cost of the bridge's CPU in
 * `npm run bench` profiles. The Web API's calls are small form-encoded POSTs with small JSON
 * answers, so they go over node:http(s) on a keep-alive agent and come back as the few `Response`
 * members WebClient reads (status, headers, text, arrayBuffer, url). Anything else — a FormData or
 * stream body (file uploads), another method — is left to the global fetch.
 */
import http from 'node:http';
import https from 'node:https';

/** Enough sockets for the core's concurrency towards Slack; idle ones are kept for the next call. */
const MAX_SOCKETS = 64;

/** The members of `Response` that @slack/web-api's WebClient uses. */
interface MinimalResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null; entries(): IterableIterator<[string, string]> };
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export function keepAliveFetch(): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
  const lean = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const method = init?.method ?? 'GET';
    const body = init?.body;
    const protocol = url?.startsWith('https:') ? 'https:' : url?.startsWith('http:') ? 'http:' : undefined;
    if (url === undefined || protocol === undefined || method !== 'POST' || (body !== undefined && body !== null && typeof body !== 'string')) {
      return globalThis.fetch(input, init);
    }
    return post(url, protocol, agents[protocol], init?.headers, body ?? '', init?.signal ?? undefined) as Promise<unknown> as Promise<Response>;
  };
  return lean as typeof fetch;
}

function post(
  url: string,
  protocol: 'http:' | 'https:',
  agent: http.Agent,
  headers: RequestInit['headers'],
  body: string,
  signal: AbortSignal | undefined,
): Promise<MinimalResponse> {
  const outgoing: Record<string, string> = { ...plainHeaders(headers), 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const request = (protocol === 'https:' ? https : http).request(url, { method: 'POST', agent, headers: outgoing, signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve(minimalResponse(url, response.statusCode ?? 0, response.statusMessage ?? '', response.headers, bytes));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

function minimalResponse(url: string, status: number, statusText: string, raw: http.IncomingHttpHeaders, bytes: Buffer): MinimalResponse {
  const flat = (value: string | string[] | undefined): string | null => (value === undefined ? null : Array.isArray(value) ? value.join(', ') : value);
  return {
    status,
    statusText,
    url,
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => flat(raw[name.toLowerCase()]),
      *entries() {
        for (const [name, value] of Object.entries(raw)) if (value !== undefined) yield [name, flat(value)!];
      },
    },
    text: async () => bytes.toString('utf8'),
    json: async () => JSON.parse(bytes.toString('utf8')) as unknown,
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}
