/**
 * Commands from Slack, delivered to the core as tool-neutral `ChatCommand`s (the core parses and
 * checks them, once for every tool):
 *
 *   - slash commands (`/block`, `/template`, …), posted form-encoded to `/slack/events`;
 *   - the buttons on a thread's header message, because Slack runs no slash command inside a thread
 *     (reference slack.md §4.2): a press acts on that thread's conversation;
 *   - the "Puente actions" message shortcut, which shows the same buttons on any message of a thread;
 *   - the modal a button opens when its command needs more words (a template's name and values).
 *
 * Slack wants an answer within 3 seconds and the receiver runs with `processBeforeResponse`, so the
 * HTTP answer leaves only when a listener returns: a command that answers quickly is answered in the
 * ack itself; a slower one is acked empty and answered through `response_url` once done.
 */
import type { App, RespondArguments, types, webApi } from '@slack/bolt';
import type { ChatCommand, ChatHandlers, CommandReply, ThreadAction } from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import type { Agent } from '../../bot/types.js';
import { COMMAND_NAMES } from '../../bot/commands/parser.js';
import { callSlack } from './errors.js';
import { ADAPTER } from './events.js';
import { whatsAppToSlack } from './format.js';
import type { SlackUserDirectory } from './users.js';

/** The message shortcut's callback id (declared in the app manifest). */
export const THREAD_ACTIONS_SHORTCUT = 'puente_thread_actions';
/** Buttons' `action_id`s start with this; the rest is the action's id. */
export const ACTION_ID_PREFIX = 'puente_action:';
/** The modal asking for the rest of a command. */
export const COMMAND_INPUT_VIEW = 'puente_command_input';

/** Time a command may take before the ack leaves without its answer (Slack allows 3 s in all). */
export const ACK_BUDGET_MS = 2_000;
/** Time a display-name lookup may take out of that budget; the user id is shown instead after it. */
const NAME_LOOKUP_BUDGET_MS = 700;

/** What a button carries in its `value` (Slack allows 2,000 characters). */
interface ActionValue {
  command: string;
  text: string;
  /** The thread the button acts on, when the button is not on the thread's root (shortcut menus). */
  thread?: string;
  input?: ThreadAction['input'];
}

/** What the modal carries in `private_metadata`, to run the command once the user typed the rest. */
interface InputMetadata {
  command: string;
  text: string;
  channel: string;
  thread: string;
}

export interface SlackInteractionsDeps {
  app: App;
  client: () => webApi.WebClient;
  handlers: () => ChatHandlers | undefined;
  users: SlackUserDirectory;
  logger: Logger;
}

export class SlackInteractions {
  constructor(private readonly deps: SlackInteractionsDeps) {}

