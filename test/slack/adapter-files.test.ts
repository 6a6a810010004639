/**
 * The Slack adapter's files against the Slack emulator (real HTTP): upload v2 split into stage and
 * share, finding a share again after a crash, and downloading agents' files with the bot token.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlackAdapter } from '../../adapters/slack/index.js';
import { silentLogger } from '../../bot/logger.js';
import { MediaError } from '../../bot/media-errors.js';
import type { ChatFileRef, ThreadRef } from '../../bot/types.js';
import { SlackEmulator } from '../../sandbox/emulators/index.js';
import * as files from '../helpers/media-files.js';
import { RecordingHandlers } from './fixtures.js';

const BOT_TOKEN = 'xoxb-files';
const AGENT = { id: 'U0AGENT', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function mediaError(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(MediaError);
    return error as MediaError;
  }
  throw new Error('expected a MediaError');
}

describe('SlackAdapter files (emulated Slack)', () => {
  let slack: SlackEmulator;
  let adapter: SlackAdapter;
  let dir: string;
  let thread: ThreadRef;

  beforeEach(async () => {
    slack = new SlackEmulator({ signingSecret: 'secret', botToken: BOT_TOKEN, users: [AGENT] });
    await slack.start();
    adapter = new SlackAdapter({ config: { botToken: BOT_TOKEN, signingSecret: 'secret', apiUrl: slack.apiUrl }, logger: silentLogger() });
    await adapter.start(new RecordingHandlers());
    dir = await mkdtemp(join(tmpdir(), 'puente-slack-files-'));
    thread = await adapter.openThread('C0FILES', { customerName: 'Ana', customerNumber: '+34611111111', lineName: 'Ventas', returning: false, text: 'Ana wrote', key: 'thread:x' });
  });

  afterEach(async () => {
    await adapter.stop();
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function local(name: string, data: Buffer, mimeType: string) {
    const path = join(dir, name);
    await writeFile(path, data);
    return { path, name, size: data.length, mimeType };
  }

  it('stages a file without showing it, then shares it in the thread with the comment', async () => {
    const pdf = files.pdf();
    const staged = await adapter.stageFile(await local('factura.pdf', pdf, 'application/pdf'));
    expect(slack.thread('C0FILES', thread.id)).to.have.length(1); // only the root: nothing shown yet
    expect(await adapter.findPosted('C0FILES', thread, staged.key), 'not shared yet').to.equal(undefined);

    await adapter.shareFile(thread, staged, { text: '*Ana*: [document: factura.pdf] la factura', quote: { text: 'hola' } });
    const [, shared] = slack.thread('C0FILES', thread.id);
    expect(shared?.files?.[0]?.name).to.equal('factura.pdf');
    expect(shared?.text).to.equal('&gt; hola\n*Ana*: [document: factura.pdf] la factura');
    expect(slack.fileContent(staged.id)?.equals(pdf)).to.equal(true);
    const upload = slack.requests('files.getUploadURLExternal')[0];
    expect(upload?.args).to.include({ filename: 'factura.pdf', length: String(pdf.length) });
    expect(slack.requests('files.completeUploadExternal')[0]?.args).to.include({ channel_id: 'C0FILES', thread_ts: thread.id });
  });

  it('finds a shared file again by its id after a crash, so it is not shared twice', async () => {
    const staged = await adapter.stageFile(await local('foto.jpg', files.jpeg(), 'image/jpeg'));
    await adapter.shareFile(thread, staged, { text: 'foto' });
    const found = await adapter.findPosted('C0FILES', thread, staged.key);
    expect(found?.id).to.equal(slack.thread('C0FILES', thread.id)[1]?.ts);
  });

  describe('agents’ files', () => {
    async function agentFile(name: string, data: Buffer): Promise<ChatFileRef> {
      await slack.postAsUser({ channel: 'C0FILES', threadTs: thread.id, user: AGENT.id, text: '', files: [{ name, data }] });
      const object = slack.thread('C0FILES', thread.id).at(-1)!.files![0]!;
      return { id: object.id, name: object.name, size: object.size, mimeType: object.mimetype, source: object.url_private_download };
    }

    it('downloads with the bot token, as a stream of the exact bytes', async () => {
      const png = files.png(4, 4);
      const ref = await agentFile('plano.png', png);
      const download = await adapter.openFile(ref);
      expect(download.size).to.equal(png.length);
      expect((await readAll(download.body)).equals(png)).to.equal(true);
    });

    it('asks files.info for the URL of a file that came without one', async () => {
      const pdf = files.pdf();
      const ref = await agentFile('contrato.pdf', pdf);
      const download = await adapter.openFile({ id: ref.id, name: ref.name });
      expect((await readAll(download.body)).equals(pdf)).to.equal(true);
      expect(slack.requests('files.info')).to.have.length(1);
    });

    it('says a deleted file is gone', async () => {
      const ref = await agentFile('x.pdf', files.pdf());
      const error = await mediaError(adapter.openFile({ ...ref, source: ref.source!.replace(ref.id, 'F0NOPE') }));
      expect(error.problem.reason).to.equal('gone');
    });

    it('never sends the bot token to a host that is not Slack', async () => {
      const error = await mediaError(adapter.openFile({ id: 'F1', name: 'x.pdf', source: 'https://files.evil.example/F1' }));
      expect(error.problem.reason).to.equal('refused');
    });
  });

  it('recognises Slack’s sign-in page served instead of a file (no files:read)', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = new SlackAdapter({ config: { botToken: BOT_TOKEN, signingSecret: 'secret', apiUrl: `${base}/api/` }, logger: silentLogger() });
    try {
      const error = await mediaError(other.openFile({ id: 'F1', name: 'foto.png', mimeType: 'image/png', source: `${base}/files-pri/T-F1/foto.png` }));
      expect(error.problem.reason).to.equal('refused');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
