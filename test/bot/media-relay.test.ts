/**
 * The core's handling of files both ways, with real small files of each type, a recording chat
 * adapter and a scripted WhatsApp port: what reaches the thread, what is sent to WhatsApp, the limits
 * at exactly the limit and one byte / one file over, wrong declared types, bad checksums, failed
 * downloads and their retries, and resuming after a crash without doing anything twice.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge, type BridgeConfig } from '../../bot/bridge.js';
import { silentLogger } from '../../bot/logger.js';
import { MediaError, transferError } from '../../bot/media-errors.js';
import { MiB } from '../../bot/media-limits.js';
import type { AgentMessage, ChatFileRef, ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { parseWebhook } from '../../adapters/whatsapp/parse.js';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import * as files from '../helpers/media-files.js';
import { RecordingAdapter, ScriptedWhatsApp } from '../helpers/recording-adapter.js';
import { messageWebhook, newWamid, textWebhook } from '../helpers/webhooks.js';

const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
const SUPPORT = { phoneNumberId: '1002', displayNumber: '34910000002' };
const ANA = { waId: '34611111111', name: 'Ana García' };
const PDF = 'application/pdf';

function bridgeConfig(): BridgeConfig {
  return {
    numbers: [
      { phoneNumberId: SALES.phoneNumberId, displayName: 'Ventas', adapter: 'rec', channel: 'C-SALES', senderMode: 'branded', sendRate: 1000, language: 'es' },
      { phoneNumberId: SUPPORT.phoneNumberId, displayName: 'Support', adapter: 'rec', channel: 'C-SUPPORT', senderMode: 'agent', sendRate: 1000, language: 'en' },
    ],
    internalNotePrefix: '//',
    agentSignature: '',
    inDoubtGraceMs: 100,
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64');

describe('Bridge core: files', function () {
  this.timeout(30_000);
  let dir: string;
  let store: EmbeddedStore;
  let adapter: RecordingAdapter;
  let whatsapp: ScriptedWhatsApp;
  let bridge: Bridge;
  let mediaCounter = 0;

  async function makeBridge(): Promise<Bridge> {
    const created = new Bridge({
      config: bridgeConfig(),
      store,
      whatsapp,
      parseWebhook,
      adapters: new Map([['rec', adapter]]),
      logger: silentLogger(),
      retryPolicy: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, pairRateUnitMs: 5 },
      media: { spoolDir: join(dir, 'spool'), retryDelaysMs: [30, 30] },
    });
    await adapter.start(created);
    await created.recover();
    return created;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-media-'));
    store = new EmbeddedStore({ dataDir: join(dir, 'data'), logger: silentLogger() });
    await store.open();
    adapter = new RecordingAdapter();
    whatsapp = new ScriptedWhatsApp();
    bridge = await makeBridge();
  });

  afterEach(async () => {
    await bridge.stop(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  interface CustomerFile {
    data: Buffer;
    mimeType: string;
    caption?: string;
    filename?: string;
    voice?: boolean;
    sha256?: string;
    number?: typeof SALES;
  }

  /** The customer sends a file: WhatsApp holds it under a media id and posts the webhook. */
  function mediaWebhook(kind: string, file: CustomerFile, wamid = newWamid()): { body: string; wamid: string; mediaId: string } {
    mediaCounter += 1;
    const mediaId = `media-${mediaCounter}`;
    whatsapp.media.set(mediaId, file.data);
    const body = {
      id: mediaId,
      mime_type: file.mimeType,
      sha256: file.sha256 ?? sha256(file.data),
      ...(file.caption ? { caption: file.caption } : {}),
      ...(file.filename ? { filename: file.filename } : {}),
      ...(kind === 'audio' ? { voice: file.voice ?? false } : {}),
    };
    const webhook = messageWebhook(file.number ?? SALES, ANA, { type: kind, [kind]: body }, { wamid, timestampMs: Date.now() });
    return { ...webhook, mediaId };
  }

  async function customerSends(kind: string, file: CustomerFile): Promise<string> {
    const webhook = mediaWebhook(kind, file);
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    return webhook.wamid;
  }

  async function customerWrites(text: string, number = SALES): Promise<ThreadRef> {
    await bridge.acceptWhatsAppWebhook(textWebhook(number, ANA, text, { timestampMs: Date.now() }).body);
    await bridge.idle();
    return adapter.threads.find((thread) => thread.channel === (number === SALES ? 'C-SALES' : 'C-SUPPORT'))!.ref;
  }

  describe('customer → thread', () => {
    it('puts a photo into the thread as the file, with the caption and the customer’s name as its comment', async () => {
      const jpeg = files.jpeg();
      const wamid = await customerSends('image', { data: jpeg, mimeType: 'image/jpeg', caption: 'mira la caja 📦' });
      expect(adapter.staged).to.have.length(1);
      const [{ file, data }] = adapter.staged as [(typeof adapter.staged)[0]];
      expect(data.equals(jpeg)).to.equal(true);
      expect(file).to.deep.include({ name: 'imagen.jpg', mimeType: 'image/jpeg', size: jpeg.length });
      expect(adapter.shared[0]!.post.text).to.equal('*Ana García*: [imagen] mira la caja 📦');
      expect(adapter.shared[0]!.thread).to.deep.equal(adapter.threads[0]!.ref);
      expect(adapter.posts, 'no placeholder').to.have.length(0);
      const record = await store.getMessage(wamid);
      expect(record?.media).to.deep.equal({ state: 'bridged' });
      expect(record?.excerpt).to.equal('[imagen] mira la caja 📦');
      expect(await store.pendingInbox()).to.have.length(0);
      expect(await readdir(join(dir, 'spool')), 'temporary files removed').to.deep.equal([]);
    });

    it('keeps voice notes and stickers recognisable', async () => {
      await customerSends('audio', { data: files.oggOpus(), mimeType: 'audio/ogg; codecs=opus', voice: true });
      await customerSends('sticker', { data: files.webp(), mimeType: 'image/webp' });
      await customerSends('video', { data: files.mp4(), mimeType: 'video/mp4', caption: 'el golpe' });
      expect(adapter.staged.map(({ file }) => [file.name, file.mimeType])).to.deep.equal([
        ['nota-de-voz.ogg', 'audio/ogg'],
        ['sticker.webp', 'image/webp'],
        ['vídeo.mp4', 'video/mp4'],
      ]);
      expect(adapter.shared.map(({ post }) => post.text)).to.deep.equal([
        '*Ana García*: [nota de voz]',
        '*Ana García*: [sticker]',
        '*Ana García*: [vídeo] el golpe',
      ]);
    });

    it('keeps a document’s own file name, made safe', async () => {
      await customerSends('document', { data: files.pdf(), mimeType: PDF, filename: '../../Factura\u0000 junio.pdf', caption: 'la factura' });
      await customerSends('document', { data: files.docx(), mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', filename: 'contrato.docx' });
      expect(adapter.staged.map(({ file }) => file.name)).to.deep.equal(['Factura junio.pdf', 'contrato.docx']);
      expect(adapter.shared[0]!.post.text).to.equal('*Ana García*: [documento: Factura junio.pdf] la factura');
    });

    it('names and types a file by its bytes when the declared MIME type is wrong', async () => {
      await customerSends('image', { data: files.png(), mimeType: 'image/jpeg' });
      await customerSends('document', { data: files.exe(), mimeType: PDF, filename: 'factura.pdf' });
      expect(adapter.staged.map(({ file }) => [file.name, file.mimeType])).to.deep.equal([
        ['imagen.png', 'image/png'],
        ['factura.pdf.exe', 'application/x-msdownload'],
      ]);
    });

    it('takes a file of exactly 16 MB and refuses one byte more, saying so with the caption', async () => {
      await customerSends('video', { data: files.mp4(16 * MiB), mimeType: 'video/mp4' });
      expect(adapter.staged).to.have.length(1);
      expect(adapter.staged[0]!.file.size).to.equal(16 * MiB);

      const wamid = await customerSends('video', { data: files.mp4(16 * MiB + 1), mimeType: 'video/mp4', caption: 'el vídeo entero' });
      expect(adapter.staged, 'nothing uploaded').to.have.length(1);
      expect(adapter.posts).to.have.length(1);
      expect(adapter.posts[0]!.post.text).to.equal(
        '[vídeo] el vídeo entero\n⚠️ El archivo no se puede mostrar aquí: ocupa 16,777,217 bytes y el límite es 16,777,216 bytes. Pide al cliente que lo envíe de otra forma si lo necesitas.',
      );
      expect((await store.getMessage(wamid))?.media).to.deep.equal({ state: 'failed' });
    });

    it('refuses a file the chat tool itself cannot take (its declared limit is stricter)', async () => {
      adapter.capabilities = { ...adapter.capabilities, maxFileBytes: 1000 };
      await customerSends('document', { data: files.pdf(2000), mimeType: PDF, filename: 'big.pdf' });
      expect(adapter.staged).to.have.length(0);
      expect(adapter.posts[0]!.post.text).to.contain('1000 bytes');
    });

    it('describes the file, caption included, in a chat tool that cannot show files', async () => {
      adapter.capabilities = { ...adapter.capabilities, maxFileBytes: 0 };
      await customerSends('image', { data: files.jpeg(), mimeType: 'image/jpeg', caption: 'mira' });
      expect(adapter.staged).to.have.length(0);
      expect(adapter.posts[0]!.post.text).to.equal('[imagen] mira\n⚠️ Esta herramienta de chat no puede mostrar archivos, así que solo te llega la descripción.');
    });

    it('posts a placeholder for a file WhatsApp no longer has, without retrying', async () => {
      const webhook = mediaWebhook('image', { data: files.jpeg(), mimeType: 'image/jpeg', caption: 'foto' });
      whatsapp.media.delete(webhook.mediaId);
      await bridge.acceptWhatsAppWebhook(webhook.body);
      await bridge.idle();
      expect(adapter.posts[0]!.post.text).to.equal('[imagen] foto\n⚠️ El archivo no se puede mostrar aquí: ya no está disponible. Pide al cliente que lo envíe de otra forma si lo necesitas.');
      expect(adapter.posts[0]!.post.key).to.equal(`in:${webhook.wamid}`);
      expect(adapter.notices).to.have.length(0);
      expect(await store.pendingInbox()).to.have.length(0);
    });

    it('after a failed download posts a placeholder at once, retries, and then posts the file', async () => {
      whatsapp.mediaFailures = [transferError('socket hang up'), transferError('socket hang up'), transferError('ECONNRESET')];
      const webhook = mediaWebhook('image', { data: files.jpeg(), mimeType: 'image/jpeg', caption: 'la caja rota' });
      await bridge.acceptWhatsAppWebhook(webhook.body);
      // The customer's next message is not held back by the retries.
      await bridge.acceptWhatsAppWebhook(textWebhook(SALES, ANA, '¿lo veis?', { timestampMs: Date.now() }).body);
      await bridge.idle();

      expect(adapter.posts.map(({ post }) => post.text)).to.deep.equal([
        '[imagen] la caja rota\n⏳ El archivo no llegó desde WhatsApp (la transferencia falló: socket hang up). El puente lo sigue intentando y lo publicará en este hilo.',
        '¿lo veis?',
      ]);
      expect(adapter.shared).to.have.length(1);
      expect(adapter.shared[0]!.post.text).to.equal('📎 El archivo que antes no llegó: *Ana García*: [imagen] la caja rota');
      const record = await store.getMessage(webhook.wamid);
      expect(record?.media).to.deep.equal({ state: 'bridged' });
      expect(record?.chat, 'the placeholder stays the message’s post').to.deep.equal(adapter.posts[0]!.ref);
      expect(await store.pendingInbox()).to.have.length(0);
    });

    it('gives up on bytes that never match WhatsApp’s sha256, and says so', async () => {
      const wrong = sha256(Buffer.from('another file'));
      const wamid = await customerSends('document', { data: files.pdf(), mimeType: PDF, filename: 'a.pdf', sha256: wrong });
      expect(adapter.staged).to.have.length(0);
      expect(adapter.posts[0]!.post.text).to.contain('los datos no coinciden con la suma de comprobación que dio WhatsApp');
      expect(adapter.notices.map(({ notice }) => notice.text)).to.deep.equal([
        '⚠️ El puente dejó de intentar obtener un archivo que envió el cliente (los datos no coinciden con la suma de comprobación que dio WhatsApp). Pídele que lo envíe de nuevo.',
      ]);
      expect((await store.getMessage(wamid))?.media).to.deep.equal({ state: 'failed' });
      expect(await store.pendingInbox()).to.have.length(0);
    });

    it('accepts the sha256 in hex as well as base64', async () => {
      const pdf = files.pdf();
      await customerSends('document', { data: pdf, mimeType: PDF, filename: 'a.pdf', sha256: createHash('sha256').update(pdf).digest('hex') });
      expect(adapter.staged).to.have.length(1);
    });

    it('joins a redelivered webhook to the retry in flight instead of posting twice', async () => {
      whatsapp.mediaFailures = [transferError('timeout'), transferError('timeout')];
      const webhook = mediaWebhook('image', { data: files.jpeg(), mimeType: 'image/jpeg' });
      await bridge.acceptWhatsAppWebhook(webhook.body);
      await bridge.acceptWhatsAppWebhook(webhook.body);
      await bridge.idle();
      expect(adapter.posts).to.have.length(1);
      expect(adapter.shared).to.have.length(1);
    });

    describe('after a crash', () => {
      async function crashedWith(record: 'staged' | 'staged-and-shared'): Promise<{ wamid: string }> {
        await customerWrites('hola');
        await bridge.stop(1000);
        const webhook = mediaWebhook('image', { data: files.jpeg(), mimeType: 'image/jpeg', caption: 'foto' });
        // The previous run stored the webhook, staged the file and recorded the stage; then it died.
        await store.appendInbox('whatsapp', webhook.body, Date.now());
        await store.insertMessage({
          key: webhook.wamid,
          direction: 'in',
          conversationId: `${SALES.phoneNumberId}/wa:${ANA.waId}`,
          wamids: [webhook.wamid],
          at: Date.now(),
          media: { state: 'staged', staged: { id: 'F-before', key: 'file:F-before' } },
        });
        if (record === 'staged-and-shared') adapter.byKey.set('file:F-before', { adapter: 'rec', channel: 'C-SALES', id: '1700.0001', threadId: 'x' });
        bridge = await makeBridge();
        await bridge.idle();
        return webhook;
      }

      it('does not share a file again when the chat tool already shows it', async () => {
        const { wamid } = await crashedWith('staged-and-shared');
        expect(adapter.staged).to.have.length(0);
        expect(adapter.shared).to.have.length(0);
        expect((await store.getMessage(wamid))?.media).to.deep.equal({ state: 'bridged' });
        expect(await store.pendingInbox()).to.have.length(0);
      });

      it('shares the staged file once when the share had not happened, without uploading it again', async () => {
        const { wamid } = await crashedWith('staged');
        expect(adapter.staged).to.have.length(0);
        expect(adapter.shared.map(({ staged }) => staged.id)).to.deep.equal(['F-before']);
        expect((await store.getMessage(wamid))?.media).to.deep.equal({ state: 'bridged' });
      });
    });
  });

  describe('agent → customer', () => {
    let agentTs = 0;

    function agentReply(thread: ThreadRef, text: string, attached: { name: string; data: Buffer; mimeType?: string; size?: number }[] = []): AgentMessage {
      agentTs += 1;
      const ref: ChatMessageRef = { adapter: 'rec', channel: thread.channel, id: `1800000000.${agentTs}`, threadId: thread.id };
      const refs: ChatFileRef[] = attached.map((file, index) => {
        const id = `F${agentTs}-${index}`;
        adapter.agentFiles.set(id, file.data);
        return { id, name: file.name, size: file.size ?? file.data.length, ...(file.mimeType ? { mimeType: file.mimeType } : {}) };
      });
      return { key: `rec:${ref.channel}:${ref.id}`, ref, thread, agent: { id: 'U1', displayName: 'Lucía' }, text, files: refs, timestamp: Date.now() };
    }

    async function agentSends(message: AgentMessage): Promise<void> {
      await bridge.onAgentMessage(message);
      await bridge.idle();
    }

    const payloads = () => whatsapp.succeeded().map((send) => send.payload);
    const notices = () => adapter.notices.map(({ notice }) => notice.text);

    it('sends the files in the order attached, with the text as the first file’s caption', async () => {
      const thread = await customerWrites('¿me mandas el plano y el presupuesto?');
      const png = files.png(8, 8);
      await agentSends(agentReply(thread, 'Aquí tienes *ambos*', [
        { name: 'plano.png', data: png, mimeType: 'image/png' },
        { name: 'presupuesto.pdf', data: files.pdf(), mimeType: PDF },
      ]));
      expect(whatsapp.uploads.map((upload) => [upload.name, upload.mimeType])).to.deep.equal([
        ['plano.png', 'image/png'],
        ['presupuesto.pdf', PDF],
      ]);
      expect(whatsapp.uploads[0]!.data.equals(png)).to.equal(true);
      expect(payloads()).to.deep.equal([
        { type: 'media', kind: 'image', mediaId: 'media.1', caption: 'Aquí tienes *ambos*' },
        { type: 'media', kind: 'document', mediaId: 'media.2', filename: 'presupuesto.pdf' },
      ]);
      expect(notices()).to.deep.equal([]);
      expect(await readdir(join(dir, 'spool')), 'temporary files removed').to.deep.equal([]);
    });

    it('sends the text on its own where WhatsApp allows no caption (voice notes, stickers)', async () => {
      const thread = await customerWrites('¿y el audio?');
      await agentSends(agentReply(thread, 'Te lo explico aquí', [{ name: 'explicacion.ogg', data: files.oggOpus(), mimeType: 'audio/ogg' }]));
      expect(payloads()).to.deep.equal([
        { type: 'text', text: 'Te lo explico aquí' },
        { type: 'media', kind: 'audio', mediaId: 'media.1' },
      ]);
    });

    it('moves the caption to its own message when the bytes turn out to be a kind without captions', async () => {
      const thread = await customerWrites('¿y el sticker?');
      await agentSends(agentReply(thread, '¡gracias!', [{ name: 'gracias.png', data: files.webp(), mimeType: 'image/png' }]));
      expect(payloads()).to.deep.equal([
        { type: 'text', text: '¡gracias!' },
        { type: 'media', kind: 'sticker', mediaId: 'media.1' },
      ]);
      const [text, sticker] = whatsapp.succeeded();
      expect(text!.options?.callbackData).to.not.equal(sticker!.options?.callbackData);
    });

    it('sends every file of a 30-file message, and refuses the 31st naming it and the limit', async () => {
      const thread = await customerWrites('mándame todo');
      const many = Array.from({ length: 31 }, (_, index) => ({ name: `hoja-${index + 1}.pdf`, data: files.pdf(), mimeType: PDF }));
      await agentSends(agentReply(thread, '', many.slice(0, 30)));
      expect(payloads()).to.have.length(30);
      expect(notices()).to.deep.equal([]);

      await agentSends(agentReply(thread, 'otra vez', many));
      expect(payloads()).to.have.length(60);
      expect(notices()).to.deep.equal(['No enviado al cliente: *hoja-31.pdf* — un mensaje puede llevar como máximo 30 archivos.']);
      expect(whatsapp.uploads.slice(30).map((upload) => upload.name)).to.deep.equal(many.slice(0, 30).map((file) => file.name));
    });

    it('sends a file of exactly 16 MB and refuses one byte more before downloading it', async () => {
      const thread = await customerWrites('el contrato completo, por favor');
      const opened: string[] = [];
      const open = adapter.openFile.bind(adapter);
      adapter.openFile = (file) => {
        opened.push(file.name);
        return open(file);
      };
      await agentSends(agentReply(thread, '', [
        { name: 'exacto.pdf', data: files.pdf(16 * MiB), mimeType: PDF },
        { name: 'grande.pdf', data: files.pdf(16 * MiB + 1), mimeType: PDF },
      ]));
      expect(opened).to.deep.equal(['exacto.pdf']);
      expect(whatsapp.uploads.map((upload) => upload.size)).to.deep.equal([16 * MiB]);
      expect(payloads()).to.deep.equal([{ type: 'media', kind: 'document', mediaId: 'media.1', filename: 'exacto.pdf' }]);
      expect(notices()).to.deep.equal(['No enviado al cliente: *grande.pdf* — ocupa 16,777,217 bytes y el límite es 16,777,216 bytes.']);
    });

    it('stops a file at the limit when the chat tool understated its size', async () => {
      const thread = await customerWrites('¿el vídeo?');
      // The download announces no length either: only counting the bytes can stop it.
      const open = adapter.openFile.bind(adapter);
      adapter.openFile = async (file) => ({ body: (await open(file)).body });
      await agentSends(agentReply(thread, 'el vídeo', [{ name: 'video.mp4', data: files.mp4(16 * MiB + 1), size: 1000, mimeType: 'video/mp4' }]));
      expect(whatsapp.uploads).to.have.length(0);
      expect(notices()).to.deep.equal(['No enviado al cliente: *video.mp4* — supera el límite de 16 MB.']);
      expect(payloads(), 'the caption still goes').to.deep.equal([{ type: 'text', text: 'el vídeo' }]);
    });

    it('checks the type from the bytes: an executable named invoice.pdf is refused, its text still goes', async () => {
      const thread = await customerWrites('¿la factura?');
      await agentSends(agentReply(thread, 'adjunta', [
        { name: 'invoice.pdf', data: files.exe(), mimeType: PDF },
        { name: 'foto.jpg', data: files.png(), mimeType: 'image/jpeg' },
      ]));
      expect(notices()).to.have.length(1);
      expect(notices()[0]).to.match(/^No enviado al cliente: \*invoice\.pdf\* — WhatsApp no acepta archivos application\/x-msdownload/);
      expect(payloads()).to.deep.equal([
        { type: 'text', text: 'adjunta' },
        { type: 'media', kind: 'image', mediaId: 'media.1' },
      ]);
      expect(whatsapp.uploads[0]).to.deep.include({ name: 'foto.jpg.png', mimeType: 'image/png' });
    });

    it('applies WhatsApp’s per-type rules: big images as documents, stickers, no GIF, no Vorbis', async () => {
      const thread = await customerWrites('fotos');
      const bigPng = Buffer.concat([files.png(), Buffer.alloc(6 * MiB)]);
      await agentSends(agentReply(thread, '', [
        { name: 'grande.png', data: bigPng },
        { name: 'saludo.webp', data: files.animatedWebp() },
        { name: 'baile.gif', data: files.gif() },
        { name: 'cancion.ogg', data: files.oggVorbis() },
        { name: 'acta.docx', data: files.docx() },
        { name: 'clip.3gp', data: files.threeGp() },
        { name: 'nota.m4a', data: files.m4a() },
      ]));
      expect(payloads().map((payload) => (payload.type === 'media' ? payload.kind : payload.type))).to.deep.equal([
        'document',
        'sticker',
        'document',
        'video',
        'audio',
      ]);
      expect(notices()).to.have.length(2);
      expect(notices()[0]).to.contain('baile.gif').and.contain('image/gif');
      expect(notices()[1]).to.contain('cancion.ogg').and.contain('audio/ogg; codecs=vorbis');
    });

    it('retries a download that fails midway, then sends', async () => {
      const thread = await customerWrites('¿el pdf?');
      let failures = 2;
      const open = adapter.openFile.bind(adapter);
      adapter.openFile = async (file) => {
        if (failures-- > 0) throw new MediaError({ reason: 'transfer', detail: 'connection reset' });
        return open(file);
      };
      await agentSends(agentReply(thread, '', [{ name: 'a.pdf', data: files.pdf(), mimeType: PDF }]));
      expect(payloads()).to.have.length(1);
      expect(notices()).to.deep.equal([]);
    });

    it('refuses a file that is too large at once, and marks a message of nothing but refused files as failed', async () => {
      const thread = await customerWrites('hola');
      const message = agentReply(thread, '', [{ name: 'enorme.mov', data: Buffer.alloc(10), size: 40 * MiB }]);
      await agentSends(message);
      expect(payloads()).to.deep.equal([]);
      expect(notices()).to.deep.equal(['No enviado al cliente: *enorme.mov* — ocupa 40 MB y el límite es 16 MB.']);
      expect(adapter.statuses.map((status) => status.state)).to.deep.equal(['failed']);
    });

    it('sends files alone unsigned in agent mode, and signs the caption when there is text', async () => {
      const thread = await customerWrites('need the invoice', SUPPORT);
      await agentSends(agentReply(thread, '', [{ name: 'invoice.pdf', data: files.pdf() }]));
      await agentSends(agentReply(thread, 'Here it is', [{ name: 'invoice.pdf', data: files.pdf() }]));
      expect(payloads()).to.deep.equal([
        { type: 'media', kind: 'document', mediaId: 'media.1', filename: 'invoice.pdf' },
        { type: 'media', kind: 'document', mediaId: 'media.2', caption: '*Lucía*:\nHere it is', filename: 'invoice.pdf' },
      ]);
    });

    it('keeps files in the outbox across a crash and sends them after the restart', async () => {
      const thread = await customerWrites('¿el presupuesto?');
      const message = agentReply(thread, 'el presupuesto', [{ name: 'p.pdf', data: files.pdf(), mimeType: PDF }]);
      // What the previous run stored before dying: the outbox item with the file's reference only.
      await store.appendOutbox([
        {
          id: `${message.key}#0`,
          messageKey: message.key,
          conversationId: `${SALES.phoneNumberId}/wa:${ANA.waId}`,
          numberId: SALES.phoneNumberId,
          payload: { type: 'file', file: message.files![0]!, caption: 'el presupuesto' },
          createdAt: Date.now(),
        },
      ]);
      await store.insertMessage({ key: message.key, direction: 'out', conversationId: `${SALES.phoneNumberId}/wa:${ANA.waId}`, wamids: [], chat: message.ref, at: Date.now() });
      await bridge.stop(1000);
      bridge = await makeBridge();
      await bridge.idle();
      expect(payloads()).to.deep.equal([{ type: 'media', kind: 'document', mediaId: 'media.1', caption: 'el presupuesto', filename: 'p.pdf' }]);
      expect((await store.getMessage(message.key))?.wamids).to.have.length(1);
      expect(await store.pendingOutbox()).to.deep.equal([]);
    });
  });
});
