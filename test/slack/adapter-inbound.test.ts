/**
 * The adapter as Slack sees it: signed requests to `/slack/events` on the bridge's HTTP server,
 * with Bolt's HTTPReceiver mounted, the Web API mocked with nock.
 */
import { expect } from 'chai';
import nock from 'nock';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import {
  BOT,
  CHANNEL,
  envelope,
  mockAuthTest,
  mockUserInfo,
  newAdapter,
  RecordingHandlers,
  sendToSlackEndpoint,
  serveAdapter,
  THREAD_TS,
  threadReply,
} from './fixtures.js';

describe('SlackAdapter inbound (HTTP)', () => {
  let adapter: SlackAdapter;
  let handlers: RecordingHandlers;
  let server: { url: string; close: () => Promise<void> };

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const authTest = mockAuthTest();
    adapter = newAdapter();
    handlers = new RecordingHandlers();
    await adapter.start(handlers);
    expect(authTest.isDone(), 'auth.test called at start').to.equal(true);
    server = await serveAdapter(adapter);
  });

  afterEach(async () => {
    await server.close();
    await adapter.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const send = (body: unknown, options?: Parameters<typeof sendToSlackEndpoint>[2]) =>
    sendToSlackEndpoint(server.url, body, options);

  describe('what Bolt answers on its own', () => {
    it('refuses a wrong signature with 401 and delivers nothing', async () => {
      const response = await send(envelope(threadReply()), { secret: 'not-the-secret' });
      expect(response.status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('refuses a request signed more than five minutes ago with 401', async () => {
      const response = await send(envelope(threadReply()), { timestamp: Math.floor(Date.now() / 1000) - 600 });
      expect(response.status).to.equal(401);
      expect(handlers.count).to.equal(0);
    });

    it('answers the bridge’s own echoed post 200 without Bolt, but only when it is signed', async () => {
      const echo = envelope(threadReply({ user: undefined, bot_id: BOT.botId, username: 'Ana', subtype: undefined }));
      expect((await send(echo)).status).to.equal(200);
      expect((await send(echo, { secret: 'not-the-secret' })).status).to.equal(401);
      expect((await send(echo, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).to.equal(401);
      expect(handlers.count).to.equal(0);
      // A person's reply after the echoes still goes through Bolt to the core.
      mockUserInfo('U0AGENT', { display_name: 'Lucía' });
      expect((await send(envelope(threadReply()))).status).to.equal(200);
      expect(handlers.count).to.equal(1);
    });

    it('answers 413 to an events body over Bolt’s size limit', async () => {
      const response = await send(envelope(threadReply({ text: 'x'.repeat(11 * 1024 * 1024) })));
      expect(response.status).to.equal(413);
      expect(handlers.count).to.equal(0);
    });

    it('refuses an unsigned url_verification with 401', async () => {
      const response = await fetch(`${server.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'url_verification', challenge: 'abc' }),
      });
      expect(response.status).to.equal(401);
    });

    it('echoes the url_verification challenge', async () => {
      const response = await send({ token: 't', type: 'url_verification', challenge: 'c-123' });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ challenge: 'c-123' });
    });

    it('answers ssl_check with 200 without a signature', async () => {
      const response = await fetch(`${server.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'ssl_check=1&token=legacy',
      });
      expect(response.status).to.equal(200);
    });
  });

  describe('agent replies', () => {
    it('delivers a thread reply with converted text and the display names looked up', async () => {
      const author = mockUserInfo('U0AGENT', { display_name: '', real_name: 'Ana García' });
      const mentioned = mockUserInfo('U0BOB', { display_name: 'bob' });
      const response = await send(envelope(threadReply({ text: 'Hola &lt;3 <@U0BOB> :wave::skin-tone-2:' })));
      expect(response.status).to.equal(200);
      expect(author.isDone() && mentioned.isDone()).to.equal(true);
      expect(handlers.messages).to.have.length(1);
      expect(handlers.messages[0]).to.deep.include({
        key: `slack:${CHANNEL}:1718856900.000200`,
        thread: { adapter: 'slack', channel: CHANNEL, id: THREAD_TS },
        agent: { id: 'U0AGENT', displayName: 'Ana García' },
        text: 'Hola <3 @bob \u{1F44B}\u{1F3FB}',
      });
    });

    it('looks a display name up once and serves it from the cache afterwards', async () => {
      mockUserInfo('U0AGENT', { display_name: 'ana' });
      await send(envelope(threadReply({ ts: '1718856900.000201' })));
      await send(envelope(threadReply({ ts: '1718856900.000202' })));
      // A second users.info call would find no mock and leave the name unset.
      expect(handlers.messages.map((m) => m.agent.displayName)).to.deep.equal(['ana', 'ana']);
    });

    it('still delivers the reply, unnamed, when users.info fails', async () => {
      nock('https://slack.test').post('/api/users.info').reply(200, { ok: false, error: 'user_not_found' });
      const response = await send(envelope(threadReply()));
      expect(response.status).to.equal(200);
      expect(handlers.messages[0]?.agent).to.deep.equal({ id: 'U0AGENT', displayName: undefined });
    });

    it('delivers a retried event again with the same key (the core dedupes on it)', async () => {
      mockUserInfo('U0AGENT', { display_name: 'ana' });
      const body = envelope(threadReply(), 'EvRETRY');
      await send(body);
      const retry = await send(body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
      expect(retry.status).to.equal(200);
      expect(handlers.messages.map((m) => m.key)).to.deep.equal([
        `slack:${CHANNEL}:1718856900.000200`,
        `slack:${CHANNEL}:1718856900.000200`,
      ]);
    });

    it('ignores top-level channel messages', async () => {
      const response = await send(envelope(threadReply({ thread_ts: undefined })));
      expect(response.status).to.equal(200);
      expect(handlers.count).to.equal(0);
    });

    it("ignores the bridge's own posts however they come back", async () => {
      const echoes = [
        threadReply({ bot_id: BOT.botId, username: 'Cliente', user: undefined }),
        threadReply({ subtype: 'bot_message', bot_id: BOT.botId, user: undefined }),
        threadReply({ user: BOT.userId, bot_id: BOT.botId, bot_profile: { id: BOT.botId, app_id: BOT.appId } }),
        threadReply({ bot_id: 'BNEW', bot_profile: { id: 'BNEW', app_id: BOT.appId } }),
      ];
      for (const echo of echoes) {
        expect((await send(envelope(echo))).status).to.equal(200);
      }
      expect(handlers.count).to.equal(0);
    });

    it('answers 500 when the core cannot accept the event, so Slack retries', async () => {
      mockUserInfo('U0AGENT', { display_name: 'ana' });
      handlers.fail = true;
      const response = await send(envelope(threadReply()));
      expect(response.status).to.equal(500);
      handlers.fail = false;
      const retry = await send(envelope(threadReply()), { headers: { 'x-slack-retry-num': '1' } });
      expect(retry.status).to.equal(200);
      expect(handlers.messages).to.have.length(1);
    });

    it('answers 500 after stop(), so events arriving during shutdown are redelivered', async () => {
      await adapter.stop();
      const response = await send(envelope(threadReply()));
      expect(response.status).to.equal(500);
      expect(handlers.count).to.equal(0);
    });
  });

  describe('edits, deletions and reactions', () => {
    beforeEach(() => mockUserInfo('U0AGENT', { display_name: 'ana' }));

    it('delivers an edit of a thread reply as a change', async () => {
      const reply = threadReply({ text: 'old' });
      await send(
        envelope({
          type: 'message',
          subtype: 'message_changed',
          hidden: true,
          channel: CHANNEL,
          ts: '1718857000.000300',
          message: { ...reply, text: 'new', edited: { user: 'U0AGENT', ts: '1718857000.000300' } },
          previous_message: reply,
        }),
      );
      expect(handlers.changes).to.deep.equal([
        {
          kind: 'edit',
          target: { adapter: 'slack', channel: CHANNEL, id: '1718856900.000200', threadId: THREAD_TS },
          thread: { adapter: 'slack', channel: CHANNEL, id: THREAD_TS },
          agent: { id: 'U0AGENT', displayName: 'ana' },
        },
      ]);
    });

    it('delivers a deletion of a thread reply as a change', async () => {
      await send(
        envelope({
          type: 'message',
          subtype: 'message_deleted',
          hidden: true,
          channel: CHANNEL,
          ts: '1718857000.000300',
          deleted_ts: '1718856900.000200',
          previous_message: threadReply(),
        }),
      );
      expect(handlers.changes.map((c) => [c.kind, c.target.id])).to.deep.equal([['delete', '1718856900.000200']]);
    });

    it('delivers reactions added and removed, and ignores its own', async () => {
      const reaction = (type: string, user: string) => ({
        type,
        user,
        reaction: 'heart',
        item: { type: 'message', channel: CHANNEL, ts: '1718856800.000500' },
        event_ts: '1718857100.000100',
      });
      await send(envelope(reaction('reaction_added', 'U0AGENT'), 'EvADD'));
      await send(envelope(reaction('reaction_removed', 'U0AGENT'), 'EvREMOVE'));
      await send(envelope(reaction('reaction_added', BOT.userId), 'EvOWN'));
      expect(handlers.reactions.map((r) => [r.key, r.emoji, r.removed, r.agent.displayName])).to.deep.equal([
        ['slack:reaction:EvADD', '❤️', false, 'ana'],
        ['slack:reaction:EvREMOVE', '❤️', true, 'ana'],
      ]);
    });
  });
});
