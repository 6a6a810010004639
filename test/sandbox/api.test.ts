/**
 * The sandbox without a browser: `startSandbox()` runs the real bridge against both emulators, the
 * JSON API drives the customer and the agents, and the Server-Sent Events stream tells the page
 * what happened. Also the sandbox's own rules: Slack's "no slash commands in threads", the answer
 * to a command the bridge does not have yet, the 24-hour window scenario, injected failures, and
 * bad input.
 */
import { expect } from 'chai';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import type { SandboxSnapshot } from '../../sandbox/world.js';

type Snapshot = SandboxSnapshot;

/** Reads an SSE stream and hands out events as they come. */
class EventReader {
  private buffer = '';
  private readonly events: { event: string; data: unknown }[] = [];
  private readonly controller = new AbortController();
  private reader?: ReadableStreamDefaultReader<Uint8Array>;
  private pendingRead?: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>;

  async open(url: string): Promise<void> {
    const response = await fetch(url, { signal: this.controller.signal });
    expect(response.headers.get('content-type')).to.match(/^text\/event-stream/);
    this.reader = response.body!.getReader();
  }

  /** Waits for the first event of this stream (already read or still to come) that satisfies `accept`, and consumes it. */
  async next<T>(event: string, accept: (data: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((candidate) => candidate.event === event && accept(candidate.data as T));
      if (index >= 0) return this.events.splice(index, 1)[0]!.data as T;
      if (Date.now() > deadline) throw new Error(`no matching "${event}" event within ${timeoutMs} ms`);
      // A read that lost the race against the deadline is kept, so the chunk it brings is not dropped.
      this.pendingRead ??= this.reader!.read();
      const chunk = await Promise.race([this.pendingRead, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now()))]);
      if (!chunk) continue;
      this.pendingRead = undefined;
      if (chunk.done) continue;
      this.buffer += Buffer.from(chunk.value).toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const frame = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (name && data) this.events.push({ event: name, data: JSON.parse(data) });
      }
    }
  }

  close(): void {
    this.controller.abort();
  }
}

