/**
 * Test doubles for the core's two ports: a chat adapter that records every call and a WhatsApp
 * port whose answers a test scripts. They stand in for Slack and the Graph API only in the core's
 * unit tests; the end-to-end tests use the real adapters against the local emulators.
 */
import type {
  ChatAdapter,
  ChatCapabilities,
  ChatHandlers,
  ChatPost,
  HttpRoute,
  FileDownload,
  LocalFile,
  Notice,
  StagedFile,
  ThreadHeader,
} from '../../bot/chat-adapter.js';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MediaError } from '../../bot/media-errors.js';
import type { ChatFileRef, ChatMessageRef, Customer, DeliveryState, MessageTemplate, ThreadRef } from '../../bot/types.js';
import { WhatsAppSendError, type MediaDownload, type MediaUpload, type SendOptions, type SendPayload, type WhatsAppPort } from '../../bot/whatsapp-port.js';

export interface RecordedPost {
  thread: ThreadRef;
  post: ChatPost;
  ref: ChatMessageRef;
}

export class RecordingAdapter implements ChatAdapter {
  readonly name = 'rec';
  capabilities: ChatCapabilities = {
    customSender: true,
    reactions: true,
    ephemeral: true,
    maxTextLength: 39000,
    maxFileBytes: 1024 * 1024 * 1024,
    fileCustomSender: false,
  };
  /** Files staged (uploaded) and shared, with their bytes, in order. */
  staged: { staged: StagedFile; file: LocalFile; data: Buffer }[] = [];
  shared: { thread: ThreadRef; staged: StagedFile; post: Omit<ChatPost, 'key'>; ref: ChatMessageRef }[] = [];
  /** Agents' files that `openFile` serves, by file id. */
  readonly agentFiles = new Map<string, Buffer>();
  handlers?: ChatHandlers;
  threads: { channel: string; header: ThreadHeader; ref: ThreadRef }[] = [];
  posts: RecordedPost[] = [];
  statuses: { ref: ChatMessageRef; state: DeliveryState; previous?: DeliveryState }[] = [];
  reactions: { ref: ChatMessageRef; emoji: string; remove: boolean }[] = [];
  notices: { thread: ThreadRef; notice: Notice }[] = [];
  announcements: { channel: string; post: ChatPost; ref: ChatMessageRef }[] = [];
  /** Posts that exist in the "chat tool" by key, for findPosted. */
  readonly byKey = new Map<string, ChatMessageRef>();
  /** Make the next N posts fail with this error. */
  failPosts: { count: number; error: Error } | undefined;
  private counter = 0;

  routes(): HttpRoute[] {
    return [];
  }
  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
  }
  async stop(): Promise<void> {}

  private nextId(): string {
    this.counter += 1;
    return `${1700000000 + this.counter}.000${String(this.counter).padStart(3, '0')}`;
  }

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    const ref: ThreadRef = { adapter: this.name, channel, id: this.nextId() };
    this.threads.push({ channel, header, ref });
    this.byKey.set(header.key, { adapter: this.name, channel, id: ref.id });
    return ref;
  }

  async post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef> {
    if (this.failPosts && this.failPosts.count > 0) {
      this.failPosts.count -= 1;
      throw this.failPosts.error;
    }
    const ref: ChatMessageRef = { adapter: this.name, channel: thread.channel, id: this.nextId(), threadId: thread.id };
    this.posts.push({ thread, post, ref });
    this.byKey.set(post.key, ref);
    return ref;
  }

  async findPosted(_channel: string, _thread: ThreadRef | undefined, key: string): Promise<ChatMessageRef | undefined> {
    return this.byKey.get(key);
  }

  async showStatus(ref: ChatMessageRef, state: DeliveryState, previous?: DeliveryState): Promise<void> {
    this.statuses.push({ ref, state, previous });
  }

  async react(ref: ChatMessageRef, emoji: string, remove: boolean): Promise<void> {
    this.reactions.push({ ref, emoji, remove });
  }

  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    this.notices.push({ thread, notice });
  }

  async stageFile(file: LocalFile): Promise<StagedFile> {
    const staged = { id: `F${this.staged.length + 1}`, key: `file:F${this.staged.length + 1}` };
    this.staged.push({ staged, file, data: await readFile(file.path) });
    return staged;
  }

  async shareFile(thread: ThreadRef, staged: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const ref: ChatMessageRef = { adapter: this.name, channel: thread.channel, id: this.nextId(), threadId: thread.id };
    this.shared.push({ thread, staged, post, ref });
    this.byKey.set(staged.key, ref);
    return ref;
  }

  async openFile(file: ChatFileRef): Promise<FileDownload> {
    const data = this.agentFiles.get(file.id);
    if (!data) throw new MediaError({ reason: 'gone' });
    return { body: Readable.from([data]), size: data.length };
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    const ref: ChatMessageRef = { adapter: this.name, channel, id: this.nextId() };
    this.announcements.push({ channel, post, ref });
    return ref;
  }
}

export interface RecordedSend {
  numberId: string;
  customer: Customer;
  payload: SendPayload;
  options?: SendOptions;
  wamid?: string;
}

/** A WhatsApp port whose failures are scripted per call. */
export class ScriptedWhatsApp implements WhatsAppPort {
  sends: RecordedSend[] = [];
  /** Errors to throw, in order, before sends start succeeding. */
  failures: Error[] = [];
  /** What `listTemplates` answers, per business account; `templateCalls` counts the calls. */
  templates = new Map<string, MessageTemplate[]>();
  templateCalls = 0;
  private counter = 0;

  async listTemplates(businessAccountId: string): Promise<MessageTemplate[]> {
    this.templateCalls += 1;
    return structuredClone(this.templates.get(businessAccountId) ?? []);
  }

  /** Customer media `openMedia` serves, by media id; `mediaFailures` are thrown first, in order. */
  readonly media = new Map<string, Buffer>();
  mediaFailures: Error[] = [];
  uploads: (MediaUpload & { data: Buffer; mediaId: string })[] = [];

  async openMedia(_numberId: string, media: { mediaId: string; url?: string }): Promise<MediaDownload> {
    const failure = this.mediaFailures.shift();
    if (failure) throw failure;
    const data = this.media.get(media.mediaId);
    if (!data) throw new MediaError({ reason: 'gone' });
    return { body: Readable.from([data]), size: data.length };
  }

  async uploadMedia(_numberId: string, file: MediaUpload): Promise<{ mediaId: string }> {
    const mediaId = `media.${this.uploads.length + 1}`;
    this.uploads.push({ ...file, data: await readFile(file.path), mediaId });
    return { mediaId };
  }

  async send(numberId: string, customer: Customer, payload: SendPayload, options?: SendOptions): Promise<{ wamid: string }> {
    const record: RecordedSend = { numberId, customer, payload, options };
    this.sends.push(record);
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.counter += 1;
    record.wamid = `wamid.out.${this.counter}`;
    return { wamid: record.wamid };
  }

  succeeded(): RecordedSend[] {
    return this.sends.filter((send) => send.wamid !== undefined);
  }
}

export function graphError(code: number, action: WhatsAppSendError['action'], details = 'details'): WhatsAppSendError {
  return new WhatsAppSendError(`(#${code})`, action, { code, title: `error ${code}`, details });
}
