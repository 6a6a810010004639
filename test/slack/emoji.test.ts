import { expect } from 'chai';
import { slackNameToUnicode, unicodeToSlackName } from '../../adapters/slack/emoji.js';

describe('slack emoji names', () => {
  describe('slackNameToUnicode', () => {
    it('resolves a name and its aliases, with or without colons', () => {
      expect(slackNameToUnicode('+1')).to.equal('👍');
      expect(slackNameToUnicode('thumbsup')).to.equal('👍');
      expect(slackNameToUnicode(':heart:')).to.equal('❤️');
      expect(slackNameToUnicode('flag-es')).to.equal('🇪🇸');
    });

    it('applies a skin tone suffix', () => {
      expect(slackNameToUnicode('thumbsup::skin-tone-3')).to.equal('\u{1F44D}\u{1F3FC}');
      expect(slackNameToUnicode('wave::skin-tone-6')).to.equal('\u{1F44B}\u{1F3FF}');
    });

    it('applies two tones to an emoji of two people', () => {
      expect(slackNameToUnicode('handshake::skin-tone-2-4')).to.equal('\u{1FAF1}\u{1F3FB}\u200D\u{1FAF2}\u{1F3FD}');
    });

    it('keeps the emoji when the tone does not exist for it', () => {
      expect(slackNameToUnicode('eyes::skin-tone-3')).to.equal('👀');
    });

    it('returns undefined for a custom workspace emoji', () => {
      expect(slackNameToUnicode('partyparrot')).to.equal(undefined);
    });
  });

  describe('unicodeToSlackName', () => {
    it("gives Slack's primary name", () => {
      expect(unicodeToSlackName('👍')).to.equal('+1');
      expect(unicodeToSlackName('😀')).to.equal('grinning');
    });

    it('matches with or without the variation selector U+FE0F', () => {
      expect(unicodeToSlackName('\u2764\uFE0F')).to.equal('heart');
      expect(unicodeToSlackName('\u2764')).to.equal('heart');
    });

    it('names skin-toned emoji with the ::skin-tone-N suffix', () => {
      expect(unicodeToSlackName('👍🏽')).to.equal('+1::skin-tone-4');
    });

    it('names ZWJ sequences and flags', () => {
      expect(unicodeToSlackName('👨‍👩‍👧')).to.equal('man-woman-girl');
      expect(slackNameToUnicode(unicodeToSlackName('🇪🇸')!)).to.equal('🇪🇸');
    });

    it('returns undefined for text that is not an emoji', () => {
      expect(unicodeToSlackName('ok')).to.equal(undefined);
    });

    it('round-trips every status reaction the adapter uses', () => {
      for (const name of ['ballot_box_with_check', 'white_check_mark', 'eyes', 'headphones', 'x']) {
        expect(unicodeToSlackName(slackNameToUnicode(name)!), name).to.equal(name);
      }
    });
  });
});
