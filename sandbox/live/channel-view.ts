/**
 * What the agents see in Slack, rebuilt from the Slack emulator's workspace: per channel, the
 * threads the bridge opened (header first, then replies), the agents' own posts, reactions (the
 * bridge's delivery statuses among them), ephemeral notices and slash-command answers. Pure:
 * records in, view out. Emoji names become Unicode here so the page needs no emoji table.
 */
import { slackNameToUnicode } from '../../adapters/slack/emoji.js';
import type { CommandResponseRecord, EmulatedSlackUser, EphemeralRecord, InteractionResponseRecord, SlackFileObject, SlackMessage } from '../emulators/index.js';

export interface ReactionView {
  name: string;
  /** Unicode, or undefined for a custom workspace emoji. */
  emoji?: string;
  count: number;
  users: string[];
}

export type AuthorKind = 'app' | 'customer' | 'agent' | 'slackbot';

export interface ChannelItem {
  ts: string;
  author: { kind: AuthorKind; id?: string; name: string; icon?: string };
  /** Slack mrkdwn, with `:shortcodes:` already turned into emoji. */
  text: string;
  at: number;
  reactions: ReactionView[];
  edited?: boolean;
  /** Ephemeral: only this user sees it. */
  onlyVisibleTo?: string;
  /** Files shared with the message (`url`: the sandbox serves the bytes). */
  files?: FileView[];
  /** Buttons of the message's Block Kit `actions` blocks (a thread header's, an ephemeral menu's). */
  buttons?: ButtonView[];
}

export interface FileView {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  url: string;
}

export interface ButtonView {
  actionId: string;
  label: string;
  style?: string;
}

export interface ThreadView {
  ts: string;
  header: ChannelItem;
  /** Digits of the customer's number, read from the header, to pair the thread with a phone chat. */
  customerWaId?: string;
  replies: ChannelItem[];
  lastAt: number;
}

export interface ChannelView {
  id: string;
  name: string;
  threads: ThreadView[];
  /** Channel-level posts that are not bridge threads, plus channel-level ephemerals. */
  loose: ChannelItem[];
}

export interface ChannelSources {
  channel: { id: string; name: string };
  messages: SlackMessage[];
  ephemerals: EphemeralRecord[];
  commandResponses: CommandResponseRecord[];
  users: readonly EmulatedSlackUser[];
  /** Answers to interactions (a shortcut's menu), shown to the user who ran it. */
  interactionResponses?: InteractionResponseRecord[];
  /** What Slack itself answers an agent (e.g. "/block is not supported in threads"); the sandbox plays that part. */
  slackbotNotices: EphemeralRecord[];
}

const APP_NAME = 'Puente';

export function buildChannelView(sources: ChannelSources): ChannelView {
  const { channel, users } = sources;
  const nameOf = (id: string): string => users.find((user) => user.id === id)?.displayName ?? id;
  const isRoot = (message: SlackMessage) => !message.thread_ts || message.thread_ts === message.ts;

  const threads = new Map<string, ThreadView>();
  const loose: ChannelItem[] = [];
  for (const message of sources.messages.filter(isRoot)) {
    const item = toItem(message, nameOf);
    if (item.author.kind === 'app' && isThreadHeader(message)) {
      threads.set(message.ts, { ts: message.ts, header: item, ...customerOf(message.text), replies: [], lastAt: item.at });
    } else {
      loose.push(item);
    }
  }
  for (const message of sources.messages.filter((m) => !isRoot(m))) {
    const thread = threads.get(message.thread_ts as string);
    if (thread) thread.replies.push(toItem(message, nameOf));
  }
  const notices = [
    ...sources.ephemerals.map((notice) => ({ notice, from: { kind: 'app' as const, name: APP_NAME } })),
    ...sources.slackbotNotices.map((notice) => ({ notice, from: { kind: 'slackbot' as const, name: 'Slackbot' } })),
  ];
  for (const { notice, from } of notices.filter(({ notice }) => notice.channel === channel.id)) {
    const item: ChannelItem = { ts: notice.messageTs, author: from, text: withEmoji(notice.text), at: Date.parse(notice.at), reactions: [], onlyVisibleTo: nameOf(notice.user) };
    const thread = notice.threadTs === undefined ? undefined : threads.get(notice.threadTs);
    if (thread) thread.replies.push(item);
    else loose.push(item);
  }
  for (const response of (sources.interactionResponses ?? []).filter((r) => r.channel === channel.id)) {
    const buttons = buttonsOf(response.blocks);
    const item: ChannelItem = {
      ts: response.ts,
      author: { kind: 'app', name: APP_NAME },
      text: withEmoji(response.text),
      at: Date.parse(response.at),
      reactions: [],
      ...(response.responseType === 'ephemeral' ? { onlyVisibleTo: nameOf(response.user) } : {}),
      ...(buttons.length > 0 ? { buttons } : {}),
    };
    const thread = response.threadTs === undefined ? undefined : threads.get(response.threadTs);
    if (thread) thread.replies.push(item);
    else loose.push(item);
  }
  for (const response of sources.commandResponses.filter((r) => r.channel === channel.id && r.responseType === 'ephemeral')) {
    loose.push({
      ts: `${response.commandId}-${response.at}`,
      author: { kind: 'app', name: APP_NAME },
      text: withEmoji(response.text),
      at: Date.parse(response.at),
      reactions: [],
      onlyVisibleTo: nameOf(response.user),
    });
  }

  for (const thread of threads.values()) {
    thread.replies.sort((a, b) => a.at - b.at || a.ts.localeCompare(b.ts));
    thread.lastAt = Math.max(thread.header.at, ...thread.replies.map((reply) => reply.at));
  }
  loose.sort((a, b) => a.at - b.at);
  return {
    id: channel.id,
    name: channel.name,
    // In channel order (oldest first); `lastAt` lets the page order by activity if it wants.
    threads: [...threads.values()],
    loose,
  };
}

