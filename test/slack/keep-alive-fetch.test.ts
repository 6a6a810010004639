/**
 * The WebClient's `fetch` (adapters/slack/keep-alive-fetch.ts) against a real local HTTP server:
 * what WebClient reads from a response, socket reuse, and what it leaves to the global fetch.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { keepAliveFetch } from '../../adapters/slack/keep-alive-fetch.js';

interface Seen {
  method: string;
  contentType: string | undefined;
  body: string;
  remotePort: number | undefined;
}

describe('keepAliveFetch (Slack Web API transport)', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  let answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body: string; delayMs?: number };

  // nock, once another test file loaded it, replaces Node's sockets (and their reuse) even for
  // allowed hosts: these tests talk to a real local server, so it is switched off meanwhile.
  let nockWasActive = false;
  before(async () => {
    nockWasActive = nock.isActive();
    if (nockWasActive) nock.restore();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString(), remotePort: req.socket.remotePort });
        const reply = answer(req);
        setTimeout(() => res.writeHead(reply.status, reply.headers).end(reply.body), reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    if (nockWasActive) nock.activate();
  });
  beforeEach(() => {
    seen.length = 0;
    answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"ts":"1.2"}' });
  });

  it('posts a form body and answers with what WebClient reads: status, headers, text, url', async () => {
    const fetch = keepAliveFetch();
    const response = await fetch(`${url}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer xoxb-test' },
      body: 'channel=C1&text=%C2%A1Hola%21',
    });
    expect(response.status).to.equal(200);
    expect(response.url).to.equal(`${url}chat.postMessage`);
    expect(response.headers.get('Content-Type')).to.equal('application/json');
    expect(JSON.parse(await response.text())).to.deep.equal({ ok: true, ts: '1.2' });
    expect(seen[0]).to.include({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body: 'channel=C1&text=%C2%A1Hola%21' });
  });

  it('keeps the connection for the next call', async () => {
    const fetch = keepAliveFetch();
    for (let call = 0; call < 3; call++) {
      await (await fetch(`${url}reactions.add`, { method: 'POST', body: `n=${call}` })).text();
    }
    expect(new Set(seen.map((request) => request.remotePort)).size).to.equal(1);
  });

  it('hands a 429 and its Retry-After through, with every header listed for errors', async () => {
    answer = () => ({ status: 429, headers: { 'retry-after': '7', 'x-slack-req-id': 'r1' }, body: '' });
    const response = await keepAliveFetch()(`${url}chat.postMessage`, { method: 'POST', body: 'a=1' });
    expect(response.status).to.equal(429);
    expect(response.headers.get('Retry-After')).to.equal('7');
    expect(Object.fromEntries(response.headers.entries())).to.include({ 'retry-after': '7', 'x-slack-req-id': 'r1' });
  });

  it('gives up when the signal aborts', async () => {
    answer = () => ({ status: 200, body: '{}', delayMs: 2_000 });
    let failure: unknown;
    try {
      await keepAliveFetch()(`${url}chat.postMessage`, { method: 'POST', body: 'a=1', signal: AbortSignal.timeout(50) });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error);
  });

  it('leaves a multipart upload to the global fetch', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'a.bin');
    const response = await keepAliveFetch()(`${url}files.upload`, { method: 'POST', body: form });
    expect(response.status).to.equal(200);
    expect(seen[0]!.contentType).to.match(/^multipart\/form-data; boundary=/);
  });
});
