/**
 * Cliq's configuration keys (public contract) and the reading of handler bodies (events.ts,
 * unconfirmed.ts): the shapes Cliq's participation handler and slash-command handler forward.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../bot/logger.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { CliqAdapter } from '../../adapters/cliq/index.js';
import { interpretCliqBody, parseFileLookup } from '../../adapters/cliq/events.js';
import { postMarker } from '../../adapters/cliq/unconfirmed.js';
import { secretMatches } from '../../adapters/cliq/webhook.js';
import { FakeCliq } from './fake-cliq.js';

const self = { ignoreUserIds: new Set(['63999999']), postedByUs: (id: string) => id === 'OWN' };

describe('Cliq configuration', () => {
  let dir: string;
  const base = {
    WHATSAPP_ACCESS_TOKEN: 't',
    WHATSAPP_APP_SECRET: 's',
    WHATSAPP_VERIFY_TOKEN: 'v',
    CLIQ_CLIENT_ID: '1000.ID',
    CLIQ_CLIENT_SECRET: 'secret',
    CLIQ_REFRESH_TOKEN: '1000.refresh',
    CLIQ_BOT_UNIQUE_NAME: 'puentebot',
    CLIQ_WEBHOOK_SECRET: 'a-long-shared-secret-1234',
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-cliq-config-'));
    await writeFile(join(dir, 'p.yaml'), 'numbers:\n  - { phone_number_id: "1001", adapter: cliq, channel: ventas }\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('derives both hosts from CLIQ_DATA_CENTRE', () => {
    const config = loadConfig({ ...base, PUENTE_CONFIG: join(dir, 'p.yaml'), CLIQ_DATA_CENTRE: 'com.au' });
    expect(config.cliq).to.deep.include({ apiUrl: 'https://cliq.zoho.com.au', accountsUrl: 'https://accounts.zoho.com.au', botUniqueName: 'puentebot', maxFileBytes: 100 * 1024 * 1024 });
    expect(config.numbers[0]).to.include({ adapter: 'cliq', channel: 'ventas' });
    expect(config.slack).to.equal(undefined);
  });

  it('takes URL overrides, a file limit, ignored users and numeric supervisor ids', () => {
    const config = loadConfig({ ...base, PUENTE_CONFIG: join(dir, 'p.yaml'), CLIQ_API_URL: 'http://127.0.0.1:9', CLIQ_ACCOUNTS_URL: 'http://127.0.0.1:8', CLIQ_MAX_FILE_MB: '25', CLIQ_IGNORE_USER_IDS: '63999999', SUPERVISORS: '63000001' });
    expect(config.cliq).to.deep.include({ apiUrl: 'http://127.0.0.1:9', accountsUrl: 'http://127.0.0.1:8', maxFileBytes: 25 * 1024 * 1024, ignoreUserIds: ['63999999'], dataCentre: 'com' });
    expect(config.supervisors).to.deep.equal(['63000001']);
  });

  it('configures one Cliq number from the environment alone with CLIQ_CHANNEL (no Slack keys)', () => {
    const config = loadConfig({ ...base, WHATSAPP_PHONE_NUMBER_ID: '1001', CLIQ_CHANNEL: 'ventas' });
    expect(config.numbers).to.have.length(1);
    expect(config.numbers[0]).to.include({ phoneNumberId: '1001', adapter: 'cliq', channel: 'ventas' });
    expect(config.slack).to.equal(undefined);
    expect(config.cliq).to.deep.include({ botUniqueName: 'puentebot' });
  });

  it('names the missing keys of an environment-only Cliq number, and refuses two channels for one number', () => {
    const problemsOf = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    const env = { WHATSAPP_ACCESS_TOKEN: 't', WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v', WHATSAPP_PHONE_NUMBER_ID: '1001' };
    const missingCliq = problemsOf({ ...env, CLIQ_CHANNEL: 'ventas', CLIQ_CLIENT_ID: '1000.ID' });
    for (const key of ['CLIQ_CLIENT_SECRET', 'CLIQ_REFRESH_TOKEN', 'CLIQ_BOT_UNIQUE_NAME', 'CLIQ_WEBHOOK_SECRET']) expect(missingCliq).to.contain(`${key}: required`);
    expect(missingCliq).not.to.contain('SLACK');
    expect(problemsOf(env)).to.contain('CLIQ_CHANNEL');
    expect(problemsOf({ ...base, ...env, CLIQ_CHANNEL: 'ventas', SLACK_CHANNEL_ID: 'C123', SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 'y' })).to.contain('CLIQ_CHANNEL: set either SLACK_CHANNEL_ID or CLIQ_CHANNEL');
  });

  it('names every missing or bad key', () => {
    const error = (() => {
      try {
        loadConfig({ WHATSAPP_ACCESS_TOKEN: 't', WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v', PUENTE_CONFIG: join(dir, 'p.yaml'), CLIQ_DATA_CENTRE: 'uk', CLIQ_WEBHOOK_SECRET: 'short' });
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(error).to.be.instanceOf(ConfigError);
    const text = error!.problems.join('\n');
    for (const key of ['CLIQ_CLIENT_ID', 'CLIQ_CLIENT_SECRET', 'CLIQ_REFRESH_TOKEN', 'CLIQ_BOT_UNIQUE_NAME', 'CLIQ_DATA_CENTRE', 'CLIQ_WEBHOOK_SECRET']) expect(text).to.contain(key);
  });
});

describe('Cliq handler bodies', () => {
  it('reads a participation-handler message in a thread', () => {
    const result = interpretCliqBody(
      JSON.stringify({
        operation: 'message_sent',
        data: { message: { id: '1764080000001_x', text: 'Hola {@63000003}', time: 1764080000000 }, mentions: [{ id: '63000003', name: 'Marta' }] },
        user: { id: '63000002', first_name: 'Lucía', last_name: 'Pérez' },
        chat: { id: 'CT_2243_1234-T-99', type: 'thread' },
      }),
      self,
    );
    expect(result).to.deep.equal({
      kind: 'message',
      messageId: '1764080000001_x',
      chatId: 'CT_2243_1234-T-99',
      agent: { id: '63000002', displayName: 'Lucía Pérez' },
      text: 'Hola @Marta',
      files: [],
      timestamp: 1764080000000,
      thread: { threadChatId: 'CT_2243_1234-T-99' },
    });
  });

  it('takes the parent message and channel when the payload carries them', () => {
    const result = interpretCliqBody({ data: { message: { id: 'M2', text: 'x' } }, user: { id: '63000002', name: 'lucia' }, chat: { id: 'CT_1-T-2', thread_message_id: 'P1', channel_unique_name: 'ventas' } }, self, 5);
    expect(result).to.deep.include({ kind: 'message', timestamp: 5, agent: { id: '63000002', displayName: 'lucia' } });
    expect((result as { thread: unknown }).thread).to.deep.equal({ threadChatId: 'CT_1-T-2', parentMessageId: 'P1', channel: 'ventas' });
  });

  it('ignores top-level channel messages, other operations, own posts, bots and the service user', () => {
    const user = { id: '63000002' };
    expect(interpretCliqBody({ data: { message: { id: 'M', text: 'x' } }, user, chat: { id: 'CT_1', type: 'channel' } }, self).kind).to.equal('ignored');
    expect(interpretCliqBody({ operation: 'thread_closed', data: {}, user, chat: { id: 'CT_1-T-2' } }, self).kind).to.equal('ignored');
    expect(interpretCliqBody({ data: { message: { id: 'OWN', text: 'x' } }, user, chat: { id: 'CT_1-T-2' } }, self).kind).to.equal('ignored');
    expect(interpretCliqBody({ data: { message: { id: 'M', text: 'x' } }, user: { id: 'b-1' }, chat: { id: 'CT_1-T-2' } }, self).kind).to.equal('ignored');
    expect(interpretCliqBody({ data: { message: { id: 'M', text: 'x' } }, user: { id: '63999999' }, chat: { id: 'CT_1-T-2' } }, self).kind).to.equal('ignored');
  });

  it("strips Puente's invisible post markers from an agent's text (a copied customer message)", () => {
    const result = interpretCliqBody({ data: { message: { id: 'M3', text: `Dijo: Hola${postMarker('in:wamid.1')} ¿vale?` } }, user: { id: '63000002' }, chat: { id: 'CT_1-T-2' } }, self);
    expect((result as { text: string }).text).to.equal('Dijo: Hola ¿vale?');
  });

  it('keeps attachments named without an id, with where to find them, and prefers an id when one is given', () => {
    const result = interpretCliqBody(
      { data: { message: { id: 'M4', text: 'docs', attachments: ['a.pdf', { name: 'b.png' }, { id: 'f9', name: 'c.txt' }] } }, user: { id: '63000002' }, chat: { id: 'CT_1-T-2' } },
      self,
    ) as { files: { id: string; name: string; source?: string }[] };
    expect(result.files.map((file) => file.name)).to.deep.equal(['a.pdf', 'b.png', 'c.txt']);
    expect(parseFileLookup(result.files[0]!.source)).to.deep.equal({ chatId: 'CT_1-T-2', messageId: 'M4' });
    expect(result.files[2]).to.include({ id: 'f9' });
    expect(parseFileLookup(result.files[2]!.source)).to.equal(undefined);
  });

  it('rejects what is not a usable body', () => {
    expect(interpretCliqBody('not json', self).kind).to.equal('rejected');
    expect(interpretCliqBody({ data: { message: { text: 'no id' } }, user: { id: '1' }, chat: { id: 'CT_1-T-2' } }, self).kind).to.equal('rejected');
    expect(interpretCliqBody({ type: 'command', command: 'block', user: {} }, self).kind).to.equal('rejected');
    expect(interpretCliqBody({ type: 'action', arguments: { key: 'block' }, user: { id: '1' } }, self).kind).to.equal('rejected');
    expect(interpretCliqBody({ type: 'action', arguments: { key: 'block' }, message: { id: 'M' }, user: {} }, self).kind).to.equal('rejected');
  });

  it('reads a slash command, name without the slash, arguments untouched', () => {
    const result = interpretCliqBody({ type: 'command', command: '/Template', arguments: 'send bienvenida  +34 611', user: { id: '63000001', first_name: 'Marta' }, chat: { id: 'CT_2243', type: 'channel' } }, self);
    expect(result).to.deep.equal({ kind: 'command', name: 'template', text: 'send bienvenida  +34 611', agent: { id: '63000001', displayName: 'Marta' }, chatId: 'CT_2243', thread: {} });
  });

  it('compares the shared secret in constant time, refusing blanks', () => {
    expect(secretMatches('abc', 'abc')).to.equal(true);
    expect(secretMatches('abd', 'abc')).to.equal(false);
    expect(secretMatches('abcd', 'abc')).to.equal(false);
    expect(secretMatches(undefined, 'abc')).to.equal(false);
    expect(secretMatches('', '')).to.equal(false);
  });
});

describe('Cliq tokens in logs', () => {
  it('never writes an access or refresh token to the log, even at debug level', async () => {
    const cliq = new FakeCliq();
    await cliq.start();
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const dir = await mkdtemp(join(tmpdir(), 'puente-cliq-log-'));
    try {
      const adapter = new CliqAdapter({
        config: { clientId: cliq.clientId, clientSecret: cliq.clientSecret, refreshToken: cliq.refreshToken, dataCentre: 'com', apiUrl: cliq.url, accountsUrl: cliq.url, botUniqueName: 'puentebot', webhookSecret: 'a-long-shared-secret-1234', maxFileBytes: 1, ignoreUserIds: [] },
        logger: createLogger('debug', sink),
        stagingDir: dir,
      });
      await adapter.start({} as never);
      cliq.revokeTokens();
      cliq.throttleNext(1);
      await adapter.announce('ventas', { text: 'x', key: 'k' }).catch(() => undefined);
      await adapter.openFile({ id: 'missing', name: 'x' }).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      const log = lines.join('');
      for (const secret of ['1000.access.', cliq.refreshToken, cliq.clientSecret]) expect(log).not.to.contain(secret);
    } finally {
      await cliq.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
