/**
 * One inbound Bot Framework activity → what it means to the bridge, without side effects (so the whole
 * recorded corpus can be replayed through it).
 *
 * Shapes (reference teams.md §2.3, §3, §4): a channel post arrives with
 * `conversation.id = '<channel>;messageid=<root>'`, `channelData.channel.id = '<channel>'`; a thread's
 * root has `id === <root>`, a reply has its own id. With the default receive mode the bot only gets
 * messages that @mention it; with resource-specific consent (RSC) it gets every channel message.
 *
 *  - a reply in a thread → an agent message (the bot mention stripped), or a command when the text
 *    starts with `/` and a command name (`@Puente /block`): in a thread, plain words are a reply;
 *  - a top-level post that mentions the bot → a command (`@Puente block +34…`); without a mention
 *    (RSC delivers every post) it is not for Puente;
 *  - an Adaptive Card `Action.Submit` (empty text, `value.puente`) → the thread action's command;
 *  - `messageReaction` → reactions, `messageUpdate` / `messageDelete` → edits and deletions;
 *  - the bot's own activities, personal chats, installs and anything else → ignored.
 */
import { isCommandName } from '../../bot/commands/parser.js';
import type { ChatCommand } from '../../bot/chat-adapter.js';
import type { Agent, AgentChange, AgentMessage, AgentReaction, ChatFileRef, ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { teamsToWhatsApp } from './format.js';

export const ADAPTER = 'teams';

/** The fields of an activity Puente reads (the Bot Framework schema has many more). */
export interface TeamsActivity {
  type?: string;
  id?: string;
  timestamp?: string;
  channelId?: string;
  serviceUrl?: string;
  text?: string;
  textFormat?: string;
  from?: { id?: string; name?: string; aadObjectId?: string; role?: string };
  recipient?: { id?: string; name?: string };
  conversation?: { id?: string; conversationType?: string; isGroup?: boolean; tenantId?: string };
  entities?: { type?: string; text?: string; mentioned?: { id?: string; name?: string } }[];
  attachments?: { contentType?: string; contentUrl?: string; content?: unknown; name?: string }[];
  channelData?: {
    channel?: { id?: string };
    /** `aadGroupId` (the team's Microsoft 365 group id, what Graph takes) comes on installs and some events. */
    team?: { id?: string; aadGroupId?: string };
    tenant?: { id?: string };
    eventType?: string;
  };
  replyToId?: string;
  value?: unknown;
  reactionsAdded?: { type?: string }[];
  reactionsRemoved?: { type?: string }[];
}

/** What a card button sends back (adapters/teams/cards.ts puts it in `Action.Submit.data`). */
export interface CardActionValue {
  puente: 'action';
  command: string;
  text: string;
  /** The Input.Text value, when the action asked for one. */
  input?: string;
}

/** Where an answer to a command goes: the thread it was given in (Teams has no ephemeral messages). */
export interface ReplyTarget {
  serviceUrl?: string;
  /** `<channel>;messageid=<root>` */
  conversationId: string;
}

export type TeamsInterpretation =
  | { kind: 'message'; message: AgentMessage; serviceUrl?: string }
  | { kind: 'command'; command: ChatCommand; replyTo: ReplyTarget }
  | { kind: 'reaction'; reactions: AgentReaction[] }
  | { kind: 'change'; change: AgentChange }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; reason: string };

/** Teams' fixed reaction set → Unicode (the `type` of `reactionsAdded`). */
export const TEAMS_REACTIONS: Record<string, string> = {
  like: '👍',
  heart: '❤️',
  laugh: '😆',
  surprised: '😮',
  sad: '😢',
  angry: '😡',
};

/** Parses a request body (raw JSON text) and interprets it; never throws. */
export function interpretTeamsBody(body: string): TeamsInterpretation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'rejected', reason: 'body is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'rejected', reason: 'body is not an activity object' };
  return interpretTeamsActivity(parsed as TeamsActivity);
}

export function interpretTeamsActivity(activity: TeamsActivity): TeamsInterpretation {
  if (typeof activity.type !== 'string') return { kind: 'rejected', reason: 'activity has no type' };
  if (activity.channelId !== undefined && activity.channelId !== 'msteams') return { kind: 'ignored', reason: `channel ${String(activity.channelId)} is not Teams` };
  if (!['message', 'messageReaction', 'messageUpdate', 'messageDelete'].includes(activity.type)) {
    return { kind: 'ignored', reason: `activity type ${activity.type}` };
  }
  if (isOwn(activity)) return { kind: 'ignored', reason: 'the bot’s own activity' };
  // With RSC every channel message arrives, other bots' and connectors' posts included: only people are relayed.
  if (activity.from?.id?.startsWith('28:') || activity.from?.role === 'bot') return { kind: 'ignored', reason: 'another bot’s activity' };
  const where = channelPlace(activity);
  if (!where) {
    const type = activity.conversation?.conversationType ?? 'unknown';
    return { kind: 'ignored', reason: `not a channel message (conversation type ${type})` };
  }
  if (typeof activity.id !== 'string' || activity.id === '') return { kind: 'rejected', reason: 'activity has no id' };
  if (!activity.from?.id) return { kind: 'rejected', reason: 'activity has no sender' };
  const agent = agentOf(activity);

  switch (activity.type) {
    case 'messageReaction':
      return reactionsOf(activity, where, agent);
    case 'messageUpdate':
    case 'messageDelete':
      return changeOf(activity, where, agent);
    default:
      return messageOf(activity, where, agent);
  }
}

