/**
 * What the adapter asks of Slack's Web API (mocked with nock, which intercepts the web client's fetch),
 * and how Slack's failures reach the core.
 */
import { expect } from 'chai';
import nock from 'nock';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import type { ChatMessageRef, ThreadRef } from '../../bot/types.js';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import { SlackApiError } from '../../adapters/slack/errors.js';
import { CHANNEL, form, newAdapter, RecordingHandlers, slackApi, THREAD_TS } from './fixtures.js';
import { rejection } from '../helpers/rejection.js';

const THREAD: ThreadRef = { adapter: 'slack', channel: CHANNEL, id: THREAD_TS };
const AGENT_MESSAGE: ChatMessageRef = { adapter: 'slack', channel: CHANNEL, id: '1718856900.000200', threadId: THREAD_TS };

/** Mocks one Web API method, recording the form fields of each call. */
function expectCall(method: string, answer: Record<string, unknown> = { ok: true }, calls: Record<string, string>[] = []) {
  slackApi()
    .post(`/api/${method}`)
    .reply(200, (_uri, body) => {
      calls.push(form(body));
      return answer;
    });
  return calls;
}

describe('SlackAdapter outbound (Web API)', () => {
  let adapter: SlackAdapter;

  beforeEach(() => {
    nock.disableNetConnect();
    adapter = newAdapter();
  });

  afterEach(() => {
    expect(nock.pendingMocks(), 'every mocked call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('declares what Slack can do', () => {
    expect(adapter.name).to.equal('slack');
    expect(adapter.capabilities).to.deep.equal({
      customSender: true,
      reactions: true,
      ephemeral: true,
      maxTextLength: 39000,
      maxFileBytes: 1024 * 1024 * 1024,
      fileCustomSender: false,
    });
  });

  describe('start', () => {
    it('fails with Slack’s code when the token is refused', async () => {
      slackApi().post('/api/auth.test').reply(200, { ok: false, error: 'invalid_auth' });
      const error = await rejection(adapter.start(new RecordingHandlers()));
      expect(error).to.be.instanceOf(SlackApiError);
      expect((error as SlackApiError).slackError).to.equal('invalid_auth');
    });

    it('fails with a RetryableChatError when Slack is unavailable', async () => {
      slackApi().post('/api/auth.test').reply(503);
      expect(await rejection(adapter.start(new RecordingHandlers()))).to.be.instanceOf(RetryableChatError);
    });
  });

  describe('openThread', () => {
    it('posts the header in the channel with the key in the metadata', async () => {
      const calls = expectCall('chat.postMessage', { ok: true, channel: CHANNEL, ts: '1718856800.000100' });
      const thread = await adapter.openThread(CHANNEL, {
        text: '*Ana* <+34 600 000 000> · Ventas',
        key: 'thread:conv-1',
        lineName: 'Ventas',
        returning: false,
      });
      expect(thread).to.deep.equal({ adapter: 'slack', channel: CHANNEL, id: '1718856800.000100' });
      expect(calls[0]).to.include({ channel: CHANNEL, text: '*Ana* &lt;+34 600 000 000&gt; · Ventas', unfurl_links: 'false' });
      expect(JSON.parse(calls[0]!.metadata!)).to.deep.equal({ event_type: 'puente_post', event_payload: { key: 'thread:conv-1' } });
    });
  });

  describe('post', () => {
    it('posts into the thread as the custom sender, quote above the text, key in the metadata', async () => {
      const calls = expectCall('chat.postMessage', { ok: true, channel: CHANNEL, ts: '1718856950.000300' });
      const ref = await adapter.post(THREAD, {
        text: 'Vale, *gracias* & hasta luego',
        sender: { name: 'Ana (+34 600)', iconUrl: 'https://img.example/ana.png', iconEmoji: '🙂' },
        quote: { author: 'Soporte', text: 'Su pedido <123> sale hoy' },
        key: 'in:wamid.1',
      });
      expect(ref).to.deep.equal({ adapter: 'slack', channel: CHANNEL, id: '1718856950.000300', threadId: THREAD_TS });
      const call = calls[0]!;
      expect(call).to.include({
        channel: CHANNEL,
        thread_ts: THREAD_TS,
        username: 'Ana (+34 600)',
        icon_url: 'https://img.example/ana.png',
        unfurl_links: 'false',
        text: '&gt; *Soporte*\n&gt; Su pedido &lt;123&gt; sale hoy\nVale, *gracias* &amp; hasta luego',
      });
      expect(call).not.to.have.property('icon_emoji'); // it would override the picture
      expect(JSON.parse(call.metadata!)).to.deep.equal({ event_type: 'puente_post', event_payload: { key: 'in:wamid.1' } });
    });

    it('uses an emoji icon when the sender has no picture', async () => {
      const calls = expectCall('chat.postMessage', { ok: true, ts: '1' });
      await adapter.post(THREAD, { text: 'hola', sender: { name: 'Cliente', iconEmoji: '🙂' }, key: 'k' });
      expect(calls[0]).to.include({ username: 'Cliente', icon_emoji: ':slightly_smiling_face:' });
      expect(calls[0]).not.to.have.property('icon_url');
    });

    it('sends every Unicode sequence byte for byte', async () => {
      const calls = expectCall('chat.postMessage', { ok: true, ts: '1' });
      const text = 'ñandú 👍🏽 👨‍👩‍👧 🇪🇸 ☑️ 🫱🏻‍🫲🏽';
      await adapter.post(THREAD, { text, key: 'k' });
      expect(Buffer.from(calls[0]!.text!)).to.deep.equal(Buffer.from(text));
    });
  });

  describe('findPosted', () => {
    const mine = (ts: string, key: string) => ({ ts, metadata: { event_type: 'puente_post', event_payload: { key } } });

    it('pages through the thread replies, asking for metadata, until the key turns up', async () => {
      const calls: Record<string, string>[] = [];
      expectCall('conversations.replies', { ok: true, messages: [mine('1', 'other'), { ts: '2' }], response_metadata: { next_cursor: 'page2' } }, calls);
      expectCall('conversations.replies', { ok: true, messages: [mine('3', 'in:wamid.9')], response_metadata: { next_cursor: '' } }, calls);
      const found = await adapter.findPosted(CHANNEL, THREAD, 'in:wamid.9');
      expect(found).to.deep.equal({ adapter: 'slack', channel: CHANNEL, id: '3', threadId: THREAD_TS });
      expect(calls.map((c) => [c.ts, c.cursor, c.include_all_metadata])).to.deep.equal([
        [THREAD_TS, undefined, 'true'],
        [THREAD_TS, 'page2', 'true'],
      ]);
    });

    it('looks for a thread root among the channel’s recent messages', async () => {
      const calls = expectCall('conversations.history', { ok: true, messages: [mine('5', 'thread:conv-1')] });
      expect(await adapter.findPosted(CHANNEL, undefined, 'thread:conv-1')).to.deep.equal({
        adapter: 'slack',
        channel: CHANNEL,
        id: '5',
        threadId: undefined,
      });
      expect(calls[0]).to.include({ channel: CHANNEL, limit: '200', include_all_metadata: 'true' });
    });

    it('returns undefined when no message carries the key', async () => {
      expectCall('conversations.history', { ok: true, messages: [mine('5', 'thread:other'), { ts: '6', text: 'hi' }] });
      expect(await adapter.findPosted(CHANNEL, undefined, 'thread:conv-1')).to.equal(undefined);
    });
  });

  describe('showStatus', () => {
    it('adds the new state’s reaction, then removes the previous one', async () => {
      const calls: Record<string, string>[] = [];
      expectCall('reactions.add', { ok: true }, calls);
      expectCall('reactions.remove', { ok: true }, calls);
      await adapter.showStatus(AGENT_MESSAGE, 'delivered', 'sent');
      expect(calls).to.deep.equal([
        { channel: CHANNEL, timestamp: AGENT_MESSAGE.id, name: 'white_check_mark' },
        { channel: CHANNEL, timestamp: AGENT_MESSAGE.id, name: 'ballot_box_with_check' },
      ]);
    });

    it('only adds when there is no previous state', async () => {
      const calls = expectCall('reactions.add');
      await adapter.showStatus(AGENT_MESSAGE, 'failed');
      expect(calls.map((c) => c.name)).to.deep.equal(['x']);
    });

    it('tolerates already_reacted and no_reaction, as a retried call meets them', async () => {
      expectCall('reactions.add', { ok: false, error: 'already_reacted' });
      expectCall('reactions.remove', { ok: false, error: 'no_reaction' });
      await adapter.showStatus(AGENT_MESSAGE, 'read', 'delivered');
    });
  });

  describe('react', () => {
    it('adds and removes a customer’s reaction by its Slack name', async () => {
      const added = expectCall('reactions.add');
      const removed = expectCall('reactions.remove');
      await adapter.react(AGENT_MESSAGE, '❤️', false);
      await adapter.react(AGENT_MESSAGE, '👍🏽', true);
      expect(added[0]).to.include({ name: 'heart' });
      expect(removed[0]).to.include({ name: '+1::skin-tone-4' });
    });

    it('refuses an emoji Slack has no name for, with a non-retryable error', async () => {
      const error = await rejection(adapter.react(AGENT_MESSAGE, 'not an emoji', false));
      expect(error).not.to.be.instanceOf(RetryableChatError);
      expect(error.message).to.match(/no reaction for the emoji/);
    });
  });

  describe('notify', () => {
    it('shows a notice to one agent only, in the thread', async () => {
      const calls = expectCall('chat.postEphemeral');
      await adapter.notify(THREAD, { kind: 'warning', text: 'Outside the 24 h window', onlyTo: 'U0AGENT' });
      expect(calls[0]).to.include({ channel: CHANNEL, thread_ts: THREAD_TS, user: 'U0AGENT', text: '⚠️ Outside the 24 h window' });
    });

    it('posts a notice for everyone in the thread', async () => {
      const calls = expectCall('chat.postMessage', { ok: true, ts: '9' });
      await adapter.notify(THREAD, { kind: 'info', text: 'Customer is back' });
      expect(calls[0]).to.include({ channel: CHANNEL, thread_ts: THREAD_TS, text: 'ℹ️ Customer is back' });
    });
  });

  describe('failures', () => {
    const post = () => adapter.post(THREAD, { text: 'x', key: 'k' });

    it('turns HTTP 429 into a RetryableChatError with Retry-After in ms, without retrying itself', async () => {
      slackApi().post('/api/chat.postMessage').reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '7' });
      const error = await rejection(post());
      expect(error).to.be.instanceOf(RetryableChatError);
      expect((error as RetryableChatError).retryAfterMs).to.equal(7000);
    });

    it('turns an ok:false ratelimited answer into a RetryableChatError', async () => {
      slackApi().post('/api/chat.postMessage').reply(200, { ok: false, error: 'ratelimited' });
      expect(await rejection(post())).to.be.instanceOf(RetryableChatError);
    });

    it('turns Slack 5xx into a RetryableChatError', async () => {
      slackApi().post('/api/chat.postMessage').reply(503, 'unavailable');
      const error = await rejection(post());
      expect(error).to.be.instanceOf(RetryableChatError);
      expect(error.message).to.match(/HTTP 503/);
    });

    it('turns a network failure into a RetryableChatError', async () => {
      slackApi().post('/api/chat.postMessage').replyWithError('socket hang up');
      expect(await rejection(post())).to.be.instanceOf(RetryableChatError);
    });

    it('keeps request errors non-retryable, with Slack’s code', async () => {
      slackApi().post('/api/chat.postMessage').reply(200, { ok: false, error: 'channel_not_found' });
      const error = await rejection(post());
      expect(error).not.to.be.instanceOf(RetryableChatError);
      expect(error).to.be.instanceOf(SlackApiError);
      expect((error as SlackApiError).slackError).to.equal('channel_not_found');
    });
  });
});
