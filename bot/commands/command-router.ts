/**
 * The one entry point for commands from every chat tool: parse once, check the role once, run the
 * command family's handler, and answer in the language of the line the command is about.
 */
import type { ChatCommand, CommandReply, ThreadAction } from '../chat-adapter.js';
import { say, type Language, type MessageId } from '../catalogue.js';
import type { BridgeContext } from '../bridge-context.js';
import { countryOf } from '../phone-number.js';
import { threadActions } from '../thread-opener.js';
import type { Conversation, ThreadRef } from '../types.js';
import type { NumberConfig } from '../../config/types.js';
import { runBlockCommand } from './block-commands.js';
import { CommandRefusal, CommandScope } from './command-scope.js';
import { runDncCommand } from './dnc-commands.js';
import { runEraseCommand } from './erase-command.js';
import { runOptOutCommand } from './opt-out-commands.js';
import { parseCommand, type CommandName, type ParsedCommand } from './parser.js';
import { Roles } from './permissions.js';
import { runTemplateCommand, type TemplateServices } from './template-commands.js';

export class CommandRouter {
  private readonly roles: Roles;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly templates: TemplateServices,
  ) {
    this.roles = new Roles(ctx.config.supervisors);
  }

  async handle(command: ChatCommand): Promise<CommandReply> {
    const { line, conversation } = await this.whereFrom(command);
    const language: Language = line?.language ?? this.defaultLanguage();
    const scope = new CommandScope(command, language, line, conversation);
    if (command.thread && !conversation) return scope.reply(scope.say('command.thread.unknown'));

    const parsed = parseCommand({ name: command.name, text: command.text, inThread: command.thread !== undefined, defaultCountry: countryOf(line?.displayNumber) });
    if (!parsed.ok) {
      const lines = [scope.say(parsed.problem.id, { ...parsed.problem.params, usage: parsed.name ? usageOf(language, parsed.name) : '' })];
      return scope.reply(lines.join('\n'));
    }
    if (!this.roles.allows(command.user.id, parsed.command)) {
      this.ctx.logger.info({ user: command.user.id, command: command.name }, 'command refused: supervisors only');
      return scope.reply(scope.say('command.refused.role', { command: command.name }));
    }
    try {
      return await this.run(scope, parsed.command);
    } catch (error) {
      if (error instanceof CommandRefusal) return error.reply;
      this.ctx.logger.error({ err: error, command: command.name, user: command.user.id }, 'command failed');
      return scope.reply(scope.say('command.failed', { command: command.name }));
    }
  }

  /** The header's actions again, for a thread whose header is out of sight (message shortcut). */
  async threadMenu(thread: ThreadRef): Promise<{ text: string; actions: ThreadAction[] }> {
    const found = await this.ctx.conversationForThread(thread);
    if (!found) return { text: say(this.defaultLanguage(), 'command.thread.unknown'), actions: [] };
    const language = found.number.language;
    if (!found.conversation.customer.waId) return { text: say(language, 'command.thread.nonumber'), actions: [] };
    return { text: say(language, 'action.menu'), actions: threadActions(language) };
  }

  private run(scope: CommandScope, command: ParsedCommand): Promise<CommandReply> {
    switch (command.action) {
      case 'help':
        return Promise.resolve(scope.reply(scope.say('command.usage', { usage: usageOf(scope.language, command.name) })));
      case 'block':
      case 'unblock':
      case 'blocklist':
        return runBlockCommand(this.ctx, scope, command);
      case 'template-list':
      case 'template-show':
      case 'template-send':
        return runTemplateCommand(this.ctx, this.templates, scope, command);
      case 'optout':
      case 'optin':
        return runOptOutCommand(this.ctx, scope, command);
      case 'dnc-check':
      case 'dnc-import':
        return runDncCommand(this.ctx, scope, command, countryOf(scope.line?.displayNumber));
      case 'erase':
        return runEraseCommand(this.ctx, scope, command);
    }
  }

  /** A thread's conversation and its line; else the line whose channel the command was given in. */
  private async whereFrom(command: ChatCommand): Promise<{ line?: NumberConfig; conversation?: Conversation }> {
    if (command.thread) {
      const found = await this.ctx.conversationForThread(command.thread);
      if (found) return { line: found.number, conversation: found.conversation };
    }
    const line = [...this.ctx.numbers.values()].find((number) => number.adapter === command.adapter && number.channel === command.channel);
    return { line };
  }

  /** Channels of no number (supervisors', triage) speak the first line's language. */
  private defaultLanguage(): Language {
    return this.ctx.numbers.values().next().value?.language ?? 'en';
  }
}

export function usageOf(language: Language, name: CommandName): string {
  return say(language, `usage.${name}` as MessageId);
}
