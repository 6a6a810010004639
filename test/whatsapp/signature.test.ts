import { expect } from 'chai';
import { signBody, verifySignature } from '../../adapters/whatsapp/signature.js';

const SECRET = 'app-secret-for-tests';

describe('WhatsApp webhook signature', () => {
  it('signs with HMAC-SHA256, hex, prefixed sha256= (RFC 4231 test case 2)', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).to.equal(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('accepts the signature of exactly these bytes', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    expect(verifySignature(body, signBody(body, SECRET), SECRET)).to.equal(true);
  });

  it('rejects another secret or a single changed byte', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    const header = signBody(body, SECRET);
    expect(verifySignature(body, signBody(body, 'other-secret'), SECRET)).to.equal(false);
    const tampered = Buffer.from(body);
    tampered[10] = tampered[10]! ^ 1;
    expect(verifySignature(tampered, header, SECRET)).to.equal(false);
  });

  it('rejects missing and malformed headers without throwing', () => {
    const body = Buffer.from('{}');
    const hex = signBody(body, SECRET).slice('sha256='.length);
    const malformed = [
      undefined,
      '',
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}0`,
      `sha256=${hex.slice(0, 63)}z`,
      `sha256= ${hex}`,
      `SHA256=${hex}`,
    ];
    for (const header of malformed) expect(verifySignature(body, header, SECRET), String(header)).to.equal(false);
    expect(verifySignature(body, 42 as unknown as string, SECRET)).to.equal(false);
    expect(verifySignature('{}' as unknown as Buffer, `sha256=${hex}`, SECRET)).to.equal(false);
  });

  it('never accepts anything when the app secret is empty', () => {
    const body = Buffer.from('{}');
    expect(verifySignature(body, signBody(body, ''), '')).to.equal(false);
  });

  it('tolerates upper-case hex and surrounding whitespace in the header', () => {
    const body = Buffer.from('{}');
    const header = signBody(body, SECRET);
    expect(verifySignature(body, `  sha256=${header.slice(7).toUpperCase()} `, SECRET)).to.equal(true);
  });

  it('verifies escaped unicode on the raw bytes, not on a re-serialisation', () => {
    // Meta sends "äöå" as \u00e4\u00f6\u00e5 and signs those bytes.
    const raw = Buffer.from('{"text":{"body":"\\u00e4\\u00f6\\u00e5"}}');
    const header = signBody(raw, SECRET);
    expect(verifySignature(raw, header, SECRET)).to.equal(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(reserialised.toString('utf8')).to.contain('äöå');
    expect(verifySignature(reserialised, header, SECRET)).to.equal(false);
  });
});
