/**
 * Byte-level helpers for building small real files in code (PNG and ZIP checksums, Ogg pages,
 * integers), shared by the sandbox's sample attachments and the tests' media fixtures.
 */

const CRC32_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG and ZIP use it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Ogg's CRC (polynomial 0x04c11db7, not reflected, initial 0). */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

export const u16be = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);

export const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** One Ogg page carrying `packet`, with lacing values for packets over 255 bytes. */
export function oggPage(sequence: number, headerType: number, packet: Buffer): Buffer {
  const segments: number[] = [];
  for (let left = packet.length; ; left -= 255) {
    segments.push(Math.min(left, 255));
    if (left < 255) break;
  }
  const header = Buffer.concat([
    Buffer.from('OggS', 'latin1'),
    Buffer.from([0, headerType]),
    Buffer.alloc(8), // granule position
    u32le(0x50554e54), // stream serial
    u32le(sequence),
    u32le(0), // CRC, filled below
    Buffer.from([segments.length, ...segments]),
  ]);
  const page = Buffer.concat([header, packet]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** An OGG/Opus voice note as WhatsApp records them (mono, 48 kHz): the OpusHead and OpusTags pages, no audio. */
export function opusVoiceNote(vendorName: string): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 1]), Buffer.from([0x38, 0x01]), u32le(48_000), Buffer.from([0, 0, 0])]);
  const vendor = Buffer.from(vendorName, 'latin1');
  const tags = Buffer.concat([Buffer.from('OpusTags', 'latin1'), u32le(vendor.length), vendor, u32le(0)]);
  return Buffer.concat([oggPage(0, 0x02, head), oggPage(1, 0x00, tags)]);
}
