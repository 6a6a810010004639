/**
 * A template's placeholders, and the values a person typed checked against them, before anything is
 * sent: the count per part, the header's media link, WhatsApp's 1,024-character limit per value.
 * Values fill the header first, then the body, then dynamic link buttons, in order; a media header
 * takes the first value as its link.
 */
import type { MessageId } from '../catalogue.js';
import type { MessageTemplate, TemplateComponent, TemplateSend } from '../types.js';

/** WhatsApp's limit for one body parameter (reference §4). */
export const TEMPLATE_VALUE_LIMIT = 1024;

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;
const MEDIA_HEADERS = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document' } as const;
type HeaderMedia = (typeof MEDIA_HEADERS)[keyof typeof MEDIA_HEADERS];

export interface TemplateSlots {
  headerMedia?: HeaderMedia;
  /** A header format Puente cannot fill (`LOCATION`). */
  unsupportedHeader?: string;
  header: string[];
  body: string[];
  /** Dynamic URL buttons: their position among the template's buttons and their placeholders. */
  buttons: { index: number; placeholders: string[] }[];
}

export interface TemplateProblem {
  id: MessageId;
  params: Record<string, string | number>;
}

/** Distinct placeholder names in order of first use (positional ones sorted by number, as WhatsApp counts them). */
export function placeholdersIn(text: string | undefined, format: MessageTemplate['parameterFormat']): string[] {
  const names = [...new Set([...(text ?? '').matchAll(PLACEHOLDER)].map((match) => match[1]!))];
  return format === 'positional' ? names.sort((a, b) => Number(a) - Number(b)) : names;
}

export function slotsOf(template: MessageTemplate): TemplateSlots {
  const part = (type: string): TemplateComponent | undefined => template.components.find((component) => component.type.toUpperCase() === type);
  const header = part('HEADER');
  const format = header?.format?.toUpperCase();
  const slots: TemplateSlots = { header: [], body: placeholdersIn(part('BODY')?.text, template.parameterFormat), buttons: [] };
  if (format && format in MEDIA_HEADERS) slots.headerMedia = MEDIA_HEADERS[format as keyof typeof MEDIA_HEADERS];
  else if (format && format !== 'TEXT') slots.unsupportedHeader = format.toLowerCase();
  else slots.header = placeholdersIn(header?.text, template.parameterFormat);
  (part('BUTTONS')?.buttons ?? []).forEach((button, index) => {
    if (button.type.toUpperCase() !== 'URL') return;
    const placeholders = placeholdersIn(button.url, 'positional');
    if (placeholders.length > 0) slots.buttons.push({ index, placeholders });
  });
  return slots;
}

/** How many values a template takes in all. */
export function valueCount(slots: TemplateSlots): number {
  return (slots.headerMedia ? 1 : 0) + slots.header.length + slots.body.length + slots.buttons.reduce((sum, button) => sum + button.placeholders.length, 0);
}

export type FillResult = { ok: true; send: TemplateSend; preview: string } | { ok: false; problem: TemplateProblem };

export function fillTemplate(template: MessageTemplate, values: readonly string[], describe: (id: MessageId, params: Record<string, string | number>) => string): FillResult {
  const slots = slotsOf(template);
  const fail = (id: MessageId, params: Record<string, string | number> = {}): FillResult => ({ ok: false, problem: { id, params: { name: template.name, ...params } } });
  if (slots.unsupportedHeader) return fail('template.unsupported', { what: slots.unsupportedHeader });
  const expected = valueCount(slots);
  if (values.length !== expected) {
    const where = [
      slots.headerMedia ? describe('template.params.header', { count: 1 }) : '',
      slots.header.length ? describe('template.params.header', { count: slots.header.length }) : '',
      slots.body.length ? describe('template.params.body', { count: slots.body.length }) : '',
      slots.buttons.length ? describe('template.params.buttons', { count: valueCount({ ...slots, headerMedia: undefined, header: [], body: [] }) }) : '',
    ].filter(Boolean);
    return fail('template.params.count', { expected, given: values.length, where: where.join(', ') || describe('template.params.none', {}) });
  }
  const tooLong = values.findIndex((value) => value.length > TEMPLATE_VALUE_LIMIT);
  if (tooLong !== -1) return fail('template.params.toolong', { index: tooLong + 1 });

  let next = 0;
  const take = (): string => values[next++]!;
  const send: TemplateSend = { name: template.name, language: template.language, body: [], buttons: [] };
  if (slots.headerMedia) {
    const link = take();
    if (!/^https?:\/\/\S+$/i.test(link)) return fail('template.params.media', { media: describe(`template.media.${slots.headerMedia}`, {}) });
    send.header = { type: slots.headerMedia, link };
  }
  const named = template.parameterFormat === 'named';
  const filled = new Map<string, string>();
  for (const name of slots.header) {
    const text = take();
    filled.set(`header:${name}`, text);
    send.header = { type: 'text', text, ...(named ? { parameterName: name } : {}) };
  }
  for (const name of slots.body) {
    const text = take();
    filled.set(`body:${name}`, text);
    send.body.push({ text, ...(named ? { parameterName: name } : {}) });
  }
  for (const button of slots.buttons) for (const _ of button.placeholders) send.buttons.push({ index: button.index, text: take() });
  return { ok: true, send, preview: previewOf(template, filled) };
}

/** What the customer will read: header and body with the values in place. */
function previewOf(template: MessageTemplate, filled: Map<string, string>): string {
  const render = (part: string): string | undefined => {
    const component = template.components.find((candidate) => candidate.type.toUpperCase() === part.toUpperCase());
    if (!component?.text || (part === 'header' && component.format && component.format.toUpperCase() !== 'TEXT')) return undefined;
    return component.text.replace(PLACEHOLDER, (whole, name: string) => filled.get(`${part}:${name}`) ?? whole);
  };
  return [render('header'), render('body'), render('footer')].filter((text): text is string => Boolean(text)).join('\n');
}

/** The template `name` in `language` (`es-ES` and `es_ES` are one code). */
export function findTemplate(
  templates: readonly MessageTemplate[],
  name: string,
  language: string,
): { ok: true; template: MessageTemplate } | { ok: false; problem: TemplateProblem } {
  const sameName = templates.filter((template) => template.name === name.toLowerCase());
  if (sameName.length === 0) return { ok: false, problem: { id: 'template.unknown', params: { name } } };
  const wanted = languageKey(language);
  const template = sameName.find((candidate) => languageKey(candidate.language) === wanted);
  if (!template) {
    return { ok: false, problem: { id: 'template.language.unknown', params: { name, language, languages: sameName.map((candidate) => candidate.language).join(', ') } } };
  }
  if (template.status.toUpperCase() !== 'APPROVED') {
    return { ok: false, problem: { id: 'template.notapproved', params: { name, language: template.language, status: template.status } } };
  }
  return { ok: true, template };
}

function languageKey(code: string): string {
  return code.trim().toLowerCase().replace('-', '_');
}
