/**
 * Slack Events API body → the core's vocabulary. Pure: no I/O, no Bolt, never throws, so the same
 * function serves the live adapter and a replay of recorded bodies.
 *
 * Every body ends as exactly one of: an agent event (message, edit/delete, reaction), the
 * `url_verification` handshake, `ignored` (a real Slack body the bridge deliberately does not relay)
 * or `rejected` (not a usable Slack body: malformed, not from Slack, ids missing or empty).
 */
import type { Agent, AgentChange, AgentMessage, AgentReaction, ChatFileRef, ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { slackNameToUnicode } from './emoji.js';
import { mentionedUserIds, slackToWhatsApp, type UserNames } from './format.js';

export const ADAPTER = 'slack';

/** What the bridge knows about its own Slack identity, to recognise its own posts and reactions. */
export interface SlackSelf {
  botId?: string;
  botUserId?: string;
  /** Defaults to the envelope's `api_app_id`, which is always the app receiving the event: us. */
  appId?: string;
}

export type SlackInterpretation =
  | { kind: 'url_verification'; challenge: string }
  /** `mrkdwn` is the original text, kept so it can be re-rendered once mentioned users' names are known. */
  | { kind: 'message'; message: AgentMessage; mrkdwn: string }
  | { kind: 'change'; change: AgentChange }
  | { kind: 'reaction'; reaction: AgentReaction }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; reason: string };

type Json = Record<string, unknown>;

/** Subtypes written by a person, which in a thread are replies for the customer. */
const HUMAN_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

/** Interactivity payloads (buttons, modals, shortcuts): real Slack bodies this adapter does not handle yet. */
const INTERACTIVITY_TYPES = new Set([
  'block_actions',
  'block_suggestion',
  'interactive_message',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'dialog_submission',
  'dialog_cancellation',
  'dialog_suggestion',
]);

export function interpretSlackEvent(input: unknown, self: SlackSelf = {}): SlackInterpretation {
  const body = typeof input === 'string' ? parseJson(input) : input;
  if (!isObject(body)) return rejected(typeof input === 'string' && body === undefined ? 'malformed JSON' : 'body is not a JSON object');

  const type = body.type;
  if (type === 'url_verification') {
    const challenge = text(body.challenge);
    return challenge ? { kind: 'url_verification', challenge } : rejected('url_verification without a challenge');
  }
  if (type === 'event_callback') return interpretCallback(body, { ...self, appId: self.appId ?? text(body.api_app_id) });
  if (type === 'app_rate_limited') {
    return ignored(`app_rate_limited: Slack is dropping this app's events (minute ${String(body.minute_rate_limited)})`);
  }
  if (typeof body.command === 'string') return ignored('slash command: not handled by the Slack adapter yet');
  if (typeof type === 'string' && INTERACTIVITY_TYPES.has(type)) {
    return ignored(`interactivity payload ${type}: not handled by the Slack adapter yet`);
  }
  if (type === '' && isObject(body.event)) return rejected('envelope type is empty (expected event_callback)');
  return rejected(`not a Slack Events API body (type ${JSON.stringify(type)})`);
}

/** Puts looked-up display names into an interpretation: the author's, and mentions in the text. */
export function withUserNames(interpretation: SlackInterpretation, userNames: UserNames): SlackInterpretation {
  const named = (agent: Agent): Agent => ({ ...agent, displayName: userNames(agent.id) ?? agent.displayName });
  switch (interpretation.kind) {
    case 'message': {
      const { message, mrkdwn } = interpretation;
      const text = slackToWhatsApp(mrkdwn, userNames);
      return { ...interpretation, message: { ...message, agent: named(message.agent), text } };
    }
    case 'change':
      return { ...interpretation, change: { ...interpretation.change, agent: named(interpretation.change.agent) } };
    case 'reaction':
      return { ...interpretation, reaction: { ...interpretation.reaction, agent: named(interpretation.reaction.agent) } };
    default:
      return interpretation;
  }
}

/** The Slack users whose display names an interpretation needs: the author and anyone mentioned. */
export function userIdsToName(interpretation: SlackInterpretation): string[] {
  switch (interpretation.kind) {
    case 'message':
      return [...new Set([interpretation.message.agent.id, ...mentionedUserIds(interpretation.mrkdwn)])];
    case 'change':
      return [interpretation.change.agent.id];
    case 'reaction':
      return [interpretation.reaction.agent.id];
    default:
      return [];
  }
}

