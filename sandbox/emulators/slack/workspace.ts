/**
 * The emulated workspace's state: channels, their messages (threads are messages with `thread_ts`),
 * reactions. Messages are kept in the shape Slack returns them, so read methods hand out copies
 * directly. Each channel keeps at most `maxMessagesPerChannel`, oldest forgotten first.
 */
import { SlackApiError } from './web-api-args.js';
import { compareTs } from './ts-clock.js';
import type { EmulatedSlackChannel, SlackMessage } from './types.js';

export interface StoredChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  created: number;
  /** Insertion order = ts order, since ts come from one monotonic clock. */
  messages: Map<string, SlackMessage>;
}

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

export class Workspace {
  private readonly channels = new Map<string, StoredChannel>();

  constructor(
    private readonly maxMessagesPerChannel: number,
    private readonly autoCreateChannels: boolean,
  ) {}

  addChannel(channel: EmulatedSlackChannel): StoredChannel {
    const existing = this.channels.get(channel.id);
    if (existing) return existing;
    const stored: StoredChannel = {
      id: channel.id,
      name: channel.name,
      isPrivate: channel.isPrivate ?? channel.id.startsWith('G'),
      created: Math.floor(Date.now() / 1000),
      messages: new Map(),
    };
    this.channels.set(channel.id, stored);
    return stored;
  }

  /** The channel, created on first use when allowed; otherwise `channel_not_found`. */
  channel(id: string): StoredChannel {
    const existing = this.channels.get(id);
    if (existing) return existing;
    if (this.autoCreateChannels && CHANNEL_ID.test(id)) return this.addChannel({ id, name: `channel-${id.toLowerCase()}` });
    throw new SlackApiError('channel_not_found');
  }

  findChannel(id: string): StoredChannel | undefined {
    return this.channels.get(id);
  }

  allChannels(): StoredChannel[] {
    return [...this.channels.values()];
  }

  message(channelId: string, ts: string): SlackMessage | undefined {
    return this.channels.get(channelId)?.messages.get(ts);
  }

  requireMessage(channelId: string, ts: string): SlackMessage {
    const message = this.message(this.channel(channelId).id, ts);
    if (!message) throw new SlackApiError('message_not_found');
    return message;
  }

  /**
   * The ts of the thread a new reply belongs to. Slack asks for the parent's ts; given a reply's ts,
   * the reply lands in that reply's thread. Unknown → `thread_not_found` (see caveats: real Slack's
   * answer here is not documented; failing loudly catches bridge bugs).
   */
  threadRoot(channelId: string, threadTs: string): SlackMessage {
    const target = this.message(channelId, threadTs);
    if (!target) throw new SlackApiError('thread_not_found');
    if (target.thread_ts && target.thread_ts !== target.ts) return this.message(channelId, target.thread_ts) ?? target;
    return target;
  }

  /** Stores a message; a reply also updates its parent's reply_count / reply_users / latest_reply. */
  add(channelId: string, message: SlackMessage): void {
    const channel = this.channel(channelId);
    channel.messages.set(message.ts, message);
    if (message.thread_ts && message.thread_ts !== message.ts) {
      const parent = channel.messages.get(message.thread_ts);
      if (parent) {
        const author = message.user ?? message.bot_id ?? '';
        const replyUsers = new Set([...(parent.reply_users ?? []), author]);
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.reply_users = [...replyUsers];
        parent.reply_users_count = replyUsers.size;
        parent.latest_reply = message.ts;
      }
    }
    while (channel.messages.size > this.maxMessagesPerChannel) {
      const oldest = channel.messages.keys().next().value as string;
      channel.messages.delete(oldest);
    }
  }

  /**
   * Removes a message. A parent with replies leaves a tombstone, as in Slack, so its thread
   * stays readable.
   */
  remove(channelId: string, ts: string): SlackMessage | undefined {
    const channel = this.channel(channelId);
    const message = channel.messages.get(ts);
    if (!message) return undefined;
    if ((message.reply_count ?? 0) > 0) {
      channel.messages.set(ts, { type: 'message', subtype: 'tombstone', ts, text: 'This message was deleted.', thread_ts: ts, user: 'USLACKBOT', hidden: true, reply_count: message.reply_count, reply_users: message.reply_users, latest_reply: message.latest_reply });
    } else {
      channel.messages.delete(ts);
    }
    return message;
  }

  /** Channel-level messages (no replies except broadcasts), newest first. */
  history(channelId: string): SlackMessage[] {
    const messages = [...this.channel(channelId).messages.values()];
    return messages
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
      .sort((a, b) => compareTs(b.ts, a.ts));
  }

  /** A thread: parent first, then replies oldest first. A reply's ts yields just that reply, as in Slack. */
  thread(channelId: string, ts: string): SlackMessage[] {
    const channel = this.channel(channelId);
    const root = channel.messages.get(ts);
    if (!root) return [];
    if (root.thread_ts && root.thread_ts !== root.ts) return [root];
    const replies = [...channel.messages.values()].filter((m) => m.thread_ts === ts && m.ts !== ts).sort((a, b) => compareTs(a.ts, b.ts));
    return [root, ...replies];
  }

  addReaction(channelId: string, ts: string, name: string, user: string): void {
    const message = this.requireMessage(channelId, ts);
    const reactions = (message.reactions ??= []);
    const reaction = reactions.find((r) => r.name === name);
    if (reaction?.users.includes(user)) throw new SlackApiError('already_reacted');
    if (reaction) {
      reaction.users.push(user);
      reaction.count += 1;
    } else {
      reactions.push({ name, users: [user], count: 1 });
    }
  }

  removeReaction(channelId: string, ts: string, name: string, user: string): void {
    const message = this.requireMessage(channelId, ts);
    const reaction = message.reactions?.find((r) => r.name === name);
    if (!reaction || !reaction.users.includes(user)) throw new SlackApiError('no_reaction');
    reaction.users = reaction.users.filter((u) => u !== user);
    reaction.count -= 1;
    if (reaction.count === 0) message.reactions = message.reactions?.filter((r) => r !== reaction);
    if (message.reactions?.length === 0) delete message.reactions;
  }

  clear(): void {
    for (const channel of this.channels.values()) channel.messages.clear();
  }
}
