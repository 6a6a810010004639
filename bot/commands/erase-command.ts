/**
 * `/erase <number>`: the right to erasure. The store deletes every conversation with the number on
 * every line, their messages and sends, and its policy entries, and rewrites its files so none of
 * it stays on disk (storage/store.ts `eraseCustomer`). Threads are told first, while the bridge still
 * knows where they are; the chat tool's own copies are the workspace's to delete.
 */
import type { CommandReply } from '../chat-adapter.js';
import type { BridgeContext } from '../bridge-context.js';
import type { ParsedCommand } from './parser.js';
import { tellThreads } from './block-commands.js';
import { shown, type CommandScope } from './command-scope.js';

export async function runEraseCommand(ctx: BridgeContext, scope: CommandScope, command: Extract<ParsedCommand, { action: 'erase' }>): Promise<CommandReply> {
  const number = scope.numberOf(command.target);
  await tellThreads(ctx, number, 'erase.thread', scope.by, 'info');
  const report = await ctx.store.eraseCustomer(number);
  ctx.policy.reload();
  ctx.logger.info({ by: scope.command.user.id, conversations: report.conversations, messages: report.messages }, 'customer data erased');
  const lists = [
    report.blocked ? scope.say('erase.list.blocked') : '',
    report.optedOut ? scope.say('erase.list.optout') : '',
    report.doNotContact ? scope.say('erase.list.dnc') : '',
  ].filter(Boolean);
  if (report.conversations === 0 && lists.length === 0) return scope.reply(scope.say('erase.nothing', { number: shown(number) }));
  const lines = [
    scope.say('erase.done', { number: shown(number), conversations: report.conversations, messages: report.messages, sends: report.pendingSends }),
    lists.length > 0 ? scope.say('erase.done.lists', { lists: lists.join(', ') }) : '',
    report.conversations > 0 ? scope.say('erase.done.chat') : '',
  ];
  return scope.reply(lines.filter(Boolean).join('\n'));
}
