/**
 * WhatsApp → chat tool for files. A customer's photo, video, voice note, document or sticker is
 * fetched from WhatsApp (streamed to disk under the byte cap, sha256 checked, type read from the
 * bytes) and put into the thread as the real file, with the caption as its comment.
 *
 * Exactly once, across crashes: the file is first *staged* (uploaded, not shown), the stage is stored
 * on the message record, and only then *shared*. A recovered webhook whose record says `staged` asks
 * the chat tool (`findPosted`) whether the share happened before sharing again.
 *
 * Never silent: when the download fails, a placeholder with the caption and the reason is posted at
 * once (so the customer's later messages are not held back), and the download is retried outside the
 * conversation's lane. The webhook stays in the durable inbox until the file is in the thread or the
 * bridge gives up, so a restart resumes the retries; a redelivered webhook joins the retry in flight.
 */
import { RetryableChatError, type ChatAdapter, type ChatPost, type PostSender, type StagedFile } from './chat-adapter.js';
import { say } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import { detectFileType } from './detect-file-type.js';
import { safeFileName } from './file-names.js';
import { MediaError } from './media-errors.js';
import { limitsIntoChat } from './media-limits.js';
import type { MediaSpool } from './media-spool.js';
import { describeMedia, renderPreamble } from './render-inbound.js';
import { fallbackFileName, mediaProblemText } from './render-media.js';
import { excerpt } from './text.js';
import type { ChatMessageRef, Conversation, InboundContent, InboundMessage, ThreadRef } from './types.js';
import type { NumberConfig } from '../config/types.js';
import type { InboundMediaProgress, MessageRecord } from '../storage/store.js';

export type MediaContent = Extract<InboundContent, { kind: 'media' }>;

/** Waits between download retries after the first failures: about 50 minutes in all. */
export const DEFAULT_MEDIA_RETRY_DELAYS_MS: readonly number[] = [15_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000];
/** Tries inside the conversation's lane before a placeholder goes up and retrying moves out of the lane. */
const ATTEMPTS_BEFORE_PLACEHOLDER = 2;
const PAUSE_BETWEEN_FIRST_ATTEMPTS_MS = 300;

export interface InboundMediaOptions {
  retryDelaysMs?: readonly number[];
}

/** Everything one customer file needs, gathered by the customer relay. */
export interface InboundFileJob {
  message: InboundMessage;
  content: MediaContent;
  conversation: Conversation;
  thread: ThreadRef;
  number: NumberConfig;
  adapter: ChatAdapter;
  sender: PostSender;
  quote?: { author?: string; text: string };
  /** The webhook was replayed after a crash: posts may already exist. */
  recovered: boolean;
}

/** A record whose file is not in the thread yet and has not been given up on. */
export function mediaUnfinished(record: MessageRecord): boolean {
  return record.media?.state === 'pending' || record.media?.state === 'staged';
}

