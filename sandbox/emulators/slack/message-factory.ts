/** Builds messages, file objects and blocks in the shapes Slack produces. */
import { randomBytes } from 'node:crypto';
import type { BotIdentity } from './method-context.js';
import type { SlackFileObject, SlackMessage } from './types.js';

export function botProfile(bot: BotIdentity): Record<string, unknown> {
  return {
    id: bot.botId,
    app_id: bot.appId,
    user_id: bot.botUserId,
    name: bot.botName,
    icons: { image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png' },
    deleted: false,
    updated: Math.floor(Date.now() / 1000),
    team_id: bot.teamId,
  };
}

/** `rich_text` blocks like the Slack client attaches to what humans type. */
export function richTextBlocks(text: string): unknown[] {
  return [
    {
      type: 'rich_text',
      block_id: randomBytes(3).toString('base64url'),
      elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
    },
  ];
}

const PRETTY_TYPES: Record<string, string> = { png: 'PNG', jpg: 'JPEG', jpeg: 'JPEG', gif: 'GIF', pdf: 'PDF', txt: 'Plain Text', mp4: 'MPEG 4 Video' };

export function fileObject(input: {
  id: string;
  name: string;
  title?: string;
  mimetype: string;
  size: number;
  user: string;
  teamId: string;
  baseUrl: string;
  isPublic: boolean;
}): SlackFileObject {
  const now = Math.floor(Date.now() / 1000);
  const filetype = input.name.includes('.') ? (input.name.split('.').at(-1) ?? 'binary').toLowerCase() : 'binary';
  const path = `${input.teamId}-${input.id}/${encodeURIComponent(input.name)}`;
  return {
    id: input.id,
    created: now,
    timestamp: now,
    name: input.name,
    title: input.title ?? input.name,
    mimetype: input.mimetype,
    filetype,
    pretty_type: PRETTY_TYPES[filetype] ?? filetype.toUpperCase(),
    user: input.user,
    user_team: input.teamId,
    size: input.size,
    mode: 'hosted',
    is_external: false,
    is_public: input.isPublic,
    url_private: `${input.baseUrl}/files-pri/${path}`,
    url_private_download: `${input.baseUrl}/files-pri/${path}?download=1`,
    permalink: `${input.baseUrl}/files/${input.user}/${input.id}/${encodeURIComponent(input.name)}`,
  };
}

/** Copy without `metadata` unless asked for (`include_all_metadata`), and without internal sharing. */
export function forReading(message: SlackMessage, includeMetadata: boolean): SlackMessage {
  const copy = structuredClone(message);
  if (!includeMetadata) delete copy.metadata;
  return copy;
}
