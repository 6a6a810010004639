/**
 * What the Teams adapter must remember across restarts, in one small append-only journal
 * (`<DATA_DIR>/teams/state.jsonl`, one JSON record a line, group-committed with `fdatasync`):
 *
 *  - `url`: the Bot Connector `serviceUrl` of each channel, tenant and personal chat, as inbound
 *    activities gave it (teams.md §2.1: it is per region; store it, don't hard-code it);
 *  - `user`: an agent's Azure AD object id → their Teams id (`29:…`) and name, to reach them privately;
 *  - `dm`: the personal (1:1) conversation with an agent, once created;
 *  - `team`: a channel's team group id (`channelData.team.aadGroupId`), for Microsoft Graph look-ups;
 *  - `post`: each post made with a key (`ChatPost.key`, thread roots, shared files) → its message id,
 *    written right after Teams accepted it and before `post` returns, so `findPosted` can answer
 *    after a crash without asking Teams;
 *  - `marker`: the delivery-status marker posted under each agent message, so a status after a
 *    restart updates it instead of posting a second one.
 *
 * At open the journal is replayed (a torn last line after a crash is skipped) and rewritten compactly;
 * `post` and `marker` records keep the most recent `maxRecords` each. Without a directory (tests,
 * embedding) everything lives in memory only.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface PostedRecord {
  id: string;
  channel: string;
  /** The thread root, when the post is a reply in a thread. */
  thread?: string;
}

export interface TeamsUser {
  /** The Teams id (`29:…`), what Bot Connector conversations and mentions take. */
  mri: string;
  name?: string;
}

type Entry =
  | { t: 'url'; scope: string; url: string }
  | { t: 'user'; aad: string; mri: string; name?: string }
  | { t: 'dm'; user: string; conversation: string | null }
  | { t: 'team'; channel: string; group: string }
  | { t: 'post'; key: string; id: string; channel: string; thread?: string }
  | { t: 'marker'; message: string; marker: string };

const FILE = 'state.jsonl';
const DEFAULT_MAX_RECORDS = 20_000;

export class TeamsState {
  private readonly urls = new Map<string, string>();
  private readonly users = new Map<string, TeamsUser>();
  private readonly dms = new Map<string, string>();
  private readonly teams = new Map<string, string>();
  private readonly posts = new Map<string, PostedRecord>();
  private readonly markers = new Map<string, string>();
  private handle?: FileHandle;
  private opening?: Promise<void>;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing?: Promise<void>;
  private appended = 0;

  constructor(
    private readonly dir?: string,
    private readonly maxRecords = DEFAULT_MAX_RECORDS,
  ) {}

  /** Replays and compacts the journal (once; later calls wait for the first). */
  open(): Promise<void> {
    this.opening ??= this.load();
    return this.opening;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
    this.opening = undefined;
  }

  serviceUrl(scope: string): string | undefined {
    return this.urls.get(scope);
  }

  rememberServiceUrl(scope: string, url: string): void {
    if (this.urls.get(scope) === url) return;
    this.apply({ t: 'url', scope, url });
    void this.write({ t: 'url', scope, url }).catch(() => undefined);
  }

  user(aad: string): TeamsUser | undefined {
    return this.users.get(aad);
  }

  rememberUser(aad: string, mri: string, name?: string): void {
    const known = this.users.get(aad);
    if (known && known.mri === mri && known.name === name) return;
    const entry: Entry = { t: 'user', aad, mri, ...(name ? { name } : {}) };
    this.apply(entry);
    void this.write(entry).catch(() => undefined);
  }

  personalConversation(user: string): string | undefined {
    return this.dms.get(user);
  }

  async rememberPersonalConversation(user: string, conversation: string | undefined): Promise<void> {
    if (this.dms.get(user) === conversation) return;
    const entry: Entry = { t: 'dm', user, conversation: conversation ?? null };
    this.apply(entry);
    await this.write(entry);
  }

  teamGroup(channel: string): string | undefined {
    return this.teams.get(channel);
  }

