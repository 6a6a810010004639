/**
 * What the Teams adapter keeps across a restart (adapters/teams/state.ts) and how it finds its own
 * posts again: the durable post record, Microsoft Graph look-back (intercepted with nock), status
 * markers and staged images after a restart, the per-channel Bot Connector `serviceUrl` learned from
 * signed activities, and private notices (`onlyTo`) through the person's personal chat.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { KEY_ELEMENT_ID, TEAMS_DEFAULT_SERVICE_URL, TeamsState, type TeamsAdapter } from '../../adapters/teams/index.js';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import type { ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { RecordingHandlers } from '../slack/fixtures.js';
import { AGENT, APP_ID, CHANNEL, channelMessage, connector, conversationPath, FakeIssuer, mentioning, newTeamsAdapter, NUMBER, postActivity, ROOT_ID, serve, TEAM, TENANT_ID } from './fixtures.js';
import { rejection } from '../helpers/rejection.js';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const THREAD: ThreadRef = { adapter: 'teams', channel: CHANNEL, id: ROOT_ID };
const IN_THREAD = `${CHANNEL};messageid=${ROOT_ID}`;
const GROUP_ID = '22222222-3333-4444-5555-666666666666';
const GRAPH = { url: 'https://graph.test/v1.0', tokenSource: async () => 'graph-token' };
const EMEA = `https://smba.trafficmanager.net/emea/${TENANT_ID}/`;

function graph(): nock.Scope {
  return nock('https://graph.test').matchHeader('authorization', 'Bearer graph-token');
}

/** A Graph chatMessage the bot posted, its card carrying `key`. */
function botMessage(id: string, key: string, appId = APP_ID): Body {
  const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'hello' }, { type: 'TextBlock', id: KEY_ELEMENT_ID, text: key, isVisible: false }] };
  return {
    id,
    replyToId: ROOT_ID,
    from: { application: { id: appId, displayName: 'Puente' }, user: null },
    body: { contentType: 'html', content: '<attachment id="x"></attachment>' },
    attachments: [{ id: 'x', contentType: 'application/vnd.microsoft.card.adaptive', content: JSON.stringify(card) }],
  };
}

/** A person's message that happens to carry the same card (forwarded): never taken for the bot's. */
function personMessage(id: string, key: string): Body {
  return { ...botMessage(id, key), from: { user: { id: AGENT.aadObjectId, displayName: AGENT.name }, application: null } };
}

