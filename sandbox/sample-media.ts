/**
 * Small real files for the phone's sample attachments, built in code (no binary fixtures). Each is
 * structurally valid, so the bridge's `file-type` check recognises it as what it claims to be: a
 * PNG photo someone can actually see, a one-page PDF invoice, a WebP sticker (a heart), an OGG/Opus voice
 * note (headers only: silent) and an MP4 video (no frames). The byte helpers are shared
 * with the tests' fixtures (sandbox/file-bytes.ts).
 */
import { deflateSync } from 'node:zlib';
import { crc32, opusVoiceNote, u32be, u32le } from './file-bytes.js';


/** A 240×160 RGB PNG: a parcel on a sky-blue background, so "send a photo" shows a picture. */
export function samplePhoto(): Buffer {
  const width = 240;
  const height = 160;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      let rgb: [number, number, number] = [150 + Math.round((y / height) * 60), 200, 240]; // sky
      if (y > 120) rgb = [120, 170, 90]; // grass
      const inBox = x > 70 && x < 170 && y > 55 && y < 135;
      if (inBox) rgb = [196, 140, 80]; // cardboard
      if (inBox && (Math.abs(x - 120) < 5 || Math.abs(y - 85) < 4)) rgb = [230, 200, 120]; // tape
      row.set(rgb, 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32be(data.length), typed, u32be(crc32(typed))]);
  };
  const header = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF that says what it is. */
export function samplePdf(title = 'Factura 0042 - 2 camisetas, 39,90 EUR'): Buffer {
  const text = `BT /F1 12 Tf 20 150 Td (${title.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
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
}

function riffChunk(id: string, data: Buffer): Buffer {
  const padded = data.length % 2 === 1 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(data.length), padded]);
}

/** Writes bits least-significant first, as VP8L reads them. */
class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.current |= ((value >> i) & 1) << this.used;
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  finish(): Buffer {
    return Buffer.from(this.used > 0 ? [...this.bytes, this.current] : this.bytes);
  }
}

/**
 * A 128×128 lossless WebP sticker: a green heart on a transparent background. Two colours only, so
 * each channel needs a two-symbol "simple" prefix code and every pixel is four bits (VP8L spec §5, §6).
 */
export function sampleSticker(size = 128): Buffer {
  const colour = { a: 255, r: 37, g: 211, b: 102 }; // WhatsApp green
  const bits = new BitWriter();
  bits.write(0x2f, 8); // VP8L signature
  bits.write(size - 1, 14);
  bits.write(size - 1, 14);
  bits.write(1, 1); // alpha is used
  bits.write(0, 3); // version
  bits.write(0, 1); // no transform
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // no meta prefix codes
  const twoSymbols = (a: number, b: number) => {
    bits.write(1, 1); // simple code
    bits.write(1, 1); // two symbols
    bits.write(1, 1); // first symbol has 8 bits
    bits.write(a, 8);
    bits.write(b, 8);
  };
  twoSymbols(0, colour.g); // green (+ lengths + cache)
  twoSymbols(0, colour.r);
  twoSymbols(0, colour.b);
  twoSymbols(0, colour.a);
  bits.write(1, 1); // distance: simple code, one 1-bit symbol, 0 (never used)
  bits.write(0, 1);
  bits.write(0, 1);
  bits.write(0, 1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // The classic heart curve (x² + y² − 1)³ − x²y³ ≤ 0, scaled into the square.
      const u = ((x + 0.5) / size - 0.5) * 2.6;
      const v = (0.5 - (y + 0.5) / size) * 2.6 + 0.2;
      const inside = (u * u + v * v - 1) ** 3 - u * u * v ** 3 <= 0 ? 1 : 0;
      for (let channel = 0; channel < 4; channel++) bits.write(inside, 1); // green, red, blue, alpha: code 1 = the colour
    }
  }
  const vp8l = bits.finish();
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), riffChunk('VP8L', vp8l)]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]);
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32be(body.length + 8), Buffer.from(type, 'latin1'), body]);
}

/** An MP4 container (ftyp isom, moov, mdat) with no frames. */
export function sampleVideo(): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32be(0x200), ...['isom', 'iso2', 'mp41'].map((b) => Buffer.from(b, 'latin1')));
  return Buffer.concat([ftyp, box('moov', box('mvhd', Buffer.alloc(100))), box('mdat', Buffer.alloc(16))]);
}


/** An OGG/Opus voice note as WhatsApp records them (mono, 48 kHz): the two header pages, no audio. */
export function sampleVoiceNote(): Buffer {
  return opusVoiceNote('puente-sandbox');
}
