/** File names and file types: untrusted names made safe, types read from the bytes. */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFileType } from '../../bot/detect-file-type.js';
import { safeFileName } from '../../bot/file-names.js';
import * as files from '../helpers/media-files.js';

describe('safe file names', () => {
  it('keeps an ordinary name as it is', () => {
    expect(safeFileName('Factura 2024-06.pdf', 'file', 'pdf')).to.equal('Factura 2024-06.pdf');
    expect(safeFileName('foto.JPEG', 'file', 'jpg')).to.equal('foto.JPEG');
    expect(safeFileName('Año nuevo – cotización.docx', 'file', 'docx')).to.equal('Año nuevo – cotización.docx');
  });

  it('drops every directory, Unix or Windows', () => {
    expect(safeFileName('../../etc/passwd', 'file')).to.equal('passwd');
    expect(safeFileName('C:\\Users\\ana\\Desktop\\cv.pdf', 'file', 'pdf')).to.equal('cv.pdf');
    expect(safeFileName('/', 'document', 'pdf')).to.equal('document.pdf');
    expect(safeFileName('..', 'document', 'pdf')).to.equal('document.pdf');
  });

  it('removes control characters and direction overrides', () => {
    expect(safeFileName('in\u0000voi\nce\u0007.pdf', 'file', 'pdf')).to.equal('invoice.pdf');
    // "\u202Efdp.exe" displays as "exe.pdf": the override goes and the real extension shows.
    expect(safeFileName('factura\u202Efdp.exe', 'file', 'exe')).to.equal('facturafdp.exe');
  });

  it('appends the real extension when the name claims another type', () => {
    expect(safeFileName('invoice.pdf', 'file', 'exe')).to.equal('invoice.pdf.exe');
    expect(safeFileName('foto', 'file', 'png')).to.equal('foto.png');
    expect(safeFileName(undefined, 'nota-de-voz', 'ogg')).to.equal('nota-de-voz.ogg');
  });

  it('shortens very long names and keeps the extension', () => {
    const name = safeFileName(`${'a'.repeat(500)}.pdf`, 'file', 'pdf');
    expect([...name]).to.have.length(120);
    expect(name.endsWith('.pdf')).to.equal(true);
  });

  it('hides nothing behind leading dots', () => {
    expect(safeFileName('.bashrc', 'file', 'txt')).to.equal('bashrc.txt');
  });
});

describe('file types from the bytes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-detect-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function detect(data: Buffer, name?: string) {
    const path = join(dir, `f${Math.random().toString(36).slice(2)}`);
    await writeFile(path, data);
    return detectFileType(path, name);
  }

  const CASES: [string, () => Buffer, string, string][] = [
    ['JPEG', files.jpeg, 'image/jpeg', 'jpg'],
    ['PNG', files.png, 'image/png', 'png'],
    ['WebP sticker', files.webp, 'image/webp', 'webp'],
    ['MP4', () => files.mp4(), 'video/mp4', 'mp4'],
    ['3GPP', files.threeGp, 'video/3gpp', '3gp'],
    ['M4A', files.m4a, 'audio/mp4', 'm4a'],
    ['OGG/Opus voice note', files.oggOpus, 'audio/ogg', 'ogg'],
    ['PDF', () => files.pdf(), 'application/pdf', 'pdf'],
    ['DOCX', () => files.docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    ['plain text', () => files.text(), 'text/plain', 'txt'],
  ];
  for (const [label, build, mimeType, extension] of CASES) {
    it(`recognises a ${label} as ${mimeType}`, async () => {
      expect(await detect(build())).to.deep.include({ mimeType, extension });
    });
  }

  it('ignores what the name claims', async () => {
    expect(await detect(files.png(), 'photo.jpg')).to.deep.include({ mimeType: 'image/png' });
    expect(await detect(files.exe(), 'invoice.pdf')).to.deep.include({ mimeType: 'application/x-msdownload', extension: 'exe' });
  });

  it('tells animated WebP stickers from static ones', async () => {
    expect((await detect(files.webp()))?.animated).to.equal(false);
    expect((await detect(files.animatedWebp()))?.animated).to.equal(true);
  });

  it('keeps OGG that is not OPUS apart from WhatsApp’s audio/ogg', async () => {
    expect(await detect(files.oggVorbis())).to.deep.equal({ mimeType: 'audio/ogg; codecs=vorbis', extension: 'ogg' });
  });

  it('uses the name only to tell .doc, .xls and .ppt apart inside an OLE2 container', async () => {
    const cfb = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    expect(await detect(cfb, 'old.doc')).to.deep.equal({ mimeType: 'application/msword', extension: 'doc' });
    expect(await detect(cfb, 'old.xls')).to.deep.equal({ mimeType: 'application/vnd.ms-excel', extension: 'xls' });
    expect(await detect(cfb, 'mystery.bin')).to.deep.include({ mimeType: 'application/x-cfb' });
  });

  it('calls unknown binary data unknown, and an empty file too', async () => {
    expect(await detect(Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x10]))).to.equal(undefined);
    expect(await detect(Buffer.alloc(0))).to.equal(undefined);
  });
});
