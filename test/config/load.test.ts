import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/load.js';

const SINGLE_NUMBER_ENV = {
  WHATSAPP_ACCESS_TOKEN: 'EAAG-token',
  WHATSAPP_APP_SECRET: 'app-secret',
  WHATSAPP_VERIFY_TOKEN: 'verify-me',
  WHATSAPP_PHONE_NUMBER_ID: '1065',
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'signing',
  SLACK_CHANNEL_ID: 'C123',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-config-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('runs a single number from environment variables alone, with the documented defaults', () => {
    const config = loadConfig(SINGLE_NUMBER_ENV);
    expect(config.port).to.equal(3000);
    expect(config.dataDir).to.match(/\/data$/);
    expect(config.whatsapp.apiUrl).to.equal('https://graph.facebook.com');
    expect(config.slack?.apiUrl).to.equal('https://slack.com/api/');
    expect(config.internalNotePrefix).to.equal('//');
    expect(config.numbers).to.deep.equal([
      { phoneNumberId: '1065', displayName: '1065', displayNumber: undefined, adapter: 'slack', channel: 'C123', senderMode: 'branded', sendRate: 80, language: 'en' },
    ]);
  });

  it('reads the supervision and compliance keys, with their defaults', () => {
    const defaults = loadConfig(SINGLE_NUMBER_ENV);
    expect(defaults.supervisors).to.deep.equal([]);
    expect(defaults.optOutKeywords).to.deep.equal(['STOP', 'BAJA', 'UNSUBSCRIBE']);
    expect(defaults.optInKeywords).to.deep.equal(['START', 'ALTA']);
    expect(defaults.blockedReplyIntervalMs).to.equal(24 * 3600 * 1000);
    expect(defaults.messageRetentionMs).to.equal(undefined);
    const config = loadConfig({
      ...SINGLE_NUMBER_ENV,
      SUPERVISORS: 'U0SUPER1, W0SUPER2',
      WHATSAPP_BUSINESS_ACCOUNT_ID: '1029',
      BLOCKED_REPLY_TEXT: 'No disponible',
      BLOCKED_REPLY_INTERVAL_HOURS: '2',
      SUPERVISOR_CHANNEL_ID: 'C0SUP',
      TRIAGE_CHANNEL_ID: 'C0TRI',
      OPT_OUT_KEYWORDS: 'PARAR, Cancelar',
      OPT_IN_KEYWORDS: 'VOLVER',
      MESSAGE_RETENTION_DAYS: '30',
    });
    expect(config).to.deep.include({
      supervisors: ['U0SUPER1', 'W0SUPER2'],
      businessAccountId: '1029',
      blockedReplyText: 'No disponible',
      blockedReplyIntervalMs: 2 * 3600 * 1000,
      supervisorChannel: 'C0SUP',
      triageChannel: 'C0TRI',
      optOutKeywords: ['PARAR', 'Cancelar'],
      optInKeywords: ['VOLVER'],
      messageRetentionMs: 30 * 86_400_000,
    });
    expect(config.numbers[0]!.businessAccountId).to.equal('1029');
    const joined = problemsOf({ SUPERVISORS: 'marta', MESSAGE_RETENTION_DAYS: '-1' }).join('\n');
    expect(joined).to.contain('SUPERVISORS: "marta" is not a Slack user id').and.contain('MESSAGE_RETENTION_DAYS');
  });

  it('names every missing or bad key', () => {
    const problems = problemsOf({ PORT: 'eighty', SENDER_MODE: 'ghost', WHATSAPP_API_URL: 'ftp://x' });
    const joined = problems.join('\n');
    for (const key of ['PORT', 'SENDER_MODE', 'WHATSAPP_API_URL', 'WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID', 'SLACK_CHANNEL_ID', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) {
      expect(joined, key).to.contain(key);
    }
  });

  it('reads several numbers from the YAML file, with environment variables taking precedence', async () => {
    const file = join(dir, 'puente.yaml');
    await writeFile(
      file,
      [
        'WHATSAPP_ACCESS_TOKEN: from-file',
        'WHATSAPP_APP_SECRET: s',
        'WHATSAPP_VERIFY_TOKEN: v',
        'SLACK_BOT_TOKEN: xoxb-file',
        'SLACK_SIGNING_SECRET: sig',
        'SENDER_MODE: agent',
        'numbers:',
        '  - phone_number_id: "111"',
        '    display_name: Ventas España',
        '    channel: C-VENTAS',
        '    language: es',
        '    send_rate: 20',
        '  - phone_number_id: "222"',
        '    display_name: Support',
        '    channel: C-SUPPORT',
        '    sender_mode: branded',
      ].join('\n'),
    );
    const config = loadConfig({ PUENTE_CONFIG: file, WHATSAPP_ACCESS_TOKEN: 'from-env' });
    expect(config.whatsapp.accessToken).to.equal('from-env');
    expect(config.numbers.map((n) => [n.phoneNumberId, n.displayName, n.channel, n.senderMode, n.sendRate, n.language])).to.deep.equal([
      ['111', 'Ventas España', 'C-VENTAS', 'agent', 20, 'es'],
      ['222', 'Support', 'C-SUPPORT', 'branded', 80, 'en'],
    ]);
  });

  it('names the bad entry of the numbers list', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, ['numbers:', '  - display_name: no id', '    channel: C1', '    sender_mode: loud', '  - phone_number_id: "1"', '    adapter: fax'].join('\n'));
    const problems = problemsOf({ ...SINGLE_NUMBER_ENV, PUENTE_CONFIG: file, SLACK_CHANNEL_ID: '' });
    const joined = problems.join('\n');
    expect(joined).to.contain('numbers[0].phone_number_id: required');
    expect(joined).to.contain('numbers[0].sender_mode');
    expect(joined).to.contain('numbers[1].channel: required');
    expect(joined).to.contain('unknown adapter "fax"');
  });

  it('reports an unreadable or invalid YAML file', async () => {
    expect(problemsOf({ PUENTE_CONFIG: join(dir, 'missing.yaml') }).join('\n')).to.contain('cannot read');
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'numbers: [unclosed');
    expect(problemsOf({ PUENTE_CONFIG: file }).join('\n')).to.contain('not valid YAML');
  });
});
