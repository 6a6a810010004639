/**
 * `/dnc check <number>` and `/dnc import`. The do-not-contact list (Spain's Robinson list, or any
 * CSV of numbers) is replaced whole by each import, from the most recent CSV file shared in the
 * channel; its numbers are left out of bulk and marketing sends.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { CommandReply } from '../chat-adapter.js';
import type { BridgeContext } from '../bridge-context.js';
import { normalisePhoneNumber } from '../phone-number.js';
import type { ParsedCommand } from './parser.js';
import { shown, shownDate, type CommandScope } from './command-scope.js';

/** A Robinson-list export of a few hundred thousand numbers is well under this. */
export const DNC_FILE_MAX_BYTES = 20 * 1024 * 1024;

type DncCommand = Extract<ParsedCommand, { action: 'dnc-check' | 'dnc-import' }>;

export async function runDncCommand(ctx: BridgeContext, scope: CommandScope, command: DncCommand, defaultCountry?: CountryCode): Promise<CommandReply> {
  if (command.action === 'dnc-check') {
    const number = scope.numberOf(command.target);
    const status = await ctx.policy.statusOf(number);
    const listed = status.doNotContact;
    const hasList = (await ctx.store.getContactPolicy()).doNotContact !== undefined;
    const lines = [
      listed
        ? scope.say('dnc.check.listed', { number: shown(number), file: listed.fileName, date: shownDate(listed.importedAt) })
        : scope.say(hasList ? 'dnc.check.clear' : 'dnc.check.nolist', { number: shown(number) }),
      status.optedOut ? scope.say('dnc.check.optedout') : '',
      status.blocked ? scope.say('dnc.check.blocked') : '',
    ];
    return scope.reply(lines.filter(Boolean).join('\n'));
  }

  const adapter = ctx.options.adapters.get(scope.command.adapter);
  if (!adapter?.latestSharedFile) return scope.refuse('dnc.import.unsupported');
  const file = await adapter.latestSharedFile(scope.command.channel, ['.csv'], DNC_FILE_MAX_BYTES);
  if (!file) return scope.refuse('dnc.import.nofile');
  const parsed = numbersInCsv(file.data.toString('utf8'), defaultCountry);
  if (parsed.numbers.length === 0) return scope.refuse('dnc.import.empty', { file: file.name });
  await ctx.policy.replaceDoNotContact({ numbers: parsed.numbers, importedAt: ctx.now(), importedBy: scope.command.user.id, fileName: file.name });
  const lines = [
    scope.say('dnc.import.done', { count: parsed.numbers.length, file: file.name }),
    parsed.skipped > 0 ? scope.say('dnc.import.skipped', { count: parsed.skipped, example: parsed.firstSkipped ?? '' }) : '',
  ];
  return scope.reply(lines.filter(Boolean).join('\n'));
}

/**
 * The phone numbers of a CSV, one per line: the first cell of each line that reads as a number.
 * Separators `,` `;` and tabs (Spanish spreadsheets export with `;`); quotes are dropped; a header
 * line or a line without a number counts as skipped.
 */
export function numbersInCsv(text: string, defaultCountry?: CountryCode): { numbers: string[]; skipped: number; firstSkipped?: string } {
  const numbers = new Set<string>();
  let skipped = 0;
  let firstSkipped: string | undefined;
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const cells = line.split(/[,;\t]/).map((cell) => cell.trim().replace(/^"|"$/g, ''));
    const number = cells.map((cell) => normalisePhoneNumber(cell, defaultCountry)).find((result) => result.ok);
    if (number?.ok) numbers.add(number.digits);
    else {
      skipped += 1;
      firstSkipped ??= line.slice(0, 60);
    }
  }
  return { numbers: [...numbers], skipped, ...(firstSkipped !== undefined ? { firstSkipped } : {}) };
}
