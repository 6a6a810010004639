/**
 * The sandbox's media and supervisor actions, through its JSON API against the real bridge process:
 * files both ways (the customer's sample photo and own files reach the thread as Slack files the
 * page can load; an agent's attachment reaches the phone as a WhatsApp media message the page can
 * load), the templates `/template` lists, the thread header's buttons (block_actions), the modal
 * they open (views.open, view_submission), the "Puente actions" shortcut (message_action) and the
 * supervisors' alert channel.
 */
import { expect } from 'chai';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import type { SandboxSnapshot } from '../../sandbox/world.js';
import type { ChannelItem, ThreadView } from '../../sandbox/live/channel-view.js';
import { jpeg, oggOpus, pdf } from '../helpers/media-files.js';

const ANA = '34611111111';
const MARIANA = '5215512345678';
const OLIVER = '447700900123';

describe('sandbox media and thread actions', function () {
  this.timeout(120_000);
  let sandbox: RunningSandbox;

  before(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  after(async () => {
    await sandbox?.stop();
  });

  const call = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(new URL(path, sandbox.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const state = async (): Promise<SandboxSnapshot> => (await (await fetch(new URL('/api/state', sandbox.url))).json()) as SandboxSnapshot;
  async function until<T>(what: string, probe: (snapshot: SandboxSnapshot) => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe(await state());
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const threadOf = (snapshot: SandboxSnapshot, channel: string, waId: string): ThreadView | undefined =>
    snapshot.channels.find((candidate) => candidate.id === channel)?.threads.find((thread) => thread.customerWaId === waId);
  const fetchBytes = async (url: string): Promise<{ status: number; type: string | null; data: Buffer }> => {
    const response = await fetch(new URL(url, sandbox.url));
    return { status: response.status, type: response.headers.get('content-type'), data: Buffer.from(await response.arrayBuffer()) };
  };

  it('shows the customer’s sample photo and own files in the thread, with bytes the page can load', async () => {
    const photo = await call('/api/customer/attachment', { numberId: '1001', waId: ANA, kind: 'photo' });
    expect(photo.status).to.equal(200);
    // On the phone at once, as a picture.
    const onPhone = await until('photo on the phone', (snapshot) => snapshot.chats.find((chat) => chat.waId === ANA)?.messages.find((message) => message.media?.kind === 'image'));
    expect(onPhone.text).to.equal('Foto del paquete');
    const phoneBytes = await fetchBytes(onPhone.media!.url);
    expect(phoneBytes.type).to.equal('image/png');
    expect(phoneBytes.data.subarray(1, 4).toString()).to.equal('PNG');

    // In Slack: an image file, with the caption as the message's text.
    const posted = await until('photo in the thread', (snapshot) => threadOf(snapshot, 'C0VENTAS', ANA)?.replies.find((reply) => reply.files?.length));
    expect(posted.text).to.contain('Foto del paquete');
    const file = posted.files![0]!;
    expect(file.mimetype).to.equal('image/png');
    const slackBytes = await fetchBytes(file.url);
    expect(slackBytes.status).to.equal(200);
    expect(slackBytes.type).to.equal('image/png');
    expect(slackBytes.data.equals(phoneBytes.data), 'the same bytes crossed the bridge').to.equal(true);

    // A file from the visitor's disk: a PDF keeps its name; an OGG is a voice note.
    const document = await call('/api/customer/file', { numberId: '1001', waId: ANA, name: 'C:\\fakepath\\pedido.pdf', mimeType: 'application/pdf', data: pdf().toString('base64'), caption: 'El pedido' });
    expect(document.status).to.equal(200);
    const voice = await call('/api/customer/file', { numberId: '1001', waId: ANA, name: 'nota.ogg', mimeType: 'audio/ogg', data: oggOpus().toString('base64') });
    expect(voice.status).to.equal(200);
    const chat = await until('document and voice note on the phone', (snapshot) => {
      const messages = snapshot.chats.find((candidate) => candidate.waId === ANA)?.messages ?? [];
      return messages.some((m) => m.media?.kind === 'audio') && messages;
    });
    expect(chat.find((message) => message.media?.kind === 'document')!.media).to.deep.include({ filename: 'pedido.pdf', mimeType: 'application/pdf' });
    expect(chat.find((message) => message.media?.kind === 'audio')!.media).to.deep.include({ voice: true });
    const files = await until('both files in the thread', (snapshot) => {
      const all = threadOf(snapshot, 'C0VENTAS', ANA)?.replies.flatMap((reply) => reply.files ?? []) ?? [];
      return all.length >= 3 && all;
    });
    expect(files.map((entry) => entry.name)).to.include('pedido.pdf');
    expect(files.some((entry) => entry.mimetype.startsWith('audio/'))).to.equal(true);

    // Bad input is refused by the sandbox, not passed on.
    expect((await call('/api/customer/file', { numberId: '1001', waId: ANA, name: 'x.bin', data: 'not base64!' })).status).to.equal(400);
    expect((await fetchBytes('/media/slack/F0NOPE')).status).to.equal(404);
  });

  it('sends an agent’s attachment to the phone, where the page can show it', async () => {
    await call('/api/customer/message', { numberId: '1001', waId: MARIANA, text: '¿Me mandáis la foto de la chaqueta?' });
    const thread = await until('Mariana’s thread', (snapshot) => threadOf(snapshot, 'C0VENTAS', MARIANA));
    const sent = await call('/api/agent/message', {
      channel: 'C0VENTAS',
      user: 'U0LUCIA',
      threadTs: thread.ts,
      text: 'Aquí la tienes',
      files: [{ name: 'chaqueta.jpg', data: jpeg().toString('base64') }],
    });
    expect(sent.status).to.equal(200);
    const onPhone = await until('the photo on the phone', (snapshot) =>
      snapshot.chats.find((chat) => chat.waId === MARIANA)?.messages.find((message) => message.from === 'business' && message.media),
    );
    expect(onPhone.media!.kind).to.equal('image');
    expect(onPhone.text).to.equal('Aquí la tienes');
    const bytes = await fetchBytes(onPhone.media!.url);
    expect(bytes.status).to.equal(200);
    expect(bytes.data.equals(jpeg())).to.equal(true);
    // The agent's own message in Slack shows the file too.
    const agentPost = (await state()).channels.find((c) => c.id === 'C0VENTAS')!.threads.find((t) => t.ts === thread.ts)!.replies.find((r) => r.author.kind === 'agent')!;
    expect(agentPost.files?.[0]).to.deep.include({ name: 'chaqueta.jpg', mimetype: 'image/jpeg' });
  });

  it('lists and shows templates with /template', async () => {
    const list = await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', text: '/template list' });
    expect(list.body.status).to.equal(200);
    const listed = await until('the template list', (snapshot) =>
      snapshot.channels.find((c) => c.id === 'C0VENTAS')!.loose.find((item) => item.onlyVisibleTo && item.text.includes('pedido_enviado')),
    );
    expect(listed.text).to.contain('order_update');
    await call('/api/agent/message', { channel: 'C0VENTAS', user: 'U0LUCIA', text: '/template show pedido_enviado' });
    await until('the template body', (snapshot) => snapshot.channels.find((c) => c.id === 'C0VENTAS')!.loose.find((item) => item.text.includes('ya está en camino')));
  });

  it('runs the header buttons, the template modal and the Puente actions shortcut', async () => {
    await call('/api/customer/message', { numberId: '1002', waId: OLIVER, text: 'Any news on my order?' });
    const thread = await until('Oliver’s thread with buttons', (snapshot) => {
      const found = threadOf(snapshot, 'C0SUPPORT', OLIVER);
      return found?.header.buttons?.length && found.replies.length > 0 ? found : undefined;
    });
    const ids = thread.header.buttons!.map((button) => button.actionId);
    expect(ids).to.include.members(['puente_action:template', 'puente_action:block']);

    // The template button opens a modal for the agent who pressed it.
    const pressed = await call('/api/agent/button', { channel: 'C0SUPPORT', user: 'U0TOM', ts: thread.ts, actionId: 'puente_action:template' });
    expect(pressed.body.status).to.equal(200);
    const modal = await until('the modal', (snapshot) => snapshot.openViews.find((view) => view.user === 'U0TOM'));
    expect(modal.inputs).to.have.length(1);
    const input = modal.inputs[0]!;
    const submitted = await call('/api/agent/view-submit', { viewId: modal.id, user: 'U0TOM', values: { [input.blockId]: { [input.actionId]: 'order_update en Oliver 8841 Friday' } } });
    expect(submitted.body.status).to.equal(200);
    const template = await until('the template on the phone', (snapshot) =>
      snapshot.chats.find((chat) => chat.waId === OLIVER)?.messages.find((message) => message.label?.includes('template')),
    );
    expect(template.text).to.equal('order_update');
    expect((await state()).openViews.some((view) => view.id === modal.id), 'a submitted modal closes').to.equal(false);

    // Block, as an agent: refused, only to them, in the thread.
    await call('/api/agent/button', { channel: 'C0SUPPORT', user: 'U0TOM', ts: thread.ts, actionId: 'puente_action:block' });
    await until('the refusal', (snapshot) => threadOf(snapshot, 'C0SUPPORT', OLIVER)?.replies.find((reply) => reply.onlyVisibleTo === 'Tom' && /supervisor/i.test(reply.text)));

    // The shortcut on a reply: a menu with the same buttons, in the thread, only for the one who ran it.
    const reply = thread.replies.find((item) => item.author.kind === 'customer')!;
    const shortcut = await call('/api/agent/shortcut', { channel: 'C0SUPPORT', user: 'U0LUCIA', ts: reply.ts });
    expect(shortcut.body.status).to.equal(200);
    const menu = await until('the menu', (snapshot) => threadOf(snapshot, 'C0SUPPORT', OLIVER)?.replies.find((item: ChannelItem) => item.buttons?.length && item.onlyVisibleTo === 'Lucía'));
    // Its Block button works for the supervisor, on this thread's customer.
    const block = menu.buttons!.find((button) => button.actionId === 'puente_action:block')!;
    expect((await call('/api/agent/button', { channel: 'C0SUPPORT', user: 'U0LUCIA', ts: menu.ts, actionId: block.actionId })).body.status).to.equal(200);
    await until('the block confirmed in the thread', (snapshot) =>
      threadOf(snapshot, 'C0SUPPORT', OLIVER)?.replies.find((item) => item.onlyVisibleTo === 'Lucía' && item.text.includes('+447700900123 is blocked')),
    );
    // Unblock again, so the rest of the sandbox keeps this customer.
    await call('/api/agent/message', { channel: 'C0SUPPORT', user: 'U0LUCIA', text: '/unblock +447700900123' });
  });

  it('shows number-health alerts in #supervisors', async () => {
    const alert = await call('/api/whatsapp/quality-alert', { numberId: '1001' });
    expect(alert.body.status).to.equal(200);
    const posted = await until('the alert', (snapshot) => snapshot.channels.find((c) => c.id === 'C0SUPERVISORS')?.loose.find((item) => item.text.includes('FLAGGED')));
    expect(posted.text).to.contain('Ventas');
  });
});
