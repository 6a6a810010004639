/**
 * Replays every Teams activity of the shared corpus (recorded by other projects) through the Teams
 * adapter's interpretation: each must become an agent event or command routed to real ids, or be
 * ignored or rejected with a reason — never throw.
 */
import { expect } from 'chai';
import { interpretTeamsBody, type TeamsInterpretation } from '../../adapters/teams/index.js';
import { loadCorpus } from '../helpers/corpus.js';

const cases = loadCorpus('teams');

function byName(name: string): TeamsInterpretation {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`corpus case ${name} not found`);
  return interpretTeamsBody(found.body);
}

/** Every id an event routes by: none may be empty. */
function routingIds(result: TeamsInterpretation): string[] {
  switch (result.kind) {
    case 'message':
      return [result.message.key, result.message.ref.channel, result.message.ref.id, result.message.thread.channel, result.message.thread.id, result.message.agent.id];
    case 'command':
      return [result.command.name, result.command.channel, result.command.user.id, result.replyTo.conversationId];
    case 'reaction':
      return result.reactions.flatMap((reaction) => [reaction.key, reaction.target.channel, reaction.target.id, reaction.agent.id, reaction.emojiName]);
    case 'change':
      return [result.change.target.channel, result.change.target.id, result.change.thread.id, result.change.agent.id];
    default:
      return [result.reason];
  }
}

describe('Teams corpus replay', function () {
  if (cases.length === 0) {
    it.skip('(the shared corpus folder is absent)');
    return;
  }

  it('holds the recorded Teams activities', () => {
    expect(cases.length).to.be.greaterThan(10);
  });

  for (const corpusCase of cases) {
    it(`${corpusCase.name} → an event or a reasoned refusal`, () => {
      const result = interpretTeamsBody(corpusCase.body);
      expect(['message', 'command', 'reaction', 'change', 'ignored', 'rejected']).to.include(result.kind);
      for (const id of routingIds(result)) expect(id, `${result.kind} routing id`).to.be.a('string').and.not.equal('');
    });
  }

  it('reads a top-level @mention as a bot command, the mention stripped', () => {
    const result = byName('vercel-chat/replay/actions-reactions/teams.json#mention');
    expect(result.kind).to.equal('command');
    if (result.kind !== 'command') return;
    expect(result.command).to.include({ name: 'test', text: '', adapter: 'teams', channel: '19:d441d38c655c47a085215b2726e76927@thread.tacv2' });
    expect(result.command.user).to.deep.equal({ id: '00000000-1111-2222-3333-444444444444', displayName: 'Test User' });
    expect(result.command.thread).to.equal(undefined);
    expect(result.replyTo.conversationId).to.equal('19:d441d38c655c47a085215b2726e76927@thread.tacv2;messageid=1767326091220');
  });

  it('reads a reply in a thread (RSC: no mention) as an agent message in that thread', () => {
    const result = byName('vercel-chat/replay/streaming/teams.json#followUp');
    expect(result.kind).to.equal('message');
    if (result.kind !== 'message') return;
    expect(result.message.text).to.equal('Who are you?');
    expect(result.message.thread).to.deep.equal({ adapter: 'teams', channel: '19:d441d38c655c47a085215b2726e76927@thread.tacv2', id: '1767406652277' });
    expect(result.message.ref).to.deep.equal({ adapter: 'teams', channel: '19:d441d38c655c47a085215b2726e76927@thread.tacv2', id: '1767406665397', threadId: '1767406652277' });
    expect(result.message.agent.displayName).to.equal('Test User');
  });

  it('turns Teams reactions into Unicode emoji', () => {
    const result = byName('vercel-chat/replay/actions-reactions/teams.json#reaction');
    expect(result.kind).to.equal('reaction');
    if (result.kind !== 'reaction') return;
    expect(result.reactions).to.have.length(1);
    expect(result.reactions[0]).to.include({ emoji: '👍', emojiName: 'like', removed: false });
  });

  it('ignores personal chats, installs and card actions that are not Puente’s', () => {
    expect(byName('Agents-for-python/payload.json').kind).to.equal('ignored');
    expect(byName('vercel-chat/replay/dm/teams.json#dmMessage').kind).to.equal('ignored');
    expect(byName('vercel-chat/sample-messages.md#body 1').kind).to.equal('ignored');
    expect(byName('vercel-chat/replay/actions-reactions/teams.json#action').kind).to.equal('ignored');
  });
});
