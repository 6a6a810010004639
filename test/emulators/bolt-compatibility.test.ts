/**
 * Proves the Slack emulator is close enough to Slack for the official stack: a Bolt 5 app
 * (HTTPReceiver, signature verification on, token verification via auth.test) receives the
 * emulator's signed events, replies through the emulator's Web API, and Bolt's own ignoreSelf
 * drops the echo of that reply.
 */
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { App, LogLevel } from '@slack/bolt';
import { SlackEmulator } from '../../sandbox/emulators/index.js';

const SIGNING_SECRET = 'bolt-signing-secret';
const BOT_TOKEN = 'xoxb-bolt-test';
const CHANNEL = 'C0BOLT';

describe('SlackEmulator with a real Bolt app', () => {
  let slack: SlackEmulator;
  let app: App | undefined;
  const seen: { text?: string; bot_id?: string; thread_ts?: string }[] = [];

  before(async () => {
    slack = new SlackEmulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, echoBotMessages: true });
    await slack.start();
    app = new App({ token: BOT_TOKEN, signingSecret: SIGNING_SECRET, clientOptions: { slackApiUrl: slack.apiUrl }, logLevel: LogLevel.ERROR });
    app.message(async ({ message, say }) => {
      const event = message as { text?: string; bot_id?: string; ts: string; thread_ts?: string };
      seen.push({ ...(event.text === undefined ? {} : { text: event.text }), ...(event.bot_id ? { bot_id: event.bot_id } : {}) });
      await say({ text: `echo: ${event.text}`, thread_ts: event.thread_ts ?? event.ts });
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    slack.setEventsUrl(`http://127.0.0.1:${server.address().port}/slack/events`);
  });

  after(async () => {
    await app?.stop();
    await slack?.stop();
  });

  it('verifies, handles and answers an agent message, and ignores its own echo', async () => {
    const parent = await slack.postAsUser({ channel: CHANNEL, user: 'U0HUMAN', text: 'hola bolt' });
    expect(parent.status).to.equal(200);
    const reply = await waitFor(() => slack.thread(CHANNEL, parent.ts)[1]);
    expect(reply).to.include({ text: 'echo: hola bolt', bot_id: 'B0PUENTEBOT', thread_ts: parent.ts });
    // Bolt answered auth.test with our bot ids and then dropped the echoed reply (ignoreSelf).
    await slack.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).to.deep.equal([{ text: 'hola bolt' }]);
    expect(slack.requests('auth.test')).to.have.length.greaterThan(0);
    expect(slack.eventDeliveries().every((delivery) => delivery.status === 200)).to.equal(true);
  });

  it('is rejected by Bolt when the signature is wrong', async () => {
    const result = await slack.postRawEvent(JSON.stringify({ type: 'event_callback', event: { type: 'message' } }), { signature: 'v0=0000' });
    expect(result.status).to.equal(401);
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
