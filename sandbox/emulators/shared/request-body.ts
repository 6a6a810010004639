/**
 * Decodes a request body the way the real services accept it: JSON, form-encoded (what
 * `@slack/web-api` sends by default) or multipart (file uploads).
 */
import { parse as parseQueryString } from 'node:querystring';

export interface UploadedFile {
  filename: string;
  type: string;
  data: Buffer;
}

export type ParsedBody =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'multipart'; fields: Record<string, string>; files: Record<string, UploadedFile> }
  | { kind: 'invalid'; reason: string };

export async function parseRequestBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { kind: 'empty' };
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json') {
    try {
      return { kind: 'json', value: JSON.parse(raw.toString('utf8')) };
    } catch (error) {
      return { kind: 'invalid', reason: `malformed JSON: ${(error as Error).message}` };
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(parseQueryString(raw.toString('utf8')))) {
      // repeated keys: the last one wins, like most web frameworks
      fields[key] = Array.isArray(value) ? (value.at(-1) ?? '') : (value ?? '');
    }
    return { kind: 'form', fields };
  }
  if (mediaType === 'multipart/form-data') return parseMultipart(contentType as string, raw);
  return { kind: 'invalid', reason: `unsupported content-type ${JSON.stringify(contentType ?? '')}` };
}

async function parseMultipart(contentType: string, raw: Buffer): Promise<ParsedBody> {
  try {
    // undici's multipart parser (global Response in Node 20) spares us writing one.
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    const files: Record<string, UploadedFile> = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') fields[name] = value;
      else files[name] = { filename: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) };
    }
    return { kind: 'multipart', fields, files };
  } catch (error) {
    return { kind: 'invalid', reason: `malformed multipart body: ${(error as Error).message}` };
  }
}