describe('TeamsAdapter across restarts', () => {
  const issuer = new FakeIssuer();
  let dir: string;
  const started: TeamsAdapter[] = [];

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'puente-teams-state-'));
  });

  afterEach(async () => {
    for (const adapter of started.splice(0)) await adapter.stop();
    expect(nock.pendingMocks(), 'every mocked call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(options: Parameters<typeof newTeamsAdapter>[2] = {}, numbers = [NUMBER]): Promise<TeamsAdapter> {
    const adapter = newTeamsAdapter(issuer, numbers, { stateDir: dir, ...options });
    await adapter.start(new RecordingHandlers());
    started.push(adapter);
    return adapter;
  }

  async function restart(adapter: TeamsAdapter, options: Parameters<typeof newTeamsAdapter>[2] = {}, numbers = [NUMBER]): Promise<TeamsAdapter> {
    await adapter.stop();
    started.splice(started.indexOf(adapter), 1);
    return start(options, numbers);
  }

  describe('findPosted', () => {
    it('finds a post and a thread root after a restart from its own durable record, without asking Teams', async () => {
      let adapter = await start();
      connector().post('/amer/v3/conversations').reply(201, { id: `${CHANNEL};messageid=1767326199999` });
      const thread = await adapter.openThread(CHANNEL, { lineName: 'Ventas', returning: false, text: 'header', key: 'thread:c1:teams' });
      connector().post(conversationPath(`${CHANNEL};messageid=1767326199999`)).reply(201, { id: '1767326200001' });
      const posted = await adapter.post(thread, { text: 'Hola', sender: { name: 'Ana' }, key: 'in:wamid.1' });

      adapter = await restart(adapter); // no Graph, and nock would refuse any call
      expect(await adapter.findPosted(CHANNEL, thread, 'in:wamid.1')).to.deep.equal(posted);
      expect(await adapter.findPosted(CHANNEL, undefined, 'thread:c1:teams')).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326199999' });
      // Another thread, another channel, or a key never posted: not found.
      expect(await adapter.findPosted(CHANNEL, { ...thread, id: '1' }, 'in:wamid.1')).to.equal(undefined);
      expect(await adapter.findPosted('19:other@thread.tacv2', thread, 'in:wamid.1')).to.equal(undefined);
      expect(await adapter.findPosted(CHANNEL, thread, 'in:wamid.2')).to.equal(undefined);
    });

    it('reads the thread’s recent replies through Microsoft Graph when the post was never recorded', async () => {
      const adapter = await start({ graph: GRAPH }, [{ ...NUMBER, team: GROUP_ID }]);
      graph()
        .get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`)
        .query({ $top: '50' })
        .reply(200, {
          value: [personMessage('1767326200010', 'in:wamid.9'), botMessage('1767326200009', 'in:wamid.9', 'another-app'), botMessage('1767326200008', 'in:wamid.8')],
          '@odata.nextLink': `https://graph.test/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies?$top=50&$skiptoken=p2`,
        });
      graph()
        .get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`)
        .query({ $top: '50', $skiptoken: 'p2' })
        .reply(200, { value: [botMessage('1767326200002', 'in:wamid.9')] });
      const found = await adapter.findPosted(CHANNEL, THREAD, 'in:wamid.9');
      expect(found).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326200002', threadId: ROOT_ID });
      // Recorded now: asked again, the answer comes without Graph (nock has nothing more).
      expect(await adapter.findPosted(CHANNEL, THREAD, 'in:wamid.9')).to.deep.equal(found);
    });

    it('looks for a lost thread root among the channel’s top-level messages, with the team learned from Teams', async () => {
      const adapter = await start({ graph: GRAPH });
      // An install event names the team's group id; a message links the channel to the team.
      const server = await serve(adapter);
      try {
        const install = {
          type: 'installationUpdate',
          action: 'add',
          id: 'f:1',
          channelId: 'msteams',
          serviceUrl: EMEA,
          from: { id: AGENT.id, aadObjectId: AGENT.aadObjectId },
          recipient: { id: `28:${APP_ID}`, name: 'Puente' },
          conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT_ID, id: CHANNEL },
          channelData: { channel: { id: CHANNEL }, team: { aadGroupId: GROUP_ID, id: TEAM }, tenant: { id: TENANT_ID } },
        };
        expect((await postActivity(server.url, install, issuer.token({ serviceurl: EMEA }))).status).to.equal(200);
      } finally {
        await server.close();
      }
      graph()
        .get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages`)
        .query({ $top: '50' })
        .reply(200, { value: [botMessage('1767326300000', 'thread:c2:teams')] });
      expect(await adapter.findPosted(CHANNEL, undefined, 'thread:c2:teams')).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326300000' });
    });

    it('looks before posting again when the previous attempt got no answer (504), and posts only if Teams has nothing', async () => {
      let clock = 1_000_000;
      const adapter = await start({ graph: GRAPH, pacer: { now: () => clock } }, [{ ...NUMBER, team: GROUP_ID }]);
      const replies = `/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`;
      // 1. Teams posted it but the answer was a gateway timeout: the retry finds it and does not post.
      connector().post(conversationPath(IN_THREAD)).reply(504, { error: { code: 'GatewayTimeout' } });
      expect(await rejection(adapter.post(THREAD, { text: 'Hola', sender: { name: 'Ana' }, key: 'in:w1' }))).to.be.instanceOf(RetryableChatError);
      graph().get(replies).query(true).reply(200, { value: [botMessage('1767326200100', 'in:w1')] });
      expect(await adapter.post(THREAD, { text: 'Hola', sender: { name: 'Ana' }, key: 'in:w1' })).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326200100', threadId: ROOT_ID });
      // 2. The connection dropped before Teams had it: the retry looks, finds nothing, posts once.
      connector().post(conversationPath(IN_THREAD)).replyWithError('socket hang up');
      expect(await rejection(adapter.post(THREAD, { text: 'Adiós', sender: { name: 'Ana' }, key: 'in:w2' }))).to.be.instanceOf(RetryableChatError);
      graph().get(replies).query(true).reply(200, { value: [botMessage('1767326200100', 'in:w1')] });
      connector().post(conversationPath(IN_THREAD)).reply(201, { id: '1767326200101' });
      expect(await adapter.post(THREAD, { text: 'Adiós', sender: { name: 'Ana' }, key: 'in:w2' })).to.include({ id: '1767326200101' });
      // 3. A throttled attempt was refused by Teams: posted again without looking (no Graph call mocked).
      connector().post(conversationPath(IN_THREAD)).reply(429, {}, { 'retry-after': '60' });
      expect(await rejection(adapter.post(THREAD, { text: 'Otra', sender: { name: 'Ana' }, key: 'in:w3' }))).to.be.instanceOf(RetryableChatError);
      clock += 61_000;
      connector().post(conversationPath(IN_THREAD)).reply(201, { id: '1767326200102' });
      expect(await adapter.post(THREAD, { text: 'Otra', sender: { name: 'Ana' }, key: 'in:w3' })).to.include({ id: '1767326200102' });
    });

    it('says “not found” when Graph refuses (no consent), and “try later” when Graph is throttled', async () => {
      const adapter = await start({ graph: GRAPH }, [{ ...NUMBER, team: GROUP_ID }]);
      const replies = `/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`;
      graph().get(replies).query(true).reply(403, { error: { code: 'Forbidden', message: 'Missing role permissions' } });
      expect(await adapter.findPosted(CHANNEL, THREAD, 'in:x')).to.equal(undefined);
      graph().get(replies).query(true).reply(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '7' });
      const error = await rejection(adapter.findPosted(CHANNEL, THREAD, 'in:x'));
      expect(error).to.be.instanceOf(RetryableChatError);
      expect((error as RetryableChatError).retryAfterMs).to.equal(7000);
    });
  });

  it('updates the same status marker after a restart instead of posting a second one', async () => {
    let adapter = await start();
    const message: ChatMessageRef = { adapter: 'teams', channel: CHANNEL, id: '1767326100500', threadId: ROOT_ID };
    connector().post(conversationPath(IN_THREAD)).reply(201, { id: 'marker-1' });
    await adapter.showStatus(message, 'sent');
    adapter = await restart(adapter);
    const updates: Body[] = [];
    connector()
      .put(conversationPath(IN_THREAD, 'marker-1'), (body: Body) => {
        updates.push(body);
        return true;
      })
      .reply(200, {});
    await adapter.showStatus(message, 'delivered', 'sent');
    expect(updates.map((body) => body.text)).to.deep.equal(['✅ Delivered on WhatsApp']);
  });

  it('still has a staged image after a restart, and shares it once', async () => {
    let adapter = await start();
    const path = join(dir, 'photo.png');
    await writeFile(path, Buffer.from('89504e470d0a1a0a', 'hex'));
    const staged = await adapter.stageFile({ path, name: 'photo.png', size: 8, mimeType: 'image/png' });
    adapter = await restart(adapter);
    const bodies: Body[] = [];
    connector()
      .post(conversationPath(IN_THREAD), (body: Body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, { id: '1767326100900' });
    expect(await adapter.shareFile(THREAD, staged, { text: 'mira', sender: { name: 'Ana' } })).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100900', threadId: ROOT_ID });
    expect(JSON.stringify(bodies[0])).to.contain('data:image/png;base64,iVBORw0KGgo=');
    adapter = await restart(adapter);
    expect(await adapter.findPosted(CHANNEL, THREAD, staged.key)).to.include({ id: '1767326100900' });
    // Shared already: the record answers, nothing is posted again (no Bot Connector call is mocked).
    expect(await adapter.shareFile(THREAD, staged, { text: 'again' })).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100900', threadId: ROOT_ID });
  });

  describe('serviceUrl', () => {
    it('posts to the region a signed activity named for the channel, and still after a restart', async () => {
      let adapter = await start({ serviceUrl: TEAMS_DEFAULT_SERVICE_URL });
      const server = await serve(adapter);
      try {
        const activity = channelMessage({ serviceUrl: EMEA });
        expect((await postActivity(server.url, activity, issuer.token({ serviceurl: EMEA }))).status).to.equal(200);
      } finally {
        await server.close();
      }
      const emea = nock('https://smba.trafficmanager.net').matchHeader('authorization', 'Bearer bot-token');
      emea.post(`/emea/${TENANT_ID}/v3/conversations/${encodeURIComponent(IN_THREAD)}/activities`).reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'info', text: 'hola' });

      adapter = await restart(adapter, { serviceUrl: TEAMS_DEFAULT_SERVICE_URL });
      emea.post(`/emea/${TENANT_ID}/v3/conversations`).reply(201, { id: `${CHANNEL};messageid=5` });
      expect(await adapter.openThread(CHANNEL, { lineName: 'Ventas', returning: false, text: 'h', key: 'k' })).to.include({ id: '5' });
      // A channel no activity came from yet goes to the tenant's region.
      emea.post(`/emea/${TENANT_ID}/v3/conversations`).reply(201, { id: '19:other@thread.tacv2;messageid=6' });
      expect(await adapter.announce('19:other@thread.tacv2', { text: 'alert', key: 'a' })).to.include({ id: '6' });
    });

    it('never takes a serviceUrl the signed token does not name, nor a host that is not Microsoft’s', async () => {
      const adapter = await start({ serviceUrl: TEAMS_DEFAULT_SERVICE_URL });
      const server = await serve(adapter);
      try {
        await postActivity(server.url, channelMessage({ serviceUrl: 'https://evil.example/' }), issuer.token({ serviceurl: EMEA }));
        await postActivity(server.url, channelMessage({ serviceUrl: 'https://evil.example/' }), issuer.token({ serviceurl: 'https://evil.example/' }));
      } finally {
        await server.close();
      }
      nock('https://smba.trafficmanager.net').post(`/teams/v3/conversations/${encodeURIComponent(IN_THREAD)}/activities`).reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'info', text: 'hola' });
    });

    it('keeps TEAMS_SERVICE_URL, when set, as the override for every call', async () => {
      const adapter = await start(); // the fixtures' https://smba.test/amer/
      const server = await serve(adapter);
      try {
        await postActivity(server.url, channelMessage({ serviceUrl: EMEA }), issuer.token({ serviceurl: EMEA }));
      } finally {
        await server.close();
      }
      connector().post(conversationPath(IN_THREAD)).reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'info', text: 'hola' });
    });
  });

  describe('private notices (onlyTo)', () => {
    async function seen(adapter: TeamsAdapter): Promise<void> {
      const server = await serve(adapter);
      try {
        await postActivity(server.url, mentioning('hola'), issuer.token());
      } finally {
        await server.close();
      }
    }

    it('sends a notice meant for one agent to their personal chat, created once and remembered across restarts', async () => {
      let adapter = await start();
      await seen(adapter);
      const created: Body[] = [];
      const sent: Body[] = [];
      connector()
        .post('/amer/v3/conversations', (body: Body) => {
          created.push(body);
          return true;
        })
        .reply(201, { id: 'a:personal-ana' });
      connector()
        .post(conversationPath('a:personal-ana'), (body: Body) => {
          sent.push(body);
          return true;
        })
        .times(2)
        .reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'warning', text: 'Edits are not relayed', onlyTo: AGENT.aadObjectId });
      adapter = await restart(adapter);
      await adapter.notify(THREAD, { kind: 'warning', text: 'Nothing to send', onlyTo: AGENT.aadObjectId });
      expect(created).to.have.length(1);
      expect(created[0]?.members).to.deep.equal([{ id: AGENT.id }]);
      expect(sent.map((body) => body.text)).to.deep.equal(['⚠️ Edits are not relayed', '⚠️ Nothing to send']);
    });

    it('uses the personal chat Teams already told about (the agent wrote to the bot) without creating one', async () => {
      const adapter = await start();
      const server = await serve(adapter);
      try {
        const personal = channelMessage({ conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: 'a:from-teams' }, channelData: { tenant: { id: TENANT_ID } }, text: 'hi' });
        expect((await postActivity(server.url, personal, issuer.token())).status).to.equal(200);
      } finally {
        await server.close();
      }
      const sent: Body[] = [];
      connector()
        .post(conversationPath('a:from-teams'), (body: Body) => {
          sent.push(body);
          return true;
        })
        .reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'info', text: 'hola', onlyTo: AGENT.aadObjectId });
      expect(sent.map((body) => body.text)).to.deep.equal(['ℹ️ hola']);
    });

    it('opens the personal chat again when the remembered one is gone', async () => {
      const adapter = await start();
      await seen(adapter);
      connector().post('/amer/v3/conversations').reply(201, { id: 'a:old' });
      connector().post(conversationPath('a:old')).reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'info', text: 'one', onlyTo: AGENT.aadObjectId });
      connector().post(conversationPath('a:old')).reply(403, { error: { code: 'Forbidden', message: 'app uninstalled' } });
      connector().post('/amer/v3/conversations').reply(201, { id: 'a:new' });
      const sent: Body[] = [];
      connector()
        .post(conversationPath('a:new'), (body: Body) => {
          sent.push(body);
          return true;
        })
        .reply(201, { id: '2' });
      await adapter.notify(THREAD, { kind: 'info', text: 'two', onlyTo: AGENT.aadObjectId });
      expect(sent.map((body) => body.text)).to.deep.equal(['ℹ️ two']);
    });

    it('posts in the thread with an @mention, in the number’s language, when the personal chat cannot be opened', async () => {
      const adapter = await start({}, [{ ...NUMBER, language: 'es' }]);
      await seen(adapter);
      connector().post('/amer/v3/conversations').reply(403, { error: { code: 'Forbidden', message: 'The bot is not installed for the user' } });
      const sent: Body[] = [];
      connector()
        .post(conversationPath(IN_THREAD), (body: Body) => {
          sent.push(body);
          return true;
        })
        .reply(201, { id: '1' });
      await adapter.notify(THREAD, { kind: 'warning', text: 'Nada que enviar', onlyTo: AGENT.aadObjectId });
      expect(sent[0]?.text).to.equal(
        `<at>${AGENT.name}</at>, esto es para ti: Puente no pudo abrir un chat privado contigo (pide a un administrador que te instale la aplicación).\n\n⚠️ Nada que enviar`,
      );
      expect(sent[0]?.entities).to.deep.equal([{ type: 'mention', text: `<at>${AGENT.name}</at>`, mentioned: { id: AGENT.id, name: AGENT.name } }]);
    });

    it('hands a throttled personal chat to the core to retry, rather than posting in the thread', async () => {
      const adapter = await start({ pacer: { maxQueueMs: 1_000 } });
      await seen(adapter);
      connector().post('/amer/v3/conversations').reply(429, {}, { 'retry-after': '30' });
      const error = await rejection(adapter.notify(THREAD, { kind: 'info', text: 'x', onlyTo: AGENT.aadObjectId }));
      expect(error).to.be.instanceOf(RetryableChatError);
    });
  });

  describe('the state journal', () => {
    it('survives a line torn by a crash, and keeps only the most recent records', async () => {
      let state = new TeamsState(dir, 3);
      await state.open();
      for (let index = 1; index <= 5; index++) await state.rememberPost(`k${index}`, { id: String(index), channel: CHANNEL });
      state.rememberServiceUrl('tenant:t', EMEA);
      await state.rememberMarker('m', 'marker');
      await state.close();
      const path = join(dir, 'state.jsonl');
      await writeFile(path, `${await readFile(path, 'utf8')}{"t":"post","key":"torn`);
      state = new TeamsState(dir, 3);
      await state.open();
      expect(['k1', 'k2', 'k3', 'k4', 'k5'].map((key) => state.posted(key)?.id)).to.deep.equal([undefined, undefined, '3', '4', '5']);
      expect(state.serviceUrl('tenant:t')).to.equal(EMEA);
      expect(state.marker('m')).to.equal('marker');
      await state.close();
      // Compacted at open: the torn line and the forgotten posts are gone from the file.
      const lines = (await readFile(path, 'utf8')).trim().split('\n');
      expect(lines.every((line) => JSON.parse(line))).to.equal(true);
      expect(lines.filter((line) => line.includes('"post"'))).to.have.length(3);
    });
  });
});
