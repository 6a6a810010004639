/** The Teams keys of the configuration contract (README "Microsoft Teams"). */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/load.js';

const CHANNEL = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';
const TEAM = '19:8j-Mnacwmq2QFDbzykeQH5v55m6cN1X3QJ5viHvGIIQ1@thread.tacv2';
const BASE = { WHATSAPP_ACCESS_TOKEN: 't', WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration: Microsoft Teams', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-teams-config-'));
    file = join(dir, 'puente.yaml');
    await writeFile(file, `numbers:\n  - { phone_number_id: "1000", adapter: teams, channel: "${CHANNEL}", team: "${TEAM}", language: es }\n`);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the Teams keys for numbers on `adapter: teams`, with the documented defaults', () => {
    const config = loadConfig({
      ...BASE,
      PUENTE_CONFIG: file,
      TEAMS_APP_ID: 'app-id',
      TEAMS_APP_PASSWORD: 'pw',
      TEAMS_TENANT_ID: 'tenant',
      SUPERVISORS: '00000000-1111-2222-3333-444444444444',
    });
    expect(config.slack).to.equal(undefined);
    expect(config.teams).to.deep.equal({ appId: 'app-id', appPassword: 'pw', tenantId: 'tenant', serviceUrl: 'https://smba.trafficmanager.net/teams/' });
    expect(config.numbers[0]).to.include({ adapter: 'teams', channel: CHANNEL, team: TEAM });
    expect(config.supervisors).to.deep.equal(['00000000-1111-2222-3333-444444444444']);
  });

  it('takes a certificate instead of a password, and the service URL and authority overrides', () => {
    const config = loadConfig({
      ...BASE,
      PUENTE_CONFIG: file,
      TEAMS_APP_ID: 'app-id',
      TEAMS_TENANT_ID: 'tenant',
      TEAMS_CERT_PEM_FILE: '/certs/bot.pem',
      TEAMS_CERT_KEY_FILE: '/certs/bot.key',
      TEAMS_SERVICE_URL: 'http://127.0.0.1:4000/',
      TEAMS_AUTHORITY: 'http://127.0.0.1:4001/tenant',
    });
    expect(config.teams).to.deep.include({ certPemFile: '/certs/bot.pem', certKeyFile: '/certs/bot.key', serviceUrl: 'http://127.0.0.1:4000/', authority: 'http://127.0.0.1:4001/tenant' });
  });

  it('names every missing or wrong Teams key', async () => {
    await writeFile(file, 'numbers:\n  - { phone_number_id: "1000", adapter: teams, channel: general }\n');
    const problems = problemsOf({ ...BASE, PUENTE_CONFIG: file, TEAMS_SERVICE_URL: 'not a url', SUPERVISORS: 'someone' });
    expect(problems).to.include('TEAMS_APP_ID: required');
    expect(problems).to.include('TEAMS_TENANT_ID: required');
    expect(problems.some((problem) => problem.startsWith('TEAMS_APP_PASSWORD: required'))).to.equal(true);
    expect(problems.some((problem) => problem.startsWith('TEAMS_SERVICE_URL: must be an http(s) URL'))).to.equal(true);
    expect(problems.some((problem) => problem.includes('"general" is not a Teams channel id'))).to.equal(true);
    expect(problems.some((problem) => problem.startsWith('SUPERVISORS: "someone"'))).to.equal(true);
  });
});
