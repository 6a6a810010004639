/**
 * Number health and template changes from WhatsApp's account-level webhooks, posted to the
 * supervisors' channel (SUPERVISOR_CHANNEL_ID). `phone_number_quality_update` carries no phone
 * number id, only the display number, so lines are matched by their configured display number
 * (digits only on both sides, reference §9.1). Template status changes also refresh the template
 * cache of their account.
 */
import { createHash } from 'node:crypto';
import { say, type Language } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import type { TemplateCatalog } from './templates/template-catalog.js';
import type { NumberConfig } from '../config/types.js';

type Json = Record<string, unknown>;

export interface AccountEvent {
  field: string;
  wabaId?: string;
  value: unknown;
}

export class AccountAlerts {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly templates: TemplateCatalog,
  ) {}

  async handle(event: AccountEvent): Promise<void> {
    const value: Json = isObject(event.value) ? event.value : {};
    switch (event.field) {
      case 'message_template_status_update': {
        if (event.wabaId) this.templates.refresh(event.wabaId);
        const detail = [text(value.reason) !== 'NONE' ? text(value.reason) : undefined, text(objectField(value.other_info, 'description'))]
          .filter(Boolean)
          .join(' ');
        return this.alert(event, this.lineOfAccount(event.wabaId), (language) =>
          say(language, 'alert.template', {
            name: text(value.message_template_name) ?? '?',
            language: text(value.message_template_language) ?? '?',
            event: text(value.event) ?? '?',
            detail,
          }),
        );
      }
      case 'phone_number_quality_update': {
        const displayNumber = digitsOf(value.display_phone_number);
        const line = this.lineOfDisplayNumber(displayNumber);
        const limit = text(value.max_daily_conversations_per_business) ?? text(value.current_limit);
        return this.alert(event, line, (language) =>
          say(language, 'alert.quality', {
            line: line?.displayName ?? `+${displayNumber ?? '?'}`,
            event: text(value.event) ?? '?',
            detail: limit ?? '',
          }),
        );
      }
      case 'account_update': {
        const displayNumber = digitsOf(value.phone_number ?? value.display_phone_number);
        const line = this.lineOfDisplayNumber(displayNumber);
        const detail = [
          text(objectField(value.violation_info, 'violation_type')),
          text(objectField(value.ban_info, 'waba_ban_state')),
          ...(Array.isArray(value.restriction_info) ? value.restriction_info.map((item) => text(objectField(item, 'restriction_type'))) : []),
        ]
          .filter(Boolean)
          .join(', ');
        return this.alert(event, line ?? this.lineOfAccount(event.wabaId), (language) =>
          say(language, 'alert.account', {
            scope: line ? `*${line.displayName}*` : say(language, 'alert.account.all', { account: event.wabaId ?? '?' }),
            event: text(value.event) ?? '?',
            detail,
          }),
        );
      }
      default:
        this.ctx.logger.info({ field: event.field, wabaId: event.wabaId }, 'account webhook received');
    }
  }

  private async alert(event: AccountEvent, line: NumberConfig | undefined, render: (language: Language) => string): Promise<void> {
    const channel = this.ctx.config.supervisorChannel;
    const anyLine = line ?? this.ctx.numbers.values().next().value;
    if (!channel || !anyLine) {
      this.ctx.logger.warn({ field: event.field, wabaId: event.wabaId }, 'WhatsApp account alert not posted: SUPERVISOR_CHANNEL_ID is not set');
      return;
    }
    // The same webhook replayed after a crash carries the same key, so adapters can recognise it.
    const key = `alert:${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 32)}`;
    await this.ctx.withRetries(`alert ${event.field}`, () => this.ctx.adapterFor(anyLine).announce(channel, { text: render(anyLine.language), key }));
  }

  private lineOfDisplayNumber(digits: string | undefined): NumberConfig | undefined {
    if (!digits) return undefined;
    return [...this.ctx.numbers.values()].find((number) => digitsOf(number.displayNumber) === digits);
  }

  /** A line of the account, for the alert's language, when the account has exactly one line configured. */
  private lineOfAccount(wabaId: string | undefined): NumberConfig | undefined {
    const lines = [...this.ctx.numbers.values()].filter((number) => (number.businessAccountId ?? this.ctx.config.businessAccountId) === wabaId);
    return lines.length === 1 ? lines[0] : undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function digitsOf(value: unknown): string | undefined {
  const digits = typeof value === 'string' || typeof value === 'number' ? String(value).replace(/\D/g, '') : '';
  return digits || undefined;
}
