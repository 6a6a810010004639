/**
 * Replays every WhatsApp body of the shared corpus (bodies written by other projects, shapes nobody
 * here chose) through the parser. Each must be accepted with well-routed events or rejected with a
 * reason; never a throw, never an event routed to an empty id. A few cases are pinned exactly.
 */
import { expect } from 'chai';
import type { InboundMessage, WebhookEvent, WebhookParseResult } from '../../bot/types.js';
import { parseWebhook } from '../../adapters/whatsapp/parse.js';
import { corpusRoot, loadCorpus, type CorpusCase } from '../helpers/corpus.js';

const whatsapp = loadCorpus('whatsapp');

/** What the corpus held when this test was written (111 WhatsApp bodies): catches a broken loader. */
const MIN_WHATSAPP_CASES = 100;

function byName(name: string): CorpusCase {
  const found = whatsapp.find((c) => c.name === name);
  if (!found) expect.fail(`corpus case ${name} not found`);
  return found;
}

function parseCase(name: string): Extract<WebhookParseResult, { ok: true }> {
  const result = parseWebhook(byName(name).body);
  if (!result.ok) expect.fail(`${name} rejected: ${result.reason}`);
  return result;
}

function messagesOf(name: string): InboundMessage[] {
  return parseCase(name).events.flatMap((e) => (e.type === 'message' ? [e.message] : []));
}

function onlyEventOf(name: string): WebhookEvent {
  const { events } = parseCase(name);
  expect(events, name).to.have.length(1);
  return events[0]!;
}

