/**
 * Small real files of every type the bridge moves, built in code so no binary fixture is needed.
 * Each is structurally valid (correct signatures, chunk lengths and checksums) so `file-type`, and
 * most viewers, recognise it; the `…OfSize` builders pad a valid file to an exact byte count for the
 * limit tests.
 */
import { deflateSync } from 'node:zlib';
import { crc32, oggPage, opusVoiceNote, u16be, u32be, u32le } from '../../sandbox/file-bytes.js';

export { crc32 };

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** A 1×1 grey baseline JPEG: one 8×8 block whose only coefficient is a zero DC difference. */
export function jpeg(): Buffer {
  const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16be(body.length + 2), body]);
  const huffman = (tableClass: number) => Buffer.concat([Buffer.from([tableClass << 4]), Buffer.from([1, ...Array(15).fill(0)]), Buffer.from([0])]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0])), // JFIF
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])), // quantisation table 0
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])), // 1×1, one component
    segment(0xc4, huffman(0)), // DC table: one code "0" for category 0
    segment(0xc4, huffman(1)), // AC table: one code "0" for end-of-block
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    Buffer.from([0x3f]), // DC "0", EOB "0", padded with ones
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A width×height RGB PNG of one colour. */
export function png(width = 1, height = 1): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32be(data.length), typed, u32be(crc32(typed))]);
  };
  const header = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

function riff(form: string, chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from(form, 'latin1'), ...chunks]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]);
}

function riffChunk(id: string, data: Buffer): Buffer {
  const padded = data.length % 2 === 1 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(data.length), padded]);
}

/** A 1×1 lossless WebP (a sticker); `padding` adds an unknown chunk, which decoders skip, to reach a size. */
export function webp(padding = 0): Buffer {
  const vp8l = riffChunk('VP8L', Buffer.from([0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00]));
  return riff('WEBP', padding > 0 ? [vp8l, riffChunk('PADD', Buffer.alloc(padding))] : [vp8l]);
}

/** A 1×1 animated WebP (VP8X with the animation flag, ANIM, one ANMF frame). */
export function animatedWebp(padding = 0): Buffer {
  const canvas = Buffer.from([0, 0, 0, 0, 0, 0]); // width-1 and height-1, 24 bits each
  const vp8x = riffChunk('VP8X', Buffer.concat([Buffer.from([0x02, 0, 0, 0]), canvas]));
  const anim = riffChunk('ANIM', Buffer.from([0, 0, 0, 0, 0, 0]));
  const frame = riffChunk(
    'ANMF',
    Buffer.concat([Buffer.alloc(6), canvas, Buffer.from([100, 0, 0, 0]), riffChunk('VP8L', Buffer.from([0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00]))]),
  );
  return riff('WEBP', [vp8x, anim, frame, ...(padding > 0 ? [riffChunk('PADD', Buffer.alloc(padding))] : [])]);
}

export function gif(): Buffer {
  return Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
}

// ---------------------------------------------------------------------------------------------
// Audio and video
// ---------------------------------------------------------------------------------------------

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32be(body.length + 8), Buffer.from(type, 'latin1'), body]);
}

function isoFile(brand: string, compatible: string[], size?: number): Buffer {
  const ftyp = box('ftyp', Buffer.from(brand, 'latin1'), u32be(0x200), ...compatible.map((b) => Buffer.from(b, 'latin1')));
  const moov = box('moov', box('mvhd', Buffer.alloc(100)));
  const head = Buffer.concat([ftyp, moov]);
  const mdatPayload = size === undefined ? 16 : size - head.length - 8;
  if (mdatPayload < 0) throw new Error(`an ISO media file cannot be as small as ${size} bytes`);
  return Buffer.concat([head, box('mdat', Buffer.alloc(mdatPayload))]);
}

/** An MP4 (ftyp isom); with `size`, padded with an `mdat` box to exactly that many bytes. */
export function mp4(size?: number): Buffer {
  return isoFile('isom', ['isom', 'iso2', 'mp41'], size);
}

export function threeGp(): Buffer {
  return isoFile('3gp4', ['3gp4', 'isom']);
}

/** AAC audio in an MP4 container, as iPhones record it. */
export function m4a(): Buffer {
  return isoFile('M4A ', ['M4A ', 'mp42', 'isom']);
}


/** An OGG/Opus voice note: the OpusHead and OpusTags pages (mono, 48 kHz). */
export function oggOpus(): Buffer {
  return opusVoiceNote('puente-tests');
}

/** OGG with Vorbis inside: WhatsApp plays OGG only with OPUS. */
export function oggVorbis(): Buffer {
  const identification = Buffer.concat([Buffer.from([1]), Buffer.from('vorbis', 'latin1'), u32le(0), Buffer.from([1]), u32le(44_100), Buffer.alloc(12), Buffer.from([0xb8, 1])]);
  return oggPage(0, 0x02, identification);
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

/** A one-page PDF; with `size`, padded inside a stream object to exactly that many bytes. */
export function pdf(size?: number): Buffer {
  const build = (padding: number): Buffer => {
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
      `<< /Length ${padding} >>\nstream\n${' '.repeat(padding)}\nendstream`,
    ];
    let body = '%PDF-1.4\n';
    const offsets: number[] = [];
    objects.forEach((object, index) => {
      offsets.push(Buffer.byteLength(body));
      body += `${index + 1} 0 obj\n${object}\nendobj\n`;
    });
    const xref = Buffer.byteLength(body);
    body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
    body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(body, 'latin1');
  };
  if (size === undefined) return build(0);
  // The /Length digits grow with the padding: converge on the exact size.
  let padding = Math.max(0, size - build(0).length);
  for (let round = 0; round < 5; round++) {
    const length = build(padding).length;
    if (length === size) return build(padding);
    padding += size - length;
  }
  throw new Error(`could not build a PDF of exactly ${size} bytes`);
}

/** A stored (uncompressed) ZIP archive. */
export function zip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const fields = (signature: number, central: boolean) => {
      const b = Buffer.alloc(central ? 46 : 30);
      b.writeUInt32LE(signature, 0);
      let at = 4;
      if (central) b.writeUInt16LE(20, (at += 2) - 2); // version made by
      b.writeUInt16LE(20, at); // version needed
      b.writeUInt16LE(0, at + 2); // flags
      b.writeUInt16LE(0, at + 4); // stored
      b.writeUInt32LE(0x00210000, at + 6); // time, date (1980-01-01)
      b.writeUInt32LE(crc, at + 10);
      b.writeUInt32LE(data.length, at + 14);
      b.writeUInt32LE(data.length, at + 18);
      b.writeUInt16LE(fileName.length, at + 22);
      if (central) b.writeUInt32LE(offset, 42);
      return b;
    };
    const local = Buffer.concat([fields(0x04034b50, false), fileName, data]);
    centrals.push(Buffer.concat([fields(0x02014b50, true), fileName]));
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal Word document: content types, the package relationship and one paragraph. */
export function docx(text = 'Hola'): Buffer {
  const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  return zip([
    {
      name: '[Content_Types].xml',
      data: xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '</Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
          '</Relationships>',
      ),
    },
    {
      name: 'word/document.xml',
      data: xml(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`),
    },
  ]);
}

/** A Windows executable header: what a file named "invoice.pdf" must not be taken for. */
export function exe(): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

export function text(content = 'Pedido 1234: 2 × camiseta, talla M.\n'): Buffer {
  return Buffer.from(content, 'utf8');
}
