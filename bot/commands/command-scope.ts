/**
 * What every command handler gets: the command, the language to answer in, the business line and
 * (for thread actions) the conversation it acts on, and helpers to answer.
 */
import type { ChatCommand, CommandReply } from '../chat-adapter.js';
import { say, type Language, type MessageId } from '../catalogue.js';
import type { Conversation } from '../types.js';
import type { NumberConfig } from '../../config/types.js';
import type { Target } from './parser.js';

type Params = Record<string, string | number | undefined>;

/** A command that cannot go ahead; its text is the answer (thrown, so handlers read straight). */
export class CommandRefusal extends Error {
  constructor(readonly reply: CommandReply) {
    super(reply.text);
    this.name = 'CommandRefusal';
  }
}

export class CommandScope {
  constructor(
    readonly command: ChatCommand,
    readonly language: Language,
    /** The thread's conversation's number, or else the number whose channel the command was given in. */
    readonly line: NumberConfig | undefined,
    /** Set for commands given from a conversation's thread. */
    readonly conversation: Conversation | undefined,
  ) {}

  say(id: MessageId, params: Params = {}): string {
    return say(this.language, id, params);
  }

  /** How thread notices name the person who gave the command. */
  get by(): string {
    return this.command.user.displayName ?? this.command.user.id;
  }

  reply(text: string, visibility: CommandReply['visibility'] = 'private'): CommandReply {
    return { text, visibility };
  }

  refuse(id: MessageId, params: Params = {}): never {
    throw new CommandRefusal(this.reply(this.say(id, params)));
  }

  /** The customer's number (E.164 digits) a command is about. */
  numberOf(target: Target): string {
    if (target.kind === 'number') return target.digits;
    const waId = this.conversation?.customer.waId;
    return waId ? waId.replace(/^\+/, '') : this.refuse('command.thread.nonumber');
  }

  /** The line a command must act for (template sends); refused in a channel of no number. */
  requireLine(): NumberConfig {
    return this.line ?? this.refuse('command.channel.noline');
  }
}

/** `+34611111111`: how numbers are shown to people. */
export function shown(digits: string): string {
  return `+${digits}`;
}

/** Dates in command answers: ISO (2026-05-14), the same in every language and unambiguous. */
export function shownDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
