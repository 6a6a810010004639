import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { slackAppManifest } from '../../adapters/slack/manifest.js';

describe('slackAppManifest', () => {
  it('points Slack at the events route under the public base URL', () => {
    const manifest = slackAppManifest('https://puente.example.com/');
    expect(manifest.settings.event_subscriptions.request_url).to.equal('https://puente.example.com/slack/events');
  });

  it('asks for the scopes and events the adapter uses', () => {
    const { oauth_config, settings } = slackAppManifest('https://h');
    expect(oauth_config.scopes.bot).to.include.members([
      'chat:write',
      'chat:write.customize',
      'channels:history',
      'groups:history',
      'reactions:read',
      'reactions:write',
      'users:read',
    ]);
    expect(settings.event_subscriptions.bot_events).to.have.members(['message.channels', 'message.groups', 'reaction_added', 'reaction_removed']);
  });

  it('is shown, unchanged, in the README', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /<!-- slack-manifest:start -->\n```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README has a json block').to.be.a('string');
    expect(JSON.parse(block!)).to.deep.equal(slackAppManifest('https://<your-host>'));
  });
});
