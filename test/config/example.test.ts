import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load.js';

describe('config/puente.example.yaml', () => {
  it('is a valid configuration once the secrets are in the environment', () => {
    const config = loadConfig({
      PUENTE_CONFIG: fileURLToPath(new URL('../../config/puente.example.yaml', import.meta.url)),
      WHATSAPP_ACCESS_TOKEN: 't',
      WHATSAPP_APP_SECRET: 's',
      WHATSAPP_VERIFY_TOKEN: 'v',
      SLACK_BOT_TOKEN: 'xoxb',
      SLACK_SIGNING_SECRET: 'sig',
    });
    expect(config.numbers.map((number) => [number.displayName, number.senderMode, number.language])).to.deep.equal([
      ['Ventas España', 'agent', 'es'],
      ['Support', 'branded', 'en'],
    ]);
  });
});
