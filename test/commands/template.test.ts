/**
 * /template list | show | send through signed slash commands, against the emulated Graph API's
 * templates endpoint: everything is checked before any send, a send opens the thread of a
 * conversation that has none, and a template status webhook refreshes the cache.
 */
import { expect } from 'chai';
import type { EmulatedTemplate } from '../../sandbox/emulators/index.js';
import { AGENT, CommandHarness, SUPERVISOR, until, WABA } from './harness.js';

const TEMPLATES: EmulatedTemplate[] = [
  { name: 'order_update', language: 'es', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está en camino.' }] },
  {
    name: 'order_update',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, order {{2}} is on its way.' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' }] },
    ],
  },
  { name: 'summer_sale', language: 'es', status: 'APPROVED', category: 'MARKETING', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: '¡Rebajas, {{1}}!' }] },
  { name: 'old_promo', language: 'es', status: 'PAUSED', category: 'MARKETING', components: [{ type: 'BODY', text: 'Vuelve' }] },
];

describe('commands: /template', function () {
  this.timeout(60_000);
  const h = new CommandHarness();

  beforeEach(async () => {
    await h.start({ env: { SUPERVISOR_CHANNEL_ID: 'C0SUPERVISORS' } });
    h.whatsapp.setTemplates(TEMPLATES, WABA);
  });
  afterEach(() => h.stop());

  const sends = () => h.whatsapp.requests().filter((request) => request.method === 'POST' && request.path.endsWith('/messages'));

  it('lists the approved templates and shows one with the values it takes', async () => {
    const list = await h.command(AGENT, '/template', 'list', 'C0SUPPORT');
    expect(list.text).to.contain('Approved templates (2)').and.contain('*order_update* (es, en_US) utility').and.contain('*summer_sale* (es) marketing');
    expect(list.text).to.not.contain('old_promo');
    const show = await h.command(AGENT, '/template', 'show order_update', 'C0SUPPORT');
    expect(show.text).to.contain('Body: Hi {{1}}, order {{2}} is on its way.').and.contain('Buttons: Track').and.contain('Values to give, in order: {{1}} {{2}} &lt;1: url&gt;');
    expect((await h.command(AGENT, '/template', 'show nope', 'C0SUPPORT')).text).to.contain('There is no approved template called “nope”');
    // Fetched once, then served from the cache.
    expect(h.whatsapp.requests().filter((request) => request.path.includes('/message_templates'))).to.have.length(1);
  });

  it('refuses a send with the wrong number of values before any call to WhatsApp', async () => {
    const refused = await h.command(AGENT, '/template', 'send order_update es +34 611 111 111 Ana');
    expect(refused.text).to.equal('La plantilla «order_update» necesita 2 valor(es) (cuerpo: 2); has dado 1.');
    expect((await h.command(AGENT, '/template', 'send order_update fr +34611111111 Ana 8841')).text).to.contain('no tiene versión «fr». Existe en: es, en_US');
    expect((await h.command(AGENT, '/template', 'send old_promo es +34611111111')).text).to.contain('su estado en WhatsApp es PAUSED');
    expect((await h.command(AGENT, '/template', 'send summer_sale es +34611111111 nolink Ana')).text).to.contain('cabecera de tipo imagen: da como primer valor el enlace https://');
    expect((await h.command(AGENT, '/template', 'send order_update es')).text).to.contain('¿Qué número?');
    expect((await h.command(AGENT, '/template', 'send')).text).to.contain('Falta algo');
    expect(sends()).to.have.length(0);
    expect(h.threadRoots('C0SALES')).to.have.length(0);
  });

  it('sends a template to a new conversation: thread opened, body as WhatsApp expects, delivery shown', async () => {
    const reply = await h.command(AGENT, '/template', 'send order_update es 34611111111 "Ana García" 8841');
    expect(reply.text).to.contain('La plantilla *order_update* (es) va de camino a +34611111111');
    const sent = await until('template send', () => h.whatsapp.sent({ to: '+34611111111' })[0]);
    expect(sent.body.template).to.deep.equal({
      name: 'order_update',
      language: { code: 'es' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana García' }, { type: 'text', text: '8841' }] }],
    });
    const [root] = h.threadRoots('C0SALES');
    expect(root!.text).to.contain('Conversación con').and.contain('+34611111111').and.contain('iniciada desde Puente');
    const post = await until('template post', () => h.slack.thread('C0SALES', root!.ts).find((message) => message.text?.includes('envió la plantilla')));
    expect(post.text).to.contain('Lucía envió la plantilla *order_update* (es)').and.contain('Hola Ana García, tu pedido 8841 está en camino.');
    await until('delivery on the template post', () => h.slack.reactionsOn('C0SALES', post.ts).some((reaction) => reaction.name === 'eyes'));

    // The customer answers in the same thread.
    await h.customerWrites('¡Gracias!');
    expect(h.threadRoots('C0SALES')).to.have.length(1);
    expect(h.slack.thread('C0SALES', root!.ts).map((message) => message.text)).to.include('¡Gracias!');
  });

  it('fills link buttons and media headers, and keeps marketing away from opted-out numbers', async () => {
    await h.command(AGENT, '/template', 'send order_update en_US +34611111111 Ana 8841 A-77', 'C0SUPPORT');
    const sent = await until('template send', () => h.whatsapp.sent({ to: '+34611111111' })[0]);
    expect((sent.body.template as { components: unknown[] }).components).to.deep.include({
      type: 'button',
      sub_type: 'url',
      index: '0',
      parameters: [{ type: 'text', text: 'A-77' }],
    });

    await h.command(SUPERVISOR, '/optout', '+34622222222');
    expect((await h.command(AGENT, '/template', 'send summer_sale es +34622222222 https://cdn.example/sale.jpg Ana')).text).to.contain(
      'No enviado: +34622222222 se dio de baja de los mensajes de marketing',
    );
    await h.command(AGENT, '/template', 'send summer_sale es +34633333333 https://cdn.example/sale.jpg Ana');
    const sale = await until('marketing send', () => h.whatsapp.sent({ to: '+34633333333' })[0]);
    expect((sale.body.template as { components: unknown[] }).components[0]).to.deep.equal({
      type: 'header',
      parameters: [{ type: 'image', image: { link: 'https://cdn.example/sale.jpg' } }],
    });
  });

  it('refreshes the cache on a message_template_status_update webhook and tells the supervisors', async () => {
    expect((await h.command(AGENT, '/template', 'list')).text).to.contain('(2)');
    h.whatsapp.setTemplates([...TEMPLATES, { name: 'welcome', language: 'es', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Bienvenida' }] }], WABA);
    await h.whatsapp.postWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          time: 1748454394,
          changes: [
            {
              field: 'message_template_status_update',
              value: { event: 'APPROVED', message_template_id: 123, message_template_name: 'welcome', message_template_language: 'es', reason: 'NONE' },
            },
          ],
        },
      ],
    });
    await h.puente.bridge.idle();
    const alert = await until('alert', () => h.slack.messages('C0SUPERVISORS')[0]);
    expect(alert.text).to.contain('WhatsApp cambió la plantilla *welcome* (es) a APPROVED');
    expect((await h.command(AGENT, '/template', 'list')).text).to.contain('(3)').and.contain('welcome');
  });
});
