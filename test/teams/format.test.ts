import { expect } from 'chai';
import { retryAfterMs, stripBotMention, teamsToWhatsApp, whatsAppToTeams } from '../../adapters/teams/index.js';

describe('Teams text', () => {
  it('turns WhatsApp formatting into Teams markdown', () => {
    expect(whatsAppToTeams('*bold* _italic_ ~strike~ ```mono```')).to.equal('**bold** _italic_ ~~strike~~ `mono`');
    expect(whatsAppToTeams('2*3*4 stays')).to.equal('2*3*4 stays');
  });

  it('turns Teams text into WhatsApp formatting', () => {
    expect(teamsToWhatsApp('**bold** ~~gone~~ &amp; &lt;tag&gt;&nbsp;')).to.equal('*bold* ~gone~ & <tag>');
    expect(teamsToWhatsApp('<p>line one<br>line two</p>')).to.equal('line one\nline two');
  });

  it('strips the bot mention by entity, or by name when there is no entity', () => {
    const recipient = { id: '28:bot', name: 'Puente' };
    expect(stripBotMention({ text: '<at>Puente</at> hola', recipient, entities: [{ type: 'mention', text: '<at>Puente</at>', mentioned: { id: '28:bot' } }] })).to.deep.equal({ text: 'hola', mentioned: true });
    expect(stripBotMention({ text: '<at>Puente</at>\u00a0hola', recipient })).to.deep.equal({ text: 'hola', mentioned: true });
    expect(stripBotMention({ text: 'hola', recipient })).to.deep.equal({ text: 'hola', mentioned: false });
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('2')).to.equal(2000);
    expect(retryAfterMs(null)).to.equal(undefined);
    expect(retryAfterMs(new Date(Date.now() + 60_000).toUTCString())).to.be.within(55_000, 60_000);
  });
});
