/**
 * Looking back in a channel through Microsoft Graph, so that after a crash `findPosted` can tell
 * whether a post already happened. The Bot Connector cannot read channel history
 * (`GET /v3/conversations/{id}/activities` is not offered to bots in Teams channels), but Graph can,
 * with the app's own token (client credentials, scope `https://graph.microsoft.com/.default`) and the
 * **resource-specific consent** `ChannelMessage.Read.Group` the shipped manifest already asks for
 * (or the tenant-wide `ChannelMessage.Read.All`):
 *
 *  - `GET /teams/{team-group-id}/channels/{channel-id}/messages/{root-id}/replies` — a thread's
 *    replies, newest first, up to 50 a page;
 *  - `GET /teams/{team-group-id}/channels/{channel-id}/messages` — the channel's top-level messages.
 *
 * Every card Puente posts carries its key in a hidden `TextBlock` (adapters/teams/cards.ts, id
 * `puente-key`); Graph returns the card as posted (`attachments[].content`, a JSON string), so the
 * key is read back from there, on messages the bot itself sent.
 */
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { KEY_ELEMENT_ID } from './cards.js';
import { statusError, TeamsApiError, type TokenSource } from './connector.js';

export const GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const GRAPH_SCOPE = 'https://graph.microsoft.com';

/** The fields of a Graph `chatMessage` the look-up reads. */
export interface ChatMessage {
  id?: string;
  from?: { application?: { id?: string } | null } | null;
  /** Cards (`content`, a JSON string) and files (`contentType: 'reference'`, `contentUrl`, `name`). */
  attachments?: { id?: string; contentType?: string; content?: string | null; contentUrl?: string | null; name?: string | null }[];
}

interface Page {
  value?: ChatMessage[];
  '@odata.nextLink'?: string;
}

export class GraphLookup {
  constructor(
    private readonly token: TokenSource,
    private readonly appId: string,
    private readonly baseUrl = GRAPH_URL,
    /** Pages of 50 read at most per look-up: the post being looked for is recent. */
    private readonly maxPages = 4,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * The id of the bot's message carrying `key` among a thread's recent replies (`root` given) or the
   * channel's recent top-level messages; undefined when none does.
   */
  async find(team: string, channel: string, root: string | undefined, key: string): Promise<string | undefined> {
    const base = `${this.baseUrl.replace(/\/$/, '')}/teams/${encodeURIComponent(team)}/channels/${encodeURIComponent(channel)}/messages`;
    let next: string | undefined = `${root ? `${base}/${encodeURIComponent(root)}/replies` : base}?$top=50`;
    for (let page = 0; next && page < this.maxPages; page++) {
      const answer = await this.get(next);
      for (const message of answer.value ?? []) {
        if (message.id && this.isOwn(message) && carriesKey(message, key)) return message.id;
      }
      next = answer['@odata.nextLink'];
    }
    return undefined;
  }

  /**
   * One message of a channel: a reply in the thread `root`, or the root itself. Files people attach in
   * a channel are listed here (`reference` attachments with their SharePoint URL), not in the
   * activity Teams sends the bot (teams.md §5).
   */
  async message(team: string, channel: string, root: string, id: string): Promise<ChatMessage> {
    const base = `${this.baseUrl.replace(/\/$/, '')}/teams/${encodeURIComponent(team)}/channels/${encodeURIComponent(channel)}/messages/${encodeURIComponent(root)}`;
    return (await this.get(root === id ? base : `${base}/replies/${encodeURIComponent(id)}`)) as ChatMessage;
  }

  /** Sent by this bot: Graph names the app (`from.application.id`); people's messages are never it. */
  private isOwn(message: ChatMessage): boolean {
    const application = message.from?.application?.id;
    return application === this.appId || application === `28:${this.appId}`;
  }

  private async get(url: string): Promise<Page & ChatMessage> {
    let token: string;
    try {
      token = await this.token();
    } catch (error) {
      throw new RetryableChatError(`Microsoft Graph: no token (${(error as Error).message})`, undefined, { cause: error });
    }
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new RetryableChatError(`Microsoft Graph request failed: ${(error as Error).message}`, undefined, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw statusError('Graph read', response, text);
    try {
      return JSON.parse(text) as Page & ChatMessage;
    } catch {
      throw new TeamsApiError('Graph read', response.status, 'the answer is not JSON');
    }
  }
}

/** Whether a message's Adaptive Card holds the hidden key element with exactly `key`. */
export function carriesKey(message: ChatMessage, key: string): boolean {
  return (message.attachments ?? []).some((attachment) => {
    if (typeof attachment.content !== 'string' || !attachment.content.includes(KEY_ELEMENT_ID)) return false;
    try {
      return findKey(JSON.parse(attachment.content)) === key;
    } catch {
      return false;
    }
  });
}

function findKey(element: unknown): string | undefined {
  if (Array.isArray(element)) {
    for (const item of element) {
      const found = findKey(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof element !== 'object' || element === null) return undefined;
  const item = element as Record<string, unknown>;
  if (item.id === KEY_ELEMENT_ID && typeof item.text === 'string') return item.text;
  return findKey(item.body);
}
