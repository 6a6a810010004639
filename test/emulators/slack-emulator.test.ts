import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { WebClient, WebClientEvent, ErrorCode, LogLevel, type WebAPIRateLimitedError, type WebAPIPlatformError } from '@slack/web-api';
import { SlackEmulator, type SlackEmulatorOptions } from '../../sandbox/emulators/index.js';
import { WebhookSink } from './helpers/webhook-sink.js';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const BOT_TOKEN = 'xoxb-test-token';
const CHANNEL = 'C0SUPPORT';
const AGENT = { id: 'U0AGENT1', name: 'maria', displayName: 'María', realName: 'María García' };

type Json = Record<string, any>;

function expectedSignature(timestamp: string, body: string): string {
  return 'v0=' + createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
}

describe('SlackEmulator', () => {
  let sink: WebhookSink;
  let sinkUrl: string;
  let slack: SlackEmulator;
  let client: WebClient;

  async function boot(overrides: Partial<SlackEmulatorOptions> = {}): Promise<void> {
    await slack?.stop();
    slack = new SlackEmulator({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      eventsUrl: `${sinkUrl}/slack/events`,
      users: [AGENT],
      channels: [{ id: CHANNEL, name: 'soporte' }],
      ...overrides,
    });
    await slack.start();
    client = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  }

  beforeEach(async () => {
    sink = new WebhookSink();
    sinkUrl = await sink.start();
    await boot();
  });
  afterEach(async () => {
    await slack.stop();
    await sink.stop();
  });

  async function call(method: string, args: Json = {}, token: string | null = BOT_TOKEN): Promise<{ status: number; headers: Headers; body: Json }> {
    const response = await fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(args),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  }
  const post = async (args: Json) => (await call('chat.postMessage', { channel: CHANNEL, ...args })).body;

  describe('Web API basics', () => {
    it('rejects a missing or wrong token', async () => {
      expect((await call('auth.test', {}, null)).body).to.deep.equal({ ok: false, error: 'not_authed' });
      expect((await call('auth.test', {}, 'xoxb-wrong')).body).to.deep.equal({ ok: false, error: 'invalid_auth' });
      const wrongClient = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
      try {
        await wrongClient.auth.test();
        expect.fail('should have thrown');
      } catch (error) {
        expect((error as WebAPIPlatformError).data.error).to.equal('invalid_auth');
      }
      expect(slack.requests('auth.test').map((r) => r.authorized)).to.deep.equal([false, false, false]);
    });

    it('answers auth.test in the real shape, over fetch and WebClient', async () => {
      const expected = { ok: true, team_id: 'T0EMULATED', user_id: 'U0PUENTEBOT', bot_id: 'B0PUENTEBOT', user: 'puente', is_enterprise_install: false };
      expect((await call('auth.test')).body).to.deep.include(expected);
      const viaClient = await client.auth.test();
      expect(viaClient).to.deep.include(expected);
      expect(viaClient.url).to.equal(`${slack.baseUrl}/`);
    });

    it('accepts the token as a form field too', async () => {
      const response = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${BOT_TOKEN}` });
      expect(((await response.json()) as Json).ok).to.equal(true);
    });

    it('answers unknown methods with unknown_method', async () => {
      expect((await call('chat.frobnicate')).body).to.deep.include({ ok: false, error: 'unknown_method' });
    });

    it('failNext makes the next calls of one method answer an error', async () => {
      slack.failNext('chat.postMessage', 1, 'msg_too_long');
      expect(await post({ text: 'x' })).to.deep.equal({ ok: false, error: 'msg_too_long' });
      expect((await post({ text: 'x' })).ok).to.equal(true);
    });
  });

  describe('chat.postMessage', () => {
    it('stores and returns a bot message with the real fields', async () => {
      const result = await post({ text: 'Hola', username: 'Ana (WhatsApp)', icon_url: 'https://x/y.png' });
      expect(result).to.include({ ok: true, channel: CHANNEL });
      expect(result.ts).to.match(/^\d{10}\.\d{6}$/);
      expect(result.message).to.deep.include({ type: 'message', text: 'Hola', ts: result.ts, bot_id: 'B0PUENTEBOT', app_id: 'A0EMULATED', username: 'Ana (WhatsApp)', user: 'U0PUENTEBOT' });
      expect(result.message.bot_profile).to.include({ app_id: 'A0EMULATED', id: 'B0PUENTEBOT' });
      expect(slack.messages(CHANNEL)).to.have.length(1);
      expect(slack.message(CHANNEL, result.ts)!.text).to.equal('Hola');
    });

    it('threads replies under their parent and keeps reply bookkeeping', async () => {
      const parent = await post({ text: 'parent' });
      const reply = await post({ text: 'reply', thread_ts: parent.ts });
      expect(reply.message).to.include({ thread_ts: parent.ts, parent_user_id: 'U0PUENTEBOT' });
      // a reply's ts as thread_ts lands in the same thread
      const second = await post({ text: 'reply 2', thread_ts: reply.ts });
      expect(second.message.thread_ts).to.equal(parent.ts);
      expect(slack.thread(CHANNEL, parent.ts).map((m) => m.text)).to.deep.equal(['parent', 'reply', 'reply 2']);
      expect(slack.message(CHANNEL, parent.ts)).to.include({ reply_count: 2, thread_ts: parent.ts, latest_reply: second.ts });
    });

    it('hands out unique, strictly increasing ts values under concurrency', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => post({ text: `m${i}` })));
      const tss = results.map((r) => r.ts as string);
      expect(new Set(tss).size).to.equal(100);
      const stored = slack.messages(CHANNEL).map((m) => m.ts);
      const sorted = [...stored].sort((a, b) => (a < b ? -1 : 1));
      expect(stored).to.deep.equal(sorted);
    });

    it('accepts form-encoded metadata and blocks from the official client, and returns metadata only on request', async () => {
      const metadata = { event_type: 'puente_message', event_payload: { wamid: 'wamid.X', direction: 'inbound' } };
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hola*' } }];
      const result = await client.chat.postMessage({ channel: CHANNEL, text: 'hola', blocks, metadata, unfurl_links: false });
      expect(result.message?.metadata).to.deep.equal(metadata);
      const [record] = slack.requests('chat.postMessage');
      expect(record!.contentType).to.equal('application/x-www-form-urlencoded');
      expect(record!.args.metadata).to.equal(JSON.stringify(metadata)); // as sent on the wire
      expect(slack.message(CHANNEL, result.ts!)).to.deep.include({ metadata, blocks });

      const plain = await client.conversations.history({ channel: CHANNEL });
      expect(plain.messages![0]).to.not.have.property('metadata');
      const withMeta = await client.conversations.history({ channel: CHANNEL, include_all_metadata: true });
      expect(withMeta.messages![0]!.metadata).to.deep.equal(metadata);
    });

    const errors: [string, Json, string][] = [
      ['no text, blocks or attachments', { channel: CHANNEL }, 'no_text'],
      ['an unknown thread', { channel: CHANNEL, text: 'x', thread_ts: '1700000000.000001' }, 'thread_not_found'],
      ['metadata without event_payload', { channel: CHANNEL, text: 'x', metadata: { event_type: 'x' } }, 'invalid_metadata_schema'],
      ['metadata that is not JSON', { channel: CHANNEL, text: 'x', metadata: '{nope' }, 'invalid_metadata_format'],
      ['blocks that are not JSON', { channel: CHANNEL, text: 'x', blocks: '[nope' }, 'invalid_blocks_format'],
      ['a bad channel id', { channel: 'not-a-channel', text: 'x' }, 'channel_not_found'],
    ];
    for (const [name, args, error] of errors) {
      it(`answers ${error} for ${name}`, async () => {
        expect((await call('chat.postMessage', args)).body).to.deep.include({ ok: false, error });
      });
    }

    it('answers channel_not_found for unknown channels when auto-creation is off', async () => {
      await boot({ autoCreateChannels: false });
      expect(await post({ channel: 'C0OTHER', text: 'x' })).to.deep.include({ ok: false, error: 'channel_not_found' });
      expect((await post({ text: 'x' })).ok).to.equal(true);
    });

    it('truncates text beyond 40,000 characters with a warning', async () => {
      const result = await post({ text: 'x'.repeat(40_010) });
      expect(result.message.text).to.have.length(40_000);
      expect(result.response_metadata.warnings).to.deep.equal(['message_truncated']);
    });

    it('keeps at most maxRecords messages per channel', async () => {
      await boot({ maxRecords: 3 });
      for (let i = 0; i < 5; i++) await post({ text: `m${i}` });
      expect(slack.messages(CHANNEL).map((m) => m.text)).to.deep.equal(['m2', 'm3', 'm4']);
    });
  });

  describe('other write methods', () => {
    it('chat.update edits the bot message; humans’ messages cannot be updated', async () => {
      const { ts } = await post({ text: 'before' });
      const updated = await client.chat.update({ channel: CHANNEL, ts, text: 'after ✓', metadata: { event_type: 'status', event_payload: { s: 'read' } } });
      expect(updated).to.deep.include({ ok: true, channel: CHANNEL, ts, text: 'after ✓' });
      expect(slack.message(CHANNEL, ts)).to.deep.include({ text: 'after ✓', metadata: { event_type: 'status', event_payload: { s: 'read' } } });
      expect(slack.message(CHANNEL, ts)!.edited!.user).to.equal('U0PUENTEBOT');
      const human = await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: 'mine' });
      expect((await call('chat.update', { channel: CHANNEL, ts: human.ts, text: 'x' })).body.error).to.equal('cant_update_message');
      expect((await call('chat.update', { channel: CHANNEL, ts: '1700000000.000001', text: 'x' })).body.error).to.equal('message_not_found');
    });

    it('chat.postEphemeral answers message_ts and records the ephemeral', async () => {
      const result = await client.chat.postEphemeral({ channel: CHANNEL, user: AGENT.id, text: 'only you', thread_ts: '1700000000.000001' });
      expect(result.message_ts).to.match(/^\d{10}\.\d{6}$/);
      expect(slack.ephemerals()[0]).to.include({ channel: CHANNEL, user: AGENT.id, text: 'only you', threadTs: '1700000000.000001', messageTs: result.message_ts });
      expect(slack.messages(CHANNEL)).to.have.length(0);
      expect((await call('chat.postEphemeral', { channel: CHANNEL, user: 'U0STRANGER', text: 'x' })).body.error).to.equal('user_not_in_channel');
    });

    it('chat.delete removes bot messages only', async () => {
      const { ts } = await post({ text: 'oops' });
      expect((await call('chat.delete', { channel: CHANNEL, ts })).body).to.deep.equal({ ok: true, channel: CHANNEL, ts });
      expect(slack.message(CHANNEL, ts)).to.equal(undefined);
      expect((await call('chat.delete', { channel: CHANNEL, ts })).body.error).to.equal('message_not_found');
      const human = await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: 'mine' });
      expect((await call('chat.delete', { channel: CHANNEL, ts: human.ts })).body.error).to.equal('cant_delete_message');
    });

    it('reactions.add / reactions.remove with Slack’s errors', async () => {
      const { ts } = await post({ text: 'react to me' });
      await client.reactions.add({ channel: CHANNEL, timestamp: ts, name: 'thumbsup::skin-tone-3' });
      expect(slack.reactionsOn(CHANNEL, ts)).to.deep.equal([{ name: 'thumbsup::skin-tone-3', users: ['U0PUENTEBOT'], count: 1 }]);
      expect((await call('reactions.add', { channel: CHANNEL, timestamp: ts, name: 'thumbsup::skin-tone-3' })).body.error).to.equal('already_reacted');
      expect((await call('reactions.add', { channel: CHANNEL, timestamp: ts, name: 'Not Valid!' })).body.error).to.equal('invalid_name');
      expect((await call('reactions.add', { channel: CHANNEL, timestamp: '1700000000.000001', name: 'eyes' })).body.error).to.equal('message_not_found');
      await client.reactions.remove({ channel: CHANNEL, timestamp: ts, name: 'thumbsup::skin-tone-3' });
      expect(slack.reactionsOn(CHANNEL, ts)).to.deep.equal([]);
      expect((await call('reactions.remove', { channel: CHANNEL, timestamp: ts, name: 'eyes' })).body.error).to.equal('no_reaction');
    });
  });

  describe('read methods', () => {
    it('users.info returns the profile fields the bridge uses', async () => {
      const { user } = await client.users.info({ user: AGENT.id });
      expect(user).to.deep.include({ id: AGENT.id, name: 'maria', real_name: 'María García' });
      expect(user!.profile).to.include({ display_name: 'María', real_name: 'María García' });
      expect(user!.profile!.image_192).to.match(/^https:\/\//);
      expect((await call('users.info', { user: 'U0NOBODY' })).body.error).to.equal('user_not_found');
    });

    it('conversations.history is newest-first, top-level only, and paginates', async () => {
      const first = await post({ text: 'one' });
      await post({ text: 'reply', thread_ts: first.ts });
      await post({ text: 'two' });
      await post({ text: 'three' });
      const page1 = await client.conversations.history({ channel: CHANNEL, limit: 2 });
      expect(page1.messages!.map((m) => m.text)).to.deep.equal(['three', 'two']);
      expect(page1.has_more).to.equal(true);
      const page2 = await client.conversations.history({ channel: CHANNEL, limit: 2, cursor: page1.response_metadata!.next_cursor! });
      expect(page2.messages!.map((m) => m.text)).to.deep.equal(['one']);
      expect(page2.has_more).to.equal(false);
      expect(page2.messages![0]!.reply_count).to.equal(1);
    });

    it('conversations.replies returns the thread in order, honouring metadata and limit', async () => {
      const parent = await post({ text: 'p', metadata: { event_type: 'conv', event_payload: { id: 1 } } });
      await post({ text: 'r1', thread_ts: parent.ts });
      await slack.postAsUser({ channel: CHANNEL, threadTs: parent.ts, user: AGENT.id, text: 'r2' });
      const all = await client.conversations.replies({ channel: CHANNEL, ts: parent.ts, include_all_metadata: true });
      expect(all.messages!.map((m) => m.text)).to.deep.equal(['p', 'r1', 'r2']);
      expect(all.messages![0]!.metadata).to.deep.equal({ event_type: 'conv', event_payload: { id: 1 } });
      const limited = await client.conversations.replies({ channel: CHANNEL, ts: parent.ts, limit: 2 });
      expect(limited.messages!.map((m) => m.text)).to.deep.equal(['p', 'r1']);
      expect(limited.messages![0]).to.not.have.property('metadata');
      expect((await call('conversations.replies', { channel: CHANNEL, ts: '1700000000.000001' })).body.error).to.equal('thread_not_found');
    });

    it('conversations.info describes the channel', async () => {
      const { channel } = await client.conversations.info({ channel: CHANNEL });
      expect(channel).to.include({ id: CHANNEL, name: 'soporte', is_channel: true, is_private: false, is_member: true });
    });
  });

  describe('rate-limit injection', () => {
    it('answers HTTP 429 with Retry-After and ratelimited', async () => {
      slack.rateLimitNext('chat.postMessage', 2, 7);
      for (let i = 0; i < 2; i++) {
        const response = await call('chat.postMessage', { channel: CHANNEL, text: 'x' });
        expect(response.status).to.equal(429);
        expect(response.headers.get('retry-after')).to.equal('7');
        expect(response.body).to.deep.equal({ ok: false, error: 'ratelimited' });
      }
      expect((await call('chat.postMessage', { channel: CHANNEL, text: 'x' })).status).to.equal(200);
      expect((await call('auth.test')).status).to.equal(200);
    });

    it('surfaces as WebAPIRateLimitedError with rejectRateLimitedCalls', async () => {
      slack.rateLimitNext('chat.postMessage', 1, 30);
      const strict = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
      try {
        await strict.chat.postMessage({ channel: CHANNEL, text: 'x' });
        expect.fail('should have thrown');
      } catch (error) {
        expect((error as WebAPIRateLimitedError).code).to.equal(ErrorCode.RateLimitedError);
        expect((error as WebAPIRateLimitedError).retryAfter).to.equal(30);
      }
    });

    it('is retried by the default client after Retry-After', async () => {
      slack.rateLimitNext('chat.postMessage', 1, 0);
      const patient = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 }, logLevel: LogLevel.ERROR });
      const limited: number[] = [];
      patient.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
      const result = await patient.chat.postMessage({ channel: CHANNEL, text: 'eventually' });
      expect(result.ok).to.equal(true);
      expect(limited).to.deep.equal([0]);
      expect(slack.requests('chat.postMessage').map((r) => r.httpStatus)).to.deep.equal([429, 200]);
    });
  });

  describe('Events API (agent side)', () => {
    const envelopeOf = (i: number) => sink.received[i]!.json as Json;

    it('postAsUser stores the message and delivers a signed event_callback', async () => {
      const parent = await post({ text: 'customer says hi' });
      const result = await slack.postAsUser({ channel: CHANNEL, threadTs: parent.ts, user: AGENT.id, text: 'hola, ¿qué tal?' });
      expect(result.status).to.equal(200);
      const [request] = sink.received;
      expect(request!.path).to.equal('/slack/events');
      const timestamp = request!.headers['x-slack-request-timestamp'] as string;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).to.be.lessThan(60);
      expect(request!.headers['x-slack-signature']).to.equal(expectedSignature(timestamp, request!.text));
      expect(slack.sign(timestamp, request!.text)).to.equal(expectedSignature(timestamp, request!.text));
      const envelope = envelopeOf(0);
      expect(envelope).to.deep.include({ type: 'event_callback', team_id: 'T0EMULATED', api_app_id: 'A0EMULATED', event_id: result.eventId, is_ext_shared_channel: false });
      expect(envelope.event_id).to.match(/^Ev[A-Z0-9]+$/);
      expect(envelope.event_time).to.be.a('number');
      expect(envelope.authorizations[0]).to.include({ team_id: 'T0EMULATED', user_id: 'U0PUENTEBOT', is_bot: true });
      expect(envelope.event).to.deep.include({
        type: 'message',
        channel: CHANNEL,
        user: AGENT.id,
        text: 'hola, ¿qué tal?',
        ts: result.ts,
        event_ts: result.ts,
        thread_ts: parent.ts,
        parent_user_id: 'U0PUENTEBOT',
        channel_type: 'channel',
      });
      expect(envelope.event.client_msg_id).to.match(/^[0-9a-f-]{36}$/);
      expect(envelope.event.blocks[0].type).to.equal('rich_text');
      expect(envelope.event).to.not.have.property('subtype');
      expect(slack.thread(CHANNEL, parent.ts).map((m) => m.text)).to.deep.equal(['customer says hi', 'hola, ¿qué tal?']);
    });

    it('gives every event a unique id and reports the bridge’s HTTP status', async () => {
      sink.respondWith = (_request, count) => (count === 2 ? 500 : 200);
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: `m${i}` }));
      expect(results.map((r) => r.status)).to.deep.equal([200, 500, 200]);
      expect(new Set(results.map((r) => r.eventId)).size).to.equal(3);
      expect(slack.eventDeliveries().map((d) => d.status)).to.deep.equal([200, 500, 200]);
    });

    it('reactAsUser / unreactAsUser deliver reaction_added / reaction_removed', async () => {
      const { ts } = await post({ text: 'x' });
      await slack.reactAsUser({ channel: CHANNEL, ts, user: AGENT.id, name: 'thumbsup' });
      expect(slack.reactionsOn(CHANNEL, ts)).to.deep.equal([{ name: 'thumbsup', users: [AGENT.id], count: 1 }]);
      await slack.unreactAsUser({ channel: CHANNEL, ts, user: AGENT.id, name: 'thumbsup' });
      expect(envelopeOf(0).event).to.deep.include({ type: 'reaction_added', user: AGENT.id, reaction: 'thumbsup', item: { type: 'message', channel: CHANNEL, ts }, item_user: 'U0PUENTEBOT' });
      expect(envelopeOf(1).event.type).to.equal('reaction_removed');
      expect(slack.reactionsOn(CHANNEL, ts)).to.deep.equal([]);
    });

    it('editAsUser delivers message_changed; deleteAsUser delivers message_deleted', async () => {
      const parent = await post({ text: 'p' });
      const mine = await slack.postAsUser({ channel: CHANNEL, threadTs: parent.ts, user: AGENT.id, text: 'typo' });
      await slack.editAsUser({ channel: CHANNEL, ts: mine.ts, text: 'fixed' });
      await slack.deleteAsUser({ channel: CHANNEL, ts: mine.ts });
      const changed = envelopeOf(1).event;
      expect(changed).to.include({ type: 'message', subtype: 'message_changed', hidden: true, channel: CHANNEL });
      expect(changed.message).to.include({ ts: mine.ts, text: 'fixed', thread_ts: parent.ts, user: AGENT.id });
      expect(changed.message.edited.user).to.equal(AGENT.id);
      expect(changed.previous_message).to.include({ ts: mine.ts, text: 'typo' });
      expect(changed).to.not.have.property('thread_ts');
      const deleted = envelopeOf(2).event;
      expect(deleted).to.include({ type: 'message', subtype: 'message_deleted', hidden: true, deleted_ts: mine.ts, channel: CHANNEL });
      expect(deleted.previous_message.text).to.equal('fixed');
      expect(slack.message(CHANNEL, mine.ts)).to.equal(undefined);
    });

    it('redeliver re-sends the same envelope with retry headers', async () => {
      const first = await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: 'again' });
      const retry = await slack.redeliver(first.eventId, 1);
      expect(retry).to.include({ eventId: first.eventId, retryNum: 1, retryReason: 'http_timeout', status: 200 });
      const [original, resent] = sink.received;
      expect(resent!.text).to.equal(original!.text);
      expect(resent!.headers).to.include({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
      expect(original!.headers).to.not.have.property('x-slack-retry-num');
      expect(resent!.headers['x-slack-signature']).to.equal(expectedSignature(resent!.headers['x-slack-request-timestamp'] as string, resent!.text));
    });

    it('postRawEvent sends chosen signatures and timestamps', async () => {
      sink.respondWith = (request) => {
        const timestamp = request.headers['x-slack-request-timestamp'] as string;
        const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        return fresh && request.headers['x-slack-signature'] === expectedSignature(timestamp, request.text) ? 200 : 401;
      };
      expect((await slack.postRawEvent('{"type":"event_callback"}')).status).to.equal(200);
      expect((await slack.postRawEvent('{"type":"event_callback"}', { signature: 'v0=bad' })).status).to.equal(401);
      expect((await slack.postRawEvent('{}', { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).to.equal(401);
      expect((await slack.postRawEvent('{}', { signature: null })).status).to.equal(401);
    });

    it('records an event as undelivered when no eventsUrl is set', async () => {
      slack.setEventsUrl(undefined);
      const result = await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: 'nobody listens' });
      expect(result.status).to.equal(0);
      expect(slack.eventDeliveries()[0]!.error).to.contain('no eventsUrl');
    });
  });

  describe('bot message echoes', () => {
    it('are off by default', async () => {
      await post({ text: 'quiet' });
      await slack.whenIdle();
      expect(sink.received).to.have.length(0);
    });

    it('echo the bridge’s posts as message events carrying its bot_id and app_id', async () => {
      await boot({ echoBotMessages: true });
      const plain = await post({ text: 'plain' });
      const custom = await post({ text: 'as customer', username: 'Ana', thread_ts: plain.ts });
      await slack.whenIdle();
      const events = sink.received.map((r) => (r.json as Json).event);
      expect(events[0]).to.include({ type: 'message', ts: plain.ts, bot_id: 'B0PUENTEBOT', channel: CHANNEL, text: 'plain' });
      expect(events[0]).to.not.have.property('subtype');
      expect(events[0].bot_profile.app_id).to.equal('A0EMULATED');
      expect(events[1]).to.include({ subtype: 'bot_message', username: 'Ana', ts: custom.ts, thread_ts: plain.ts });
    });

    it('can arrive before the API answer', async () => {
      await boot({ echoBotMessages: 'before-response' });
      const result = await post({ text: 'racy' });
      expect(sink.received).to.have.length(1);
      expect(((sink.received[0]!.json as Json).event as Json).ts).to.equal(result.ts);
    });

    it('echo chat.update and chat.delete as message_changed / message_deleted', async () => {
      await boot({ echoBotMessages: true });
      const { ts } = await post({ text: 'v1' });
      await call('chat.update', { channel: CHANNEL, ts, text: 'v2' });
      await call('chat.delete', { channel: CHANNEL, ts });
      await slack.whenIdle();
      const events = sink.received.map((r) => (r.json as Json).event);
      expect(events.map((e) => e.subtype)).to.deep.equal([undefined, 'message_changed', 'message_deleted']);
      expect(events[1].message).to.include({ text: 'v2', bot_id: 'B0PUENTEBOT' });
      expect(events[2].deleted_ts).to.equal(ts);
    });
  });

  describe('files', () => {
    it('supports the official client’s files.uploadV2 into a thread, downloadable with the bot token', async () => {
      const parent = await post({ text: 'customer sent a photo' });
      const result = (await client.files.uploadV2({
        channel_id: CHANNEL,
        thread_ts: parent.ts,
        file: Buffer.from('jpeg-bytes'),
        filename: 'photo.jpg',
        initial_comment: 'foto del cliente',
      })) as unknown as { ok: boolean; files: { files: { id: string }[] }[] };
      expect(result.ok).to.equal(true);
      const fileId = result.files[0]!.files[0]!.id;
      const [, shared] = slack.thread(CHANNEL, parent.ts);
      expect(shared).to.deep.include({ text: 'foto del cliente', thread_ts: parent.ts, bot_id: 'B0PUENTEBOT' });
      const file = shared!.files![0]!;
      expect(file).to.include({ id: fileId, name: 'photo.jpg', mimetype: 'image/jpeg', size: 10 });
      expect((await fetch(file.url_private)).status).to.equal(401);
      const download = await fetch(file.url_private, { headers: { authorization: `Bearer ${BOT_TOKEN}` } });
      expect(Buffer.from(await download.arrayBuffer()).toString()).to.equal('jpeg-bytes');
      expect(slack.fileContent(fileId)!.toString()).to.equal('jpeg-bytes');
    });

    it('postAsUser with files delivers a file_share event with downloadable files', async () => {
      await slack.postAsUser({ channel: CHANNEL, user: AGENT.id, text: 'here is the invoice', files: [{ name: 'invoice.pdf', data: Buffer.from('%PDF') }] });
      const event = (sink.received[0]!.json as Json).event;
      expect(event).to.include({ subtype: 'file_share', user: AGENT.id, text: 'here is the invoice' });
      expect(event.files[0]).to.include({ name: 'invoice.pdf', mimetype: 'application/pdf', size: 4, user: AGENT.id });
      const bytes = await (await fetch(event.files[0].url_private_download, { headers: { authorization: `Bearer ${BOT_TOKEN}` } })).arrayBuffer();
      expect(Buffer.from(bytes).toString()).to.equal('%PDF');
    });
  });

  it('emits request, message, reaction and event notifications', async () => {
    const seen: string[] = [];
    slack.on('request', (call) => seen.push(`request ${call.method}`));
    slack.on('message', ({ author }) => seen.push(`message ${author}`));
    slack.on('reaction', ({ action }) => seen.push(`reaction ${action}`));
    slack.on('event', (delivery) => seen.push(`event ${delivery.eventType} ${delivery.status}`));
    const { ts } = await post({ text: 'x' });
    await slack.reactAsUser({ channel: CHANNEL, ts, user: AGENT.id, name: 'eyes' });
    expect(seen).to.deep.equal(['message bot', 'request chat.postMessage', 'reaction added', 'event reaction_added 200']);
  });
});
