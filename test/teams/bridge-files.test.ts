/**
 * Files both ways through the unchanged core with the Teams adapter and Microsoft Graph (intercepted):
 * a customer's PDF lands in the channel's SharePoint folder and appears in the thread as a card that
 * opens it; a file an agent attaches in the thread (a `reference` to SharePoint) is read through the
 * shares API and reaches WhatsApp as a document; one over the limit is refused before any download.
 */
import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { TeamsAdapter } from '../../adapters/teams/index.js';
import { shareToken } from '../../adapters/teams/graph-files.js';
import type { Bridge } from '../../bot/bridge.js';
import { silentLogger } from '../../bot/logger.js';
import type { NumberConfig } from '../../config/types.js';
import type { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import type { ScriptedWhatsApp } from '../helpers/recording-adapter.js';
import { pdf } from '../helpers/media-files.js';
import { messageWebhook, textWebhook } from '../helpers/webhooks.js';
import { AGENT, CHANNEL, FakeIssuer, mentioning, NUMBER, postActivity, startTeamsBridge, teamsConfig } from './fixtures.js';

const GROUP_ID = '22222222-3333-4444-5555-666666666666';
const TEAMS_NUMBER: NumberConfig = { ...NUMBER, team: GROUP_ID };
const SALES = { phoneNumberId: NUMBER.phoneNumberId, displayNumber: '34910000001' };
const ANA = { waId: '34611111111', name: 'Ana Cliente' };
const ROOT = '1767326300000';
const DRIVE = 'b!drive-id';
const FOLDER = '01FOLDERID';
const SHAREPOINT = 'https://contoso.sharepoint.com/sites/Ventas/Shared Documents/General/presupuesto.pdf';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function graph(): nock.Scope {
  return nock('https://graph.test').matchHeader('authorization', 'Bearer graph-token');
}

describe('Bridge with Microsoft Teams: files through Microsoft Graph', () => {
  const issuer = new FakeIssuer();
  let dir: string;
  let store: EmbeddedStore;
  let whatsapp: ScriptedWhatsApp;
  let adapter: TeamsAdapter;
  let bridge: Bridge;
  let server: { url: string; close: () => Promise<void> };
  let close: () => Promise<void>;
  let sent: { conversation: string; body: Body }[];
  let nextId: number;

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    sent = [];
    nextId = 1767326300100;
    const scope = nock('https://smba.test').persist();
    scope.post('/amer/v3/conversations').reply(201, (_uri, body) => {
      if ((body as Body).isGroup === false) return { id: `a:dm-${String((body as Body).members[0].id)}` };
      return { id: `${CHANNEL};messageid=${ROOT}` };
    });
    scope.post(/\/amer\/v3\/conversations\/[^/]+\/activities$/).reply(201, (uri, body) => {
      sent.push({ conversation: decodeURIComponent(uri.split('/')[4] ?? ''), body: body as Body });
      return { id: String(++nextId) };
    });
    scope.put(/\/amer\/v3\/conversations\/[^/]+\/activities\/[^/]+$/).reply(200, {});

    dir = await mkdtemp(join(tmpdir(), 'puente-teams-bridge-files-'));
    adapter = new TeamsAdapter({
      config: teamsConfig(issuer),
      numbers: [TEAMS_NUMBER],
      logger: silentLogger(),
      tokenSource: async () => 'bot-token',
      stateDir: join(dir, 'teams'),
      graph: { url: 'https://graph.test/v1.0', tokenSource: async () => 'graph-token' },
    });
    ({ store, whatsapp, bridge, server, close } = await startTeamsBridge(adapter, TEAMS_NUMBER, dir));
  });

  afterEach(async () => {
    await close();
    expect(nock.pendingMocks().filter((mock) => !mock.includes('smba.test')), 'every Graph call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  async function customerWrites(text: string): Promise<void> {
    await bridge.acceptWhatsAppWebhook(textWebhook(SALES, ANA, text).body);
    await bridge.idle();
  }

  it('puts a customer’s PDF in the channel’s SharePoint folder and shows it in the thread as a card that opens it', async () => {
    await customerWrites('Hola');
    const bytes = pdf();
    whatsapp.media.set('m-pdf', bytes);
    graph().get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/filesFolder`).reply(200, { id: FOLDER, parentReference: { driveId: DRIVE } });
    let uploaded = '';
    graph()
      .put(new RegExp(`^/v1\\.0/drives/${encodeURIComponent(DRIVE).replace(/[!]/g, '\\!')}/items/${FOLDER}:/WhatsApp/[0-9a-f]{12}%20factura\\.pdf:/content`))
      .reply((_uri, body) => {
        uploaded = String(body); // nock hands binary bodies over hex-encoded
        return [201, { id: '01ITEM', name: 'factura.pdf', size: bytes.length, webUrl: 'https://contoso.sharepoint.com/WhatsApp/factura.pdf' }];
      });
    const webhook = messageWebhook(SALES, ANA, { type: 'document', document: { id: 'm-pdf', mime_type: 'application/pdf', filename: 'factura.pdf', caption: 'mi factura' } });
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    expect([bytes.toString('hex'), bytes.toString('utf8')]).to.include(uploaded);
    const card = sent.map((post) => post.body.attachments?.[0]?.content).find((content) => JSON.stringify(content ?? {}).includes('Action.OpenUrl'));
    expect(card, 'a file card in the thread').to.not.equal(undefined);
    expect(JSON.stringify(card)).to.contain('mi factura').and.contain('factura.pdf').and.contain('https://contoso.sharepoint.com/WhatsApp/factura.pdf');
    expect(JSON.stringify(sent)).to.not.contain('cannot be shown here');
    const record = await store.getMessage(webhook.wamid);
    expect(record?.media?.state).to.equal('bridged');
  });

  it('sends a file an agent attached in the thread to WhatsApp, read through the shares API', async () => {
    await customerWrites('¿Me mandas el presupuesto?');
    const bytes = pdf();
    const token = shareToken(SHAREPOINT);
    graph().get(`/v1.0/shares/${token}/driveItem`).query(true).reply(200, { id: '01DOC', name: 'presupuesto.pdf', size: bytes.length });
    graph().get(`/v1.0/shares/${token}/driveItem/content`).reply(302, '', { location: 'https://download.test/presupuesto?tempauth=t' });
    nock('https://download.test').get('/presupuesto').query({ tempauth: 't' }).reply(200, bytes);
    const reply = mentioning('Aquí lo tienes', { attachments: [{ contentType: 'reference', contentUrl: SHAREPOINT, name: 'presupuesto.pdf' }] }, ROOT);
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.uploads).to.have.length(1);
    expect(whatsapp.uploads[0]?.data.equals(bytes)).to.equal(true);
    expect(whatsapp.uploads[0]).to.include({ name: 'presupuesto.pdf', mimeType: 'application/pdf' });
    const payload = whatsapp.sends[0]?.payload as Body;
    expect(payload).to.include({ type: 'media', kind: 'document', filename: 'presupuesto.pdf' });
    expect(String(payload.caption)).to.contain('Aquí lo tienes');
  });

  /** How Teams delivers a reply with a file attached in a channel: only an HTML placeholder names it. */
  function replyWithPlaceholder(text: string): Record<string, unknown> {
    return mentioning(
      text,
      {
        attachments: [{ contentType: 'text/html', content: `<div><div>${text}</div><attachment id="5d7e0b6f-2c1a-4c3e-9a55-0a1b2c3d4e5f"></attachment></div>` }],
      },
      ROOT,
    );
  }

  function graphMessage(id: string): Body {
    return {
      id,
      replyToId: ROOT,
      body: { contentType: 'html', content: '<div>…<attachment id="5d7e0b6f-2c1a-4c3e-9a55-0a1b2c3d4e5f"></attachment></div>' },
      attachments: [
        { id: '5d7e0b6f-2c1a-4c3e-9a55-0a1b2c3d4e5f', contentType: 'reference', contentUrl: SHAREPOINT, name: 'presupuesto.pdf' },
        { id: '1767326300001', contentType: 'messageReference', content: '{}' },
      ],
    };
  }

  it('reads a file that only an HTML placeholder names from the channel message through Graph, and sends it', async () => {
    await customerWrites('¿Me mandas el presupuesto?');
    const bytes = pdf();
    const reply = replyWithPlaceholder('Aquí está');
    const token = shareToken(SHAREPOINT);
    graph().get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT}/replies/${String(reply.id)}`).reply(200, graphMessage(String(reply.id)));
    graph().get(`/v1.0/shares/${token}/driveItem`).query(true).reply(200, { id: '01DOC', name: 'presupuesto.pdf', size: bytes.length });
    graph().get(`/v1.0/shares/${token}/driveItem/content`).reply(302, '', { location: 'https://download.test/p?tempauth=t' });
    nock('https://download.test').get('/p').query(true).reply(200, bytes);
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.uploads.map((upload) => upload.name)).to.deep.equal(['presupuesto.pdf']);
    expect(whatsapp.sends[0]?.payload).to.include({ type: 'media', kind: 'document', filename: 'presupuesto.pdf' });
  });

  it('when Graph cannot read the message as it arrives, reads it again when the file is sent', async () => {
    await customerWrites('Hola');
    const bytes = pdf();
    const reply = replyWithPlaceholder('Adjunto');
    const messagePath = `/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT}/replies/${String(reply.id)}`;
    graph().get(messagePath).reply(503, { error: { code: 'serviceNotAvailable' } });
    graph().get(messagePath).reply(200, graphMessage(String(reply.id)));
    const token = shareToken(SHAREPOINT);
    graph().get(`/v1.0/shares/${token}/driveItem`).query(true).reply(200, { id: '01DOC', name: 'presupuesto.pdf', size: bytes.length });
    graph().get(`/v1.0/shares/${token}/driveItem/content`).reply(200, bytes);
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.uploads).to.have.length(1);
    expect(whatsapp.uploads[0]?.data.equals(bytes)).to.equal(true);
  });

  it('does not take a quoted message’s placeholder for a file', async () => {
    await customerWrites('Hola');
    const reply = mentioning('Sobre lo anterior: sí', { attachments: [{ contentType: 'text/html', content: '<div><attachment id="1767326300001"></attachment>Sobre lo anterior: sí</div>' }] }, ROOT);
    expect((await postActivity(server.url, reply, issuer.token())).status).to.equal(200);
    await bridge.idle();
    expect(whatsapp.uploads).to.have.length(0);
    expect(whatsapp.sends.map((send) => JSON.stringify(send.payload))).to.have.length(1);
    expect(JSON.stringify(whatsapp.sends[0]?.payload)).to.contain('Sobre lo anterior');
  });

  it('refuses an attached file over the limit from its Graph size, before downloading it, and says so in the thread', async () => {
    await customerWrites('Hola');
    const token = shareToken(SHAREPOINT);
    graph().get(`/v1.0/shares/${token}/driveItem`).query(true).reply(200, { id: '01DOC', name: 'presupuesto.pdf', size: 40 * 1024 * 1024 });
    // No content call is mocked: a download would fail the test (net connect is off, and pending mocks are checked).
    const reply = mentioning('Te lo adjunto', { attachments: [{ contentType: 'reference', contentUrl: SHAREPOINT, name: 'presupuesto.pdf' }] }, ROOT);
    await postActivity(server.url, reply, issuer.token());
    await bridge.idle();
    expect(whatsapp.uploads).to.have.length(0);
    const notices = sent.map((post) => String(post.body.text ?? '')).filter((text) => text.includes('presupuesto.pdf'));
    expect(notices.join('\n')).to.contain('40 MB').and.contain('16 MB');
    // The agent's words still go, as text.
    expect(JSON.stringify(whatsapp.sends.map((send) => send.payload))).to.contain('Te lo adjunto');
  });
});
