/**
 * The Graph client's media calls against the WhatsApp emulator (real HTTP, real multipart): webhook
 * URLs, lookups, expired URLs, limits known in advance, uploads; and a server that cuts a download.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSendBody, GraphClient } from '../../adapters/whatsapp/graph-client.js';
import { MediaError } from '../../bot/media-errors.js';
import { MediaSpool } from '../../bot/media-spool.js';
import { WhatsAppSendError } from '../../bot/whatsapp-port.js';
import { WhatsAppEmulator } from '../../sandbox/emulators/index.js';
import * as files from '../helpers/media-files.js';

const TOKEN = 'EAAG-media-token';
const NUMBER = { phoneNumberId: '1001', displayNumber: '34910000001' };
const ANA = { waId: '34611111111', name: 'Ana' };

async function mediaError(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(MediaError);
    return error as MediaError;
  }
  throw new Error('expected a MediaError');
}

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('Graph client media', () => {
  let whatsapp: WhatsAppEmulator;
  let client: GraphClient;
  let dir: string;

  beforeEach(async () => {
    whatsapp = new WhatsAppEmulator({ appSecret: 'secret', accessToken: TOKEN, numbers: [NUMBER] });
    await whatsapp.start();
    client = new GraphClient({ accessToken: TOKEN, apiUrl: whatsapp.baseUrl, apiVersion: 'v24.0' });
    dir = await mkdtemp(join(tmpdir(), 'puente-graph-media-'));
  });

  afterEach(async () => {
    client.close();
    await whatsapp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A customer sends `data`; returns the media id and the webhook's URL for it. */
  async function customerSends(data: Buffer, mimeType = 'image/jpeg'): Promise<{ mediaId: string; url: string }> {
    const { mediaId, wamid } = await whatsapp.sendMedia(NUMBER.phoneNumberId, ANA, { kind: 'image', data, mimeType });
    const message = whatsapp.inbound().find((record) => record.wamid === wamid)!.message as { image: { url: string } };
    return { mediaId, url: message.image.url };
  }

  const downloads = () => whatsapp.requests().filter((request) => request.path.startsWith('/whatsapp_business/attachments/'));
  const lookups = (mediaId: string) => whatsapp.requests().filter((request) => request.method === 'GET' && request.path.startsWith(`/v24.0/${mediaId}`));

  it('downloads from the webhook’s URL with the token, without a lookup', async () => {
    const jpeg = files.jpeg();
    const { mediaId, url } = await customerSends(jpeg);
    const download = await client.openMedia(NUMBER.phoneNumberId, { mediaId, url });
    expect(download.size).to.equal(jpeg.length);
    expect((await readAll(download.body)).equals(jpeg)).to.equal(true);
    expect(lookups(mediaId)).to.have.length(0);
    expect(downloads()[0]?.authorized).to.equal(true);
  });

  it('looks the media id up when the webhook has no URL, and passes on size and sha256', async () => {
    const pdf = files.pdf();
    const { mediaId } = await customerSends(pdf, 'application/pdf');
    const download = await client.openMedia(NUMBER.phoneNumberId, { mediaId });
    expect((await readAll(download.body)).equals(pdf)).to.equal(true);
    expect(download.size).to.equal(pdf.length);
    expect(download.sha256).to.equal(createHash('sha256').update(pdf).digest('hex'));
    expect(lookups(mediaId)).to.have.length(1);
  });

  it('resolves the id again, once, when the webhook’s URL has expired', async () => {
    const png = files.png();
    const { mediaId, url } = await customerSends(png, 'image/png');
    const expired = new URL(url);
    expired.searchParams.set('ext', String(Math.floor(Date.now() / 1000) - 60)); // five minutes are over
    const download = await client.openMedia(NUMBER.phoneNumberId, { mediaId, url: expired.toString() });
    expect((await readAll(download.body)).equals(png)).to.equal(true);
    expect(downloads().map((request) => request.status)).to.deep.equal([404, 200]);
    expect(lookups(mediaId)).to.have.length(1);
  });

  it('says a media id WhatsApp no longer knows is gone', async () => {
    const error = await mediaError(client.openMedia(NUMBER.phoneNumberId, { mediaId: '999999999' }));
    expect(error.problem).to.deep.equal({ reason: 'gone' });
    expect(error.retryable).to.equal(false);
  });

  it('refuses a file the lookup says is too big, before downloading it', async () => {
    const { mediaId } = await customerSends(files.mp4(4096), 'video/mp4');
    const error = await mediaError(client.openMedia(NUMBER.phoneNumberId, { mediaId }, { maxBytes: 4095 }));
    expect(error.problem).to.deep.equal({ reason: 'too-large', size: 4096, limit: 4095 });
    expect(downloads()).to.have.length(0);
  });

  it('refuses a download whose Content-Length is over the limit before reading it', async () => {
    const { mediaId, url } = await customerSends(files.mp4(4096), 'video/mp4');
    const error = await mediaError(client.openMedia(NUMBER.phoneNumberId, { mediaId, url }, { maxBytes: 1000 }));
    expect(error.problem).to.deep.equal({ reason: 'too-large', size: 4096, limit: 1000 });
  });

  it('never sends the token over plain http to another host', async () => {
    const error = await mediaError(client.openMedia(NUMBER.phoneNumberId, { mediaId: '1', url: 'http://evil.example/steal' }));
    expect(error.problem.reason).to.equal('refused');
  });

  it('uploads a file from disk as multipart and gets a media id', async () => {
    const path = join(dir, 'voice.ogg');
    const voice = files.oggOpus();
    await writeFile(path, voice);
    const { mediaId } = await client.uploadMedia(NUMBER.phoneNumberId, { path, name: 'voice.ogg', size: voice.length, mimeType: 'audio/ogg' });
    const stored = whatsapp.mediaById(mediaId);
    expect(stored?.mimeType).to.equal('audio/ogg');
    expect(stored?.filename).to.equal('voice.ogg');
    expect(stored?.data.equals(voice)).to.equal(true);
    expect(stored?.origin).to.equal('business');
  });

  it('reports an upload WhatsApp refuses like a refused send (131053, final)', async () => {
    const path = join(dir, 'anim.gif');
    await writeFile(path, files.gif());
    try {
      await client.uploadMedia(NUMBER.phoneNumberId, { path, name: 'anim.gif', size: 43, mimeType: 'image/gif' });
      expect.fail('the upload should have been refused');
    } catch (error) {
      expect(error).to.be.instanceOf(WhatsAppSendError);
      expect((error as WhatsAppSendError).info.code).to.equal(131053);
      expect((error as WhatsAppSendError).action).to.equal('final');
    }
  });

  it('builds media sends by id: captions where WhatsApp allows them, file names on documents', () => {
    const image = buildSendBody(ANA, { type: 'media', kind: 'image', mediaId: 'M1', caption: 'mira' });
    expect(image).to.deep.include({ type: 'image', image: { id: 'M1', caption: 'mira' } });
    const audio = buildSendBody(ANA, { type: 'media', kind: 'audio', mediaId: 'M2', caption: 'ignored' });
    expect(audio).to.deep.include({ type: 'audio', audio: { id: 'M2' } });
    const document = buildSendBody(ANA, { type: 'media', kind: 'document', mediaId: 'M3', filename: 'factura.pdf' });
    expect(document).to.deep.include({ type: 'document', document: { id: 'M3', filename: 'factura.pdf' } });
  });

  describe('a download cut midway', () => {
    let server: http.Server;
    let base: string;

    beforeEach(async () => {
      // Announces 1 MB, sends 100 KB, then drops the connection.
      server = http.createServer((req, res) => {
        if (req.url?.startsWith('/v24.0/M1')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ url: `${base}/cdn/M1`, mime_type: 'video/mp4', file_size: String(1024 * 1024), id: 'M1' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(1024 * 1024) });
        res.write(files.mp4(100 * 1024), () => setTimeout(() => res.socket?.destroy(), 20));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('fails as a retryable transfer problem, leaving no partial file', async () => {
      const cut = new GraphClient({ accessToken: TOKEN, apiUrl: base, apiVersion: 'v24.0' });
      const spool = new MediaSpool({ dir: join(dir, 'spool') });
      await spool.reset();
      try {
        const download = await cut.openMedia(NUMBER.phoneNumberId, { mediaId: 'M1' });
        const error = await mediaError(spool.receive(download.body, { maxBytes: 16 * 1024 * 1024, knownSize: download.size }));
        expect(error.problem.reason).to.equal('transfer');
        expect(error.retryable).to.equal(true);
      } finally {
        cut.close();
      }
    });
  });
});