describe('WhatsApp corpus replay', function () {
  before(function () {
    if (whatsapp.length === 0) {
      console.warn(`    (skipped: no WhatsApp corpus under ${corpusRoot()}; set PUENTE_CORPUS_DIR)`);
      this.skip();
    }
  });

  it(`finds at least ${MIN_WHATSAPP_CASES} WhatsApp bodies, with unique names`, () => {
    expect(whatsapp.length).to.be.at.least(MIN_WHATSAPP_CASES);
    expect(new Set(whatsapp.map((c) => c.name)).size).to.equal(whatsapp.length);
  });

  describe('every case: accepted with routable events, or rejected with a reason', () => {
    for (const c of whatsapp) {
      it(c.name, () => {
        let result: WebhookParseResult;
        expect(() => (result = parseWebhook(c.body))).to.not.throw();
        if (!result!.ok) {
          expect(result!.reason).to.be.a('string').and.not.equal('');
          return;
        }
        expect(result!.warnings.every((w) => typeof w === 'string' && w !== '')).to.equal(true);
        for (const event of result!.events) {
          if (event.type === 'message') {
            const m = event.message;
            expect(m.numberId, 'numberId').to.be.a('string').and.not.equal('');
            expect(m.wamid, 'wamid').to.be.a('string').and.not.equal('');
            expect(m.customer.waId || m.customer.userId, 'customer id').to.be.a('string').and.not.equal('');
            expect(m.timestamp, 'timestamp').to.be.a('number').and.above(0);
            expect(m.content.kind, 'content kind').to.be.a('string');
          } else if (event.type === 'status') {
            expect(event.status.numberId, 'numberId').to.be.a('string').and.not.equal('');
            expect(event.status.wamid, 'wamid').to.be.a('string').and.not.equal('');
            expect(event.status.status, 'status').to.be.a('string').and.not.equal('');
          } else if (event.type === 'ignored' || event.type === 'account') {
            expect(event.field).to.be.a('string').and.not.equal('');
          }
        }
      });
    }
  });

  describe('pinned expectations', () => {
    it('textMessageStatusRead.json (stray "{" upstream) is rejected as malformed JSON', () => {
      const result = parseWebhook(byName('whatsapp-business-java-api/deserialization/textMessageStatusRead.json').body);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason).to.match(/^malformed JSON/);
    });

    it('pywa un-reactions ("" and missing emoji) are reactions without an emoji', () => {
      for (const name of ['pywa/updates/message.json#unreaction_empty', 'pywa/updates/message.json#unreaction_no_emoji']) {
        expect(messagesOf(name).map((m) => m.content), name).to.deep.equal([{ kind: 'reaction', targetWamid: 'wamid.yzxyzx=' }]);
      }
      expect(messagesOf('pywa/updates/message.json#reaction')[0]?.content).to.deep.equal({
        kind: 'reaction',
        targetWamid: 'wamid.yzxyzx=',
        emoji: '😮',
      });
    });

    it('smb_message_echoes are ignored, never bridged back', () => {
      for (const name of ['pywa/updates/outgoing_message.json#text', 'pywa/updates/outgoing_message.json#edit', 'pywa/updates/outgoing_message.json#delete']) {
        expect(onlyEventOf(name)).to.include({ type: 'ignored', field: 'smb_message_echoes' });
      }
    });

    it('system user_changed_number carries the new wa_id', () => {
      const [message] = messagesOf('pywa/updates/system.json#phone_number_change');
      expect(message?.customer).to.deep.equal({ waId: '972987654321' });
      expect(message?.content).to.deep.equal({
        kind: 'system',
        systemType: 'user_changed_number',
        body: 'User A changed from 972987654321 to 972912345678',
        newWaId: '972912345678',
      });
    });

    it('system user_changed_user_id (no from at all) is a system notice for the new user id', () => {
      const [message] = messagesOf('vercel-chat/sample-messages.md#System message (user_changed_user_id)');
      expect(message?.customer).to.deep.equal({ userId: 'US.24817305912873645029' });
      expect(message?.content).to.include({ kind: 'system', systemType: 'user_changed_user_id', newUserId: 'US.24817305912873645029' });
    });

    it('a username user keeps user id and username', () => {
      const [message] = messagesOf('vercel-chat/sample-messages.md#Text message with business-scoped user IDs');
      expect(message?.customer).to.deep.equal({ waId: '15551234567', userId: 'US.13491208655302741918', name: 'Test User', username: 'testuser' });
    });

    it('a text whose from is the business phone_number_id is an ignored echo', () => {
      expect(onlyEventOf('whatsapp-business-java-api/deserialization/textMessage2.json')).to.include({ type: 'ignored', field: 'messages' });
    });

    it('edit wraps the edited image; revoke and the older unsupported-131051 delete are kept', () => {
      expect(messagesOf('pywa/updates/edited_message.json#image')[0]?.content).to.deep.equal({
        kind: 'edit',
        targetWamid: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
        content: {
          kind: 'media',
          mediaType: 'image',
          mediaId: '1234567890',
          mimeType: 'image/jpeg',
          sha256: 'a1b2c3d4e5f6...',
          url: 'https://media.example.com/updated-image.jpg',
          caption: 'Updated image caption',
        },
      });
      expect(messagesOf('pywa/updates/deleted_message.json#revoke')[0]?.content).to.deep.equal({
        kind: 'revoke',
        targetWamid: '<ORIGINAL_WHATSAPP_MESSAGE_ID>',
      });
      const [deleted] = messagesOf('whatsapp-business-java-api/deserialization/messageDeleted.json');
      expect(deleted?.content).to.include({ kind: 'unsupported' });
      expect(deleted?.errors?.[0]?.code).to.equal(131051);
    });

    it('an interactive message without its object, with a value-level error, yields both', () => {
      const { events } = parseCase('pywa/updates/message.json#interactive_message_with_err');
      expect(events.map((e) => e.type)).to.deep.equal(['message', 'error']);
    });

    it('failed statuses carry their error codes; group statuses are kept', () => {
      const failed = onlyEventOf('whatsapp-business-java-api/deserialization/reEngagementMessageError.json');
      if (failed.type !== 'status') expect.fail('expected a status');
      expect(failed.status).to.include({ status: 'failed', numberId: '109999999999999' });
      expect(failed.status.errors?.[0]).to.include({ code: 131047 });
      const group = onlyEventOf('pywa/updates/message_status.json#group');
      expect(group).to.have.nested.property('status.status', 'read');
    });

    it('account-level fields become account events with the WABA id', () => {
      expect(onlyEventOf('whatsapp-business-java-api/deserialization/qualityUpdate.json')).to.deep.include({
        type: 'account',
        field: 'phone_number_quality_update',
        wabaId: 'waba-id',
      });
      expect(onlyEventOf('pywa/updates/template_status_update.json#approved')).to.include({ type: 'account', field: 'message_template_status_update' });
      expect(onlyEventOf('vercel-chat/sample-messages.md#BSUID rotation (user_id_update)')).to.include({ type: 'account', field: 'user_id_update' });
    });

    it('calls and marketing preferences are ignored', () => {
      expect(onlyEventOf('pywa/updates/call_connect.json#user_initiated')).to.include({ type: 'ignored', field: 'calls' });
      expect(onlyEventOf('pywa/updates/call_status.json#call_status')).to.include({ type: 'ignored', field: 'calls' });
      expect(onlyEventOf('pywa/updates/user_marketing_preferences.json#signup')).to.include({ type: 'ignored', field: 'user_preferences' });
    });
  });
});

