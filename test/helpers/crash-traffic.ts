/**
 * The exactly-once check under crashes, shared by the end-to-end tests of each store: customers
 * keep writing and agents keep answering while the real bridge is killed with SIGKILL at random
 * moments; afterwards every acknowledged customer message must be in Slack exactly once (one thread
 * per customer) and every acknowledged agent reply sent to WhatsApp exactly once.
 */
import { expect } from 'chai';
import type { SlackEmulator } from '../../sandbox/emulators/index.js';
import { until, type E2eStack } from './e2e-stack.js';

export interface CrashTrafficOptions {
  numberId: string;
  channel: string;
  agentId: string;
  customers: { waId: string; name: string }[];
  kills: number;
  /** Pause between customer messages, and between agent replies, in ms. */
  customerEveryMs: number;
  agentEveryMs: number;
  /** Each kill comes after a random wait of `killAfterMs` to `killAfterMs + 800` ms. */
  killAfterMs: number;
}

export async function checkExactlyOnceUnderKills(stack: E2eStack, options: CrashTrafficOptions): Promise<void> {
  const { whatsapp, slack, bridge } = stack;
  const { channel } = options;
  const acknowledged = new Set<string>(); // wamids whose webhook got a 200
  const replies = new Set<string>(); // agent texts whose Slack event got a 2xx
  let stop = false;

  // Customers keep writing; the emulator redelivers like Meta while the bridge is down.
  const customerTraffic = (async () => {
    for (let round = 0; !stop; round++) {
      const customer = options.customers[round % options.customers.length]!;
      void whatsapp.sendText(options.numberId, customer, `mensaje ${round}`).then((result) => {
        if (result.status === 200) acknowledged.add(result.wamid);
      });
      await new Promise((resolve) => setTimeout(resolve, options.customerEveryMs));
    }
  })();

  // Agents answer in whatever threads exist; Slack retries an event the bridge did not acknowledge.
  const agentReplies: Promise<void>[] = [];
  const answer = async (threadTs: string, text: string): Promise<void> => {
    let result = await slack.postAsUser({ channel, threadTs, user: options.agentId, text });
    for (let retry = 1; retry <= 30 && (result.status < 200 || result.status >= 300); retry++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      result = { ...result, status: (await slack.redeliver(result.eventId, Math.min(retry, 3))).status };
    }
    if (result.status >= 200 && result.status < 300) replies.add(text);
  };
  const agentTraffic = (async () => {
    for (let round = 0; !stop; round++) {
      await new Promise((resolve) => setTimeout(resolve, options.agentEveryMs));
      const roots = threadRoots(slack, channel);
      const root = roots[round % Math.max(roots.length, 1)];
      if (root) agentReplies.push(answer(root.ts, `respuesta ${round}`));
    }
    await Promise.all(agentReplies);
  })();

  for (let kill = 0; kill < options.kills; kill++) {
    await new Promise((resolve) => setTimeout(resolve, options.killAfterMs + Math.random() * 800));
    await bridge.kill();
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
    await bridge.start();
  }
  stop = true;
  await Promise.all([customerTraffic, agentTraffic]);
  await whatsapp.whenIdle();
  await slack.whenIdle();

  // Every acknowledged customer message is in Slack exactly once.
  await until(
    'every acknowledged message in Slack',
    () => {
      const posted = customerPostKeys(slack, channel);
      return [...acknowledged].every((wamid) => posted.filter((key) => key === `in:${wamid}`).length === 1);
    },
    60_000,
  );
  const posted = customerPostKeys(slack, channel);
  expect(posted.filter((key, index) => posted.indexOf(key) !== index), 'duplicated posts').to.deep.equal([]);
  expect(threadRoots(slack, channel), 'one thread per customer').to.have.length(options.customers.length);

  // Every acknowledged agent reply reached WhatsApp exactly once (in-doubt sends wait for proof, then go).
  const sentText = (sent: { body: Record<string, unknown> }): string => (sent.body.text as { body: string }).body;
  await until('every acknowledged reply sent', () => [...replies].every((text) => whatsapp.sent().some((sent) => sentText(sent) === text)), 60_000);
  const sentTexts = whatsapp.sent().map(sentText);
  expect(sentTexts.filter((text, index) => sentTexts.indexOf(text) !== index), 'replies sent twice').to.deep.equal([]);
  // The run must have carried real traffic in both directions for the checks above to mean anything.
  expect(acknowledged.size, 'customer messages acknowledged').to.be.greaterThan(20);
  expect(replies.size, 'agent replies acknowledged').to.be.greaterThan(5);
}

function threadRoots(slack: SlackEmulator, channel: string) {
  return slack.messages(channel).filter((message) => !message.thread_ts || message.thread_ts === message.ts);
}

/** The metadata keys of every customer post (`in:<wamid>`) in every thread of `channel`. */
function customerPostKeys(slack: SlackEmulator, channel: string): string[] {
  return threadRoots(slack, channel).flatMap((root) =>
    slack.thread(channel, root.ts).flatMap((message) => {
      const key = (message as { metadata?: { event_payload?: { key?: unknown } } }).metadata?.event_payload?.key;
      return typeof key === 'string' && key.startsWith('in:') ? [key] : [];
    }),
  );
}
