/**
 * The bridge core with the Teams adapter, unchanged core: a customer's first message opens a channel
 * thread through the (intercepted) Bot Connector and is posted as a card; an agent's signed reply in
 * the thread reaches WhatsApp signed with their Teams name (`agent` mode); its delivery status shows
 * as a marker; `@Puente block …` runs through the core's command layer with Azure AD object ids as
 * supervisor ids.
 */
import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { TeamsAdapter } from '../../adapters/teams/index.js';
import type { Bridge } from '../../bot/bridge.js';
import type { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import type { ScriptedWhatsApp } from '../helpers/recording-adapter.js';
import { jpeg, pdf } from '../helpers/media-files.js';
import { messageWebhook, statusWebhook, textWebhook } from '../helpers/webhooks.js';
import { AGENT, channelMessage, CHANNEL, FakeIssuer, mentioning, newTeamsAdapter, NUMBER, postActivity, startTeamsBridge } from './fixtures.js';

const SALES = { phoneNumberId: NUMBER.phoneNumberId, displayNumber: '34910000001' };
const ANA = { waId: '34611111111', name: 'Ana Cliente' };
const ROOT = '1767326300000';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Bridge with Microsoft Teams', () => {
  const issuer = new FakeIssuer();
  let dir: string;
  let store: EmbeddedStore;
  let whatsapp: ScriptedWhatsApp;
  let adapter: TeamsAdapter;
  let bridge: Bridge;
  let server: { url: string; close: () => Promise<void> };
  let close: () => Promise<void>;
  let created: Body[];
  let sent: { conversation: string; body: Body }[];
  let updated: Body[];
  let nextId: number;

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    created = [];
    sent = [];
    updated = [];
    nextId = 1767326300100;
    const scope = nock('https://smba.test').persist();
    scope.post('/amer/v3/conversations').reply(201, (_uri, body) => {
      created.push(body as Body);
      // A personal chat (isGroup false) for private answers, otherwise a new channel thread.
      if ((body as Body).isGroup === false) return { id: `a:dm-${String((body as Body).members[0].id)}` };
      return { id: `${CHANNEL};messageid=${ROOT}` };
    });
    scope.post(/\/amer\/v3\/conversations\/[^/]+\/activities$/).reply(201, (uri, body) => {
      sent.push({ conversation: decodeURIComponent(uri.split('/')[4] ?? ''), body: body as Body });
      return { id: String(++nextId) };
    });
    scope.put(/\/amer\/v3\/conversations\/[^/]+\/activities\/[^/]+$/).reply(200, (_uri, body) => {
      updated.push(body as Body);
      return {};
    });

    dir = await mkdtemp(join(tmpdir(), 'puente-teams-bridge-'));
    adapter = newTeamsAdapter(issuer);
    ({ store, whatsapp, bridge, server, close } = await startTeamsBridge(adapter, NUMBER, dir));
  });

  afterEach(async () => {
    await close();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  async function customerWrites(text: string): Promise<string> {
    const webhook = textWebhook(SALES, ANA, text);
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    return webhook.wamid;
  }

  it('opens one thread per conversation and posts the customer as a card with name and number', async () => {
    await customerWrites('Hola, ¿tenéis la talla M?');
    await customerWrites('¿Y en azul?');
    expect(created).to.have.length(1);
    expect(created[0]?.channelData.channel.id).to.equal(CHANNEL);
    const inThread = sent.filter((post) => post.conversation === `${CHANNEL};messageid=${ROOT}`);
    const cards = inThread.map((post) => post.body.attachments?.[0]?.content).filter(Boolean);
    const customerCards = cards.filter((card) => JSON.stringify(card).includes('talla M') || JSON.stringify(card).includes('en azul'));
    expect(customerCards).to.have.length(2);
    expect(JSON.stringify(customerCards[0])).to.contain('Ana Cliente').and.contain('+34611111111');
  });

  it('relays an agent reply to WhatsApp signed with the Teams name, then shows its status', async () => {
    await customerWrites('Hola');
    const reply = mentioning('Sí, **la tenemos** en M', {}, ROOT);
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.sends).to.have.length(1);
    const payload = JSON.stringify(whatsapp.sends[0]?.payload);
    expect(payload).to.contain('Ana García').and.contain('*la tenemos*');
    // The same activity again (Teams retried): relayed once.
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.sends).to.have.length(1);

    const wamid = whatsapp.sends[0]?.wamid ?? '';
    await bridge.acceptWhatsAppWebhook(statusWebhook(SALES, { wamid, status: 'delivered', recipient: ANA.waId }));
    await bridge.idle();
    const markers = [...sent.map((post) => post.body.text), ...updated.map((body) => body.text)];
    expect(markers).to.include('✅ Delivered on WhatsApp');
  });

  it('runs “@Puente block” for a supervisor (Azure AD object id) and refuses it to an agent, answering each in their personal chat', async () => {
    const top = mentioning('block +34 622 22 22 22 spam');
    (top.conversation as { id: string }).id = `${CHANNEL};messageid=${String(top.id)}`;
    expect((await postActivity(server.url, top, issuer.token())).status).to.equal(200);
    const policy = await store.getContactPolicy();
    expect(policy.blocked.map((entry) => [entry.number, entry.by])).to.deep.equal([['34622222222', AGENT.aadObjectId]]);
    const answer = sent.find((post) => post.conversation === `a:dm-${AGENT.id}`);
    expect(answer?.body.text).to.be.a('string').and.not.equal('');

    const other = mentioning('unblock +34 622 22 22 22', { from: { id: '29:other', name: 'Luis', aadObjectId: '99999999-1111-2222-3333-444444444444' } });
    (other.conversation as { id: string }).id = `${CHANNEL};messageid=${String(other.id)}`;
    await postActivity(server.url, other, issuer.token());
    const refusal = sent.find((post) => post.conversation === 'a:dm-29:other');
    expect(refusal?.body.text).to.contain('supervisors');
    // Nothing private was posted in the channel's threads.
    expect(sent.filter((post) => post.conversation.startsWith(CHANNEL)).map((post) => post.body.text)).to.not.include(refusal?.body.text);
  });

  it('tells the agent privately that an edit is not relayed (onlyTo → personal chat)', async () => {
    await customerWrites('Hola');
    const reply = mentioning('Te lo envío hoy', {}, ROOT);
    await postActivity(server.url, reply, issuer.token());
    await bridge.idle();
    const edit = channelMessage({ type: 'messageUpdate', id: reply.id, channelData: { eventType: 'editMessage', channel: { id: CHANNEL } } }, ROOT);
    expect((await postActivity(server.url, edit, issuer.token())).status).to.equal(200);
    await bridge.idle();
    const notice = sent.find((post) => post.conversation === `a:dm-${AGENT.id}`);
    expect(notice?.body.text).to.contain('Edits are not relayed');
    expect(sent.filter((post) => post.conversation.startsWith(CHANNEL)).map((post) => String(post.body.text))).to.not.include(notice?.body.text);
  });

  it('shows a customer’s photo inline and explains a document Teams cannot show', async () => {
    await customerWrites('Hola');
    whatsapp.media.set('m-photo', jpeg());
    whatsapp.media.set('m-pdf', pdf());
    await bridge.acceptWhatsAppWebhook(messageWebhook(SALES, ANA, { type: 'image', image: { id: 'm-photo', mime_type: 'image/jpeg', caption: 'la talla' } }).body);
    await bridge.acceptWhatsAppWebhook(messageWebhook(SALES, ANA, { type: 'document', document: { id: 'm-pdf', mime_type: 'application/pdf', filename: 'factura.pdf' } }).body);
    await bridge.idle();
    const posted = JSON.stringify(sent.map((post) => post.body));
    expect(posted).to.contain('data:image/jpeg;base64,');
    expect(posted).to.contain('la talla');
    expect(posted).to.contain('cannot be shown here');
  });

  it('ignores messages in threads Puente does not know', async () => {
    const stray = channelMessage({}, '999');
    expect((await postActivity(server.url, stray, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.sends).to.have.length(0);
  });
});
