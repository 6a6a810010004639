/**
 * The Slack emulator's slash commands, checked against a real Bolt app: Bolt verifies the signature
 * and parses the form, `ack()`'s body and `respond()` through `response_url` come back as command
 * responses, and an `in_channel` response lands in the channel. A command nobody handles is answered
 * the way the bridge answers it today (Bolt: 404 after its unhandled-request timeout).
 */
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { App, HTTPReceiver, LogLevel, type Logger } from '@slack/bolt';
import { SlackEmulator } from '../../sandbox/emulators/index.js';

const SIGNING_SECRET = 'slash-signing-secret';
const BOT_TOKEN = 'xoxb-slash-test';
const CHANNEL = 'C0SLASH';
const AGENT = { id: 'U0AGENT1', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };

/** Bolt logs the unhandled command at error level; that is the point of one test here, not noise to print. */
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

describe('SlackEmulator slash commands with a real Bolt app', () => {
  let slack: SlackEmulator;
  let app: App;
  const received: Record<string, string>[] = [];

  before(async () => {
    slack = new SlackEmulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, users: [AGENT], channels: [{ id: CHANNEL, name: 'ventas' }] });
    await slack.start();
    // Like the bridge: HTTPReceiver with processBeforeResponse, short unhandled timeout to keep the test quick.
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, processBeforeResponse: true, unhandledRequestTimeoutMillis: 300, logger: silent });
    app = new App({ token: BOT_TOKEN, receiver, clientOptions: { slackApiUrl: slack.apiUrl }, logger: silent });
    app.command('/hello', async ({ command, ack, respond }) => {
      received.push({ ...command } as unknown as Record<string, string>);
      await ack({ text: `hola ${command.text}` });
      await respond({ response_type: 'in_channel', text: 'announced' });
      await respond({ text: 'just for you' });
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    slack.setEventsUrl(`http://127.0.0.1:${server.address().port}/slack/events`);
  });

  after(async () => {
    await app?.stop();
    await slack?.stop();
  });

  it('delivers a signed form-encoded command and records ack and response_url answers', async () => {
    const seen: string[] = [];
    slack.on('commandResponse', (response) => seen.push(`${response.via}:${response.responseType}:${response.text}`));
    const record = await slack.slashCommand({ channel: CHANNEL, user: AGENT.id, command: '/hello', text: 'mundo' });
    expect(record.status).to.equal(200);
    await waitFor(() => slack.commandResponses().length >= 3 || undefined);

    const command = received[0]!;
    expect(command).to.include({ command: '/hello', text: 'mundo', channel_id: CHANNEL, channel_name: 'ventas', user_id: AGENT.id, user_name: 'lucia' });
    expect(command.response_url).to.equal(record.responseUrl);
    expect(command.trigger_id).to.match(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(command).to.not.have.property('thread_ts');

    // With processBeforeResponse the ack body leaves only after the listener returned, so after the respond() calls.
    expect(seen).to.have.members(['ack:ephemeral:hola mundo', 'response_url:in_channel:announced', 'response_url:ephemeral:just for you']);
    const announced = slack.messages(CHANNEL).find((message) => message.text === 'announced');
    expect(announced, 'in_channel response posted in the channel').to.include({ bot_id: 'B0PUENTEBOT' });
    expect(slack.commands().map((entry) => entry.command)).to.deep.equal(['/hello']);
  });

  it('records the answer to a command nobody handles', async () => {
    const record = await slack.slashCommand({ channel: CHANNEL, user: AGENT.id, command: 'unknown', text: '' });
    expect(record.command).to.equal('/unknown');
    expect(record.status).to.equal(404);
  });

  it('refuses a response_url that was never handed out', async () => {
    const response = await fetch(`${slack.baseUrl}/commands/response/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expect(response.status).to.equal(404);
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
