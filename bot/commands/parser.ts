/**
 * The command grammar (a public contract, README "Commands"), parsed once for every chat tool:
 *
 *   /block <number> [reason]     /unblock <number>     /blocklist
 *   /template list               /template show <name> /template send <name> <lang> <number> [value…]
 *   /optout <number>             /optin <number>
 *   /dnc check <number>          /dnc import           /erase <number>
 *
 * and `help` after any of them. Numbers may be typed with spaces, dashes or without `+`. A command
 * given from a conversation's thread (a header button, a message shortcut) leaves the number out:
 * it acts on that conversation's customer.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { MessageId } from '../catalogue.js';
import { takePhoneNumber } from '../phone-number.js';

export const COMMAND_NAMES = ['block', 'unblock', 'blocklist', 'template', 'optout', 'optin', 'dnc', 'erase'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Who a command is about: a typed number (E.164 digits, no `+`), or the customer of the thread it came from. */
export type Target = { kind: 'number'; digits: string } | { kind: 'thread' };

export type ParsedCommand =
  | { action: 'help'; name: CommandName }
  | { action: 'block'; target: Target; reason?: string }
  | { action: 'unblock'; target: Target }
  | { action: 'blocklist' }
  | { action: 'template-list' }
  | { action: 'template-show'; templateName: string }
  | { action: 'template-send'; templateName: string; language: string; target: Target; values: string[] }
  | { action: 'optout'; target: Target }
  | { action: 'optin'; target: Target }
  | { action: 'dnc-check'; target: Target }
  | { action: 'dnc-import' }
  | { action: 'erase'; target: Target };

export interface ParseProblem {
  id: MessageId;
  params: Record<string, string>;
}

export type ParseResult =
  | { ok: true; command: ParsedCommand }
  | { ok: false; name?: CommandName; problem: ParseProblem };

export interface ParseInput {
  name: string;
  text: string;
  /** The command came from a conversation's thread, so the number may be left out. */
  inThread: boolean;
  /** Country of the business line, for numbers typed without a country code. */
  defaultCountry?: CountryCode;
}

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

export function parseCommand(input: ParseInput): ParseResult {
  const name = input.name.replace(/^\//, '').toLowerCase();
  if (!isCommandName(name)) return { ok: false, problem: { id: 'command.unknown', params: { command: name } } };
  const words = splitWords(input.text);
  if (words.length === 1 && words[0]!.toLowerCase() === 'help') return { ok: true, command: { action: 'help', name } };
  const parse = new ArgumentReader(name, words, input);
  try {
    return { ok: true, command: parse.command() };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, name, problem: error.problem };
    throw error;
  }
}

class ParseFailure extends Error {
  constructor(readonly problem: ParseProblem) {
    super(problem.id);
  }
}

/** Reads one command's arguments; throws ParseFailure with the sentence that explains what is wrong. */
class ArgumentReader {
  private rest: string[];

  constructor(
    private readonly name: CommandName,
    words: string[],
    private readonly input: ParseInput,
  ) {
    this.rest = words;
  }

  command(): ParsedCommand {
    switch (this.name) {
      case 'block': {
        const target = this.target();
        const reason = this.rest.join(' ').trim();
        return { action: 'block', target, ...(reason ? { reason } : {}) };
      }
      case 'unblock':
      case 'optout':
      case 'optin':
      case 'erase': {
        const target = this.target();
        this.end();
        return { action: this.name, target };
      }
      case 'blocklist':
        this.end();
        return { action: 'blocklist' };
      case 'template':
        return this.template();
      case 'dnc':
        return this.dnc();
    }
  }

  private template(): ParsedCommand {
    const sub = this.word()?.toLowerCase();
    if (sub === 'list') {
      this.end();
      return { action: 'template-list' };
    }
    if (sub === 'show') {
      const templateName = this.required();
      this.end();
      return { action: 'template-show', templateName };
    }
    if (sub === 'send') {
      const templateName = this.required();
      const language = this.required();
      const target = this.target();
      return { action: 'template-send', templateName, language, target, values: this.rest.splice(0) };
    }
    return sub === undefined ? this.fail('command.args.missing') : this.fail('command.args.extra', { extra: sub });
  }

  private dnc(): ParsedCommand {
    const sub = this.word()?.toLowerCase();
    if (sub === 'check') {
      const target = this.target();
      this.end();
      return { action: 'dnc-check', target };
    }
    if (sub === 'import') {
      this.end();
      return { action: 'dnc-import' };
    }
    return sub === undefined ? this.fail('command.args.missing') : this.fail('command.args.extra', { extra: sub });
  }

  /** The number the command is about; from a thread it is that conversation's customer. */
  private target(): Target {
    if (this.input.inThread) return { kind: 'thread' };
    const taken = takePhoneNumber(this.rest, this.input.defaultCountry);
    if (taken === undefined) return this.fail('command.number.missing');
    if ('error' in taken) return this.fail('command.number.invalid', { input: taken.error });
    this.rest = this.rest.slice(taken.used);
    return { kind: 'number', digits: taken.number.digits };
  }

  private word(): string | undefined {
    return this.rest.shift();
  }

  private required(): string {
    return this.word() ?? this.fail('command.args.missing');
  }

  private end(): void {
    if (this.rest.length > 0) this.fail('command.args.extra', { extra: this.rest.join(' ') });
  }

  private fail(id: MessageId, params: Record<string, string> = {}): never {
    throw new ParseFailure({ id, params });
  }
}

/**
 * Splits on white space; a value in double quotes ("…", or the curly “…” chat tools may type) is
 * one word, spaces included.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|“([^”]*)”|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}
