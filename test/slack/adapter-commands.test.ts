/**
 * Slash commands at the Slack adapter: a signed form-encoded POST becomes one tool-neutral
 * ChatCommand; a quick answer rides in the ack, a slow one is acked at once (within Slack's 3 s) and
 * sent to `response_url` when ready.
 */
import { expect } from 'chai';
import nock from 'nock';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import { mockAuthTest, mockUserInfo, newAdapter, RecordingHandlers, sendToSlackEndpoint, serveAdapter } from './fixtures.js';

function slashCommand(command: string, text: string): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T0TEAM',
    team_domain: 'puente',
    channel_id: 'C0CHAN',
    channel_name: 'ventas',
    user_id: 'U0SUPER',
    user_name: 'marta',
    command,
    text,
    api_app_id: 'APUENTE',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.test/commands/T0TEAM/1/abc',
    trigger_id: '1.2.abc',
  }).toString();
}

describe('SlackAdapter slash commands', () => {
  let adapter: SlackAdapter;
  let handlers: RecordingHandlers;
  let server: { url: string; close: () => Promise<void> };

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    mockAuthTest();
    adapter = newAdapter();
    handlers = new RecordingHandlers();
    await adapter.start(handlers);
    server = await serveAdapter(adapter);
  });

  afterEach(async () => {
    await server.close();
    await adapter.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const send = (body: string, options: { secret?: string } = {}) =>
    sendToSlackEndpoint(server.url, body, { contentType: 'application/x-www-form-urlencoded', ...options });

  it('delivers the command once, with the user named, and answers in the ack', async () => {
    mockUserInfo('U0SUPER', { display_name: 'Marta' });
    handlers.commandReply = async (command) => ({ text: `*${command.name}* <${command.text}>`, visibility: 'private' });
    const response = await send(slashCommand('/block', '+34 611 11 11 11 spam'));
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ response_type: 'ephemeral', text: '*block* &lt;+34 611 11 11 11 spam&gt;' });
    expect(handlers.commands).to.deep.equal([
      { name: 'block', text: '+34 611 11 11 11 spam', user: { id: 'U0SUPER', displayName: 'Marta' }, adapter: 'slack', channel: 'C0CHAN' },
    ]);
  });

  it('acks a slow command at once and answers it through response_url', async () => {
    mockUserInfo('U0SUPER', { display_name: 'Marta' });
    let release!: () => void;
    handlers.commandReply = () => new Promise((resolve) => (release = () => resolve({ text: 'done', visibility: 'channel' })));
    const responded = new Promise<unknown>((resolve) => {
      nock('https://hooks.slack.test').post('/commands/T0TEAM/1/abc', (body: unknown) => (resolve(body), true)).reply(200, { ok: true });
    });
    const started = Date.now();
    const response = await send(slashCommand('/template', 'list'));
    expect(response.status).to.equal(200);
    expect(Date.now() - started).to.be.below(3000);
    release();
    expect(await responded).to.deep.include({ response_type: 'in_channel', text: 'done' });
  });

  it('refuses an unsigned command with 401 and delivers nothing', async () => {
    const response = await send(slashCommand('/block', '+34611111111'), { secret: 'wrong' });
    expect(response.status).to.equal(401);
    expect(handlers.commands).to.have.length(0);
  });
});