/** The bridge marks every post with its idempotency key in message metadata; thread headers use `thread:`. */
function isThreadHeader(message: SlackMessage): boolean {
  const key = message.metadata?.event_payload?.key;
  return typeof key === 'string' && key.startsWith('thread:');
}

function customerOf(headerText: string): { customerWaId?: string } {
  const match = /\(\+(\d{6,15})\)/.exec(headerText);
  return match ? { customerWaId: match[1]! } : {};
}

function toItem(message: SlackMessage, nameOf: (id: string) => string): ChannelItem {
  return {
    ts: message.ts,
    author: authorOf(message, nameOf),
    text: withEmoji(message.text),
    at: Number(message.ts) * 1000,
    reactions: (message.reactions ?? []).map((reaction) => ({
      name: reaction.name,
      ...emojiField(reaction.name),
      count: reaction.count,
      users: reaction.users.map((user) => (user.startsWith('U0PUENTE') ? APP_NAME : nameOf(user))),
    })),
    ...(message.edited ? { edited: true } : {}),
    ...filesOf(message),
    ...(buttonsOf(message.blocks).length > 0 ? { buttons: buttonsOf(message.blocks) } : {}),
  };
}

function filesOf(message: SlackMessage): { files?: FileView[] } {
  const files = (message.files ?? []) as SlackFileObject[];
  if (files.length === 0) return {};
  return {
    files: files.map((file) => ({ id: file.id, name: file.name, mimetype: file.mimetype, size: file.size, url: `/media/slack/${encodeURIComponent(file.id)}` })),
  };
}

/** Buttons in Block Kit `actions` blocks, in order. */
export function buttonsOf(blocks: unknown[] | undefined): ButtonView[] {
  const buttons: ButtonView[] = [];
  for (const block of (blocks ?? []) as { type?: string; elements?: Record<string, unknown>[] }[]) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) {
      if (element.type !== 'button' || typeof element.action_id !== 'string') continue;
      const label = (element.text as { text?: unknown } | undefined)?.text;
      buttons.push({ actionId: element.action_id, label: typeof label === 'string' ? withEmoji(label) : element.action_id, ...(typeof element.style === 'string' ? { style: element.style } : {}) });
    }
  }
  return buttons;
}

function authorOf(message: SlackMessage, nameOf: (id: string) => string): ChannelItem['author'] {
  if (message.bot_id) {
    // A post with a custom name is the bridge speaking as the customer (chat:write.customize).
    if (message.username) {
      const icons = message.icons as Record<string, string> | undefined;
      const icon = icons?.emoji ? slackNameToUnicode(icons.emoji) : undefined;
      return { kind: 'customer', name: message.username, ...(icon ? { icon } : {}) };
    }
    return { kind: 'app', name: APP_NAME };
  }
  const id = message.user ?? '';
  return { kind: 'agent', id, name: nameOf(id) };
}

function emojiField(name: string): { emoji?: string } {
  const emoji = slackNameToUnicode(name);
  return emoji ? { emoji } : {};
}

/** `:tada:` → 🎉, leaving unknown (custom) names as they are. */
export function withEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+\-']+(?:::skin-tone-[2-6](?:-[2-6])?)?):/g, (whole, name: string) => slackNameToUnicode(name) ?? whole);
}