describe('corpus loader', function () {
  before(function () {
    if (whatsapp.length === 0) this.skip();
  });

  it('reads every platform, and every Slack and Teams body is JSON', () => {
    const slack = loadCorpus('slack');
    const teams = loadCorpus('teams');
    expect(slack.length).to.be.at.least(100);
    expect(teams.length).to.be.at.least(15);
    for (const c of [...slack, ...teams]) expect(() => JSON.parse(c.body), c.name).to.not.throw();
    expect(new Set(slack.map((c) => c.name)).size).to.equal(slack.length);
  });

  it('keeps invalid JSON files as raw text cases', () => {
    expect(byName('whatsapp-business-java-api/deserialization/textMessageStatusRead.json').body.trimEnd()).to.match(/\}\s*\{$/);
  });

  it('splits keyed files into exact source text per case', () => {
    const cases = whatsapp.filter((c) => c.file.endsWith('pywa/updates/message.json'));
    expect(cases.length).to.be.at.least(20);
    // The value's own text, not a re-serialisation: pywa indents by two spaces.
    expect(byName('pywa/updates/message.json#text').body).to.match(/^\{\n {4}"object": "whatsapp_business_account"/);
  });

  it('takes only object-valued keys of replay fixtures, and skips the recorder state', () => {
    expect(whatsapp.filter((c) => c.name.startsWith('vercel-chat/replay/')).map((c) => c.name)).to.deep.equal([
      'vercel-chat/replay/dm/whatsapp.json#firstMessage',
      'vercel-chat/replay/dm/whatsapp.json#secondMessage',
      'vercel-chat/replay/dm/whatsapp.json#statusUpdate',
    ]);
    const slackModals = loadCorpus('slack').filter((c) => c.name.startsWith('vercel-chat/replay/modals/slack.json#'));
    expect(slackModals.length).to.be.above(0);
    expect(slackModals.some((c) => /modalcontext$/i.test(c.name))).to.equal(false);
  });

  it('extracts the markdown logs: WhatsApp json blocks without the GET, Slack/Teams body literals unescaped', () => {
    const md = whatsapp.filter((c) => c.name.startsWith('vercel-chat/sample-messages.md#'));
    expect(md).to.have.length(9);
    expect(md.some((c) => c.body.includes('GET '))).to.equal(false);
    expect(md.find((c) => c.name.endsWith('#Reaction'))?.body).to.contain('"emoji": "\\ud83d\\udc4d"');

    const slackLog = loadCorpus('slack').filter((c) => c.name.startsWith('vercel-chat/sample-messages.md#'));
    expect(slackLog).to.have.length(12);
    // The backtick literal holds `\\n` for JSON's newline escape: it must come out as `\n` in the JSON text.
    const bot = slackLog.map((c) => JSON.parse(c.body) as { event?: { text?: string } }).find((b) => b.event?.text?.startsWith('Thanks for mentioning me!'));
    expect(bot?.event?.text).to.contain('\n\n_Connected via slack_');
    expect(loadCorpus('teams').filter((c) => c.name.startsWith('vercel-chat/sample-messages.md#'))).to.have.length(4);
  });
});
