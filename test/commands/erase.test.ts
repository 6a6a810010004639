/**
 * /erase: everything the bridge stored about a contact leaves the store files (the data directory is
 * searched for the number and for what was said), other customers stay, and the answer says what
 * was removed. Retention prunes old message records the same way.
 */
import { expect } from 'chai';
import { AGENT, ANA, CommandHarness, SALES, SUPERVISOR, SUPPORT, until } from './harness.js';

const LUIS = { waId: '34622222222', name: 'Luis Pérez' };

describe('commands: /erase', function () {
  this.timeout(60_000);
  const h = new CommandHarness();

  beforeEach(() => h.start());
  afterEach(() => h.stop());

  it('erases a contact from every line and leaves no trace in the store files', async () => {
    await h.customerWrites('Mi DNI es 12345678Z', ANA, SALES.phoneNumberId);
    await h.customerWrites('Hello support', ANA, SUPPORT.phoneNumberId);
    await h.customerWrites('Soy Luis', LUIS, SALES.phoneNumberId);
    const anaThread = h.threadRoots('C0SALES').find((root) => root.text?.includes('Ana García'))!;
    await h.slack.postAsUser({ channel: 'C0SALES', threadTs: anaThread.ts, user: AGENT.id, text: 'Gracias Ana, lo revisamos' });
    await until('reply sent', () => h.whatsapp.sent({ to: '+34611111111' })[0]);
    await h.puente.bridge.idle();
    await h.command(SUPERVISOR, '/optout', '+34611111111');
    await h.command(SUPERVISOR, '/block', '+34611111111 pruebas');
    const before = (await h.storeFiles()).map((file) => file.text).join('\n');
    expect(before).to.contain('34611111111').and.contain('12345678Z');

    expect((await h.command(AGENT, '/erase', '+34611111111')).text).to.contain('Solo los supervisores pueden usar /erase');
    const erased = await h.command(SUPERVISOR, '/erase', '+34 611 111 111');
    expect(erased.text).to.contain('🧹 Borrado todo lo que Puente guardaba de +34611111111: 2 conversación(es), 3 mensaje(s)');
    expect(erased.text).to.contain('También se ha quitado de: la lista de bloqueados, la lista de bajas.');
    await until('thread told', () => h.slack.thread('C0SALES', anaThread.ts).some((message) => message.text?.includes('ha borrado de Puente los datos de este cliente')));

    for (const { file, text } of await h.storeFiles()) {
      expect(text, file).to.not.contain('34611111111');
      expect(text, file).to.not.contain('12345678Z');
      expect(text, file).to.not.contain('Gracias Ana');
    }
    // Other customers are untouched, and the bridge goes on.
    expect(await h.puente.store.countConversations()).to.equal(1);
    expect((await h.command(AGENT, '/blocklist')).text).to.equal('No hay ningún número bloqueado.');
    expect((await h.command(SUPERVISOR, '/erase', '+34611111111')).text).to.equal('Puente no guarda nada de +34611111111.');
    await h.customerWrites('Sigo aquí', LUIS, SALES.phoneNumberId);
    expect(await h.puente.store.countMessages()).to.equal(2);

    // Replies in the erased thread no longer reach anyone.
    const sentBefore = h.whatsapp.sent().length;
    await h.slack.postAsUser({ channel: 'C0SALES', threadTs: anaThread.ts, user: AGENT.id, text: '¿Sigues ahí?' });
    await h.puente.bridge.idle();
    expect(h.whatsapp.sent()).to.have.length(sentBefore);
  });
});
