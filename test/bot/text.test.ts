import { expect } from 'chai';
import { excerpt, splitText } from '../../bot/text.js';
import { advances } from '../../bot/delivery-state.js';
import { Lanes } from '../../bot/lanes.js';
import { fill, LANGUAGES, catalogue, messageIds, say } from '../../bot/catalogue.js';
import { pacingFor } from '../../bot/outbound-sender.js';

describe('splitText', () => {
  it('returns short text unchanged', () => {
    expect(splitText('hola', 4096)).to.deep.equal(['hola']);
  });

  it('prefers paragraph and word boundaries and keeps every part within the limit', () => {
    const text = `${'uno '.repeat(30)}\n\n${'dos '.repeat(30)}`;
    const parts = splitText(text, 100);
    expect(parts.every((part) => part.length <= 100)).to.equal(true);
    expect(parts.join(' ').replace(/\s+/g, ' ').trim()).to.equal(text.replace(/\s+/g, ' ').trim());
  });

  it('never cuts inside an emoji grapheme (skin tones, ZWJ families, flags)', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = family.repeat(40) + '🇪🇸'.repeat(40) + '👍🏽'.repeat(40);
    const parts = splitText(text, 50);
    expect(parts.join('')).to.equal(text);
    for (const part of parts) {
      expect(part.length).to.be.at.most(50);
      expect([...new Intl.Segmenter().segment(part)].every(({ segment }) => [family, '🇪🇸', '👍🏽'].includes(segment))).to.equal(true);
    }
  });

  it('makes short excerpts for quotes', () => {
    expect(excerpt('a  b\n c')).to.equal('a b c');
    expect(excerpt('x'.repeat(400), 10)).to.equal(`${'x'.repeat(9)}…`);
  });
});

describe('delivery states', () => {
  it('only move forward, and failed is terminal', () => {
    expect(advances(undefined, 'sent')).to.equal(true);
    expect(advances('delivered', 'sent')).to.equal(false);
    expect(advances('delivered', 'read')).to.equal(true);
    expect(advances('read', 'failed')).to.equal(true);
    expect(advances('failed', 'read')).to.equal(false);
  });
});

describe('Lanes', () => {
  it('runs tasks of one key in order and of different keys in parallel, and forgets idle lanes', async () => {
    const lanes = new Lanes();
    const log: string[] = [];
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const a1 = lanes.run('a', async () => { await wait(20); log.push('a1'); });
    const a2 = lanes.run('a', async () => { log.push('a2'); });
    const b1 = lanes.run('b', async () => { log.push('b1'); });
    await Promise.all([a1, a2, b1]);
    expect(log).to.deep.equal(['b1', 'a1', 'a2']);
    await lanes.idle();
    expect(lanes.active).to.equal(0);
  });

  it('keeps going after a failed task', async () => {
    const lanes = new Lanes();
    const failed = lanes.run('a', async () => { throw new Error('boom'); });
    const next = lanes.run('a', async () => 'ok');
    await failed.catch(() => undefined);
    expect(await next).to.equal('ok');
  });
});

describe('message catalogue', () => {
  it('has every sentence in every language, with the same placeholders', () => {
    for (const language of LANGUAGES) {
      for (const id of messageIds()) {
        const text = catalogue(language)[id];
        expect(text, `${language}:${id}`).to.be.a('string').and.not.equal('');
        const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(placeholders(text), `${language}:${id}`).to.deep.equal(placeholders(catalogue('en')[id]));
      }
    }
  });

  it('drops empty optional parts without leaving double spaces, and keeps values untouched', () => {
    expect(say('en', 'inbound.location', { name: '', address: undefined, lat: 40.4, lng: -3.7 })).to.equal(
      '📍 Location: https://maps.google.com/?q=40.4,-3.7',
    );
    expect(fill('*{agent}*:\n{text}', { agent: 'Lucía', text: 'a  b $1 $&' })).to.equal('*Lucía*:\na  b $1 $&');
  });
});

describe('send pacing', () => {
  it('paces at exactly the configured rate', () => {
    for (const rate of [1, 5, 80, 85, 1000]) {
      const { intervalCap, interval } = pacingFor(rate);
      expect((intervalCap * 1000) / interval).to.be.closeTo(rate, 1e-9);
      expect(intervalCap).to.be.at.least(1);
    }
  });
});
