/**
 * `chat.*` and `reactions.*`: the write side the bridge uses to mirror WhatsApp into threads.
 * Error names follow Slack's method pages (reference slack.md §7).
 */
import { botProfile } from './message-factory.js';
import { SlackApiError, type WebApiArgs } from './web-api-args.js';
import type { MethodContext, MethodHandler } from './method-context.js';
import type { SlackMessage, SlackMetadata } from './types.js';

/** Slack truncates `text` beyond 40,000 characters (reference §7.4). */
const MAX_TEXT = 40_000;
const REACTION_NAME = /^[a-z0-9_+\-:]+$/;

interface Content {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  truncated: boolean;
}

function content(args: WebApiArgs, required: boolean): Content | undefined {
  const blocks = args.json('blocks', 'invalid_blocks_format');
  const attachments = args.json('attachments', 'invalid_attachments');
  if (blocks !== undefined && !Array.isArray(blocks)) throw new SlackApiError('invalid_blocks', '[ERROR] blocks must be an array');
  if (attachments !== undefined && !Array.isArray(attachments)) throw new SlackApiError('invalid_attachments');
  const rawText = args.optionalString('text');
  if (rawText === undefined && blocks === undefined && attachments === undefined) {
    if (required) throw new SlackApiError('no_text');
    return undefined;
  }
  const text = rawText ?? '';
  return {
    text: text.slice(0, MAX_TEXT),
    ...(blocks === undefined ? {} : { blocks }),
    ...(attachments === undefined ? {} : { attachments }),
    truncated: text.length > MAX_TEXT,
  };
}

function metadata(args: WebApiArgs): SlackMetadata | undefined {
  const value = args.json('metadata', 'invalid_metadata_format');
  if (value === undefined) return undefined;
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(value)) throw new SlackApiError('invalid_metadata_format');
  if (typeof value.event_type !== 'string' || value.event_type === '' || !isRecord(value.event_payload)) {
    throw new SlackApiError('invalid_metadata_schema', '[ERROR] metadata needs event_type (string) and event_payload (object)');
  }
  return { event_type: value.event_type, event_payload: value.event_payload };
}

const warnings = (body: Content | undefined) => (body?.truncated ? { response_metadata: { warnings: ['message_truncated'] } } : {});

/** The message as the API returns it: without the reply bookkeeping Slack adds later. */
function asReturned(message: SlackMessage): SlackMessage {
  const { reply_count: _c, reply_users: _u, reply_users_count: _n, latest_reply: _l, reactions: _r, ...rest } = message;
  return structuredClone(rest) as SlackMessage;
}

/** The Events API `message` event Slack sends for a message the app itself posted. */
function echoEvent(channel: string, message: SlackMessage): Record<string, unknown> {
  const { metadata: _m, reactions: _r, reply_count: _c, reply_users: _u, reply_users_count: _n, latest_reply: _l, ...event } = structuredClone(message);
  return { ...event, channel, event_ts: message.ts, channel_type: 'channel' };
}

const postMessage: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found'));
  const body = content(args, true) as Content;
  const meta = metadata(args);
  const threadTs = args.optionalString('thread_ts');
  const root = threadTs === undefined ? undefined : context.workspace.threadRoot(channel.id, threadTs);
  const username = args.optionalString('username');
  const iconUrl = args.optionalString('icon_url');
  const iconEmoji = args.optionalString('icon_emoji');
  const customised = username !== undefined || iconUrl !== undefined || iconEmoji !== undefined;
  const { bot } = context;
  const message: SlackMessage = {
    // With chat:write.customize the post is a `bot_message` carrying the custom name/icon; otherwise it is authored by the bot user.
    ...(customised ? { subtype: 'bot_message' } : {}),
    ...(root && args.boolean('reply_broadcast') ? { subtype: 'thread_broadcast' } : {}),
    type: 'message',
    text: body.text,
    user: bot.botUserId,
    ts: context.clock.next(),
    bot_id: bot.botId,
    app_id: bot.appId,
    team: bot.teamId,
    bot_profile: botProfile(bot),
    ...(username === undefined ? {} : { username }),
    ...(customised ? { icons: iconEmoji ? { emoji: iconEmoji } : { image_48: iconUrl ?? '' } } : {}),
    ...(body.blocks ? { blocks: body.blocks } : {}),
    ...(body.attachments ? { attachments: body.attachments } : {}),
    ...(root ? { thread_ts: root.ts, parent_user_id: root.user ?? root.bot_id ?? '' } : {}),
    ...(meta ? { metadata: meta } : {}),
  };
  context.workspace.add(channel.id, message);
  context.emit('message', { channel: channel.id, message: structuredClone(message), author: 'bot' });
  context.echo(echoEvent(channel.id, message));
  return { ok: true, channel: channel.id, ts: message.ts, message: asReturned(message), ...warnings(body) };
};