interface Place {
  channel: string;
  /** The thread root's message id (`;messageid=`), when the conversation is a thread. */
  rootId?: string;
  conversationId: string;
}

function channelPlace(activity: TeamsActivity): Place | undefined {
  const conversationId = activity.conversation?.id;
  if (typeof conversationId !== 'string' || conversationId === '') return undefined;
  const [base = '', ...rest] = conversationId.split(';');
  const channel = activity.channelData?.channel?.id ?? (base.startsWith('19:') ? base : undefined);
  if (activity.conversation?.conversationType !== 'channel' && !activity.channelData?.channel?.id) return undefined;
  if (!channel) return undefined;
  const rootId = rest.find((part) => part.startsWith('messageid='))?.slice('messageid='.length) || undefined;
  return { channel, rootId, conversationId };
}

function isOwn(activity: TeamsActivity): boolean {
  const from = activity.from?.id;
  return from !== undefined && from === activity.recipient?.id;
}

/** Supervisors are Azure AD object ids, so that is the agent's id when Teams gives it. */
function agentOf(activity: TeamsActivity): Agent {
  const id = activity.from?.aadObjectId ?? activity.from?.id ?? '';
  return activity.from?.name ? { id, displayName: activity.from.name } : { id };
}

/** Removes `<at>…</at>` mentions of the bot (by its `mention` entities, or by its name), trimmed. */
export function stripBotMention(activity: TeamsActivity): { text: string; mentioned: boolean } {
  let text = activity.text ?? '';
  let mentioned = false;
  const botId = activity.recipient?.id;
  for (const entity of activity.entities ?? []) {
    if (entity.type !== 'mention' || !entity.mentioned) continue;
    const isBot = botId !== undefined && entity.mentioned.id === botId;
    if (!isBot) continue;
    mentioned = true;
    const tag = entity.text ?? `<at>${entity.mentioned.name ?? ''}</at>`;
    text = text.split(tag).join('');
  }
  if (!mentioned && activity.recipient?.name) {
    const tag = `<at>${activity.recipient.name}</at>`;
    if (text.includes(tag)) {
      mentioned = true;
      text = text.split(tag).join('');
    }
  }
  // Other people's mentions stay as their names.
  text = text.replace(/<at>([^<]*)<\/at>/g, '@$1');
  return { text: text.replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, ''), mentioned };
}

