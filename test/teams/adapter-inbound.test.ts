/**
 * `POST /api/messages` end to end on the bridge's HTTP server: the Agents SDK's JWT validation against
 * a local fake issuer (its keys served on a local port), then real-shaped activities reaching the core
 * as agent messages, commands (answered in the thread through the intercepted Bot Connector),
 * reactions and edits — while the WhatsApp webhook's raw-body signature keeps working beside it.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import type { TeamsAdapter } from '../../adapters/teams/index.js';
import { RecordingHandlers } from '../slack/fixtures.js';
import {
  AGENT,
  APP_ID,
  TENANT_ID,
  channelMessage,
  CHANNEL,
  connector,
  conversationPath,
  FakeIssuer,
  mentioning,
  newTeamsAdapter,
  postActivity,
  ROOT_ID,
  serve,
  whatsappSignature,
} from './fixtures.js';

/** The personal chat a private answer goes to. */
function privateAnswer(): void {
  connector().post('/amer/v3/conversations').reply(201, { id: 'a:personal-ana' });
  connector().post(conversationPath('a:personal-ana')).reply(201, { id: '1' });
}

describe('TeamsAdapter inbound (/api/messages)', () => {
  const issuer = new FakeIssuer();
  let adapter: TeamsAdapter;
  let handlers: RecordingHandlers;
  let server: { url: string; close: () => Promise<void> };
  let whatsappBodies: string[];

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    adapter = newTeamsAdapter(issuer);
    handlers = new RecordingHandlers();
    await adapter.start(handlers);
    whatsappBodies = [];
    server = await serve(adapter, (body) => whatsappBodies.push(body));
  });

  afterEach(async () => {
    await server.close();
    expect(nock.pendingMocks(), 'every mocked call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  describe('authentication', () => {
    it('refuses a request without a token (401) and passes nothing on', async () => {
      const response = await postActivity(server.url, channelMessage());
      expect(response.status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('refuses an unsigned token (alg none)', async () => {
      const response = await postActivity(server.url, channelMessage(), issuer.unsignedToken());
      expect(response.status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('refuses a token signed with another key', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const response = await postActivity(server.url, channelMessage(), issuer.token({}, privateKey));
      expect(response.status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('refuses a token for another app (audience) and an expired one', async () => {
      expect((await postActivity(server.url, channelMessage(), issuer.token({ aud: 'another-app' }))).status).to.equal(401);
      const past = Math.floor(Date.now() / 1000) - 7200;
      expect((await postActivity(server.url, channelMessage(), issuer.token({ iat: past, nbf: past, exp: past + 60 }))).status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('refuses a malformed Authorization header', async () => {
      const response = await fetch(`${server.url}/api/messages`, { method: 'POST', headers: { authorization: 'Basic abc' }, body: '{}' });
      expect(response.status).to.equal(401);
    });

    it('accepts a correctly signed request', async () => {
      const response = await postActivity(server.url, channelMessage(), issuer.token());
      expect(response.status).to.equal(200);
      expect(handlers.messages).to.have.length(1);
    });

    it('leaves the WhatsApp webhook’s raw-body signature check working on the same server', async () => {
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
      const signed = await fetch(`${server.url}/webhooks/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': whatsappSignature(body) },
        body,
      });
      expect(signed.status).to.equal(200);
      const forged = await fetch(`${server.url}/webhooks/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': whatsappSignature(body, 'wrong') },
        body,
      });
      expect(forged.status).to.equal(401);
      expect(whatsappBodies).to.deep.equal([body]);
    });
  });

  describe('activities', () => {
    it('relays a reply in a thread as an agent message, the bot mention stripped', async () => {
      const activity = mentioning('Your order ships **today**', { timestamp: '2026-01-02T03:55:18.953Z' });
      const response = await postActivity(server.url, activity, issuer.token());
      expect(response.status).to.equal(200);
      expect(handlers.messages).to.have.length(1);
      const [message] = handlers.messages;
      expect(message?.text).to.equal('Your order ships *today*');
      expect(message?.thread).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: ROOT_ID });
      expect(message?.ref).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: activity.id, threadId: ROOT_ID });
      expect(message?.agent).to.deep.equal({ id: AGENT.aadObjectId, displayName: AGENT.name });
      expect(message?.key).to.equal(`teams:${CHANNEL}:${String(activity.id)}`);
      expect(message?.timestamp).to.equal(Date.parse('2026-01-02T03:55:18.953Z'));
    });

    it('keeps other people’s mentions as names', async () => {
      const activity = mentioning('ask <at>Luis</at> about it', {
        entities: [
          { type: 'mention', text: '<at>Puente</at>', mentioned: { id: `28:11111111-2222-3333-4444-555555555555`, name: 'Puente' } },
          { type: 'mention', text: '<at>Luis</at>', mentioned: { id: '29:luis', name: 'Luis' } },
        ],
      });
      await postActivity(server.url, activity, issuer.token());
      expect(handlers.messages[0]?.text).to.equal('ask @Luis about it');
    });

    it('ignores the bot’s own activities', async () => {
      const own = channelMessage({ from: { id: `28:11111111-2222-3333-4444-555555555555`, name: 'Puente' } });
      const response = await postActivity(server.url, own, issuer.token());
      expect(response.status).to.equal(200);
      expect(handlers.count).to.equal(0);
    });

    it('ignores other bots’ posts (RSC delivers them too)', async () => {
      await postActivity(server.url, channelMessage({ from: { id: '28:another-bot', name: 'Polly' } }), issuer.token());
      expect(handlers.count).to.equal(0);
    });

    it('passes pasted images on as files to fetch from the Bot Connector', async () => {
      const activity = channelMessage({
        text: 'see attached',
        attachments: [
          { contentType: 'image/png', contentUrl: 'https://smba.test/amer/v3/attachments/abc/views/original' },
          { contentType: 'text/html', content: '<p>see attached</p>' },
        ],
      });
      await postActivity(server.url, activity, issuer.token());
      expect(handlers.messages[0]?.files).to.deep.equal([
        { id: `${String(activity.id)}-0`, name: 'image-1.png', mimeType: 'image/png', source: 'https://smba.test/amer/v3/attachments/abc/views/original' },
      ]);
    });

    it('runs a top-level “@Puente block +34…” as a command and answers privately, in the person’s personal chat', async () => {
      const activity = mentioning('block +34 611 11 11 11 spam', {}, 'ROOT');
      // A top-level post is its own thread root.
      const root = String(activity.id);
      (activity.conversation as { id: string }).id = `${CHANNEL};messageid=${root}`;
      const created: Record<string, unknown>[] = [];
      const answers: unknown[] = [];
      connector()
        .post('/amer/v3/conversations', (body) => {
          created.push(body as Record<string, unknown>);
          return true;
        })
        .reply(201, { id: 'a:personal-ana' });
      connector()
        .post(conversationPath('a:personal-ana'), (body) => {
          answers.push(body);
          return true;
        })
        .reply(201, { id: '1767326200000' });
      const response = await postActivity(server.url, activity, issuer.token());
      expect(response.status).to.equal(200);
      expect(handlers.commands).to.deep.equal([
        { name: 'block', text: '+34 611 11 11 11 spam', user: { id: AGENT.aadObjectId, displayName: AGENT.name }, adapter: 'teams', channel: CHANNEL },
      ]);
      // Bot Connector "create conversation" for a 1:1 chat: the person's Teams id (29:…), not a group.
      expect(created).to.deep.equal([
        { isGroup: false, bot: { id: `28:${APP_ID}` }, members: [{ id: AGENT.id }], tenantId: TENANT_ID, channelData: { tenant: { id: TENANT_ID } } },
      ]);
      expect(answers).to.deep.equal([{ type: 'message', textFormat: 'markdown', text: 'ran block' }]);
    });

    it('answers a command meant for the whole channel in its thread', async () => {
      handlers.commandReply = async () => ({ text: 'everyone sees this', visibility: 'channel' });
      const answers: unknown[] = [];
      connector()
        .post(conversationPath(`${CHANNEL};messageid=${ROOT_ID}`), (body) => {
          answers.push(body);
          return true;
        })
        .reply(201, { id: '1' });
      await postActivity(server.url, mentioning('/blocklist'), issuer.token());
      expect(answers).to.deep.equal([{ type: 'message', textFormat: 'markdown', text: 'everyone sees this' }]);
    });

    it('falls back to the thread, @mentioning the person, when Teams will not open a personal chat', async () => {
      connector().post('/amer/v3/conversations').reply(403, { error: { code: 'Forbidden', message: 'The bot is not installed for the user' } });
      const answers: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      connector()
        .post(conversationPath(`${CHANNEL};messageid=${ROOT_ID}`), (body) => {
          answers.push(body as Record<string, unknown>);
          return true;
        })
        .reply(201, { id: '1' });
      await postActivity(server.url, mentioning('/template list'), issuer.token());
      expect(answers).to.have.length(1);
      expect(answers[0]?.text).to.equal(
        `<at>${AGENT.name}</at>, this is for you: Puente could not open a private chat with you (ask an administrator to install the app for you).\n\nran template`,
      );
      expect(answers[0]?.entities).to.deep.equal([{ type: 'mention', text: `<at>${AGENT.name}</at>`, mentioned: { id: AGENT.id, name: AGENT.name } }]);
    });

    it('runs “@Puente /template list” inside a thread as a command on that conversation', async () => {
      privateAnswer();
      await postActivity(server.url, mentioning('/template list'), issuer.token());
      expect(handlers.messages).to.have.length(0);
      expect(handlers.commands[0]).to.include({ name: 'template', text: 'list' });
      expect(handlers.commands[0]?.thread).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: ROOT_ID });
    });

    it('treats plain words in a thread as a reply, even when they start like a command', async () => {
      await postActivity(server.url, mentioning('block party on Friday?'), issuer.token());
      expect(handlers.commands).to.have.length(0);
      expect(handlers.messages[0]?.text).to.equal('block party on Friday?');
    });

    it('ignores a top-level post that does not mention the bot (RSC delivers every post)', async () => {
      const activity = channelMessage({ text: 'lunch?' });
      (activity.conversation as { id: string }).id = `${CHANNEL};messageid=${String(activity.id)}`;
      await postActivity(server.url, activity, issuer.token());
      expect(handlers.count).to.equal(0);
    });

    it('runs a header card button (Action.Submit) as the command on the thread, with its input', async () => {
      privateAnswer();
      const activity = channelMessage({ text: undefined, value: { puente: 'action', command: 'template', text: 'send', input: 'welcome es' } });
      await postActivity(server.url, activity, issuer.token());
      expect(handlers.commands[0]).to.include({ name: 'template', text: 'send welcome es', channel: CHANNEL });
      expect(handlers.commands[0]?.thread).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: ROOT_ID });
    });

    it('passes reactions, edits and deletions on', async () => {
      await postActivity(server.url, channelMessage({ type: 'messageReaction', text: undefined, replyToId: '1767326100999', reactionsAdded: [{ type: 'heart' }], reactionsRemoved: [{ type: 'like' }] }), issuer.token());
      expect(handlers.reactions.map((reaction) => [reaction.emoji, reaction.removed, reaction.target.id])).to.deep.equal([
        ['❤️', false, '1767326100999'],
        ['👍', true, '1767326100999'],
      ]);
      const edit = channelMessage({ type: 'messageUpdate', channelData: { eventType: 'editMessage', channel: { id: CHANNEL } } });
      await postActivity(server.url, edit, issuer.token());
      const removal = channelMessage({ type: 'messageDelete', channelData: { eventType: 'softDeleteMessage', channel: { id: CHANNEL } } });
      await postActivity(server.url, removal, issuer.token());
      expect(handlers.changes.map((change) => [change.kind, change.target.id, change.thread.id])).to.deep.equal([
        ['edit', edit.id, ROOT_ID],
        ['delete', removal.id, ROOT_ID],
      ]);
    });

    it('answers 400 to a signed body that is not an activity, 500 when the core cannot accept', async () => {
      expect((await postActivity(server.url, 'not json', issuer.token())).status).to.equal(400);
      handlers.fail = true;
      expect((await postActivity(server.url, channelMessage(), issuer.token())).status).to.equal(500);
    });
  });
});
