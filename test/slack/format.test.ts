import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mentionedUserIds, slackQuote, slackToWhatsApp, whatsAppToSlack } from '../../adapters/slack/format.js';
import { corpusRoot } from '../helpers/corpus.js';

const names = (id: string) => ({ U1: 'Ana María', U2: 'Bob' })[id];

describe('slack formatting', () => {
  describe('slackToWhatsApp', () => {
    it('unescapes &amp; &lt; &gt; exactly once', () => {
      expect(slackToWhatsApp('a &lt; b &amp;&amp; c &gt; d, &amp;lt; stays')).to.equal('a < b && c > d, &lt; stays');
    });

    it('turns labelled links into "label (url)" and bare links into the url', () => {
      expect(slackToWhatsApp('see <https://x.com/a?b=1&amp;c=2|the docs>')).to.equal('see the docs (https://x.com/a?b=1&c=2)');
      expect(slackToWhatsApp('<https://x.com/a>')).to.equal('https://x.com/a');
    });

    it('shows what the agent typed when Slack only auto-linked it', () => {
      expect(slackToWhatsApp('<http://example.com|example.com>')).to.equal('example.com');
    });

    it('shows mail and phone links as the address', () => {
      expect(slackToWhatsApp('<mailto:a@b.es|a@b.es>')).to.equal('a@b.es');
      expect(slackToWhatsApp('<mailto:a@b.es>')).to.equal('a@b.es');
      expect(slackToWhatsApp('<mailto:a@b.es|write us>')).to.equal('write us (a@b.es)');
    });

    it('resolves user mentions through the resolver, falling back to the id', () => {
      expect(slackToWhatsApp('hi <@U1> and <@U9>', names)).to.equal('hi @Ana María and @U9');
      expect(slackToWhatsApp('hi <@U9|legacy>')).to.equal('hi @legacy');
    });

    it('turns channel, broadcast, user-group and date tokens into readable text', () => {
      expect(slackToWhatsApp('<#C123|general> <#C456>')).to.equal('#general #C456');
      expect(slackToWhatsApp('<!here> <!channel> <!everyone> <!here|here>')).to.equal('@here @channel @everyone @here');
      expect(slackToWhatsApp('<!subteam^S1|@sales>')).to.equal('@sales');
      expect(slackToWhatsApp('on <!date^1392734382^{date_short}|Feb 18, 2014>')).to.equal('on Feb 18, 2014');
    });

    it('turns emoji shortcodes into Unicode, with skin tones', () => {
      expect(slackToWhatsApp('thanks :smile: :+1::skin-tone-3: :heart:')).to.equal('thanks 😄 \u{1F44D}\u{1F3FC} ❤️');
    });

    it('leaves unknown shortcodes and clock times alone', () => {
      expect(slackToWhatsApp(':partyparrot: at 10:30:45')).to.equal(':partyparrot: at 10:30:45');
    });

    it('keeps bold, italic, strike and code markers, which WhatsApp shares', () => {
      expect(slackToWhatsApp('*b* _i_ ~s~ `c` ```block```')).to.equal('*b* _i_ ~s~ `c` ```block```');
    });

    it('leaves shortcodes inside code literal but still unescapes there', () => {
      expect(slackToWhatsApp('`:smile: &lt;b&gt;` ```x -&gt; :x:```')).to.equal('`:smile: <b>` ```x -> :x:```');
    });

    it('does not read an unescaped &lt; as a token', () => {
      expect(slackToWhatsApp('&lt;@U1&gt;', names)).to.equal('<@U1>');
    });

    it('converts the text of real captured Slack messages (zulip corpus)', function () {
      const eventText = (file: string): string | undefined => {
        try {
          return JSON.parse(readFileSync(join(corpusRoot(), 'slack', 'zulip', file), 'utf8')).event.text;
        } catch {
          return undefined;
        }
      };
      const mentions = eventText('message_with_channel_and_user_mentions.json');
      if (mentions === undefined) this.skip();
      expect(slackToWhatsApp(mentions!, (id) => (id === 'U074VRHQ11T' ? 'Iago' : undefined))).to.equal(
        '@Iago #general message with both channel and user mentions',
      );
      expect(slackToWhatsApp(eventText('message_with_quote_block.json')!)).to.equal('> This is a quote');
      expect(slackToWhatsApp(eventText('message_with_workspace_mentions.json')!)).to.match(/^@channel @here Sorry .* 🙇$/);
    });
  });

  describe('mentionedUserIds', () => {
    it('lists each mentioned user once', () => {
      expect(mentionedUserIds('<@U1> <@U2|bob> <@U1> <#C1|x> &lt;@U3&gt;')).to.deep.equal(['U1', 'U2']);
    });
  });

  describe('whatsAppToSlack', () => {
    it('escapes only &, < and >', () => {
      expect(whatsAppToSlack('1 < 2 && 3 > 2 "quoted" \'single\'')).to.equal('1 &lt; 2 &amp;&amp; 3 &gt; 2 "quoted" \'single\'');
    });

    it('defuses text that looks like Slack tokens', () => {
      expect(whatsAppToSlack('<!channel> <@U1>')).to.equal('&lt;!channel&gt; &lt;@U1&gt;');
    });

    it('keeps WhatsApp emphasis markers as they are', () => {
      expect(whatsAppToSlack('*bold* _italic_ ~strike~ ```mono``` `code`')).to.equal('*bold* _italic_ ~strike~ ```mono``` `code`');
    });

    it('keeps every Unicode sequence byte for byte', () => {
      const text = 'Hola ñandú 👍🏽 👨‍👩‍👧 🇪🇸 ☑️ 🫱🏻‍🫲🏽';
      expect(Buffer.from(whatsAppToSlack(text))).to.deep.equal(Buffer.from(text));
    });

    it('round-trips through slackToWhatsApp', () => {
      const text = 'a < b & c > d 👍🏽 <@U1> :smile:';
      // `:smile:` typed by a customer becomes an emoji on the way back: Slack would render it so too.
      expect(slackToWhatsApp(whatsAppToSlack(text))).to.equal('a < b & c > d 👍🏽 <@U1> 😄');
    });
  });

  describe('slackQuote', () => {
    it('quotes each line, author first, escaped', () => {
      expect(slackQuote({ author: 'Ana', text: 'one\ntwo <3' })).to.equal('&gt; *Ana*\n&gt; one\n&gt; two &lt;3');
    });

    it('shortens long quotes without splitting an emoji sequence', () => {
      const quoted = slackQuote({ text: `${'a'.repeat(299)}👨‍👩‍👧 and more` });
      expect(quoted).to.equal(`&gt; ${'a'.repeat(299)}👨‍👩‍👧…`);
    });
  });
});
