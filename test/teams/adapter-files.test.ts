/**
 * Files through Microsoft Graph (intercepted with nock): customer files uploaded to the channel's
 * SharePoint folder (small: one PUT; large: an upload session in ranges) and shared in the thread as
 * a card that opens them, exactly once across a crash; the notice when Graph may not store files; and
 * agents' channel attachments (`reference`) read through the shares API.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import { interpretTeamsActivity, KEY_ELEMENT_ID, TeamsAdapter, type TeamsActivity, type TeamsAdapterOptions } from '../../adapters/teams/index.js';
import { shareToken, sharePointName } from '../../adapters/teams/graph-files.js';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { createLogger } from '../../bot/logger.js';
import { MediaError } from '../../bot/media-errors.js';
import type { ThreadRef } from '../../bot/types.js';
import { RecordingHandlers } from '../slack/fixtures.js';
import { APP_ID, CHANNEL, channelMessage, connector, conversationPath, FakeIssuer, NUMBER, ROOT_ID, teamsConfig } from './fixtures.js';
import { rejection } from '../helpers/rejection.js';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GROUP_ID = '22222222-3333-4444-5555-666666666666';
const THREAD: ThreadRef = { adapter: 'teams', channel: CHANNEL, id: ROOT_ID };
const IN_THREAD = `${CHANNEL};messageid=${ROOT_ID}`;
const DRIVE = 'b!drive-id';
const FOLDER = '01FOLDERID';
const FOLDER_PATH = `/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/filesFolder`;
const WEB_URL = 'https://contoso.sharepoint.com/sites/Ventas/Shared%20Documents/General/WhatsApp/factura.pdf';

function graph(): nock.Scope {
  return nock('https://graph.test').matchHeader('authorization', 'Bearer graph-token');
}

function expectFolder(times = 1): void {
  graph().get(FOLDER_PATH).times(times).reply(200, { id: FOLDER, name: 'General', parentReference: { driveId: DRIVE, driveType: 'documentLibrary' } });
}

/** The path of a PUT / POST under the channel folder, as Graph takes it. */
function itemPath(prefix: RegExp | string): RegExp {
  const base = `/v1.0/drives/${encodeURIComponent(DRIVE)}/items/${FOLDER}:/WhatsApp/`;
  return new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${typeof prefix === 'string' ? prefix : prefix.source}`);
}

function expectSend(bodies: Body[] = [], answer: { status: number; body?: unknown } = { status: 201, body: { id: '1767326100888' } }): Body[] {
  connector()
    .post(conversationPath(IN_THREAD), (body: Body) => {
      bodies.push(body);
      return true;
    })
    .reply(answer.status, answer.body as nock.Body);
  return bodies;
}

/** Every TextBlock text of a card (visible ones), in order. */
function texts(element: unknown): string[] {
  if (Array.isArray(element)) return element.flatMap(texts);
  if (typeof element !== 'object' || element === null) return [];
  const item = element as Body;
  const own = item.type === 'TextBlock' && item.isVisible !== false ? [String(item.text)] : [];
  return [...own, ...texts(item.body), ...texts(item.columns), ...texts(item.items)];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('TeamsAdapter files through Microsoft Graph', () => {
  const issuer = new FakeIssuer();
  let dir: string;
  let stateDir: string;
  let logLines: Body[];
  const started: TeamsAdapter[] = [];

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'puente-teams-files-'));
    stateDir = join(dir, 'state');
    logLines = [];
  });

  afterEach(async () => {
    for (const adapter of started.splice(0)) await adapter.stop();
    expect(nock.pendingMocks(), 'every mocked call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(options: Partial<TeamsAdapterOptions> = {}, language: 'en' | 'es' = 'en'): Promise<TeamsAdapter> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Body);
        done();
      },
    });
    const adapter = new TeamsAdapter({
      config: teamsConfig(issuer),
      numbers: [{ ...NUMBER, team: GROUP_ID, language }],
      logger: createLogger('debug', sink),
      tokenSource: async () => 'bot-token',
      stateDir,
      graph: { url: 'https://graph.test/v1.0', tokenSource: async () => 'graph-token', simpleMaxBytes: 1024, chunkBytes: 512 },
      ...options,
    });
    await adapter.start(new RecordingHandlers());
    started.push(adapter);
    return adapter;
  }

  async function localFile(name: string, bytes: Buffer): Promise<{ path: string; name: string; size: number; mimeType: string }> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return { path, name, size: bytes.length, mimeType: name.endsWith('.pdf') ? 'application/pdf' : 'audio/ogg' };
  }

  it('uploads a small customer file to the channel folder and shares it as a card that opens it', async () => {
    const adapter = await start({}, 'es');
    const bytes = Buffer.from('%PDF-1.4 small invoice');
    const staged = await adapter.stageFile(await localFile('factura.pdf', bytes));
    expect(staged.key).to.equal(`teams-file:${staged.id}`);

    expectFolder();
    const uploaded: { body: string; type: string }[] = [];
    graph()
      .put(itemPath(/[0-9a-f]{12}%20factura\.pdf:\/content\?@microsoft\.graph\.conflictBehavior=replace$/))
      .reply(function (_uri, body) {
        uploaded.push({ body: String(body), type: String(this.req.headers['content-type']) });
        return [201, { id: '01ITEM', name: 'abc factura.pdf', size: bytes.length, webUrl: WEB_URL, file: { mimeType: 'application/pdf' } }];
      });
    const bodies = expectSend();
    const ref = await adapter.shareFile(THREAD, staged, { text: '[documento: factura.pdf] mi factura', sender: { name: 'Ana', subtitle: '+34611111111' } });
    expect(ref).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100888', threadId: ROOT_ID });
    expect(uploaded).to.have.length(1);
    expect(uploaded[0]).to.deep.equal({ body: '%PDF-1.4 small invoice', type: 'application/pdf' });
    const card = bodies[0]?.attachments[0].content;
    expect(texts(card)).to.deep.equal(['Ana', '+34611111111', '[documento: factura.pdf] mi factura', '📕', 'abc factura.pdf', '22 bytes']);
    expect(card.actions).to.deep.equal([{ type: 'Action.OpenUrl', title: 'Abrir', url: WEB_URL }]);
    expect(card.body.at(-1)).to.deep.include({ id: KEY_ELEMENT_ID, text: staged.key, isVisible: false });
    expect(bodies[0]?.summary).to.equal('[documento: factura.pdf] mi factura');
    expect(await adapter.findPosted(CHANNEL, THREAD, staged.key)).to.deep.equal(ref);
    // The staged copy is gone once shared.
    expect((await readdir(join(stateDir, 'staged'))).filter((name) => name.startsWith(staged.id))).to.deep.equal([]);
  });

  it('uploads a larger file in an upload session, range by range, without the Graph token on the session URL', async () => {
    const adapter = await start();
    const bytes = Buffer.alloc(1300, 7);
    const staged = await adapter.stageFile(await localFile('voice.ogg', bytes));
    expectFolder();
    const sessions: Body[] = [];
    graph()
      .post(itemPath(/[0-9a-f]{12}%20voice\.ogg:\/createUploadSession$/), (body: Body) => {
        sessions.push(body);
        return true;
      })
      .reply(200, { uploadUrl: 'https://upload.test/session/abc?tempauth=x', expirationDateTime: '2026-11-26T00:00:00Z', nextExpectedRanges: ['0-'] });
    const ranges: { range: string; length: number; auth: unknown }[] = [];
    const upload = nock('https://upload.test');
    const answers: [number, Body][] = [
      [202, { nextExpectedRanges: ['512-'] }],
      [202, { nextExpectedRanges: ['1024-'] }],
      [201, { id: '01BIG', name: 'x voice.ogg', size: 1300, webUrl: 'https://contoso.sharepoint.com/x/voice.ogg' }],
    ];
    for (const [status, answer] of answers) {
      upload.put('/session/abc').query({ tempauth: 'x' }).reply(function () {
        ranges.push({ range: String(this.req.headers['content-range']), length: Number(this.req.headers['content-length']), auth: this.req.headers.authorization });
        return [status, answer];
      });
    }
    const bodies = expectSend();
    await adapter.shareFile(THREAD, staged, { text: '[voice note]', sender: { name: 'Ana' } });
    expect(sessions[0]?.item).to.deep.include({ '@microsoft.graph.conflictBehavior': 'replace' });
    expect(ranges.map((range) => range.range)).to.deep.equal(['bytes 0-511/1300', 'bytes 512-1023/1300', 'bytes 1024-1299/1300']);
    expect(ranges.map((range) => range.length)).to.deep.equal([512, 512, 276]);
    expect(ranges.every((range) => range.auth === undefined)).to.equal(true);
    expect(bodies[0]?.attachments[0].content.actions[0]).to.deep.include({ type: 'Action.OpenUrl', url: 'https://contoso.sharepoint.com/x/voice.ogg' });
    expect(texts(bodies[0]?.attachments[0].content)).to.include('1.3 KB');
  });

  it('after a crash between upload and post, shares the uploaded file without uploading it again, once', async () => {
    const first = await start();
    const staged = await first.stageFile(await localFile('factura.pdf', Buffer.from('%PDF-1.4 x')));
    expectFolder();
    graph().put(itemPath(/.*:\/content/)).reply(201, { id: '01ITEM', name: 'factura.pdf', size: 10, webUrl: WEB_URL });
    // Teams took the post but the answer was lost: the outcome is unknown.
    expectSend([], { status: 504 });
    expect(await rejection(first.shareFile(THREAD, staged, { text: 'la factura' }))).to.be.instanceOf(RetryableChatError);
    await first.stop();
    started.splice(0);

    // The restarted bridge asks first (the core's resumeShare): Graph shows the post did not happen.
    const second = await start();
    graph().get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`).query({ $top: '50' }).reply(200, { value: [] });
    expect(await second.findPosted(CHANNEL, THREAD, staged.key)).to.equal(undefined);
    // No second upload (none is mocked): the staged record names the item already in SharePoint.
    const bodies = expectSend();
    const ref = await second.shareFile(THREAD, staged, { text: 'la factura' });
    expect(ref?.id).to.equal('1767326100888');
    expect(bodies[0]?.attachments[0].content.actions[0].url).to.equal(WEB_URL);
    // Asked again (another recovery), the record answers: nothing is posted twice.
    expect(await second.findPosted(CHANNEL, THREAD, staged.key)).to.deep.equal(ref);
    expect(await second.shareFile(THREAD, staged, { text: 'la factura' })).to.deep.equal(ref);
  });

  it('finds a shared file card through Graph after a crash that lost the record', async () => {
    const adapter = await start();
    const card = { type: 'AdaptiveCard', body: [{ type: 'TextBlock', id: KEY_ELEMENT_ID, text: 'teams-file:lost', isVisible: false }] };
    graph()
      .get(`/v1.0/teams/${GROUP_ID}/channels/${encodeURIComponent(CHANNEL)}/messages/${ROOT_ID}/replies`)
      .query({ $top: '50' })
      .reply(200, { value: [{ id: '1767326100999', from: { application: { id: APP_ID } }, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: JSON.stringify(card) }] }] });
    expect(await adapter.findPosted(CHANNEL, THREAD, 'teams-file:lost')).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100999', threadId: ROOT_ID });
  });

  it('posts the comment with a notice when Graph may not store files (403), logs it once, then refuses files at once', async () => {
    const adapter = await start();
    const staged = await adapter.stageFile(await localFile('factura.pdf', Buffer.from('%PDF-1.4 x')));
    graph().get(FOLDER_PATH).reply(403, { error: { code: 'accessDenied', message: 'Either scp or roles claim need to be present in the token.' } });
    const bodies = expectSend();
    const ref = await adapter.shareFile(THREAD, staged, { text: '[document: factura.pdf]', sender: { name: 'Ana' } });
    expect(ref?.id).to.equal('1767326100888');
    const shown = texts(bodies[0]?.attachments[0].content);
    expect(shown[0]).to.equal('Ana');
    expect(shown[1]).to.contain('[document: factura.pdf]').and.contain('The file cannot be shown here').and.contain('not allowed to store files');
    expect(bodies[0]?.attachments[0].content.body.at(-1)).to.deep.include({ id: KEY_ELEMENT_ID, text: staged.key });
    const warnings = logLines.filter((line) => line.level === 40 && String(line.msg).includes('store a customer file'));
    expect(warnings).to.have.length(1);
    // Until the permission is granted (checked again later), the core gets today's refusal at once.
    const refused = await rejection(adapter.stageFile(await localFile('otra.pdf', Buffer.from('%PDF-1.4 y'))));
    expect((refused as MediaError).problem).to.deep.equal({ reason: 'type', mimeType: 'application/pdf' });
    // Images small enough to show inline still are.
    const png = join(dir, 'p.png');
    await writeFile(png, Buffer.from('89504e470d0a1a0a', 'hex'));
    expect((await adapter.stageFile({ path: png, name: 'p.png', size: 8, mimeType: 'image/png' })).key).to.match(/^teams-file:/);
  });

  it('posts the notice when the team’s group id is unknown, logging that once', async () => {
    const adapter = await start({ numbers: [{ ...NUMBER, team: undefined }] });
    const staged = await adapter.stageFile(await localFile('factura.pdf', Buffer.from('%PDF-1.4 x')));
    const bodies = expectSend();
    await adapter.shareFile(THREAD, staged, { text: 'doc' });
    expect(texts(bodies[0]?.attachments[0].content)[0]).to.contain('The file cannot be shown here');
    expect(logLines.filter((line) => line.level === 40 && String(line.msg).includes('cannot store customer files'))).to.have.length(1);
  });

  it('hands Graph throttling to the core and keeps the stage for the retry', async () => {
    const adapter = await start();
    const staged = await adapter.stageFile(await localFile('factura.pdf', Buffer.from('%PDF-1.4 x')));
    expectFolder();
    graph().put(itemPath(/.*:\/content/)).reply(429, { error: { code: 'tooManyRequests' } }, { 'retry-after': '7' });
    const error = await rejection(adapter.shareFile(THREAD, staged, { text: 'doc' }));
    expect(error).to.be.instanceOf(RetryableChatError);
    expect((error as RetryableChatError).retryAfterMs).to.equal(7000);
    graph().put(itemPath(/.*:\/content/)).reply(201, { id: '01ITEM', name: 'factura.pdf', size: 10, webUrl: WEB_URL });
    expectSend();
    expect((await adapter.shareFile(THREAD, staged, { text: 'doc' }))?.id).to.equal('1767326100888');
  });

  it('keeps refusing non-image files without Graph (today’s notice)', async () => {
    const adapter = await start({ graph: false });
    const error = await rejection(adapter.stageFile(await localFile('factura.pdf', Buffer.from('%PDF'))));
    expect((error as MediaError).problem).to.deep.equal({ reason: 'type', mimeType: 'application/pdf' });
  });

  describe('agents’ attached files (reference attachments)', () => {
    const SHAREPOINT = 'https://contoso.sharepoint.com/sites/Ventas/Shared Documents/General/presupuesto.pdf';

    it('reads `reference` attachments as files to fetch, with their SharePoint URL', () => {
      const activity = channelMessage({
        attachments: [
          { contentType: 'reference', contentUrl: SHAREPOINT, name: 'presupuesto.pdf' },
          { contentType: 'application/vnd.microsoft.teams.file.download.info', contentUrl: 'https://contoso.sharepoint.com/x/General/lista%20precios.xlsx', content: { downloadUrl: 'https://x', fileType: 'xlsx' } },
          { contentType: 'reference', contentUrl: 'http://insecure.example/a.pdf', name: 'a.pdf' },
          { contentType: 'text/html', content: '<div>hola</div>' },
        ],
      }) as TeamsActivity;
      const result = interpretTeamsActivity(activity);
      expect(result.kind).to.equal('message');
      if (result.kind !== 'message') return;
      expect(result.message.files).to.deep.equal([
        { id: `${String(activity.id)}-0`, name: 'presupuesto.pdf', source: SHAREPOINT },
        { id: `${String(activity.id)}-1`, name: 'lista precios.xlsx', source: 'https://contoso.sharepoint.com/x/General/lista%20precios.xlsx' },
      ]);
    });

    it('opens one through the shares API: size first, then the content, following Graph’s redirect without the token', async () => {
      const adapter = await start();
      const token = shareToken(SHAREPOINT);
      expect(token).to.match(/^u![A-Za-z0-9_-]+$/);
      expect(Buffer.from(token.slice(2), 'base64url').toString()).to.equal(SHAREPOINT);
      graph().get(`/v1.0/shares/${token}/driveItem`).query(true).reply(200, { id: '01DOC', name: 'presupuesto.pdf', size: 11 });
      const download = await adapter.openFile({ id: 'f', name: 'presupuesto.pdf', source: SHAREPOINT });
      expect(download.size).to.equal(11);
      expect(nock.pendingMocks()).to.deep.equal([]); // nothing downloaded before the core reads
      graph().get(`/v1.0/shares/${token}/driveItem/content`).reply(302, '', { location: 'https://download.test/file?tempauth=t' });
      let auth: unknown = 'unset';
      nock('https://download.test')
        .get('/file')
        .query({ tempauth: 't' })
        .reply(function () {
          auth = this.req.headers.authorization;
          return [200, Buffer.from('%PDF-1.4 ok')];
        });
      expect((await readAll(download.body)).toString()).to.equal('%PDF-1.4 ok');
      expect(auth).to.equal(undefined);
    });

    it('classifies shares API failures as media problems', async () => {
      const adapter = await start();
      graph().get(`/v1.0/shares/${shareToken(SHAREPOINT)}/driveItem`).query(true).reply(404, { error: { code: 'itemNotFound' } });
      expect(((await rejection(adapter.openFile({ id: 'f', name: 'x', source: SHAREPOINT }))) as MediaError).problem.reason).to.equal('gone');
      graph().get(`/v1.0/shares/${shareToken(SHAREPOINT)}/driveItem`).query(true).reply(403, { error: { code: 'accessDenied' } });
      expect(((await rejection(adapter.openFile({ id: 'f', name: 'x', source: SHAREPOINT }))) as MediaError).problem.reason).to.equal('refused');
      graph().get(`/v1.0/shares/${shareToken(SHAREPOINT)}/driveItem`).query(true).reply(503);
      expect((await rejection(adapter.openFile({ id: 'f', name: 'x', source: SHAREPOINT }))) as MediaError).to.have.property('retryable', true);
    });

    it('refuses a SharePoint file without Graph access', async () => {
      const adapter = await start({ graph: false });
      expect(((await rejection(adapter.openFile({ id: 'f', name: 'x', source: SHAREPOINT }))) as MediaError).problem.reason).to.equal('refused');
    });
  });

  it('makes names SharePoint accepts', () => {
    expect(sharePointName('a:b*c?.pdf')).to.equal('a_b_c_.pdf');
    expect(sharePointName(' .hidden. ')).to.equal('hidden');
    expect(sharePointName('')).to.equal('file');
  });
});
