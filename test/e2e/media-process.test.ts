/**
 * Files both ways through the real bridge process, against the WhatsApp and Slack emulators: a
 * customer's photo, document and voice note appear in the thread as files; an agent's image and PDF
 * reach WhatsApp by uploaded media id, and a file over the limit is explained in the thread.
 */
import { expect } from 'chai';
import { MiB } from '../../bot/media-limits.js';
import type { SlackEmulator, SlackMessage, WhatsAppEmulator } from '../../sandbox/emulators/index.js';
import type { BridgeProcess } from '../../sandbox/bridge-process.js';
import { startE2eStack, until, type E2eStack } from '../helpers/e2e-stack.js';
import * as files from '../helpers/media-files.js';

const NUMBER = { phoneNumberId: '1001', displayNumber: '34910000001' };
const AGENT = { id: 'U0AGENT1', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };
const ANA = { waId: '34611111111', name: 'Ana García' };

const CONFIG_YAML = `
numbers:
  - phone_number_id: "${NUMBER.phoneNumberId}"
    display_name: Ventas
    channel: C0MEDIA
    language: en
`;

describe('bridge process end to end: files both ways', function () {
  this.timeout(120_000);
  let stack: E2eStack;
  let whatsapp: WhatsAppEmulator;
  let slack: SlackEmulator;
  let bridge: BridgeProcess;

  before(async () => {
    stack = await startE2eStack({ numbers: [NUMBER], configYaml: CONFIG_YAML, users: [AGENT] });
    ({ whatsapp, slack, bridge } = stack);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`--- bridge log tail ---\n${bridge.log.slice(-5000)}\n`);
  });

  after(async () => {
    await stack.stop();
  });

  const root = () => slack.messages('C0MEDIA').find((message) => !message.thread_ts || message.thread_ts === message.ts);
  const replies = (): SlackMessage[] => {
    const top = root();
    return top ? slack.thread('C0MEDIA', top.ts).slice(1) : [];
  };

  it('puts a customer’s photo, document and voice note into the thread as files', async () => {
    const jpeg = files.jpeg();
    const pdf = files.pdf();
    const voice = files.oggOpus();
    expect((await whatsapp.sendMedia(NUMBER.phoneNumberId, ANA, { kind: 'image', data: jpeg, mimeType: 'image/jpeg', caption: 'the box arrived broken' })).status).to.equal(200);
    await until('the photo', () => replies().length === 1);
    await whatsapp.sendMedia(NUMBER.phoneNumberId, ANA, { kind: 'document', data: pdf, mimeType: 'application/pdf', filename: 'receipt-0042.pdf', caption: 'my receipt' });
    await until('the document', () => replies().length === 2);
    // Without the webhook's URL the bridge looks the media id up first.
    await whatsapp.sendMedia(NUMBER.phoneNumberId, ANA, { kind: 'audio', data: voice, mimeType: 'audio/ogg; codecs=opus', voice: true, includeUrl: false });
    const posted = await until('three files in the thread', () => (replies().length === 3 ? replies() : undefined));

    expect(posted.map((message) => message.text)).to.deep.equal([
      '*Ana García*: [image] the box arrived broken',
      '*Ana García*: [document: receipt-0042.pdf] my receipt',
      '*Ana García*: [voice note]',
    ]);
    expect(posted.map((message) => message.files?.[0]?.name)).to.deep.equal(['image.jpg', 'receipt-0042.pdf', 'voice-note.ogg']);
    const contents = posted.map((message) => slack.fileContent(message.files![0]!.id));
    expect(contents[0]?.equals(jpeg)).to.equal(true);
    expect(contents[1]?.equals(pdf)).to.equal(true);
    expect(contents[2]?.equals(voice)).to.equal(true);
  });

  it('sends an agent’s image and PDF to WhatsApp by media id, and explains a file over the limit', async () => {
    const thread = root()!;
    const png = files.png(16, 16);
    const pdf = files.pdf(64 * 1024);
    await slack.postAsUser({
      channel: 'C0MEDIA',
      threadTs: thread.ts,
      user: AGENT.id,
      text: 'Sorry about that! Here is the *return label* and the form',
      files: [
        { name: 'label.png', data: png },
        { name: 'return-form.pdf', data: pdf },
        { name: 'catalogue.pdf', data: files.pdf(16 * MiB + 1) },
      ],
    });
    const sent = await until('two media sends', () => (whatsapp.sent().length >= 2 ? whatsapp.sent() : undefined));
    expect(sent.map((record) => record.type)).to.deep.equal(['image', 'document']);
    const image = sent[0]!.body.image as { id: string; caption?: string };
    const document = sent[1]!.body.document as { id: string; filename?: string; caption?: string };
    expect(image.caption).to.equal('Sorry about that! Here is the *return label* and the form');
    expect(document).to.deep.include({ filename: 'return-form.pdf' });
    expect(document.caption).to.equal(undefined);
    expect(whatsapp.mediaById(image.id)?.data.equals(png)).to.equal(true);
    expect(whatsapp.mediaById(document.id)?.data.equals(pdf)).to.equal(true);
    expect(whatsapp.uploadedMedia()).to.have.length(2);

    const notice = await until('a notice about the big file', () => replies().find((message) => message.text?.includes('catalogue.pdf')));
    expect(notice.text).to.contain('16,777,217 bytes').and.contain('16,777,216 bytes');
  });

  it('shows every acknowledged file exactly once, both ways, when killed with SIGKILL midway', async () => {
    const thread = root()!;
    const customerFiles = new Map<string, Buffer>(); // wamid → bytes, for webhooks that got a 200
    const agentFiles: Buffer[] = []; // files of agent messages whose event got a 2xx
    const sends: Promise<void>[] = [];
    for (let index = 0; index < 8; index++) {
      const image = files.png(index + 2, 1); // a different size each: identifiable by its bytes
      sends.push(
        whatsapp.sendMedia(NUMBER.phoneNumberId, { waId: `3462000000${index}`, name: `Cliente ${index}` }, { kind: 'image', data: image, mimeType: 'image/png' }).then((result) => {
          if (result.status === 200) customerFiles.set(result.wamid, image);
        }),
      );
      const document = files.pdf(2000 + index * 97);
      sends.push(
        (async () => {
          let result = await slack.postAsUser({ channel: 'C0MEDIA', threadTs: thread.ts, user: AGENT.id, text: '', files: [{ name: `doc-${index}.pdf`, data: document }] });
          for (let retry = 1; retry <= 30 && (result.status < 200 || result.status >= 300); retry++) {
            await new Promise((resolve) => setTimeout(resolve, 300));
            result = { ...result, status: (await slack.redeliver(result.eventId, Math.min(retry, 3))).status };
          }
          if (result.status >= 200 && result.status < 300) agentFiles.push(document);
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 60));
      if (index === 2 || index === 5) {
        await bridge.kill();
        await new Promise((resolve) => setTimeout(resolve, 150));
        await bridge.start();
      }
    }
    await Promise.all(sends);
    await whatsapp.whenIdle();

    const inSlack = (): Buffer[] =>
      slack
        .messages('C0MEDIA')
        .filter((message) => message.bot_id && message.files?.length)
        .map((message) => slack.fileContent(message.files![0]!.id)!)
        .filter(Boolean);
    const sentToWhatsApp = (): Buffer[] =>
      whatsapp
        .sent()
        .filter((record) => record.type === 'document')
        .map((record) => whatsapp.mediaById((record.body.document as { id: string }).id)!.data);
    const count = (all: Buffer[], wanted: Buffer) => all.filter((data) => data.equals(wanted)).length;

    await until('every acknowledged customer file in Slack', () => [...customerFiles.values()].every((image) => count(inSlack(), image) >= 1), 30_000);
    await until('every acknowledged agent file on WhatsApp', () => agentFiles.every((document) => count(sentToWhatsApp(), document) >= 1), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything late would show up now
    for (const image of customerFiles.values()) expect(count(inSlack(), image), 'customer file shown once').to.equal(1);
    for (const document of agentFiles) expect(count(sentToWhatsApp(), document), 'agent file sent once').to.equal(1);
    expect(customerFiles.size, 'customer files acknowledged').to.be.greaterThan(4);
    expect(agentFiles.length, 'agent files acknowledged').to.be.greaterThan(4);
  });
});
