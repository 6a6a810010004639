/**
 * The real bridge process on the PostgreSQL store (DATABASE_URL set, in a fresh schema): a customer
 * message reaches Slack, the state is in the database and not under DATA_DIR, and after kill -9 and
 * a restart the conversation continues in the same thread with nothing lost or repeated; under
 * traffic in both directions, SIGKILLs at random moments lose and duplicate nothing (as
 * bridge-process.test.ts checks on the embedded store).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { connectTestDatabase, createTestSchema, TEST_DATABASE_URL } from '../storage/store-harness.js';
import { checkExactlyOnceUnderKills } from '../helpers/crash-traffic.js';
import { startE2eStack, until, type E2eStack } from '../helpers/e2e-stack.js';

const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
const AGENT = { id: 'U0AGENT1', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };
const ANA = { waId: '34611111111', name: 'Ana García' };

const CONFIG_YAML = `
numbers:
  - phone_number_id: "${SALES.phoneNumberId}"
    display_name: Ventas
    channel: C0SALES
    sender_mode: branded
    language: es
`;

describe('bridge process end to end on the PostgreSQL store', function () {
  this.timeout(120_000);
  let stack: E2eStack | undefined;
  let schema: { schema: string; drop(): Promise<void> } | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && stack) process.stderr.write(`--- bridge log tail ---\n${stack.bridge.log.slice(-5000)}\n`);
    await stack?.stop();
    await schema?.drop();
    stack = undefined;
    schema = undefined;
  });

  /** The stack with DATABASE_URL pointing at a schema of its own, dropped after the test. */
  async function startOnFreshSchema(): Promise<E2eStack> {
    schema = await createTestSchema();
    const databaseUrl = new URL(TEST_DATABASE_URL);
    databaseUrl.searchParams.set('options', `-c search_path=${schema.schema}`);
    return startE2eStack({ numbers: [SALES], configYaml: CONFIG_YAML, users: [AGENT], env: { DATABASE_URL: databaseUrl.toString() } });
  }

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    const client = await connectTestDatabase();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  /** Rows of `sql` once `check` accepts them (the bridge records some things just after it posts them). */
  async function eventually(sql: string, check: (found: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = await rows(sql);
      if (check(found) || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('bridges a customer and survives kill -9 with its state in the database', async () => {
    stack = await startOnFreshSchema();
    const { whatsapp, slack, bridge } = stack;
    const dbSchema = schema!.schema;

    const first = await whatsapp.sendText(SALES.phoneNumberId, ANA, 'Hola, ¿tenéis la talla M?');
    expect(first.status).to.equal(200);
    const root = await until('thread for Ana', () => slack.messages('C0SALES').find((message) => !message.thread_ts || message.thread_ts === message.ts));
    await until('first post in the thread', () => slack.thread('C0SALES', root.ts).some((message) => message.text === 'Hola, ¿tenéis la talla M?'));

    const stored = await eventually(`SELECT key FROM ${dbSchema}.puente_messages`, (found) => found.length > 0);
    expect(stored).to.deep.equal([{ key: first.wamid }]);
    expect(await rows(`SELECT id FROM ${dbSchema}.puente_conversations`)).to.have.length(1);
    expect(existsSync(join(bridge.dataDir, 'journal')), 'no embedded journal under DATA_DIR').to.equal(false);

    await bridge.kill();
    // Sent while the bridge is down: the emulator redelivers it, as Meta does, once the bridge is back.
    const secondSent = whatsapp.sendText(SALES.phoneNumberId, ANA, 'Y en azul?');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bridge.start();
    const second = await secondSent;
    expect(second.status).to.equal(200);

    await until('second post in the same thread', () => slack.thread('C0SALES', root.ts).some((message) => message.text === 'Y en azul?'), 30_000);
    const reply = await slack.postAsUser({ channel: 'C0SALES', threadTs: root.ts, user: AGENT.id, text: 'Sí, en azul también' });
    expect(reply.status).to.equal(200);
    const out = await until('reply sent to WhatsApp', () => whatsapp.sent({ to: `+${ANA.waId}` })[0]);
    expect((out.body.text as { body: string }).body).to.equal('Sí, en azul también');
    await whatsapp.whenIdle();
    await slack.whenIdle();

    const roots = slack.messages('C0SALES').filter((message) => !message.thread_ts || message.thread_ts === message.ts);
    expect(roots, 'one thread').to.have.length(1);
    const texts = slack.thread('C0SALES', root.ts).map((message) => message.text);
    expect(texts.filter((text) => text === 'Hola, ¿tenéis la talla M?'), 'first message once').to.have.length(1);
    expect(texts.filter((text) => text === 'Y en azul?'), 'second message once').to.have.length(1);
    expect(whatsapp.sent({ to: `+${ANA.waId}` }), 'reply sent once').to.have.length(1);
    const keys = (await rows(`SELECT key FROM ${dbSchema}.puente_messages`)).map((row) => row.key);
    expect(keys).to.include.members([first.wamid, second.wamid]);
    // Webhooks are completed after their 200, once processed: wait for the last status to be.
    const inbox = await eventually(`SELECT id FROM ${dbSchema}.puente_inbox`, (found) => found.length === 0);
    expect(inbox, 'every webhook processed').to.deep.equal([]);
    expect(await rows(`SELECT id FROM ${dbSchema}.puente_outbox WHERE result IS NULL`), 'no send left pending').to.deep.equal([]);
  });
  it('loses and duplicates nothing when killed with SIGKILL under traffic', async () => {
    stack = await startOnFreshSchema();
    await checkExactlyOnceUnderKills(stack, {
      numberId: SALES.phoneNumberId,
      channel: 'C0SALES',
      agentId: AGENT.id,
      customers: Array.from({ length: 4 }, (_, index) => ({ waId: `3462000000${index}`, name: `Cliente ${index}` })),
      kills: 3,
      customerEveryMs: 20,
      agentEveryMs: 50,
      killAfterMs: 500,
    });
  });
});