function interpretCallback(body: Json, self: SlackSelf): SlackInterpretation {
  const event = body.event;
  if (!isObject(event)) return rejected('event_callback without an event object');
  const type = text(event.type);
  switch (type) {
    case undefined:
      return rejected('event type is missing or empty');
    case 'message':
      return interpretMessage(event, self);
    case 'reaction_added':
    case 'reaction_removed':
      return interpretReaction(event, text(body.event_id), self);
    case 'app_mention':
      // A mention is also delivered as a `message` event; relaying both would send the reply twice.
      return ignored('app_mention: the same text arrives as a message event');
    default:
      return ignored(`event type ${type} is not bridged`);
  }
}

function interpretMessage(event: Json, self: SlackSelf): SlackInterpretation {
  const subtype = text(event.subtype);
  switch (subtype) {
    case 'message_changed':
      return interpretEdit(event, self);
    case 'message_deleted':
      return interpretDelete(event, self);
    case 'message_replied':
      return ignored('message_replied: a parent-updated notice; the reply arrives as its own event');
    case 'ekm_access_denied':
      return ignored('ekm_access_denied: content withheld by Enterprise Key Management');
  }
  if (!HUMAN_SUBTYPES.has(subtype) && subtype !== 'bot_message') {
    const notice = /^(channel|group)_/.test(subtype ?? '') ? 'channel notice' : 'message subtype';
    return ignored(`${notice} ${subtype}: not an agent reply`);
  }
  const bot = botAuthor(event, self);
  if (bot) return ignored(bot);

  const channel = text(event.channel);
  const ts = text(event.ts);
  const user = text(event.user);
  if (!channel || !ts) return rejected('message without channel or ts');
  const threadTs = text(event.thread_ts);
  if (!threadTs || threadTs === ts) return ignored('top-level channel message, not a thread reply');
  if (!user) return rejected('thread reply without a user');

  const mrkdwn = typeof event.text === 'string' ? event.text : '';
  const files = Array.isArray(event.files) ? event.files.filter(isObject).flatMap(fileRef) : [];
  const thread: ThreadRef = { adapter: ADAPTER, channel, id: threadTs };
  const message: AgentMessage = {
    key: `${ADAPTER}:${channel}:${ts}`,
    ref: { adapter: ADAPTER, channel, id: ts, threadId: threadTs },
    thread,
    agent: { id: user },
    text: slackToWhatsApp(mrkdwn),
    ...(files.length > 0 ? { files } : {}),
    timestamp: slackTsToMs(ts),
  };
  return { kind: 'message', message, mrkdwn };
}

/**
 * A Slack file object as the core's file reference; a deleted file (`tombstone`) is no file. Files
 * from another organisation come without URLs (`file_access: check_file_info`): fetched by id later.
 */
function fileRef(file: Json): ChatFileRef[] {
  const id = text(file.id);
  if (!id || file.mode === 'tombstone') return [];
  const size = typeof file.size === 'number' && Number.isSafeInteger(file.size) && file.size >= 0 ? file.size : undefined;
  const mimeType = text(file.mimetype);
  const source = text(file.url_private_download) ?? text(file.url_private);
  return [
    {
      id,
      name: text(file.name) ?? text(file.title) ?? id,
      ...(size === undefined ? {} : { size }),
      ...(mimeType ? { mimeType } : {}),
      ...(source ? { source } : {}),
    },
  ];
}

function interpretEdit(event: Json, self: SlackSelf): SlackInterpretation {
  const channel = text(event.channel);
  const edited = event.message;
  if (!channel || !isObject(edited)) return rejected('message_changed without channel or message');
  const bot = botAuthor(edited, self);
  if (bot) return ignored(`edit of a bot message (${bot})`);
  const reply = threadReply(channel, edited);
  if (typeof reply === 'string') return reply === 'top-level' ? ignored('edit of a top-level message') : rejected(`edited ${reply}`);
  // Slack rewrites messages itself (link unfurls, reply counts): only a person's edit sets `edited`.
  const previous = event.previous_message;
  const textUnchanged = isObject(previous) && previous.text === edited.text;
  if (!isObject(edited.edited) || textUnchanged) return ignored('change made by Slack, not an edit (text unchanged)');
  return { kind: 'change', change: { kind: 'edit', ...reply } };
}