  rememberTeamGroup(channel: string, group: string): void {
    if (this.teams.get(channel) === group) return;
    this.apply({ t: 'team', channel, group });
    void this.write({ t: 'team', channel, group }).catch(() => undefined);
  }

  posted(key: string): PostedRecord | undefined {
    return this.posts.get(key);
  }

  /** Durable (written and `fdatasync`ed) when the promise resolves. */
  async rememberPost(key: string, record: PostedRecord): Promise<void> {
    const entry: Entry = { t: 'post', key, id: record.id, channel: record.channel, ...(record.thread ? { thread: record.thread } : {}) };
    this.apply(entry);
    await this.write(entry);
  }

  marker(message: string): string | undefined {
    return this.markers.get(message);
  }

  async rememberMarker(message: string, marker: string): Promise<void> {
    if (this.markers.get(message) === marker) return;
    this.apply({ t: 'marker', message, marker });
    await this.write({ t: 'marker', message, marker });
  }

  private apply(entry: Entry): void {
    switch (entry.t) {
      case 'url':
        this.urls.set(entry.scope, entry.url);
        return;
      case 'user':
        this.users.set(entry.aad, { mri: entry.mri, ...(entry.name ? { name: entry.name } : {}) });
        return;
      case 'dm':
        if (entry.conversation) this.dms.set(entry.user, entry.conversation);
        else this.dms.delete(entry.user);
        return;
      case 'team':
        this.teams.set(entry.channel, entry.group);
        return;
      case 'post':
        bounded(this.posts, entry.key, { id: entry.id, channel: entry.channel, ...(entry.thread ? { thread: entry.thread } : {}) }, this.maxRecords);
        return;
      case 'marker':
        bounded(this.markers, entry.message, entry.marker, this.maxRecords);
        return;
    }
  }

  private async load(): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, FILE);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as Entry;
        if (entry && typeof entry === 'object' && typeof entry.t === 'string') this.apply(entry);
      } catch {
        // A line torn by a crash mid-write: everything before it is intact.
      }
    }
    await this.compact();
  }

  /** Rewrites the journal with only what is remembered now (temporary file, fsync, rename). */
  private async compact(): Promise<void> {
    if (!this.dir) return;
    const path = join(this.dir, FILE);
    const temporary = `${path}.tmp`;
    const lines = this.snapshot().map((entry) => `${JSON.stringify(entry)}\n`);
    const out = await open(temporary, 'w');
    try {
      await out.writeFile(lines.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await this.handle?.close();
    await rename(temporary, path);
    this.handle = await open(path, 'a');
    this.appended = 0;
  }

  private snapshot(): Entry[] {
    return [
      ...[...this.urls].map(([scope, url]): Entry => ({ t: 'url', scope, url })),
      ...[...this.users].map(([aad, user]): Entry => ({ t: 'user', aad, mri: user.mri, ...(user.name ? { name: user.name } : {}) })),
      ...[...this.dms].map(([user, conversation]): Entry => ({ t: 'dm', user, conversation })),
      ...[...this.teams].map(([channel, group]): Entry => ({ t: 'team', channel, group })),
      ...[...this.posts].map(([key, record]): Entry => ({ t: 'post', key, ...record })),
      ...[...this.markers].map(([message, marker]): Entry => ({ t: 'marker', message, marker })),
    ];
  }

  /** Queues a record; every record queued meanwhile goes in one write and one `fdatasync`. */
  private write(entry: Entry): Promise<void> {
    if (!this.dir) return Promise.resolve();
    this.pending.push(`${JSON.stringify(entry)}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    try {
      await this.open();
      while (this.pending.length > 0) {
        const lines = this.pending.splice(0);
        const waiters = this.waiters.splice(0);
        try {
          if (!this.handle) throw new Error('teams state journal is closed');
          await this.handle.write(lines.join(''));
          await this.handle.datasync();
          this.appended += lines.length;
          if (this.appended > this.maxRecords * 4) await this.compact();
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of waiters) waiter.reject(error);
        }
      }
    } catch (error) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      this.pending = [];
    } finally {
      this.flushing = undefined;
    }
  }
}

/** Inserts as the newest entry, forgetting the oldest beyond `max`. */
function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
