/** Read-side Web API methods: identity, users, channels, history and threads. */
import { forReading } from './message-factory.js';
import { SlackApiError, type WebApiArgs } from './web-api-args.js';
import { compareTs } from './ts-clock.js';
import type { MethodContext, MethodHandler } from './method-context.js';
import type { SlackMessage } from './types.js';

const authTest: MethodHandler = (_args, context) => ({
  ok: true,
  url: `${context.baseUrl()}/`,
  team: 'Emulated Workspace',
  user: context.bot.botName,
  team_id: context.bot.teamId,
  user_id: context.bot.botUserId,
  bot_id: context.bot.botId,
  is_enterprise_install: false,
});

const apiTest: MethodHandler = (args) => ({ ok: true, args: args.raw });

function avatar(id: string, size: number): string {
  return `https://avatars.slack-edge.com/emulated/${id}_${size}.png`;
}

const usersInfo: MethodHandler = (args, context) => {
  const id = args.string('user', 'user_not_found');
  const { bot } = context;
  const user = context.users.get(id) ?? (id === bot.botUserId ? { id, name: bot.botName, displayName: bot.botName, realName: bot.botName } : undefined);
  if (!user) throw new SlackApiError('user_not_found');
  const isBot = id === bot.botUserId;
  const images = Object.fromEntries([24, 32, 48, 72, 192, 512].map((size) => [`image_${size}`, avatar(id, size)]));
  return {
    ok: true,
    user: {
      id: user.id,
      team_id: bot.teamId,
      name: user.name,
      deleted: false,
      real_name: user.realName,
      tz: 'Europe/Madrid',
      tz_label: 'Central European Time',
      tz_offset: 3600,
      is_admin: false,
      is_owner: false,
      is_bot: isBot,
      is_app_user: false,
      updated: Math.floor(Date.now() / 1000),
      profile: {
        real_name: user.realName,
        real_name_normalized: user.realName,
        display_name: user.displayName,
        display_name_normalized: user.displayName,
        ...(isBot ? { bot_id: bot.botId } : {}),
        ...images,
        team: bot.teamId,
      },
    },
  };
};

const conversationsInfo: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found'));
  return {
    ok: true,
    channel: {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      created: channel.created,
      is_archived: false,
      is_general: false,
      is_member: true,
      is_ext_shared: false,
      creator: context.bot.botUserId,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    },
  };
};

/** Applies oldest/latest/inclusive, then cursor + limit pagination (cursor = opaque base64 offset). */
function page(messages: SlackMessage[], args: WebApiArgs, defaultLimit: number): Record<string, unknown> {
  const oldest = args.optionalString('oldest');
  const latest = args.optionalString('latest');
  const inclusive = args.boolean('inclusive');
  const inRange = messages.filter((m) => {
    if (oldest !== undefined && (inclusive ? compareTs(m.ts, oldest) < 0 : compareTs(m.ts, oldest) <= 0)) return false;
    if (latest !== undefined && (inclusive ? compareTs(m.ts, latest) > 0 : compareTs(m.ts, latest) >= 0)) return false;
    return true;
  });
  const limit = Math.min(Math.max(args.integer('limit', defaultLimit), 1), 999);
  const cursor = args.optionalString('cursor');
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  const slice = inRange.slice(offset, offset + limit);
  const hasMore = offset + limit < inRange.length;
  const includeMetadata = args.boolean('include_all_metadata');
  return {
    ok: true,
    messages: slice.map((m) => forReading(m, includeMetadata)),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : '' },
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) throw new SlackApiError('invalid_cursor');
  return Number(match[1]);
}

const history: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  return { ...page(context.workspace.history(channel), args, 100), pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 };
};

const replies: MethodHandler = (args, context) => {
  const channel = context.workspace.channel(args.string('channel', 'channel_not_found')).id;
  const thread = context.workspace.thread(channel, args.string('ts', 'thread_not_found'));
  if (thread.length === 0) throw new SlackApiError('thread_not_found');
  return page(thread, args, 1000);
};

const filesInfo: MethodHandler = (args, context: MethodContext) => {
  const file = context.files.get(args.string('file', 'file_not_found'));
  if (!file?.object) throw new SlackApiError('file_not_found');
  return { ok: true, file: structuredClone(file.object), comments: [], response_metadata: { next_cursor: '' } };
};

export const readMethods: Record<string, MethodHandler> = {
  'api.test': apiTest,
  'auth.test': authTest,
  'users.info': usersInfo,
  'conversations.info': conversationsInfo,
  'conversations.history': history,
  'conversations.replies': replies,
  'files.info': filesInfo,
};
