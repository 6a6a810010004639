/**
 * `/block`, `/unblock`, `/blocklist`. A block takes effect at once in both directions: the inbound
 * gate drops the number's messages (bot/policy/inbound-policy.ts) and the send path refuses to send
 * to it (bot/reply-delivery.ts). Open threads with the number are told.
 */
import type { CommandReply, Notice } from '../chat-adapter.js';
import { conversationIdOf, type BridgeContext } from '../bridge-context.js';
import { say, type MessageId } from '../catalogue.js';
import type { ParsedCommand } from './parser.js';
import { shown, shownDate, type CommandScope } from './command-scope.js';

type BlockCommand = Extract<ParsedCommand, { action: 'block' | 'unblock' | 'blocklist' }>;

export async function runBlockCommand(ctx: BridgeContext, scope: CommandScope, command: BlockCommand): Promise<CommandReply> {
  switch (command.action) {
    case 'block': {
      const number = scope.numberOf(command.target);
      const renewed = await ctx.policy.block({ number, by: scope.command.user.id, at: ctx.now(), ...(command.reason ? { reason: command.reason } : {}) });
      if (!renewed) await tellThreads(ctx, number, 'block.thread', scope.by);
      const lines = [scope.say(renewed ? 'block.updated' : 'block.done', { number: shown(number) })];
      if (command.reason) lines.push(scope.say('block.reason', { reason: command.reason }));
      return scope.reply(lines.join('\n'));
    }
    case 'unblock': {
      const number = scope.numberOf(command.target);
      const removed = await ctx.policy.unblock(number);
      if (removed) await tellThreads(ctx, number, 'unblock.thread', scope.by);
      return scope.reply(scope.say(removed ? 'unblock.done' : 'unblock.notblocked', { number: shown(number) }));
    }
    case 'blocklist': {
      const entries = await ctx.policy.blockedList();
      if (entries.length === 0) return scope.reply(scope.say('blocklist.empty'));
      const lines = entries.map((entry) =>
        scope.say('blocklist.entry', { number: shown(entry.number), by: entry.by, date: shownDate(entry.at), reason: entry.reason ? `(${entry.reason})` : '' }),
      );
      return scope.reply([scope.say('blocklist.header', { count: entries.length }), ...lines].join('\n'));
    }
  }
}

/**
 * Posts a notice in every open thread with the customer `number`, on every line, each in its line's
 * language. Best effort: the change itself is already stored.
 */
export async function tellThreads(ctx: BridgeContext, number: string, id: MessageId, by: string, kind: Notice['kind'] = 'warning'): Promise<void> {
  for (const line of ctx.numbers.values()) {
    const conversation = await ctx.store.getConversation(conversationIdOf(line.phoneNumberId, `wa:${number}`));
    const thread = conversation?.thread;
    if (!thread) continue;
    try {
      await ctx.adapterFor(line).notify(thread, { kind, text: say(line.language, id, { by }) });
    } catch (error) {
      ctx.logger.warn({ numberId: line.phoneNumberId, err: error }, 'could not tell a thread about a policy change');
    }
  }
}
