/**
 * Templates on the wire (reference §4 "Template body", §8 "Templates API"): the `template` object of
 * a send, and the items of `GET /{waba-id}/message_templates` read defensively into the core's
 * `MessageTemplate`.
 */
import type { MessageTemplate, TemplateComponent, TemplateSend } from '../../bot/types.js';

/** Fields asked of the templates list; anything else Graph adds is ignored. */
export const TEMPLATE_LIST_FIELDS = 'id,name,language,status,category,parameter_format,components';
/** Pages of the templates list read at most (100 per page: 5,000 templates, near Meta's 6,000 cap). */
export const TEMPLATE_LIST_MAX_PAGES = 50;

/** The `template` object of `POST /{phone-number-id}/messages`. */
export function templateObject(send: TemplateSend): Record<string, unknown> {
  const components: Record<string, unknown>[] = [];
  const header = send.header;
  if (header?.type === 'text') {
    components.push({ type: 'header', parameters: [{ type: 'text', text: header.text, ...named(header.parameterName) }] });
  } else if (header) {
    components.push({ type: 'header', parameters: [{ type: header.type, [header.type]: { link: header.link } }] });
  }
  if (send.body.length > 0) {
    components.push({ type: 'body', parameters: send.body.map((value) => ({ type: 'text', text: value.text, ...named(value.parameterName) })) });
  }
  for (const button of send.buttons) {
    components.push({ type: 'button', sub_type: 'url', index: String(button.index), parameters: [{ type: 'text', text: button.text }] });
  }
  return { name: send.name, language: { code: send.language }, ...(components.length > 0 ? { components } : {}) };
}

function named(parameterName: string | undefined): { parameter_name?: string } {
  return parameterName === undefined ? {} : { parameter_name: parameterName };
}

type Json = Record<string, unknown>;

/** One page of the list: its templates, and the cursor of the next page when there is one. */
export function parseTemplatePage(data: unknown): { templates: MessageTemplate[]; after?: string } {
  const page = isObject(data) ? data : {};
  const items = Array.isArray(page.data) ? page.data : [];
  const templates = items.filter(isObject).flatMap((item): MessageTemplate[] => {
    const name = text(item.name);
    const language = text(item.language);
    if (!name || !language) return [];
    return [
      {
        ...(text(item.id) ? { id: text(item.id) } : {}),
        name,
        language,
        status: text(item.status) ?? 'UNKNOWN',
        ...(text(item.category) ? { category: text(item.category) } : {}),
        parameterFormat: text(item.parameter_format)?.toUpperCase() === 'NAMED' ? 'named' : 'positional',
        components: (Array.isArray(item.components) ? item.components : []).filter(isObject).map(componentOf),
      },
    ];
  });
  const paging = isObject(page.paging) ? page.paging : {};
  const cursors = isObject(paging.cursors) ? paging.cursors : {};
  // Graph gives `next` only when there is another page; `after` alone is the last page's own cursor.
  const after = paging.next ? text(cursors.after) : undefined;
  return { templates, ...(after ? { after } : {}) };
}

function componentOf(item: Json): TemplateComponent {
  const buttons = Array.isArray(item.buttons)
    ? item.buttons.filter(isObject).map((button) => ({
        type: text(button.type) ?? 'UNKNOWN',
        ...(text(button.text) ? { text: text(button.text) } : {}),
        ...(text(button.url) ? { url: text(button.url) } : {}),
      }))
    : undefined;
  return {
    type: text(item.type) ?? 'UNKNOWN',
    ...(text(item.format) ? { format: text(item.format) } : {}),
    ...(text(item.text) ? { text: text(item.text) } : {}),
    ...(buttons ? { buttons } : {}),
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
