/**
 * Opt-out keywords, /optout, /optin and the do-not-contact list (/dnc check, /dnc import from the
 * latest CSV shared in the channel), through signed slash commands.
 */
import { expect } from 'chai';
import { AGENT, ANA, CommandHarness, SUPERVISOR, until } from './harness.js';

describe('commands: opt-out keywords, /optout, /optin, /dnc', function () {
  this.timeout(60_000);
  const h = new CommandHarness();

  beforeEach(() => h.start());
  afterEach(() => h.stop());

  it('opts a customer out on a keyword (any case, accents, punctuation) and back in, telling the thread', async () => {
    await h.customerWrites('Hola');
    await h.customerWrites('báJA.');
    const [root] = h.threadRoots('C0SALES');
    await until('opt-out notice', () => h.slack.thread('C0SALES', root!.ts).some((message) => message.text?.includes('El cliente escribió «báJA.»: queda dado de baja')));
    // The keyword itself is still relayed: the customer can keep talking with agents.
    expect(h.slack.thread('C0SALES', root!.ts).map((message) => message.text)).to.include('báJA.');
    expect((await h.command(AGENT, '/dnc', 'check +34611111111')).text).to.contain('Se dio de baja de los envíos masivos.');
    await h.customerWrites('No pares, stop the truck');
    expect((await h.command(AGENT, '/dnc', 'check +34611111111')).text).to.contain('Se dio de baja');
    await h.customerWrites('ALTA');
    await until('opt-in notice', () => h.slack.thread('C0SALES', root!.ts).some((message) => message.text?.includes('vuelve a recibir envíos masivos')));
    expect((await h.command(AGENT, '/dnc', 'check +34611111111')).text).to.not.contain('Se dio de baja');
  });

  it('lets supervisors opt numbers out and in, and refuses agents', async () => {
    expect((await h.command(AGENT, '/optout', '+34611111111')).text).to.contain('Solo los supervisores pueden usar /optout');
    expect((await h.command(SUPERVISOR, '/optout', '+34 611 111 111')).text).to.equal('🔕 +34611111111 queda fuera de los envíos masivos.');
    expect((await h.command(SUPERVISOR, '/optout', '+34611111111')).text).to.equal('+34611111111 ya estaba dado de baja de los envíos masivos.');
    expect((await h.command(AGENT, '/optin', '+34611111111')).text).to.contain('Solo los supervisores');
    expect((await h.command(SUPERVISOR, '/optin', '0034611111111')).text).to.equal('🔔 +34611111111 vuelve a recibir envíos masivos.');
    expect((await h.command(SUPERVISOR, '/optin', '+34611111111')).text).to.equal('+34611111111 no estaba dado de baja.');
    expect((await h.command(SUPERVISOR, '/optin')).text).to.contain('¿Qué número?');
  });

  it('imports the latest CSV shared in the channel as the do-not-contact list (supervisors only)', async () => {
    expect((await h.command(AGENT, '/dnc', 'check +34611111111')).text).to.contain('no se ha importado ninguna lista');
    expect((await h.command(SUPERVISOR, '/dnc', 'import')).text).to.contain('No hay ningún archivo .csv compartido en este canal');
    await h.slack.postAsUser({ channel: 'C0SALES', user: SUPERVISOR.id, text: 'old list', files: [{ name: 'old.csv', data: Buffer.from('+34600000001\n') }] });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later upload second, as Slack orders files
    const csv = 'telefono;nombre\n"+34 611 111 111";Ana\n611222333;Luis\nnot a number;x\n';
    await h.slack.postAsUser({ channel: 'C0SALES', user: SUPERVISOR.id, text: 'Lista Robinson', files: [{ name: 'robinson.csv', data: Buffer.from(csv) }] });
    expect((await h.command(AGENT, '/dnc', 'import')).text).to.contain('Solo los supervisores pueden usar /dnc');
    const imported = await h.command(SUPERVISOR, '/dnc', 'import');
    expect(imported.text).to.contain('tiene ahora los 2 números de robinson.csv').and.contain('Se saltaron 2 línea(s)').and.contain('«telefono;nombre»');
    expect((await h.command(AGENT, '/dnc', 'check 611 111 111')).text).to.contain('⛔ +34611111111 está en la lista de no contactar (robinson.csv');
    expect((await h.command(AGENT, '/dnc', 'check +34611222333')).text).to.contain('está en la lista');
    expect((await h.command(AGENT, '/dnc', 'check +34600000001')).text).to.contain('✅ +34600000001 no está en la lista');
    expect((await h.command(AGENT, '/dnc', 'check')).text).to.contain('¿Qué número?');
    expect((await h.command(AGENT, '/dnc', 'purge')).text).to.contain('Sobra «purge»');
    expect(ANA.waId).to.equal('34611111111');
  });
});
