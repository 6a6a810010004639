import { expect } from 'chai';
import {
  BRIDGE_FILE_LIMITS,
  KiB,
  MiB,
  declaredTypeTakesCaption,
  formatBytes,
  formatSizeAgainstLimit,
  limitsIntoChat,
  limitsToWhatsApp,
  planWhatsAppFile,
  stricterLimits,
} from '../../bot/media-limits.js';

const LIMITS = limitsToWhatsApp(1024 * MiB);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('media limits', () => {
  describe('which limit applies', () => {
    it('is the bridge’s promise of 16 MB and 30 files unless the chat tool is stricter', () => {
      expect(BRIDGE_FILE_LIMITS).to.deep.equal({ maxFileBytes: 16 * MiB, maxFilesPerMessage: 30 });
      expect(limitsToWhatsApp(1024 * MiB)).to.deep.equal({ maxFileBytes: 16 * MiB, maxFilesPerMessage: 30 });
      expect(limitsIntoChat(1024 * MiB).maxFileBytes).to.equal(16 * MiB);
      expect(limitsIntoChat(10 * MiB).maxFileBytes, 'a chat tool with a 10 MB ceiling').to.equal(10 * MiB);
      expect(limitsToWhatsApp(2 * MiB).maxFileBytes).to.equal(2 * MiB);
    });

    it('takes the smaller of every declared value', () => {
      expect(stricterLimits({ maxFileBytes: 5 }, { maxFilesPerMessage: 3 }, { maxFileBytes: 9, maxFilesPerMessage: 7 })).to.deep.equal({
        maxFileBytes: 5,
        maxFilesPerMessage: 3,
      });
    });
  });

  describe('how WhatsApp takes a file', () => {
    const plan = (mimeType: string, size: number, animated?: boolean) => planWhatsAppFile({ mimeType, size, animated }, LIMITS);

    it('sends JPEG and PNG up to 5 MB as images, larger ones up to 16 MB as documents', () => {
      expect(plan('image/jpeg', 5 * MiB)).to.deep.equal({ kind: 'image', mimeType: 'image/jpeg', caption: true });
      expect(plan('image/png', 5 * MiB + 1)).to.deep.equal({ kind: 'document', mimeType: 'image/png', caption: true });
      expect(plan('image/jpeg', 16 * MiB)).to.include({ kind: 'document' });
      expect(plan('image/jpeg', 16 * MiB + 1)).to.deep.equal({ reason: 'too-large', size: 16 * MiB + 1, limit: 16 * MiB });
    });

    it('sends MP4 and 3GPP video up to 16 MB, with a caption', () => {
      expect(plan('video/mp4', 16 * MiB)).to.deep.equal({ kind: 'video', mimeType: 'video/mp4', caption: true });
      expect(plan('video/3gpp', 100)).to.include({ kind: 'video' });
      expect(plan('video/mp4', 16 * MiB + 1)).to.include({ reason: 'too-large', limit: 16 * MiB });
    });

    it('sends the audio types WhatsApp plays, without a caption; OGG only with OPUS', () => {
      for (const type of ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg']) {
        expect(plan(type, 16 * MiB), type).to.deep.equal({ kind: 'audio', mimeType: type, caption: false });
      }
      expect(plan('audio/ogg; codecs=vorbis', 1000)).to.deep.equal({ reason: 'type', mimeType: 'audio/ogg; codecs=vorbis' });
    });

    it('sends WebP as a sticker up to 100 KB static, 500 KB animated, and nowhere else', () => {
      expect(plan('image/webp', 100 * KiB)).to.deep.equal({ kind: 'sticker', mimeType: 'image/webp', caption: false });
      expect(plan('image/webp', 100 * KiB + 1)).to.deep.equal({ reason: 'too-large', size: 100 * KiB + 1, limit: 100 * KiB, kind: 'sticker' });
      expect(plan('image/webp', 500 * KiB, true)).to.include({ kind: 'sticker' });
      expect(plan('image/webp', 500 * KiB + 1, true)).to.include({ reason: 'too-large', limit: 500 * KiB });
    });

    it('sends the document types WhatsApp lists, up to the bridge’s 16 MB', () => {
      for (const type of ['application/pdf', 'text/plain', DOCX, 'application/msword', 'application/vnd.ms-excel']) {
        expect(plan(type, 16 * MiB), type).to.deep.equal({ kind: 'document', mimeType: type, caption: true });
      }
      expect(plan('application/pdf', 16 * MiB + 1)).to.include({ reason: 'too-large' });
    });

    it('refuses every other type, whatever its size', () => {
      for (const type of ['image/gif', 'application/zip', 'application/x-msdownload', 'video/quicktime']) {
        expect(plan(type, 10), type).to.deep.equal({ reason: 'type', mimeType: type });
      }
    });
  });

  it('guesses from the declared type only whether the text can ride as a caption', () => {
    expect(declaredTypeTakesCaption('image/png')).to.equal(true);
    expect(declaredTypeTakesCaption(undefined)).to.equal(true);
    expect(declaredTypeTakesCaption('audio/ogg')).to.equal(false);
    expect(declaredTypeTakesCaption('image/webp')).to.equal(false);
  });

  it('prints sizes people can compare, even one byte apart', () => {
    expect(formatBytes(16 * MiB)).to.equal('16 MB');
    expect(formatBytes(5.25 * MiB)).to.equal('5.3 MB');
    expect(formatBytes(100 * KiB)).to.equal('100 KB');
    expect(formatBytes(12)).to.equal('12 bytes');
    expect(formatSizeAgainstLimit(20 * MiB, 16 * MiB)).to.deep.equal({ size: '20 MB', limit: '16 MB' });
    expect(formatSizeAgainstLimit(16 * MiB + 1, 16 * MiB)).to.deep.equal({ size: '16,777,217 bytes', limit: '16,777,216 bytes' });
  });
});
