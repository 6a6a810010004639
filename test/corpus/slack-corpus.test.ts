/**
 * Replays every Slack body of the shared corpus (recorded by other projects) through the Slack
 * adapter's interpretation: each must become an agent event routed to real ids, or be ignored or
 * rejected with a reason — never throw.
 */
import { expect } from 'chai';
import { interpretSlackEvent, type SlackInterpretation } from '../../adapters/slack/events.js';
import { loadCorpus, type CorpusCase } from '../helpers/corpus.js';

const cases = loadCorpus('slack');

function interpretCase(corpusCase: CorpusCase): SlackInterpretation {
  return interpretSlackEvent(corpusCase.body);
}

function byName(name: string): SlackInterpretation {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`corpus case ${name} not found`);
  return interpretCase(found);
}

/** Every id an agent event routes by: none may be empty. */
function routingIds(result: SlackInterpretation): string[] {
  switch (result.kind) {
    case 'message': {
      const { message } = result;
      return [message.key, message.ref.channel, message.ref.id, message.thread.channel, message.thread.id, message.agent.id];
    }
    case 'change': {
      const { change } = result;
      return [change.target.channel, change.target.id, change.thread.id, change.agent.id];
    }
    case 'reaction': {
      const { reaction } = result;
      return [reaction.key, reaction.target.channel, reaction.target.id, reaction.agent.id, reaction.emojiName];
    }
    default:
      return [];
  }
}

describe('Slack corpus replay', () => {
  before(function () {
    if (cases.length === 0) this.skip(); // the shared corpus is not next to this checkout
  });

  it('finds bodies from every Slack project in the corpus', () => {
    expect(new Set(cases.map((c) => c.project))).to.include.all.keys('java-slack-sdk', 'python-slack-events-api', 'vercel-chat', 'zulip');
  });

  it('interprets every body without throwing: an agent event with real ids, or a reason', () => {
    for (const corpusCase of cases) {
      const result = interpretCase(corpusCase);
      if (result.kind === 'ignored' || result.kind === 'rejected') {
        expect(result.reason, corpusCase.name).to.be.a('string').and.not.equal('');
      } else if (result.kind === 'url_verification') {
        expect(result.challenge, corpusCase.name).to.not.equal('');
      } else {
        for (const id of routingIds(result)) expect(id, corpusCase.name).to.be.a('string').and.match(/\S/);
      }
    }
  });

  it('parses every body that is JSON', () => {
    for (const corpusCase of cases) {
      let isJson = true;
      try {
        JSON.parse(corpusCase.body);
      } catch {
        isJson = false;
      }
      const result = interpretCase(corpusCase);
      if (!isJson) expect(result, corpusCase.name).to.deep.equal({ kind: 'rejected', reason: 'malformed JSON' });
      else expect(result, corpusCase.name).not.to.deep.equal({ kind: 'rejected', reason: 'malformed JSON' });
    }
  });

  it('ignores the bridge’s own posts echoed back (bot_profile.app_id = api_app_id)', () => {
    for (const name of ['zulip/message_from_slack_bridge_bot.json', 'vercel-chat/replay/streaming/slack.json#promptMessage']) {
      expect(byName(name), name).to.deep.equal({ kind: 'ignored', reason: "the bridge's own post echoed back" });
    }
  });

  it('ignores a third-party integration’s bot_message', () => {
    expect(byName('zulip/message_from_slack_integration_bot.json')).to.deep.equal({
      kind: 'ignored',
      reason: 'message from another bot or app',
    });
  });

  it('rejects the java-slack-sdk skeletons, whose ids and envelope types are empty', () => {
    const skeletons = cases.filter((c) => c.project === 'java-slack-sdk' && /events\/(Message|Reaction)/.test(c.name));
    expect(skeletons).to.have.length(20); // 18 message subtypes, reaction added and removed
    for (const skeleton of skeletons) expect(interpretCase(skeleton).kind, skeleton.name).to.equal('rejected');
    expect(byName('java-slack-sdk/events/ReactionAddedPayload.json')).to.deep.equal({
      kind: 'rejected',
      reason: 'reaction without user, reaction name or item',
    });
  });

  it('rejects the body that is not from Slack', () => {
    expect(byName('zulip/example_anomalous_payload.json')).to.deep.equal({
      kind: 'rejected',
      reason: 'not a Slack Events API body (type "observability.usage-anomaly")',
    });
  });

  it('recognises both url_verification handshakes', () => {
    expect(byName('python-slack-events-api/url_challenge.json')).to.deep.equal({ kind: 'url_verification', challenge: 'valid_challenge_token' });
    expect(byName('zulip/challenge_handshake_payload.json').kind).to.equal('url_verification');
  });

  it('turns recorded thread replies into agent messages', () => {
    const reply = byName('vercel-chat/sample-messages.md#body 4');
    expect(reply.kind === 'message' && reply.message).to.deep.include({
      key: 'slack:C00FAKECHAN1:1766458031.859009',
      thread: { adapter: 'slack', channel: 'C00FAKECHAN1', id: '1766458026.240809' },
      agent: { id: 'U00FAKEUSER1' },
      text: '2',
      timestamp: 1766458031859,
    });
  });

  it('turns a recorded reaction into an agent reaction with its Unicode emoji', () => {
    const result = byName('python-slack-events-api/reaction_added.json');
    expect(result.kind === 'reaction' && result.reaction).to.deep.include({ emoji: '😀', emojiName: 'grinning', removed: false });
  });

  it('ignores edits of the bot’s own message, top-level chatter and the rate-limit notice', () => {
    expect(byName('vercel-chat/sample-messages.md#body 6')).to.deep.equal({
      kind: 'ignored',
      reason: "edit of a bot message (the bridge's own post echoed back)",
    });
    expect(byName('zulip/message_with_normal_text.json')).to.deep.equal({ kind: 'ignored', reason: 'top-level channel message, not a thread reply' });
    expect(byName('zulip/app_rate_limited.json').kind).to.equal('ignored');
  });
});