function requireOwnMessage(context: MethodContext, channel: string, ts: string, error: string): SlackMessage {
  const message = context.workspace.requireMessage(channel, ts);
  // A bot token can only change what the app posted.
  if (message.bot_id !== context.bot.botId) throw new SlackApiError(error);
  return message;
}

const update: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  const ts = args.string('ts', 'message_not_found');
  const message = requireOwnMessage(context, channel, ts, 'cant_update_message');
  const body = content(args, false);
  const meta = metadata(args);
  const previous = structuredClone(message);
  if (body) {
    message.text = body.text;
    if (body.blocks) message.blocks = body.blocks;
    else if (args.has('text')) delete message.blocks;
    if (body.attachments) message.attachments = body.attachments;
  }
  if (meta) message.metadata = meta;
  message.edited = { user: context.bot.botUserId, ts: context.clock.next() };
  context.emit('update', { channel, message: structuredClone(message), previous, author: 'bot' });
  context.echo({
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel,
    ts: message.edited.ts,
    event_ts: message.edited.ts,
    channel_type: 'channel',
    message: echoEvent(channel, message),
    previous_message: echoEvent(channel, previous),
  });
  return { ok: true, channel, ts, text: message.text, message: asReturned(message), ...warnings(body) };
};

const postEphemeral: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  const user = args.string('user', 'user_not_found');
  if (context.users.size > 0 && !context.users.has(user)) throw new SlackApiError('user_not_in_channel');
  const body = content(args, true) as Content;
  const threadTs = args.optionalString('thread_ts');
  const messageTs = context.clock.next();
  const record = {
    channel,
    user,
    text: body.text,
    ...(body.blocks ? { blocks: body.blocks } : {}),
    ...(threadTs === undefined ? {} : { threadTs }),
    messageTs,
    at: new Date().toISOString(),
  };
  context.recordEphemeral(record);
  return { ok: true, message_ts: messageTs };
};

const deleteMessage: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  const ts = args.string('ts', 'message_not_found');
  requireOwnMessage(context, channel, ts, 'cant_delete_message');
  const previous = context.workspace.remove(channel, ts) as SlackMessage;
  context.emit('delete', { channel, ts, previous: structuredClone(previous), author: 'bot' });
  const eventTs = context.clock.next();
  context.echo({
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel,
    ts: eventTs,
    deleted_ts: ts,
    event_ts: eventTs,
    channel_type: 'channel',
    previous_message: echoEvent(channel, previous),
  });
  return { ok: true, channel, ts };
};

function reactionTarget(args: WebApiArgs, context: MethodContext): { channel: string; ts: string; name: string } {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  const ts = args.string('timestamp', 'no_item_specified');
  const name = args.string('name', 'invalid_name');
  if (!REACTION_NAME.test(name)) throw new SlackApiError('invalid_name');
  return { channel, ts, name };
}

const addReaction: MethodHandler = (args, context) => {
  const { channel, ts, name } = reactionTarget(args, context);
  context.workspace.addReaction(channel, ts, name, context.bot.botUserId);
  context.emit('reaction', { channel, ts, name, user: context.bot.botUserId, action: 'added' });
  return { ok: true };
};

const removeReaction: MethodHandler = (args, context) => {
  const { channel, ts, name } = reactionTarget(args, context);
  context.workspace.removeReaction(channel, ts, name, context.bot.botUserId);
  context.emit('reaction', { channel, ts, name, user: context.bot.botUserId, action: 'removed' });
  return { ok: true };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.delete': deleteMessage,
  'reactions.add': addReaction,
  'reactions.remove': removeReaction,
};