describe('sandbox API and live events', function () {
  this.timeout(120_000);
  let sandbox: RunningSandbox;
  let events: EventReader;

  const call = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(new URL(path, sandbox.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const threadsIn = (snapshot: Snapshot, channel: string) => snapshot.channels.find((candidate) => candidate.id === channel)!.threads;

  before(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  after(async () => {
    await sandbox?.stop();
  });
  beforeEach(async () => {
    events = new EventReader();
    await events.open(new URL('/api/events', sandbox.url).href);
  });
  afterEach(() => events.close());

  it('serves the page and its scripts, and nothing outside sandbox/web', async () => {
    const page = await fetch(sandbox.url);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain('<script type="module" src="/app.js">');
    expect((await fetch(new URL('/app.js', sandbox.url))).headers.get('content-type')).to.match(/^text\/javascript/);
    for (const path of ['/%2e%2e/package.json', '/..%2Fpackage.json', '/sandbox.ts', '/web/app.js']) {
      expect((await fetch(new URL(path, sandbox.url))).status, path).to.equal(404);
    }
  });

  it('streams the thread opening in Slack after a customer writes', async () => {
    const initial = await events.next<Snapshot>('state', () => true);
    expect(initial.lines.map((line) => line.name)).to.deep.equal(['Ventas', 'Support']);
    expect(initial.customers.length).to.be.greaterThanOrEqual(3);

    const sent = await call('/api/customer/message', { numberId: '1002', waId: '447700900123', text: 'Is my order on its way?' });
    expect(sent.status).to.equal(200);
    expect(sent.body.status, 'the bridge acknowledged the webhook').to.equal(200);

    const opened = await events.next<Snapshot>('state', (snapshot) => threadsIn(snapshot, 'C0SUPPORT').some((thread) => thread.replies.length > 0));
    const thread = threadsIn(opened, 'C0SUPPORT')[0]!;
    expect(thread.customerWaId).to.equal('447700900123');
    expect(thread.header.text).to.contain('Oliver Smith').and.contain('Support');
    expect(thread.replies[0]).to.deep.include({ text: 'Is my order on its way?' });
    expect(thread.replies[0]!.author).to.deep.include({ kind: 'customer', name: 'Oliver Smith' });
    // The wire exchanges are streamed too, for the "under the hood" panel.
    await events.next<{ service: string; text: string }>('activity', (entry) => entry.service === 'slack' && entry.text.startsWith('chat.postMessage'));

    // Agent mode: the reply is signed, the phone shows it, and its ticks follow the status lifecycle.
    const reply = await call('/api/agent/message', { channel: 'C0SUPPORT', user: 'U0TOM', threadTs: thread.ts, text: 'Yes, it ships today.' });
    expect(reply.status).to.equal(200);
    const read = await events.next<Snapshot>('state', (snapshot) =>
      snapshot.chats.some((chat) => chat.messages.some((message) => message.from === 'business' && message.status === 'read')),
    );
    const chat = read.chats.find((candidate) => candidate.numberId === '1002' && candidate.waId === '447700900123')!;
    expect(chat.messages.map((message) => [message.from, message.text])).to.deep.equal([
      ['customer', 'Is my order on its way?'],
      ['business', '*Tom*:\nYes, it ships today.'],
    ]);
  });

  it('answers a slash command the way Slack would: refused in threads, sent to the bridge in the channel', async () => {
    await call('/api/customer/message', { numberId: '1001', waId: '34611111111', text: 'hola' });
    const snapshot = await events.next<Snapshot>('state', (candidate) => threadsIn(candidate, 'C0VENTAS').length > 0);
    const thread = threadsIn(snapshot, 'C0VENTAS')[0]!;

    await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', threadTs: thread.ts, text: '/block' });
    const refused = await events.next<Snapshot>('state', (candidate) =>
      threadsIn(candidate, 'C0VENTAS')[0]?.replies.some((reply) => reply.author.kind === 'slackbot') ?? false,
    );
    const notice = threadsIn(refused, 'C0VENTAS')[0]!.replies.find((reply) => reply.author.kind === 'slackbot')!;
    expect(notice.text).to.contain('/block is not supported in threads');
    expect(notice.onlyVisibleTo).to.equal('Lucía');
    expect(sandbox.slack.commands(), 'nothing sent to the bridge').to.have.length(0);

    // In the channel the command reaches the bridge, signed and form-encoded, and whatever it answers is shown,
    // only to the agent: its reply (ack body or response_url) or, for a command it lacks, Slack's failure notice.
    const ran = await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', text: '/block' });
    expect(ran.body.status, 'signature accepted').to.be.oneOf([200, 404]);
    expect(sandbox.slack.commands()[0]).to.deep.include({ command: '/block', text: '', channel: 'C0VENTAS', user: 'U0LUCIA' });
    const answered = await events.next<Snapshot>('state', (candidate) =>
      candidate.channels[0]!.loose.some((item) => item.onlyVisibleTo === 'Lucía' && item.text !== ''),
    );
    const answer = answered.channels[0]!.loose.find((item) => item.onlyVisibleTo === 'Lucía')!;
    if (ran.body.status === 404) expect(answer.text).to.contain("/block didn't work").and.contain('HTTP 404');
    else expect(answer.author.kind, 'the bridge answered').to.equal('app');
  });

  it('plays the 24-hour window: a reply to a customer who wrote 25 h ago is refused by the bridge', async () => {
    const scenario = await call('/api/scenarios/window', { numberId: '1001' });
    expect(scenario.status).to.equal(200);
    const customer = scenario.body.customer as { waId: string; name: string };
    const opened = await events.next<Snapshot>('state', (snapshot) => threadsIn(snapshot, 'C0VENTAS').some((thread) => thread.customerWaId === customer.waId));
    const thread = threadsIn(opened, 'C0VENTAS').find((candidate) => candidate.customerWaId === customer.waId)!;
    const phoneMessage = opened.chats.find((chat) => chat.waId === customer.waId)!.messages[0]!;
    expect(Date.now() - phoneMessage.at, 'backdated on the phone').to.be.greaterThan(24 * 3600 * 1000);

    const sentBefore = sandbox.whatsapp.sent().length;
    await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', threadTs: thread.ts, text: '¡Sí, nos queda!' });
    const refused = await events.next<Snapshot>('state', (snapshot) =>
      threadsIn(snapshot, 'C0VENTAS')
        .find((candidate) => candidate.ts === thread.ts)
        ?.replies.some((reply) => reply.author.kind === 'app' && reply.text.includes('24 horas')) ?? false,
    );
    expect(refused).to.exist;
    expect(sandbox.whatsapp.sent().length, 'nothing sent to WhatsApp').to.equal(sentBefore);
  });

  it('fails the next send as armed: the phone never gets it and Slack shows ❌', async () => {
    await call('/api/customer/message', { numberId: '1001', waId: '5215512345678', text: '¿Tenéis la talla M?' });
    const snapshot = await events.next<Snapshot>('state', (candidate) => threadsIn(candidate, 'C0VENTAS').some((thread) => thread.customerWaId === '5215512345678'));
    const thread = threadsIn(snapshot, 'C0VENTAS').find((candidate) => candidate.customerWaId === '5215512345678')!;

    expect((await call('/api/whatsapp/fail-next', { code: 131026 })).status).to.equal(200);
    await events.next<Snapshot>('state', (candidate) => candidate.armedFailures.some((preset) => preset.code === 131026));
    const reply = await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', threadTs: thread.ts, text: 'Sí, en talla M.' });
    const failed = await events.next<Snapshot>('state', (candidate) => {
      const agentReply = threadsIn(candidate, 'C0VENTAS')
        .find((known) => known.ts === thread.ts)
        ?.replies.find((item) => item.ts === reply.body.ts);
      return agentReply?.reactions.some((reaction) => reaction.name === 'x') ?? false;
    });
    const phone = failed.chats.find((chat) => chat.waId === '5215512345678')!.messages.find((message) => message.from === 'business')!;
    expect(phone.status).to.equal('failed');
    expect(phone.error).to.contain('131026');
    expect(failed.armedFailures).to.deep.equal([]);
  });

  it('refuses bad input with 400 and a reason', async () => {
    expect((await call('/api/customer/message', { numberId: '9999', waId: '34611111111', text: 'x' })).body.error).to.contain('unknown business number');
    expect((await call('/api/customer/message', { numberId: '1001', waId: '34611111111' })).status).to.equal(400);
    expect((await call('/api/agent/message', { channel: 'C0NOPE', user: 'U0LUCIA', text: 'x' })).status).to.equal(400);
    expect((await call('/api/whatsapp/fail-next', { code: 1 })).status).to.equal(400);
    const notJson = await fetch(new URL('/api/customers', sandbox.url), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(notJson.status, 'only JSON bodies').to.equal(415);
    const created = await call('/api/customers', { name: 'Nadia' });
    expect(created.body).to.deep.include({ name: 'Nadia' });
    expect(created.body.waId).to.match(/^1555010\d{4}$/);
  });
});