function messageOf(activity: TeamsActivity, where: Place, agent: Agent): TeamsInterpretation {
  const id = activity.id as string;
  const isRoot = where.rootId === undefined || where.rootId === id;
  const thread: ThreadRef | undefined = isRoot ? undefined : { adapter: ADAPTER, channel: where.channel, id: where.rootId as string };
  const replyTo: ReplyTarget = { serviceUrl: activity.serviceUrl, conversationId: `${where.channel};messageid=${where.rootId ?? id}` };

  const action = cardAction(activity.value);
  if (action) {
    // A header button: the card is the thread's root, so the action acts on that conversation.
    const cardThread: ThreadRef | undefined = where.rootId ? { adapter: ADAPTER, channel: where.channel, id: where.rootId } : undefined;
    const text = [action.text, action.input?.trim()].filter((part) => part).join(' ');
    return { kind: 'command', command: command(action.command, text, agent, where.channel, cardThread), replyTo };
  }
  if (activity.value !== undefined && !activity.text) return { kind: 'ignored', reason: 'a card action that is not Puente’s' };

  const { text, mentioned } = stripBotMention(activity);
  const typed = /^\/?([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (isRoot) {
    if (!mentioned) return { kind: 'ignored', reason: 'a channel post that does not mention the bot' };
    if (!typed) return { kind: 'ignored', reason: 'a mention without a command' };
    return { kind: 'command', command: command((typed[1] ?? '').toLowerCase(), typed[2] ?? '', agent, where.channel, undefined), replyTo };
  }
  if (text.startsWith('/') && typed && isCommandName((typed[1] ?? '').toLowerCase())) {
    return { kind: 'command', command: command((typed[1] ?? '').toLowerCase(), typed[2] ?? '', agent, where.channel, thread), replyTo };
  }

  const files = filesOf(activity);
  const message: AgentMessage = {
    key: `${ADAPTER}:${where.channel}:${id}`,
    ref: { adapter: ADAPTER, channel: where.channel, id, threadId: thread?.id },
    thread: thread as ThreadRef,
    agent,
    text: teamsToWhatsApp(text),
    ...(files.length > 0 ? { files } : {}),
    timestamp: timestampOf(activity),
  };
  return { kind: 'message', message, serviceUrl: activity.serviceUrl };
}

function command(name: string, text: string, user: Agent, channel: string, thread: ThreadRef | undefined): ChatCommand {
  return { name, text, user, adapter: ADAPTER, channel, ...(thread ? { thread } : {}) };
}

function cardAction(value: unknown): CardActionValue | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<CardActionValue>;
  if (candidate.puente !== 'action' || typeof candidate.command !== 'string' || typeof candidate.text !== 'string') return undefined;
  return { puente: 'action', command: candidate.command, text: candidate.text, ...(typeof candidate.input === 'string' ? { input: candidate.input } : {}) };
}

/** How Teams describes a file attached to a message (a SharePoint or OneDrive item). */
export const FILE_REFERENCE = 'reference';
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/**
 * An agent's files. Images pasted into a channel message arrive as attachments whose `contentUrl` is
 * on the Bot Connector, downloaded with the bot's own token (teams.md §5). Files attached in a channel
 * are stored in the team's SharePoint: when the activity lists them, it is as `reference` attachments
 * (or `…teams.file.download.info`) whose `contentUrl` is the SharePoint URL, which the bot's token
 * cannot read; the adapter reads them through Microsoft Graph's shares API. Teams gives no size for
 * them. When the activity only holds `<attachment id>` placeholders in its HTML, the adapter finds the
 * files on the message through Graph (TeamsAdapter.withChannelFiles): this stays free of side effects.
 */
function filesOf(activity: TeamsActivity): ChatFileRef[] {
  return (activity.attachments ?? []).flatMap((attachment, index): ChatFileRef[] => {
    const { contentType, contentUrl } = attachment;
    if (!contentType || !contentUrl) return [];
    if (contentType === FILE_REFERENCE || contentType === FILE_DOWNLOAD_INFO) {
      if (!/^https:\/\//i.test(contentUrl)) return [];
      return [{ id: `${activity.id}-${index}`, name: attachment.name ?? fileNameOf(contentUrl, index), source: contentUrl }];
    }
    if (!contentType.startsWith('image/')) return [];
    const extension = contentType.slice('image/'.length).replace(/[^a-z0-9]/gi, '') || 'png';
    return [{ id: `${activity.id}-${index}`, name: attachment.name ?? `image-${index + 1}.${extension}`, mimeType: contentType, source: contentUrl }];
  });
}

/** The last segment of a file's URL, decoded, for an attachment without a name. */
function fileNameOf(url: string, index: number): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop();
    if (last) return decodeURIComponent(last);
  } catch {
    // fall through
  }
  return `file-${index + 1}`;
}

function reactionsOf(activity: TeamsActivity, where: Place, agent: Agent): TeamsInterpretation {
  const targetId = activity.replyToId ?? activity.id ?? '';
  const target: ChatMessageRef = { adapter: ADAPTER, channel: where.channel, id: targetId, threadId: where.rootId };
  const make = (type: string | undefined, removed: boolean, index: number): AgentReaction => {
    const name = type ?? 'unknown';
    return { key: `${ADAPTER}:${where.channel}:${activity.id}:${removed ? '-' : '+'}${name}:${index}`, target, agent, emoji: TEAMS_REACTIONS[name], emojiName: name, removed };
  };
  const reactions = [
    ...(activity.reactionsAdded ?? []).map((reaction, index) => make(reaction.type, false, index)),
    ...(activity.reactionsRemoved ?? []).map((reaction, index) => make(reaction.type, true, index)),
  ];
  if (reactions.length === 0) return { kind: 'ignored', reason: 'a reaction activity without reactions' };
  return { kind: 'reaction', reactions };
}

function changeOf(activity: TeamsActivity, where: Place, agent: Agent): TeamsInterpretation {
  if (!where.rootId || where.rootId === activity.id) return { kind: 'ignored', reason: 'an edit outside a thread' };
  const thread: ThreadRef = { adapter: ADAPTER, channel: where.channel, id: where.rootId };
  const target: ChatMessageRef = { adapter: ADAPTER, channel: where.channel, id: activity.id as string, threadId: where.rootId };
  return { kind: 'change', change: { kind: activity.type === 'messageDelete' ? 'delete' : 'edit', target, thread, agent } };
}

function timestampOf(activity: TeamsActivity): number {
  const parsed = activity.timestamp ? Date.parse(activity.timestamp) : Number.NaN;
  if (!Number.isNaN(parsed)) return parsed;
  const fromId = Number(activity.id);
  return Number.isSafeInteger(fromId) && fromId > 1e12 ? fromId : Date.now();
}
