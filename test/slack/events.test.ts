import { expect } from 'chai';
import {
  interpretSlackEvent,
  slackTsToMs,
  userIdsToName,
  withUserNames,
  type SlackInterpretation,
  type SlackSelf,
} from '../../adapters/slack/events.js';
import { BOT, CHANNEL, envelope, THREAD_TS, threadReply } from './fixtures.js';

const SELF: SlackSelf = { botId: BOT.botId, botUserId: BOT.userId };

function interpret(event: Record<string, unknown>, eventId?: string): SlackInterpretation {
  return interpretSlackEvent(envelope(event, eventId), SELF);
}

function expectIgnored(result: SlackInterpretation, reason: RegExp): void {
  expect(result.kind, JSON.stringify(result)).to.equal('ignored');
  expect((result as { reason: string }).reason).to.match(reason);
}

describe('interpretSlackEvent', () => {
  describe('thread replies', () => {
    it('turns a human reply in a thread into an agent message', () => {
      const result = interpret(threadReply({ text: 'Sí, *claro* &amp; <https://x.es|aquí> :+1:' }));
      expect(result).to.deep.equal({
        kind: 'message',
        mrkdwn: 'Sí, *claro* &amp; <https://x.es|aquí> :+1:',
        message: {
          key: `slack:${CHANNEL}:1718856900.000200`,
          ref: { adapter: 'slack', channel: CHANNEL, id: '1718856900.000200', threadId: THREAD_TS },
          thread: { adapter: 'slack', channel: CHANNEL, id: THREAD_TS },
          agent: { id: 'U0AGENT' },
          text: 'Sí, *claro* & aquí (https://x.es) 👍',
          timestamp: 1718856900000,
        },
      });
    });

    it('treats thread_broadcast and me_message as replies too', () => {
      expect(interpret(threadReply({ subtype: 'thread_broadcast', root: { ts: THREAD_TS } })).kind).to.equal('message');
      expect(interpret(threadReply({ subtype: 'me_message', text: 'waves' })).kind).to.equal('message');
    });

    it('relays the text of a file share with its files, as Slack describes them', () => {
      const file = {
        id: 'F1',
        name: 'factura.pdf',
        title: 'Factura',
        mimetype: 'application/pdf',
        size: 2048,
        url_private: 'https://files.slack.com/files-pri/T1-F1/factura.pdf',
        url_private_download: 'https://files.slack.com/files-pri/T1-F1/download/factura.pdf',
      };
      const result = interpret(threadReply({ subtype: 'file_share', text: 'the invoice', files: [file] }));
      expect(result.kind).to.equal('message');
      const message = result.kind === 'message' ? result.message : undefined;
      expect(message?.text).to.equal('the invoice');
      expect(message?.files).to.deep.equal([
        { id: 'F1', name: 'factura.pdf', size: 2048, mimeType: 'application/pdf', source: file.url_private_download },
      ]);
    });

    it('keeps the order of the files, drops deleted ones and keeps files that need a lookup', () => {
      const files = [{ id: 'F2', name: 'b.png' }, { id: 'F9', mode: 'tombstone' }, { id: 'F1', mode: 'file_access', file_access: 'check_file_info' }];
      const result = interpret(threadReply({ subtype: 'file_share', text: '', files }));
      expect(result.kind === 'message' && result.message.text).to.equal('');
      expect(result.kind === 'message' && result.message.files).to.deep.equal([
        { id: 'F2', name: 'b.png' },
        { id: 'F1', name: 'F1' },
      ]);
    });

    it('keeps the key stable for the same message delivered twice', () => {
      const first = interpret(threadReply(), 'Ev1');
      const retry = interpret(threadReply(), 'Ev1');
      expect(first.kind === 'message' && first.message.key).to.equal(`slack:${CHANNEL}:1718856900.000200`);
      expect(retry).to.deep.equal(first);
    });
  });

  describe('what is not an agent reply', () => {
    it('ignores top-level channel messages and thread parents', () => {
      expectIgnored(interpret(threadReply({ thread_ts: undefined })), /top-level/);
      expectIgnored(interpret(threadReply({ thread_ts: '1718856900.000200' })), /top-level/);
    });

    it("ignores the bridge's own posts in every shape they come back", () => {
      const variants = [
        { bot_id: BOT.botId, username: 'Customer name' }, // custom sender, no subtype
        { subtype: 'bot_message', bot_id: BOT.botId },
        { user: BOT.userId },
        { bot_id: 'BOTHER', bot_profile: { id: 'BOTHER', app_id: BOT.appId } }, // app id = envelope api_app_id
        { app_id: BOT.appId },
      ];
      for (const variant of variants) {
        expectIgnored(interpret(threadReply(variant)), /own post/);
      }
    });

    it('recognises its own echo from the envelope alone, without knowing its bot id', () => {
      const body = envelope(threadReply({ bot_id: 'B1', bot_profile: { app_id: BOT.appId } }));
      expectIgnored(interpretSlackEvent(body), /own post/);
    });

    it('ignores messages from other bots and integrations', () => {
      expectIgnored(interpret(threadReply({ bot_id: 'BCLICKUP' })), /another bot/);
      expectIgnored(interpret(threadReply({ subtype: 'bot_message', username: 'legacy hook' })), /another bot/);
    });

    it('ignores channel notices, message_replied and ekm_access_denied', () => {
      expectIgnored(interpret(threadReply({ subtype: 'channel_join' })), /channel notice channel_join/);
      expectIgnored(interpret(threadReply({ subtype: 'channel_topic' })), /channel notice/);
      expectIgnored(interpret(threadReply({ subtype: 'message_replied' })), /message_replied/);
      expectIgnored(interpret(threadReply({ subtype: 'ekm_access_denied' })), /Enterprise Key Management/);
    });

    it('ignores app_mention, which duplicates a message event', () => {
      expectIgnored(interpret(threadReply({ type: 'app_mention' })), /app_mention/);
    });

    it('rejects a reply with empty ids instead of routing it to ""', () => {
      expect(interpret(threadReply({ channel: '' })).kind).to.equal('rejected');
      expect(interpret(threadReply({ user: '' })).kind).to.equal('rejected');
    });
  });

  describe('edits and deletions', () => {
    const reply = threadReply({ text: 'old' });

    it('reports a person’s edit of a thread reply', () => {
      const result = interpret({
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        channel: CHANNEL,
        ts: '1718857000.000300',
        message: { ...reply, text: 'new', edited: { user: 'U0AGENT', ts: '1718857000.000300' } },
        previous_message: reply,
      });
      expect(result).to.deep.equal({
        kind: 'change',
        change: {
          kind: 'edit',
          target: { adapter: 'slack', channel: CHANNEL, id: '1718856900.000200', threadId: THREAD_TS },
          thread: { adapter: 'slack', channel: CHANNEL, id: THREAD_TS },
          agent: { id: 'U0AGENT' },
        },
      });
    });

    it('ignores changes Slack makes itself (an unfurl keeps the text and sets no edited marker)', () => {
      const unfurled = { ...reply, attachments: [{ from_url: 'https://x.es' }] };
      const result = interpret({ type: 'message', subtype: 'message_changed', channel: CHANNEL, message: unfurled, previous_message: reply });
      expectIgnored(result, /made by Slack/);
    });

    it('ignores edits of bot messages and of top-level messages', () => {
      const edit = (message: Record<string, unknown>) =>
        interpret({ type: 'message', subtype: 'message_changed', channel: CHANNEL, message: { ...message, edited: { ts: '1' } } });
      expectIgnored(edit({ ...reply, bot_id: BOT.botId }), /bot message/);
      expectIgnored(edit({ ...reply, thread_ts: undefined }), /top-level/);
    });

    it('reports the deletion of a thread reply', () => {
      const result = interpret({
        type: 'message',
        subtype: 'message_deleted',
        hidden: true,
        channel: CHANNEL,
        ts: '1718857000.000300',
        deleted_ts: '1718856900.000200',
        previous_message: reply,
      });
      expect(result.kind === 'change' && result.change).to.deep.include({
        kind: 'delete',
        target: { adapter: 'slack', channel: CHANNEL, id: '1718856900.000200', threadId: THREAD_TS },
      });
    });

    it('ignores deletions of the bridge’s own posts', () => {
      const result = interpret({
        type: 'message',
        subtype: 'message_deleted',
        channel: CHANNEL,
        deleted_ts: '1718856900.000200',
        previous_message: { ...reply, user: undefined, bot_id: BOT.botId },
      });
      expectIgnored(result, /bot message/);
    });
  });

  describe('reactions', () => {
    const reaction = (type: string, name: string, user = 'U0AGENT') => ({
      type,
      user,
      reaction: name,
      item: { type: 'message', channel: CHANNEL, ts: '1718856800.000500' },
      item_user: BOT.userId,
      event_ts: '1718857100.000100',
    });

    it('reports an added reaction with its Unicode emoji, keyed by event id', () => {
      const result = interpret(reaction('reaction_added', 'thumbsup::skin-tone-4'), 'EvR1');
      expect(result).to.deep.equal({
        kind: 'reaction',
        reaction: {
          key: 'slack:reaction:EvR1',
          target: { adapter: 'slack', channel: CHANNEL, id: '1718856800.000500' },
          agent: { id: 'U0AGENT' },
          emoji: '👍🏽',
          emojiName: 'thumbsup::skin-tone-4',
          removed: false,
        },
      });
    });

    it('reports a removed custom emoji with no Unicode, keyed without an event id when there is none', () => {
      const body = envelope(reaction('reaction_removed', 'partyparrot'));
      delete body.event_id;
      const result = interpretSlackEvent(body, SELF);
      expect(result.kind === 'reaction' && result.reaction).to.deep.include({
        key: `slack:reaction:${CHANNEL}:1718856800.000500:U0AGENT:partyparrot:removed`,
        emoji: undefined,
        emojiName: 'partyparrot',
        removed: true,
      });
    });

    it("ignores the bridge's own (status) reactions and reactions on files", () => {
      expectIgnored(interpret(reaction('reaction_added', 'eyes', BOT.userId)), /own reaction/);
      expectIgnored(interpret({ ...reaction('reaction_added', 'eyes'), item: { type: 'file', file: 'F1' } }), /on a file/);
    });
  });

  describe('envelopes', () => {
    it('recognises the url_verification handshake', () => {
      expect(interpretSlackEvent({ type: 'url_verification', challenge: 'abc', token: 't' })).to.deep.equal({
        kind: 'url_verification',
        challenge: 'abc',
      });
    });

    it('accepts the raw JSON text, and rejects text that is not JSON', () => {
      expect(interpretSlackEvent(JSON.stringify(envelope(threadReply())), SELF).kind).to.equal('message');
      expect(interpretSlackEvent('{"type": "event_callback",', SELF)).to.deep.equal({ kind: 'rejected', reason: 'malformed JSON' });
    });

    it('rejects bodies that are not Slack events', () => {
      expect(interpretSlackEvent([1, 2]).kind).to.equal('rejected');
      expect(interpretSlackEvent({ type: 'observability.usage-anomaly' }).kind).to.equal('rejected');
      expect(interpretSlackEvent({ type: 'event_callback' }).kind).to.equal('rejected');
    });

    it('ignores slash commands and interactivity, which are not handled yet', () => {
      expectIgnored(interpretSlackEvent({ command: '/block', text: '+34' }), /slash command/);
      expectIgnored(interpretSlackEvent({ type: 'block_actions', actions: [] }), /block_actions/);
    });
  });

  describe('display names', () => {
    it('lists the author and mentioned users, then fills their names in', () => {
      const first = interpret(threadReply({ text: 'ask <@U0BOB> please' }));
      expect(userIdsToName(first)).to.deep.equal(['U0AGENT', 'U0BOB']);
      const named = withUserNames(first, (id) => ({ U0AGENT: 'Ana', U0BOB: 'Bob' })[id]);
      expect(named.kind === 'message' && named.message.agent).to.deep.equal({ id: 'U0AGENT', displayName: 'Ana' });
      expect(named.kind === 'message' && named.message.text).to.equal('ask @Bob please');
    });
  });

  it('converts a Slack ts to milliseconds without float error', () => {
    expect(slackTsToMs('1718856814.111759')).to.equal(1718856814111);
    expect(slackTsToMs('1718856814')).to.equal(1718856814000);
  });
});
