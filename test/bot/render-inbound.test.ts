/** How customers' non-text messages read in the thread: files described, locations and contact cards usable as they are. */
import { expect } from 'chai';
import { renderContent } from '../../bot/render-inbound.js';

describe('render inbound content', () => {
  it('describes a file with its kind, name and caption (the file itself is bridged separately)', () => {
    expect(renderContent('en', { kind: 'media', mediaType: 'document', mediaId: 'M1', filename: 'receipt.pdf', caption: 'my receipt' })).to.equal(
      '[document: receipt.pdf] my receipt',
    );
    expect(renderContent('es', { kind: 'media', mediaType: 'audio', mediaId: 'M2', voice: true })).to.equal('[nota de voz]');
  });

  it('gives a location as a map link', () => {
    expect(renderContent('en', { kind: 'location', latitude: 40.4168, longitude: -3.7038, name: 'Puerta del Sol' })).to.equal(
      '📍 Location: Puerta del Sol https://maps.google.com/?q=40.4168,-3.7038',
    );
  });

  it('gives a contact card with company, phones and e-mails, ready to use', () => {
    const text = renderContent('en', {
      kind: 'contacts',
      contacts: [
        {
          formattedName: 'María López',
          company: 'Acme',
          phones: [{ phone: '+34 600 000 000', waId: '34600000000' }],
          emails: [{ email: 'maria@acme.es' }],
          urls: [],
          addresses: [],
        },
        { formattedName: 'Juan', phones: [], emails: [], urls: [], addresses: [] },
      ],
    });
    expect(text).to.equal('👤 Contact card: María López, Acme (+34 600 000 000, maria@acme.es); Juan');
  });
});
