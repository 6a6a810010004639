/**
 * The real bridge process, started as `npm start` starts it, against the local WhatsApp and Slack
 * emulators: signed webhooks in, Slack threads out, agent replies back, statuses, bad input, and
 * kill -9 at random moments without losing or duplicating anything.
 */
import { expect } from 'chai';
import type { SlackEmulator, WhatsAppEmulator } from '../../sandbox/emulators/index.js';
import type { BridgeProcess } from '../../sandbox/bridge-process.js';
import { checkExactlyOnceUnderKills } from '../helpers/crash-traffic.js';
import { E2E_SECRETS, startE2eStack, until, type E2eStack } from '../helpers/e2e-stack.js';

const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
const SUPPORT = { phoneNumberId: '1002', displayNumber: '34910000002' };
const AGENT = { id: 'U0AGENT1', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };

const CONFIG_YAML = `
numbers:
  - phone_number_id: "${SALES.phoneNumberId}"
    display_name: Ventas
    channel: C0SALES
    sender_mode: branded
    language: es
  - phone_number_id: "${SUPPORT.phoneNumberId}"
    display_name: Support
    channel: C0SUPPORT
    sender_mode: agent
    language: en
`;

describe('bridge process end to end (emulated WhatsApp and Slack)', function () {
  this.timeout(120_000);
  let stack: E2eStack;
  let whatsapp: WhatsAppEmulator;
  let slack: SlackEmulator;
  let bridge: BridgeProcess;

  beforeEach(async () => {
    stack = await startE2eStack({ numbers: [SALES, SUPPORT], configYaml: CONFIG_YAML, users: [AGENT] });
    ({ whatsapp, slack, bridge } = stack);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`--- bridge log tail ---\n${bridge.log.slice(-5000)}\n`);
    await stack.stop();
  });

  it('answers the verification handshake and health check', async () => {
    const challenge = await fetch(`${bridge.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${E2E_SECRETS.verifyToken}&hub.challenge=12345`);
    expect(challenge.status).to.equal(200);
    expect(await challenge.text()).to.equal('12345');
    const wrong = await fetch(`${bridge.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).to.equal(403);
    expect((await fetch(`${bridge.url}/healthz`)).status).to.equal(200);
  });

  it('opens a thread for a customer, relays the agent reply back, and shows delivery on it', async () => {
    const sent = await whatsapp.sendText(SALES.phoneNumberId, { waId: '34611111111', name: 'Ana García' }, 'Hola 👋🏽, ¿hacéis envíos a Canarias?');
    expect(sent.status).to.equal(200);
    const [root, post] = await until('thread and customer post', () => {
      const messages = slack.messages('C0SALES');
      const top = messages.find((message) => !message.thread_ts || message.thread_ts === message.ts);
      const reply = top && slack.thread('C0SALES', top.ts).find((message) => message.ts !== top.ts);
      return top && reply ? ([top, reply] as const) : undefined;
    });
    expect(root.text).to.contain('Ana García').and.contain('+34611111111').and.contain('Ventas');
    expect(post.text).to.equal('Hola 👋🏽, ¿hacéis envíos a Canarias?');
    expect(post.username).to.equal('Ana García');

    const reply = await slack.postAsUser({ channel: 'C0SALES', threadTs: root.ts, user: AGENT.id, text: 'Sí, *48 h* &amp; sin coste :tada:' });
    expect(reply.status).to.equal(200);
    const out = await until('send to WhatsApp', () => whatsapp.sent({ to: '+34611111111' })[0]);
    expect(out.body).to.deep.include({ type: 'text' });
    expect((out.body.text as { body: string }).body).to.equal('Sí, *48 h* & sin coste 🎉');
    // The emulator plays sent → delivered → read; the agent's message ends up marked as read.
    await until('read marker on the agent message', () => slack.reactionsOn('C0SALES', reply.ts).some((reaction) => reaction.name === 'eyes'));

    // An internal note never leaves Slack; the bot's own echoes never loop back.
    await slack.postAsUser({ channel: 'C0SALES', threadTs: root.ts, user: AGENT.id, text: '// cliente VIP' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(whatsapp.sent()).to.have.length(1);
  });

  it('signs replies with the agent name on an agent-mode number', async () => {
    await whatsapp.sendText(SUPPORT.phoneNumberId, { waId: '447700900001', name: 'Oliver' }, 'Is my order on its way?');
    const root = await until('support thread', () => slack.messages('C0SUPPORT').find((message) => !message.thread_ts || message.thread_ts === message.ts));
    await slack.postAsUser({ channel: 'C0SUPPORT', threadTs: root.ts, user: AGENT.id, text: 'Yes, it ships today.' });
    const out = await until('send', () => whatsapp.sent({ numberId: SUPPORT.phoneNumberId })[0]);
    expect((out.body.text as { body: string }).body).to.equal('*Lucía*:\nYes, it ships today.');
  });

  it('refuses bad input with the right status codes and stays up', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    expect((await whatsapp.postRawWebhook(body, null)).status, 'unsigned').to.equal(401);
    expect((await whatsapp.postRawWebhook(body, 'sha256=' + '0'.repeat(64))).status, 'wrong signature').to.equal(401);
    expect((await whatsapp.postRawWebhook('{"object": "whatsapp_business_account", "entry": [')).status, 'malformed JSON').to.equal(200);
    expect((await whatsapp.postRawWebhook(Buffer.alloc(3 * 1024 * 1024 + 100 * 1024, 'a'))).status, 'oversize body').to.equal(413);
    const unknownType = await whatsapp.sendMessage(SALES.phoneNumberId, { waId: '34600000009', name: 'Eve' }, { type: 'hologram', hologram: {} });
    expect(unknownType.status, 'unknown type').to.equal(200);
    const unconfigured = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'W', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '999', display_phone_number: '1' }, messages: [{ from: '1', id: 'wamid.x', timestamp: '1', type: 'text', text: { body: 'x' } }] } }] }],
    });
    expect((await whatsapp.postRawWebhook(unconfigured)).status, 'unconfigured number').to.equal(200);
    const badSlack = await fetch(`${bridge.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(badSlack.status, 'unsigned Slack event').to.equal(401);
    expect((await fetch(`${bridge.url}/healthz`)).status).to.equal(200);
    // The unknown type still reached the thread as a visible placeholder.
    await until('placeholder for the unknown type', () => slack.messages('C0SALES').length > 0 && JSON.stringify(slack.thread('C0SALES', slack.messages('C0SALES')[0]!.ts)).includes('hologram'));
  });

  it('loses and duplicates nothing when killed with SIGKILL at random moments', async () => {
    await checkExactlyOnceUnderKills(stack, {
      numberId: SALES.phoneNumberId,
      channel: 'C0SALES',
      agentId: AGENT.id,
      customers: Array.from({ length: 6 }, (_, index) => ({ waId: `3461000000${index}`, name: `Cliente ${index}` })),
      kills: 4,
      customerEveryMs: 15,
      agentEveryMs: 40,
      killAfterMs: 400,
    });
  });
});
