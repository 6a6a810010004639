/** `startPuente` (app.ts, as `npm start` wires it) with a number on `adapter: teams`. */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPuente, type Puente } from '../../app.js';
import { silentLogger } from '../../bot/logger.js';
import { loadConfig } from '../../config/load.js';
import { APP_ID, channelMessage, CHANNEL, FakeIssuer, postActivity, TENANT_ID } from './fixtures.js';

describe('Puente with a Teams number', () => {
  const issuer = new FakeIssuer();
  let dir: string;
  let puente: Puente;

  before(() => issuer.start());
  after(() => issuer.close());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-teams-app-'));
    const file = join(dir, 'puente.yaml');
    await writeFile(file, `numbers:\n  - { phone_number_id: "1000", adapter: teams, channel: "${CHANNEL}" }\n`);
    const config = loadConfig({
      PUENTE_CONFIG: file,
      DATA_DIR: join(dir, 'data'),
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      TEAMS_APP_ID: APP_ID,
      TEAMS_APP_PASSWORD: 'secret',
      TEAMS_TENANT_ID: TENANT_ID,
      TEAMS_SERVICE_URL: 'http://127.0.0.1:9/',
      TEAMS_AUTHORITY: issuer.authority,
    });
    puente = await startPuente({ ...config, port: 0 }, silentLogger(), { host: '127.0.0.1' });
  });

  afterEach(async () => {
    await puente?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('mounts /api/messages beside the WhatsApp webhook, refusing unsigned requests', async () => {
    const url = `http://127.0.0.1:${puente.port}`;
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
    expect((await postActivity(url, channelMessage())).status).to.equal(401);
    expect((await postActivity(url, channelMessage(), issuer.unsignedToken())).status).to.equal(401);
    // Signed, in a thread Puente does not know: accepted and ignored by the core.
    expect((await postActivity(url, channelMessage(), issuer.token())).status).to.equal(200);
    expect((await fetch(`${url}/webhooks/whatsapp`, { method: 'POST', body: '{}' })).status).to.equal(401);
  });
});