function interpretDelete(event: Json, self: SlackSelf): SlackInterpretation {
  const channel = text(event.channel);
  const previous = event.previous_message;
  if (!channel || !text(event.deleted_ts)) return rejected('message_deleted without channel or deleted_ts');
  if (!isObject(previous)) return ignored('deletion of a message Slack no longer describes (no previous_message)');
  const bot = botAuthor(previous, self);
  if (bot) return ignored(`deletion of a bot message (${bot})`);
  const reply = threadReply(channel, previous);
  if (typeof reply === 'string') return reply === 'top-level' ? ignored('deletion of a top-level message') : rejected(`deleted ${reply}`);
  return { kind: 'change', change: { kind: 'delete', ...reply } };
}

/** A changed or deleted message as a thread reply by a person, or why it is not one. */
function threadReply(channel: string, message: Json): Omit<AgentChange, 'kind'> | 'top-level' | string {
  const ts = text(message.ts);
  const threadTs = text(message.thread_ts);
  const user = text(message.user);
  if (!ts) return 'message without ts';
  if (!threadTs || threadTs === ts) return 'top-level';
  if (!user) return 'message without a user';
  return {
    target: { adapter: ADAPTER, channel, id: ts, threadId: threadTs },
    thread: { adapter: ADAPTER, channel, id: threadTs },
    agent: { id: user },
  };
}

function interpretReaction(event: Json, eventId: string | undefined, self: SlackSelf): SlackInterpretation {
  const removed = event.type === 'reaction_removed';
  const user = text(event.user);
  const name = text(event.reaction);
  const item = event.item;
  if (!user || !name || !isObject(item)) return rejected('reaction without user, reaction name or item');
  if (item.type !== 'message') return ignored(`reaction on a ${String(item.type)}, not a message`);
  const channel = text(item.channel);
  const ts = text(item.ts);
  if (!channel || !ts) return rejected('reaction on a message without channel or ts');
  // The bridge's own reactions are the WhatsApp delivery status it shows on agents' messages.
  if (user === self.botUserId) return ignored("the bridge's own reaction");

  const action = removed ? 'removed' : 'added';
  const target: ChatMessageRef = { adapter: ADAPTER, channel, id: ts };
  const reaction: AgentReaction = {
    // event_id is the same on Slack's retries of one delivery; old envelopes lack it.
    key: `${ADAPTER}:reaction:${eventId ?? `${channel}:${ts}:${user}:${name}:${action}`}`,
    target,
    agent: { id: user },
    emoji: slackNameToUnicode(name),
    emojiName: name,
    removed,
  };
  return { kind: 'reaction', reaction };
}

/**
 * Why a message counts as a bot's, or undefined for a person's. Any `bot_id` counts, whatever the
 * subtype: the bridge's own posts made with a custom `username` arrive with no subtype at all.
 */
function botAuthor(message: Json, self: SlackSelf): string | undefined {
  const profile = isObject(message.bot_profile) ? message.bot_profile : {};
  const botId = text(message.bot_id) ?? text(profile.id);
  const appId = text(message.app_id) ?? text(profile.app_id);
  const user = text(message.user);
  const own =
    (botId !== undefined && botId === self.botId) ||
    (appId !== undefined && appId === self.appId) ||
    (user !== undefined && user === self.botUserId);
  if (own) return "the bridge's own post echoed back";
  if (botId || appId || message.subtype === 'bot_message') return 'message from another bot or app';
  return undefined;
}

/** Slack `ts` ("1718856814.111759", seconds.microseconds) → ms since epoch, without float rounding. */
export function slackTsToMs(ts: string): number {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return Number(seconds) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 3));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string field, or undefined: Slack's skeleton and legacy bodies use `""` for "absent". */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function ignored(reason: string): SlackInterpretation {
  return { kind: 'ignored', reason };
}

function rejected(reason: string): SlackInterpretation {
  return { kind: 'rejected', reason };
}
