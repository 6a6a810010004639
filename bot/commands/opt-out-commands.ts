/** `/optout` and `/optin`: the same status a customer's STOP / START keyword sets, by a supervisor. */
import type { CommandReply } from '../chat-adapter.js';
import type { BridgeContext } from '../bridge-context.js';
import type { ParsedCommand } from './parser.js';
import { shown, type CommandScope } from './command-scope.js';

type OptOutCommand = Extract<ParsedCommand, { action: 'optout' | 'optin' }>;

export async function runOptOutCommand(ctx: BridgeContext, scope: CommandScope, command: OptOutCommand): Promise<CommandReply> {
  const number = scope.numberOf(command.target);
  if (command.action === 'optout') {
    const changed = await ctx.policy.optOut({ number, at: ctx.now(), source: { by: scope.command.user.id } });
    return scope.reply(scope.say(changed ? 'optout.done' : 'optout.already', { number: shown(number) }));
  }
  const changed = await ctx.policy.optIn(number);
  return scope.reply(scope.say(changed ? 'optin.done' : 'optin.notoptedout', { number: shown(number) }));
}
