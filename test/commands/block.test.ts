/**
 * /block, /unblock, /blocklist and the roles, through signed slash commands: a blocked number's
 * messages are neither stored nor posted and get the auto-reply once per period; nothing is sent to
 * a blocked number; agents cannot change policy.
 */
import { expect } from 'chai';
import { AGENT, ANA, CommandHarness, SALES, SUPERVISOR, sleep, until } from './harness.js';

describe('commands: /block, /unblock, /blocklist', function () {
  this.timeout(60_000);
  const h = new CommandHarness();

  beforeEach(() => h.start());
  afterEach(() => h.stop());

  it('refuses policy changes to agents, ephemerally, and changes nothing', async () => {
    const refused = await h.command(AGENT, '/block', '+34 611 11 11 11');
    expect(refused.responseType).to.equal('ephemeral');
    expect(refused.text).to.contain('Solo los supervisores pueden usar /block');
    expect((await h.command(AGENT, '/blocklist')).text).to.equal('No hay ningún número bloqueado.');
    // Looking things up is every agent's work.
    expect((await h.command(AGENT, '/blocklist', '', 'C0SUPPORT')).text).to.equal('No number is blocked.');
  });

  it('explains bad arguments with the command usage', async () => {
    expect((await h.command(SUPERVISOR, '/block')).text).to.match(/^¿Qué número\? `\/block &lt;número&gt; \[motivo\]`/);
    expect((await h.command(SUPERVISOR, '/block', '611 11', 'C0SUPPORT')).text).to.contain('“611 11” is not a phone number');
    expect((await h.command(SUPERVISOR, '/block', 'spammer', 'C0SUPPORT')).text).to.contain('“spammer” is not a phone number');
    expect((await h.command(SUPERVISOR, '/unblock', '+34611111111 now', 'C0SUPPORT')).text).to.contain('Unexpected “now”').and.contain('/unblock &lt;number&gt;');
    expect((await h.command(SUPERVISOR, '/blocklist', 'all', 'C0SUPPORT')).text).to.contain('Unexpected “all”');
    expect((await h.command(AGENT, '/block', 'help', 'C0SUPPORT')).text).to.contain('`/block &lt;number&gt; [reason]`');
  });

  it('blocks a number typed any way: its messages are dropped and answered once, nothing is sent to it', async () => {
    await h.customerWrites('Hola, primera consulta');
    const [root] = h.threadRoots('C0SALES');
    expect(root, 'thread opened before the block').to.not.equal(undefined);

    const blocked = await h.command(SUPERVISOR, '/block', '34-611-111-111 insultos al equipo');
    expect(blocked.responseType).to.equal('ephemeral');
    expect(blocked.text).to.contain('+34611111111 está bloqueado').and.contain('Motivo: insultos al equipo');
    // The open thread is told.
    await until('block notice in the thread', () => h.slack.thread('C0SALES', root!.ts).some((message) => message.text?.includes('Marta ha bloqueado a este cliente')));
    const list = await h.command(AGENT, '/blocklist', '', 'C0SUPPORT');
    expect(list.text).to.contain('Blocked numbers (1)').and.contain('+34611111111, by U0SUPER01').and.contain('(insultos al equipo)');

    const postsBefore = h.slack.thread('C0SALES', root!.ts).length;
    const secret = 'mensaje-secreto-del-bloqueado';
    await h.customerWrites(`${secret} uno`);
    await h.customerWrites(`${secret} dos`);
    // Neither posted…
    expect(h.slack.thread('C0SALES', root!.ts)).to.have.length(postsBefore);
    // …nor stored (the next test reads the files).
    expect(await h.puente.store.countMessages()).to.equal(1);
    // …and answered once per period, in the line's language.
    const replies = h.whatsapp.sent({ to: '+34611111111' });
    expect(replies.map((sent) => (sent.body.text as { body: string }).body)).to.deep.equal(['Lo sentimos, este servicio no está disponible.']);
  });

  it('keeps the blocked number out of the store files', async () => {
    await h.command(SUPERVISOR, '/block', '+34611111111');
    const secret = 'texto-que-no-debe-quedar';
    await h.customerWrites(secret);
    await sleep(1200); // the inbox retires a processed segment within a second
    await h.customerWrites('otro'); // a second message makes sure the first segment is retired
    await sleep(1200);
    for (const { file, text } of await h.storeFiles()) expect(text, file).to.not.contain(secret);
    expect(await h.puente.store.countMessages()).to.equal(0);
    expect(await h.puente.store.countConversations()).to.equal(0);
  });

  it('refuses to send an agent reply to a blocked number and says why in the thread', async () => {
    await h.customerWrites('Hola');
    const [root] = h.threadRoots('C0SALES');
    await h.command(SUPERVISOR, '/block', '+34611111111');
    const sentBefore = h.whatsapp.sent().length;
    await h.slack.postAsUser({ channel: 'C0SALES', threadTs: root!.ts, user: AGENT.id, text: 'Buenos días' });
    await until('blocked notice', () => h.slack.thread('C0SALES', root!.ts).some((message) => message.text?.includes('No enviado: este cliente está bloqueado')));
    await h.puente.bridge.idle();
    expect(h.whatsapp.sent()).to.have.length(sentBefore);
  });

  it('unblocks: messages flow again and the thread is told', async () => {
    await h.customerWrites('Hola');
    await h.command(SUPERVISOR, '/block', '+34611111111');
    expect((await h.command(SUPERVISOR, '/unblock', '611 111 111')).text).to.equal('+34611111111 ya no está bloqueado.');
    expect((await h.command(SUPERVISOR, '/unblock', '+34611111111')).text).to.equal('+34611111111 no está bloqueado.');
    await h.customerWrites('Ya puedo escribir');
    const [root] = h.threadRoots('C0SALES');
    const texts = h.slack.thread('C0SALES', root!.ts).map((message) => message.text ?? '');
    expect(texts.some((text) => text.includes('Marta ha desbloqueado a este cliente'))).to.equal(true);
    expect(texts).to.include('Ya puedo escribir');
    expect(ANA.waId).to.equal('34611111111');
    expect(SALES.phoneNumberId).to.equal('1001');
  });
});
