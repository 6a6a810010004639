/**
 * Message templates of each emulated WhatsApp Business Account (reference §8): served by
 * `GET /{waba-id}/message_templates` with Graph's cursor paging, and checked on template sends the
 * way Meta checks them (unknown or unapproved → 132001, paused → 132015, disabled → 132016, wrong
 * body parameter count → 132000).
 */
import { whatsappGraphError, type GraphError } from './graph-errors.js';

/** A template as Graph lists it: `{name, language, status, category, parameter_format?, components[]}`. */
export type EmulatedTemplate = Record<string, unknown> & { name: string; language: string; status: string };

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

export class TemplateBook {
  private readonly byAccount = new Map<string, EmulatedTemplate[]>();

  set(wabaId: string, templates: EmulatedTemplate[]): void {
    this.byAccount.set(wabaId, structuredClone(templates));
  }

  clear(): void {
    this.byAccount.clear();
  }

  /** One page of the list; `after` is the index the previous page ended at, as an opaque cursor. */
  list(wabaId: string, url: URL): Record<string, unknown> {
    const all = this.byAccount.get(wabaId) ?? [];
    const limit = Math.max(1, Math.min(Number(url.searchParams.get('limit') ?? 25) || 25, 100));
    const start = Number(Buffer.from(url.searchParams.get('after') ?? '', 'base64url').toString() || 0);
    const page = all.slice(start, start + limit).map((template, index) => ({ id: String(1_000_000 + start + index), ...template }));
    const end = start + page.length;
    const cursor = (at: number) => Buffer.from(String(at)).toString('base64url');
    return {
      data: page,
      paging: { cursors: { before: cursor(start), after: cursor(end) }, ...(end < all.length ? { next: `${url.pathname}?after=${cursor(end)}` } : {}) },
    };
  }

  /** The Graph error Meta would answer this template send with, if any. Accounts without templates accept anything. */
  check(wabaId: string, template: Record<string, unknown>): GraphError | undefined {
    const templates = this.byAccount.get(wabaId);
    if (!templates) return undefined;
    const language = (template.language as { code?: unknown } | undefined)?.code;
    const found = templates.find((candidate) => candidate.name === template.name && candidate.language === language);
    if (!found) return whatsappGraphError({ code: 132001 });
    const status = found.status.toUpperCase();
    if (status === 'PAUSED') return whatsappGraphError({ code: 132015 });
    if (status === 'DISABLED') return whatsappGraphError({ code: 132016 });
    if (status !== 'APPROVED') return whatsappGraphError({ code: 132001 });
    const components = Array.isArray(found.components) ? (found.components as { type?: string; text?: string }[]) : [];
    const bodyText = components.find((component) => component.type?.toUpperCase() === 'BODY')?.text ?? '';
    const expected = new Set([...bodyText.matchAll(PLACEHOLDER)].map((match) => match[1])).size;
    const sent = Array.isArray(template.components) ? (template.components as { type?: string; parameters?: unknown[] }[]) : [];
    const given = sent.find((component) => component.type === 'body')?.parameters?.length ?? 0;
    if (given !== expected) return whatsappGraphError({ code: 132000 });
    return undefined;
  }
}
