/**
 * Upload v2 (reference slack.md §8.1): `files.getUploadURLExternal` hands out an upload URL on the
 * emulator, the client POSTs the bytes there, `files.completeUploadExternal` shares the file into
 * a channel/thread as one bot message (`initial_comment` as its text).
 */
import { botProfile, fileObject } from './message-factory.js';
import { mimeTypeFor } from './file-store.js';
import { SlackApiError } from './web-api-args.js';
import type { MethodHandler } from './method-context.js';
import type { SlackFileObject, SlackMessage } from './types.js';

export const UPLOAD_PATH_PREFIX = '/upload/v1/';

const getUploadUrl: MethodHandler = (args, context) => {
  const filename = args.string('filename');
  const length = args.integer('length', Number.NaN);
  if (!Number.isInteger(length) || length < 0) throw new SlackApiError('invalid_arguments', '[ERROR] missing required field: length');
  const file = context.files.reserve(filename, length);
  return { ok: true, upload_url: `${context.baseUrl()}${UPLOAD_PATH_PREFIX}${file.uploadKey}`, file_id: file.id };
};

const completeUpload: MethodHandler = (args, context) => {
  const requested = args.json('files', 'invalid_arguments');
  if (!Array.isArray(requested) || requested.length === 0) throw new SlackApiError('invalid_arguments', '[ERROR] missing required field: files');
  const channelId = args.optionalString('channel_id');
  const channel = channelId === undefined ? undefined : context.workspace.channel(channelId);
  const threadTs = args.optionalString('thread_ts');
  const root = channel && threadTs !== undefined ? context.workspace.threadRoot(channel.id, threadTs) : undefined;

  const objects: SlackFileObject[] = requested.map((entry: unknown) => {
    const { id, title } = (entry ?? {}) as { id?: unknown; title?: unknown };
    const stored = typeof id === 'string' ? context.files.get(id) : undefined;
    if (!stored?.data) throw new SlackApiError('file_not_found', `[ERROR] file ${String(id)} was never uploaded`);
    const object = fileObject({
      id: stored.id,
      name: stored.filename,
      ...(typeof title === 'string' ? { title } : {}),
      mimetype: mimeTypeFor(stored.filename),
      size: stored.data.length,
      user: context.bot.botUserId,
      teamId: context.bot.teamId,
      baseUrl: context.baseUrl(),
      isPublic: channel !== undefined && !channel.isPrivate,
    });
    context.files.complete(stored.id, object);
    return object;
  });

  if (channel) {
    const { bot } = context;
    const message: SlackMessage = {
      type: 'message',
      text: args.optionalString('initial_comment') ?? '',
      files: objects,
      upload: true,
      user: bot.botUserId,
      display_as_bot: false,
      ts: context.clock.next(),
      bot_id: bot.botId,
      app_id: bot.appId,
      team: bot.teamId,
      bot_profile: botProfile(bot),
      ...(root ? { thread_ts: root.ts, parent_user_id: root.user ?? root.bot_id ?? '' } : {}),
    };
    context.workspace.add(channel.id, message);
    context.emit('message', { channel: channel.id, message: structuredClone(message), author: 'bot' });
    context.echo({ ...structuredClone(message), subtype: 'file_share', channel: channel.id, event_ts: message.ts, channel_type: 'channel' });
  }
  // Slack shares files asynchronously: the answer does not say which message carries them.
  return { ok: true, files: objects.map((object) => ({ id: object.id, title: object.title })) };
};

/** `files.list`: files shared in a channel (`/dnc import` reads the latest CSV), newest first. */
const listFiles: MethodHandler = (args, context) => {
  const channelId = args.optionalString('channel');
  const count = Math.max(1, Math.min(args.integer('count', 100), 1000));
  const channels = channelId === undefined ? context.workspace.allChannels().map((channel) => channel.id) : [context.workspace.channel(channelId).id];
  const files = channels
    .flatMap((id) => context.workspace.history(id).concat(...context.workspace.history(id).map((root) => context.workspace.thread(id, root.ts).slice(1))))
    .flatMap((message) => (message.files ?? []) as SlackFileObject[])
    .sort((a, b) => b.timestamp - a.timestamp || b.created - a.created);
  const unique = [...new Map(files.map((file) => [file.id, file])).values()];
  return { ok: true, files: unique.slice(0, count), paging: { count, total: unique.length, page: 1, pages: 1 } };
};

export const fileMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
  'files.list': listFiles,
};
