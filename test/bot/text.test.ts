import { expect } from 'chai';
import { excerpt, splitText } from '../../bot/text.js';
import { advances } from '../../bot/delivery-state.js';
import { Lanes } from '../../bot/lanes.js';
import { fill, LANGUAGES, catalogue, messageIds, say } from '../../bot/catalogue.js';
import { SendPacer } from '../../bot/send-pacer.js';

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
  /** Start times a pacer gives `count` senders arriving at `arrivals(i)` ms, on a virtual clock. */
  async function starts(rate: number, count: number, arrivals: (index: number) => number, stallEvery = 0): Promise<number[]> {
    let clock = 0;
    const pacer = new SendPacer(rate, () => clock, async (ms) => {
      clock += ms;
    });
    const times: number[] = [];
    for (let index = 0; index < count; index++) {
      clock = Math.max(clock, arrivals(index));
      // An event-loop stall: time jumps while senders wait.
      if (stallEvery && index % stallEvery === 0) clock += 300;
      await pacer.acquire();
      times.push(clock);
    }
    return times;
  }

  function maxInAnySecond(times: number[]): number {
    let max = 0;
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= 1000) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  it('never lets more than `rate` sends start in any one-second window, and keeps up the rate', async () => {
    for (const rate of [1, 5, 50, 80, 85, 1000]) {
      for (const stallEvery of [0, 7]) {
        const all = await starts(rate, rate * 5, () => 0, stallEvery);
        expect(maxInAnySecond(all), `rate ${rate}`).to.be.at.most(rate);
        const achieved = (all.length - 1) / ((all.at(-1)! - all[0]!) / 1000);
        expect(achieved, `rate ${rate}`).to.be.at.most(rate);
        if (!stallEvery) expect(achieved, `rate ${rate}`).to.be.at.least(rate * 0.95);
      }
    }
  });

  it('spreads sends evenly after a burst of a twentieth of the rate, and does not delay sends that arrive slowly', async () => {
    const even = await starts(50, 10, () => 0);
    expect(even.slice(0, 2)).to.deep.equal([0, 0]);
    for (let index = 2; index < even.length; index++) expect(even[index]! - even[index - 1]!).to.be.closeTo(20.2, 1e-9);
    const single = await starts(10, 3, () => 0);
    expect(single[1]! - single[0]!).to.be.closeTo(101, 1e-9);
    const slow = await starts(50, 5, (index) => index * 100);
    expect(slow).to.deep.equal([0, 100, 200, 300, 400]);
  });
});