  register(): void {
    const { app } = this.deps;
    for (const name of COMMAND_NAMES) {
      app.command(`/${name}`, async ({ command, ack, respond }) => {
        const user = await this.agent(command.user_id);
        const reply = this.handlers().onCommand({ name, text: command.text, user, adapter: ADAPTER, channel: command.channel_id });
        const quick = await within(reply, ACK_BUDGET_MS);
        if (quick) {
          await ack(respondArguments(quick));
          return;
        }
        await ack();
        reply.then(
          (late) => respond(respondArguments(late)),
          (error: unknown) => this.deps.logger.error({ err: error, command: name }, 'slack: command failed'),
        ).catch((error: unknown) => this.deps.logger.warn({ err: error, command: name }, 'slack: could not answer a slow command'));
      });
    }

    app.action(new RegExp(`^${ACTION_ID_PREFIX}`), async ({ ack, body, action, client }) => {
      await ack();
      if (body.type !== 'block_actions' || action.type !== 'button') return;
      const value = parseActionValue(action.value);
      const container = body.container as { channel_id?: string; message_ts?: string; thread_ts?: string };
      const channel = body.channel?.id ?? container.channel_id;
      // Header buttons sit on the thread's root, whose ts is the thread's id.
      const thread = value?.thread ?? container.thread_ts ?? container.message_ts ?? body.message?.ts;
      if (!value || !channel || !thread) return;
      if (value.input) {
        const metadata: InputMetadata = { command: value.command, text: value.text, channel, thread };
        await callSlack('views.open', () => client.views.open({ trigger_id: body.trigger_id, view: inputView(value.input!, metadata) }));
        return;
      }
      this.runInThread({ name: value.command, text: value.text, userId: body.user.id, channel, thread });
    });

    app.view(COMMAND_INPUT_VIEW, async ({ ack, body, view }) => {
      await ack();
      const metadata = JSON.parse(view.private_metadata) as InputMetadata;
      const typed = view.state.values.input?.value?.value ?? '';
      this.runInThread({ name: metadata.command, text: `${metadata.text} ${typed}`.trim(), userId: body.user.id, channel: metadata.channel, thread: metadata.thread });
    });

    app.shortcut({ callback_id: THREAD_ACTIONS_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, respond }) => {
      await ack();
      if (shortcut.type !== 'message_action') return;
      const thread = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
      const user = await this.agent(shortcut.user.id);
      const menu = await this.handlers().onThreadMenu({ adapter: ADAPTER, channel: shortcut.channel.id, id: thread }, user);
      await respond({ response_type: 'ephemeral', text: whatsAppToSlack(menu.text), blocks: actionBlocks(menu.text, menu.actions, thread) as unknown as types.KnownBlock[] });
    });
  }

  private handlers(): ChatHandlers {
    const handlers = this.deps.handlers();
    // Throwing makes Bolt answer 500: Slack tells the user the app did not respond.
    if (!handlers) throw new Error('Slack adapter is not started');
    return handlers;
  }

  /** The user with their display name when Slack gives it in time (thread notices name them). */
  private async agent(userId: string): Promise<Agent> {
    const names = await within(this.deps.users.names([userId]), NAME_LOOKUP_BUDGET_MS);
    const displayName = names?.(userId);
    return { id: userId, ...(displayName ? { displayName } : {}) };
  }

  /** Runs a command given from a thread and answers in that thread; the interaction is already acked. */
  private runInThread(input: { name: string; text: string; userId: string; channel: string; thread: string }): void {
    const work = async (): Promise<void> => {
      const user = await this.agent(input.userId);
      const command: ChatCommand = {
        name: input.name,
        text: input.text,
        user,
        adapter: ADAPTER,
        channel: input.channel,
        thread: { adapter: ADAPTER, channel: input.channel, id: input.thread },
      };
      const reply = await this.handlers().onCommand(command);
      const client = this.deps.client();
      const text = whatsAppToSlack(reply.text);
      if (reply.visibility === 'channel') {
        await callSlack('chat.postMessage', () => client.chat.postMessage({ channel: input.channel, thread_ts: input.thread, text }));
      } else {
        await callSlack('chat.postEphemeral', () => client.chat.postEphemeral({ channel: input.channel, thread_ts: input.thread, user: input.userId, text }));
      }
    };
    work().catch((error: unknown) => this.deps.logger.error({ err: error, command: input.name }, 'slack: thread action failed'));
  }
}

function respondArguments(reply: CommandReply): RespondArguments {
  return { response_type: reply.visibility === 'channel' ? 'in_channel' : 'ephemeral', text: whatsAppToSlack(reply.text) };
}

/** The promise's value if it settles in time; undefined after `ms` or on failure (the caller goes on without it). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseActionValue(raw: string | undefined): ActionValue | undefined {
  try {
    const value = JSON.parse(raw ?? '') as Partial<ActionValue>;
    return typeof value.command === 'string' && typeof value.text === 'string' ? (value as ActionValue) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Block Kit for a text with action buttons under it: the thread header (buttons act on the message's
 * own thread) or a shortcut's menu (`thread` names the thread, since the menu is not in it).
 */
export function actionBlocks(text: string, actions: readonly ThreadAction[], thread?: string): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: whatsAppToSlack(text) } }];
  if (actions.length === 0) return blocks;
  blocks.push({
    type: 'actions',
    block_id: 'puente_actions',
    elements: actions.map((action) => {
      const value: ActionValue = { command: action.command, text: action.text, ...(thread ? { thread } : {}), ...(action.input ? { input: action.input } : {}) };
      return {
        type: 'button',
        action_id: `${ACTION_ID_PREFIX}${action.id}`,
        text: { type: 'plain_text', text: action.label },
        value: JSON.stringify(value),
        ...(action.style ? { style: action.style } : {}),
      };
    }),
  });
  return blocks;
}

function inputView(input: NonNullable<ThreadAction['input']>, metadata: InputMetadata) {
  return {
    type: 'modal' as const,
    callback_id: COMMAND_INPUT_VIEW,
    private_metadata: JSON.stringify(metadata),
    // Slack caps modal titles and button labels at 24 characters.
    title: { type: 'plain_text' as const, text: input.title.slice(0, 24) },
    submit: { type: 'plain_text' as const, text: input.submit.slice(0, 24) },
    blocks: [
      {
        type: 'input',
        block_id: 'input',
        label: { type: 'plain_text' as const, text: input.label },
        element: { type: 'plain_text_input', action_id: 'value', ...(input.placeholder ? { placeholder: { type: 'plain_text', text: input.placeholder } } : {}) },
      },
    ],
  };
}