export class InboundMedia {
  /** Retry loops in flight, by wamid: the webhook's inbox item stays pending until its loop ends. */
  private readonly retries = new Map<string, Promise<void>>();
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly ctx: BridgeContext,
    private readonly spool: MediaSpool,
    options: InboundMediaOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_MEDIA_RETRY_DELAYS_MS;
  }

  /** The retry loop still working on `wamid`, if any. */
  followUp(wamid: string): Promise<void> | undefined {
    return this.retries.get(wamid);
  }

  /** Bridges one customer file; `existing` is its record when an earlier attempt got part of the way. */
  async relay(job: InboundFileJob, existing: MessageRecord | undefined): Promise<void> {
    const progress = existing?.media;
    if (existing && progress?.state === 'staged' && progress.staged) return this.resumeShare(job, existing, progress.staged);
    if (existing && progress?.state === 'pending') return this.startRetries(job);

    if (job.adapter.capabilities.maxFileBytes <= 0) {
      const text = `${this.describe(job)}\n${say(job.number.language, 'inbound.media.no.files')}`;
      const chat = await this.postOnce(job, text);
      await this.record(job, { chat, media: { state: 'failed' } });
      return;
    }

    const failure = await this.firstAttempts(job);
    if (!failure) return;
    const retrying = failure.retryable;
    const language = job.number.language;
    const reason = mediaProblemText(language, failure.problem);
    const notice = say(language, retrying ? 'inbound.media.retrying' : 'inbound.media.failed', { reason });
    const chat = await this.postOnce(job, `${this.describe(job)}\n${notice}`);
    await this.record(job, { chat, media: { state: retrying ? 'pending' : 'failed' } });
    if (retrying) this.startRetries(job);
  }

  /** A couple of quick tries inside the lane; resolves with the last problem, or undefined once the file is in. */
  private async firstAttempts(job: InboundFileJob): Promise<MediaError | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.fetchAndShare(job, undefined);
        return undefined;
      } catch (error) {
        if (!(error instanceof MediaError)) throw error; // the chat tool's failures are retried by the caller
        this.ctx.logger.warn({ wamid: job.message.wamid, attempt, problem: error.problem }, 'customer file not fetched');
        if (!error.retryable || attempt >= ATTEMPTS_BEFORE_PLACEHOLDER) return error;
        await pause(PAUSE_BETWEEN_FIRST_ATTEMPTS_MS);
      }
    }
  }

  /**
   * Downloads, checks and stages the file, stores the stage, then shares it. With `placeholder`
   * (an earlier failure's post) the file comes as a late follow-up to it.
   */
  private async fetchAndShare(job: InboundFileJob, placeholder: MessageRecord | undefined): Promise<void> {
    const staged = await this.spool.transfer(() => this.fetchAndStage(job));
    const media: InboundMediaProgress = { state: 'staged', staged };
    if (placeholder) await this.ctx.store.updateMessage(placeholder.key, { media });
    else await this.record(job, { media });
    await this.share(job, staged, placeholder?.chat !== undefined);
  }

  private async fetchAndStage(job: InboundFileJob): Promise<StagedFile> {
    const { content, adapter } = job;
    const limits = limitsIntoChat(adapter.capabilities.maxFileBytes);
    const download = await this.ctx.options.whatsapp.openMedia(
      job.number.phoneNumberId,
      { mediaId: content.mediaId, url: content.url },
      { maxBytes: limits.maxFileBytes },
    );
    const file = await this.spool.receive(download.body, {
      maxBytes: limits.maxFileBytes,
      knownSize: download.size,
      // The webhook's checksum is the one WhatsApp signed with the message; the lookup's is a fallback.
      expectedSha256: content.sha256 ?? download.sha256,
    });
    try {
      const detected = await detectFileType(file.path, content.filename);
      // Any type may go into the chat tool; the detected one names the file, whatever was declared.
      const mimeType = detected?.mimeType ?? 'application/octet-stream';
      if (detected && content.mimeType && !content.mimeType.startsWith(detected.mimeType.split(';')[0]!)) {
        this.ctx.logger.info({ wamid: job.message.wamid, declared: content.mimeType, detected: detected.mimeType }, 'customer file is not what its MIME type says');
      }
      const name = this.fileName(job, detected?.extension);
      return await job.adapter.stageFile({ path: file.path, name, size: file.size, mimeType });
    } finally {
      await file.release();
    }
  }

  private async share(job: InboundFileJob, staged: StagedFile, late: boolean): Promise<void> {
    const text = late ? say(job.number.language, 'inbound.media.late', { text: this.comment(job) }) : this.comment(job);
    const post: Omit<ChatPost, 'key'> = { text, sender: job.sender, ...(job.quote && !late ? { quote: job.quote } : {}) };
    const shared = await job.adapter.shareFile(job.thread, staged, post);
    const record = await this.ctx.store.getMessage(job.message.wamid);
    await this.ctx.store.updateMessage(job.message.wamid, { media: { state: 'bridged' }, ...(shared && !record?.chat ? { chat: shared } : {}) });
  }

  /** After a crash in the middle: the stage is stored, the share may or may not have happened. */
  private async resumeShare(job: InboundFileJob, record: MessageRecord, staged: StagedFile): Promise<void> {
    const found = await job.adapter.findPosted(job.thread.channel, job.thread, staged.key);
    if (found) {
      await this.ctx.store.updateMessage(record.key, { media: { state: 'bridged' }, ...(record.chat ? {} : { chat: found }) });
      return;
    }
    try {
      await this.share(job, staged, record.chat !== undefined);
    } catch (error) {
      if (error instanceof RetryableChatError) throw error;
      // The chat tool no longer knows the staged upload: fetch the file again, as a retry would.
      this.ctx.logger.warn({ wamid: record.key, err: error }, 'staged file could not be shared; fetching it again');
      await this.ctx.store.updateMessage(record.key, { media: { state: 'pending' } });
      this.startRetries(job, 0);
    }
  }

  private startRetries(job: InboundFileJob, firstDelayMs?: number): void {
    const wamid = job.message.wamid;
    if (this.retries.has(wamid)) return;
    const delays = firstDelayMs === undefined ? this.retryDelaysMs : [firstDelayMs, ...this.retryDelaysMs];
    // A recovered webhook retries at once: its earlier waits already happened in the previous run.
    const schedule = job.recovered ? [0, ...delays.slice(1)] : delays;
    const loop = this.retryLoop(job, schedule).finally(() => this.retries.delete(wamid));
    this.retries.set(wamid, loop);
    this.ctx.track(loop).catch(() => undefined);
  }

  private async retryLoop(job: InboundFileJob, delays: readonly number[]): Promise<void> {
    const wamid = job.message.wamid;
    let last: MediaError | undefined;
    for (const delay of delays) {
      await this.pauseUnlessStopping(delay);
      const record = await this.ctx.store.getMessage(wamid);
      if (!record || !mediaUnfinished(record)) return;
      try {
        const staged = record.media?.state === 'staged' ? record.media.staged : undefined;
        if (staged) await this.resumeShare(job, record, staged);
        else await this.fetchAndShare(job, record);
      } catch (error) {
        if (this.ctx.stopping) throw error;
        if (error instanceof MediaError) {
          last = error;
          this.ctx.logger.warn({ wamid, problem: error.problem }, 'customer file retry failed');
          if (!error.retryable) break;
        } else {
          // The chat tool failed (rate limit, outage): the next round tries again from the stored progress.
          this.ctx.logger.warn({ wamid, err: error }, 'customer file retry could not reach the chat tool');
        }
      }
      const after = await this.ctx.store.getMessage(wamid);
      if (!after || !mediaUnfinished(after)) return;
    }
    const language = job.number.language;
    const reason = last ? mediaProblemText(language, last.problem) : '';
    await this.ctx.store.updateMessage(wamid, { media: { state: 'failed' } });
    await this.ctx.withRetries(`give-up notice ${wamid}`, () =>
      job.adapter.notify(job.thread, { kind: 'warning', text: say(language, 'inbound.media.gave.up', { reason }) }),
    );
  }

  /** Sleeps, but gives up at shutdown: the webhook then stays pending and the next start retries. */
  private async pauseUnlessStopping(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (this.ctx.stopping) throw new Error('shutting down: the file is retried at the next start');
      await pause(Math.min(250, until - Date.now()));
    }
    if (this.ctx.stopping) throw new Error('shutting down: the file is retried at the next start');
  }

  /** Posts `text` under the customer's name, unless a recovered webhook finds it already posted. */
  private async postOnce(job: InboundFileJob, text: string): Promise<ChatMessageRef> {
    const key = `in:${job.message.wamid}`;
    const found = job.recovered ? await job.adapter.findPosted(job.thread.channel, job.thread, key) : undefined;
    return found ?? job.adapter.post(job.thread, { text, sender: job.sender, quote: job.quote, key });
  }

  private async record(job: InboundFileJob, fields: Pick<MessageRecord, 'media'> & Partial<Pick<MessageRecord, 'chat'>>): Promise<void> {
    const { message, conversation } = job;
    await this.ctx.store.insertMessage({
      key: message.wamid,
      direction: 'in',
      conversationId: conversation.id,
      wamids: [message.wamid],
      excerpt: excerpt(describeMedia(job.number.language, this.named(job))),
      at: message.timestamp,
      ...fields,
    });
  }

  /** Forwarded flags, the ad the customer came from, and "[image] caption". */
  private describe(job: InboundFileJob): string {
    return [...renderPreamble(job.number.language, job.message), describeMedia(job.number.language, this.named(job))]
      .filter((line) => line.length > 0)
      .join('\n');
  }

  /** The file's comment; names the customer where the chat tool shows files under the app's name. */
  private comment(job: InboundFileJob): string {
    const text = this.describe(job);
    return job.adapter.capabilities.fileCustomSender ? text : say(job.number.language, 'inbound.file.from', { customer: job.sender.name, text });
  }

  /** The content with its file name made safe, for the description. */
  private named(job: InboundFileJob): MediaContent {
    const { content } = job;
    return content.filename ? { ...content, filename: safeFileName(content.filename, 'file') } : content;
  }

  private fileName(job: InboundFileJob, extension: string | undefined): string {
    const { content, number } = job;
    const fallback = fallbackFileName(number.language, content.mediaType, content.voice);
    return safeFileName(content.filename, fallback, extension);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
