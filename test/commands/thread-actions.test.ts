/**
 * Per-conversation actions where Slack runs no slash command (inside threads): the header's buttons,
 * the "Puente actions" message shortcut and the template modal, as signed interactivity payloads.
 * Plus what the thread header says: first contacts flagged, opened in triage; number-health alerts.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatedTemplate } from '../../sandbox/emulators/index.js';
import { AGENT, ANA, CommandHarness, SALES, SUPERVISOR, until, WABA } from './harness.js';

const TEMPLATES: EmulatedTemplate[] = [
  { name: 'order_update', language: 'es', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está en camino.' }] },
];

interface Button {
  action_id: string;
  value: string;
}

describe('thread actions, first contacts and alerts', function () {
  this.timeout(60_000);
  const h = new CommandHarness();

  afterEach(() => h.stop());

  function headerButtons(root: { blocks?: unknown[] }): Button[] {
    const actions = (root.blocks ?? []).find((block) => (block as { type?: string }).type === 'actions') as { elements: Button[] } | undefined;
    return actions?.elements ?? [];
  }

  function press(user: { id: string }, root: { ts: string }, button: Button): Promise<number> {
    return h.interact({
      type: 'block_actions',
      user: { id: user.id, username: user.id, team_id: 'T0PUENTE' },
      api_app_id: h.slack.bot.appId,
      token: 'legacy',
      team: { id: 'T0PUENTE', domain: 'emulated' },
      container: { type: 'message', message_ts: root.ts, channel_id: 'C0SALES', is_ephemeral: false },
      channel: { id: 'C0SALES', name: 'ventas' },
      message: root,
      trigger_id: '1.2.3',
      response_url: 'http://127.0.0.1:9/unused',
      actions: [{ type: 'button', block_id: 'puente_actions', action_id: button.action_id, value: button.value, action_ts: '1.2' }],
    });
  }

  describe('with the default channels', () => {
    beforeEach(async () => {
      await h.start();
      h.whatsapp.setTemplates(TEMPLATES, WABA);
    });

    it('puts Send template, Block and Unblock on the header; Block checks the role and blocks this customer', async () => {
      await h.customerWrites('Hola');
      const [root] = h.threadRoots('C0SALES');
      const buttons = headerButtons(root!);
      expect(buttons.map((button) => button.action_id)).to.deep.equal(['puente_action:template', 'puente_action:block', 'puente_action:unblock']);
      const block = buttons[1]!;

      expect(await press(AGENT, root!, block)).to.equal(200);
      await until('refusal to the agent', () => h.slack.ephemerals().find((ephemeral) => ephemeral.user === AGENT.id && ephemeral.text.includes('Solo los supervisores')));
      expect((await h.command(AGENT, '/blocklist')).text).to.equal('No hay ningún número bloqueado.');

      expect(await press(SUPERVISOR, root!, block)).to.equal(200);
      const done = await until('block answer', () => h.slack.ephemerals().find((ephemeral) => ephemeral.user === SUPERVISOR.id && ephemeral.text.includes('está bloqueado')));
      expect(done.threadTs).to.equal(root!.ts);
      expect((await h.command(AGENT, '/blocklist')).text).to.contain('+34611111111');
    });

    it('sends a template from the modal the header button opens', async () => {
      await h.customerWrites('Hola');
      const [root] = h.threadRoots('C0SALES');
      const template = headerButtons(root!)[0]!;
      await press(AGENT, root!, template);
      const opened = await until('views.open', () => h.slack.requests('views.open')[0]);
      expect(JSON.stringify(opened)).to.contain('puente_command_input');

      const status = await h.interact({
        type: 'view_submission',
        user: { id: AGENT.id, username: AGENT.name, team_id: 'T0PUENTE' },
        api_app_id: h.slack.bot.appId,
        token: 'legacy',
        team: { id: 'T0PUENTE', domain: 'emulated' },
        trigger_id: '1.2.4',
        view: {
          id: 'V0INPUT',
          type: 'modal',
          callback_id: 'puente_command_input',
          private_metadata: JSON.stringify({ command: 'template', text: 'send', channel: 'C0SALES', thread: root!.ts }),
          state: { values: { input: { value: { type: 'plain_text_input', value: 'order_update es Ana 8841' } } } },
          hash: 'h',
        },
      });
      expect(status).to.equal(200);
      const sent = await until('template send', () => h.whatsapp.sent({ to: '+34611111111' })[0]);
      expect(sent.body.template).to.deep.include({ name: 'order_update' });
      await until('answer in the thread', () => h.slack.ephemerals().find((ephemeral) => ephemeral.text.includes('va de camino a +34611111111')));
    });

    it('shows the same actions from the message shortcut, for the thread the message is in', async () => {
      await h.customerWrites('Hola');
      const [root] = h.threadRoots('C0SALES');
      const reply = h.slack.thread('C0SALES', root!.ts).at(-1)!;
      const responses: unknown[] = [];
      const server: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          responses.push(JSON.parse(body));
          res.end('{"ok":true}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const status = await h.interact({
          type: 'message_action',
          callback_id: 'puente_thread_actions',
          trigger_id: '1.2.5',
          message_ts: reply.ts,
          response_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond`,
          message: { type: 'message', ts: reply.ts, thread_ts: root!.ts, text: reply.text },
          user: { id: AGENT.id, name: AGENT.name },
          channel: { id: 'C0SALES', name: 'ventas' },
          team: { id: 'T0PUENTE', domain: 'emulated' },
          token: 'legacy',
          action_ts: '1.3',
        });
        expect(status).to.equal(200);
        const menu = (await until('menu', () => responses[0])) as { response_type: string; text: string; blocks: { type: string; elements?: Button[] }[] };
        expect(menu.response_type).to.equal('ephemeral');
        expect(menu.text).to.equal('Acciones para esta conversación:');
        const buttons = menu.blocks.find((block) => block.type === 'actions')!.elements!;
        // The menu is not in the thread, so each button names it.
        expect(JSON.parse(buttons[1]!.value)).to.deep.include({ command: 'block', thread: root!.ts });
      } finally {
        server.close();
      }
    });
  });

  describe('with triage and supervisors channels', () => {
    beforeEach(() => h.start({ env: { TRIAGE_CHANNEL_ID: 'C0TRIAGE', SUPERVISOR_CHANNEL_ID: 'C0SUPERVISORS' } }));

    it('flags a first contact and opens it in triage, where it stays', async () => {
      await h.customerWrites('Hola, ¿quiénes sois?');
      expect(h.threadRoots('C0SALES')).to.have.length(0);
      const [root] = h.threadRoots('C0TRIAGE');
      expect(root!.text).to.contain('Primer contacto').and.contain('Abierto en triaje porque es un primer contacto de *Ventas*');
      await h.customerWrites('Sigo');
      expect(h.threadRoots('C0TRIAGE')).to.have.length(1);
      expect(h.slack.thread('C0TRIAGE', root!.ts).map((message) => message.text)).to.include('Sigo');
      // Known on another line: not a first contact.
      await h.customerWrites('Hello', ANA, '1002');
      const [support] = h.threadRoots('C0SUPPORT');
      expect(support!.text).to.contain('Returning contact').and.not.contain('First contact');
    });

    it('posts quality and account alerts to the supervisors, matched by display number', async () => {
      await h.whatsapp.postWebhook({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA,
            time: 1748454394,
            changes: [
              { field: 'phone_number_quality_update', value: { display_phone_number: SALES.displayNumber, event: 'FLAGGED', current_limit: 'TIER_1K' } },
              { field: 'account_update', value: { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } } },
            ],
          },
        ],
      });
      await h.puente.bridge.idle();
      const texts = await until('two alerts', () => {
        const messages = h.slack.messages('C0SUPERVISORS').map((message) => message.text ?? '');
        return messages.length >= 2 ? messages : undefined;
      });
      expect(texts).to.include.members([
        '📶 Cambio de calidad de WhatsApp para *Ventas*: FLAGGED. TIER_1K',
        `⚠️ Aviso de la cuenta de WhatsApp para la cuenta de empresa ${WABA}: ACCOUNT_VIOLATION. SCAM`,
      ]);
    });
  });
});
