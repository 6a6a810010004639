/** The Teams app package (adapters/teams/app-package): a manifest Teams accepts and the icons it names. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND_NAMES } from '../../bot/commands/parser.js';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'adapters', 'teams', 'app-package');
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'manifest.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function pngSize(file: string): [number, number] {
  const data = readFileSync(join(PACKAGE, file));
  expect(data.subarray(1, 4).toString()).to.equal('PNG');
  return [data.readUInt32BE(16), data.readUInt32BE(20)];
}

describe('Teams app package', () => {
  it('names the bot by the app id placeholder everywhere', () => {
    expect(manifest.id).to.equal('{{TEAMS_APP_ID}}');
    expect(manifest.bots[0].botId).to.equal('{{TEAMS_APP_ID}}');
    expect(manifest.webApplicationInfo.id).to.equal('{{TEAMS_APP_ID}}');
    expect(manifest.bots[0].scopes).to.deep.equal(['team', 'personal']);
  });

  it('can talk to people one to one (private answers and notices go to the personal chat)', () => {
    expect(manifest.bots[0].scopes).to.include('personal');
    // Commands stay channel commands: a personal chat only receives.
    expect(manifest.bots[0].commandLists.map((list: { scopes: string[] }) => list.scopes)).to.deep.equal([['team']]);
  });

  it('has the icons Teams requires: 192×192 colour, 32×32 outline', () => {
    expect(pngSize(manifest.icons.color)).to.deep.equal([192, 192]);
    expect(pngSize(manifest.icons.outline)).to.deep.equal([32, 32]);
  });

  it('lists every command of the core as a bot command', () => {
    const titles = manifest.bots[0].commandLists[0].commands.map((command: { title: string }) => command.title);
    expect(titles).to.have.members([...COMMAND_NAMES]);
  });

  it('asks for resource-specific consent to read every channel message (the no-mention mode)', () => {
    expect(manifest.authorization.permissions.resourceSpecific).to.deep.equal([{ name: 'ChannelMessage.Read.Group', type: 'Application' }]);
  });
});
