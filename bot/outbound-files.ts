/**
 * Chat tool → WhatsApp for files, in two steps.
 *
 * When the agent's message arrives (`planAgentReply`), only what the chat tool declares is known:
 * files beyond the per-message count and files whose declared size is over the limit are refused at
 * once, before any download; the rest become outbox items that hold the chat tool's *reference*
 * (never the bytes), in the order attached, with the agent's text as the first file's caption where
 * WhatsApp allows one and as its own message otherwise.
 *
 * At send time (`FileDelivery`), in the conversation's lane: download under the byte cap, read the
 * real type from the bytes, choose the WhatsApp kind (media-limits.ts), upload, send by media id.
 * A file that cannot go is explained in the thread, naming it, its size or type and the limit; its
 * caption still goes as text, and the message's other files and text are separate items that go anyway.
 */
import type { ChatAdapter } from './chat-adapter.js';
import { say, type Language } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import { detectFileType } from './detect-file-type.js';
import { safeFileName } from './file-names.js';
import { MediaError, type MediaProblem } from './media-errors.js';
import {
  WHATSAPP_CAPTION_LIMIT,
  declaredTypeTakesCaption,
  isWhatsAppPlan,
  limitsToWhatsApp,
  planWhatsAppFile,
  type FileLimits,
  type WhatsAppFilePlan,
} from './media-limits.js';
import type { MediaSpool } from './media-spool.js';
import { DEFAULT_RETRY_POLICY, type OutboundSender, type SendOutcome } from './outbound-sender.js';
import { mediaProblemText } from './render-media.js';
import { splitText } from './text.js';
import type { ChatFileRef, Conversation, ThreadRef, WhatsAppErrorInfo } from './types.js';
import { WhatsAppSendError } from './whatsapp-port.js';
import type { NumberConfig } from '../config/types.js';
import type { OutboundPayload, OutboxItem } from '../storage/store.js';

export interface RejectedFile {
  file: ChatFileRef;
  problem: MediaProblem;
}

export interface ReplyPlan {
  /** Outbox payloads in sending order. */
  payloads: OutboundPayload[];
  /** Files refused before any download, to be explained in the thread. */
  rejected: RejectedFile[];
}

/** Turns an agent's text and files into sends, refusing what the declared count and sizes already rule out. */
export function planAgentReply(text: string, files: readonly ChatFileRef[], limits: FileLimits, textLimit: number): ReplyPlan {
  const rejected: RejectedFile[] = [];
  const accepted: ChatFileRef[] = [];
  files.forEach((file, index) => {
    if (index >= limits.maxFilesPerMessage) rejected.push({ file, problem: { reason: 'count', limit: limits.maxFilesPerMessage } });
    else if (file.size !== undefined && file.size > limits.maxFileBytes) {
      rejected.push({ file, problem: { reason: 'too-large', size: file.size, limit: limits.maxFileBytes } });
    } else accepted.push(file);
  });
  const [first, ...rest] = accepted;
  const asCaption = text !== '' && first !== undefined && text.length <= WHATSAPP_CAPTION_LIMIT && declaredTypeTakesCaption(first.mimeType);
  const payloads: OutboundPayload[] = asCaption
    ? [{ type: 'file', file: first, caption: text }, ...rest.map((file): OutboundPayload => ({ type: 'file', file }))]
    : [
        ...(text === '' ? [] : splitText(text, textLimit).map((part): OutboundPayload => ({ type: 'text', text: part }))),
        ...accepted.map((file): OutboundPayload => ({ type: 'file', file })),
      ];
  return { payloads, rejected };
}

/** The sentence that explains, in the thread, why a file did not go. */
export function rejectedFileNotice(language: Language, file: ChatFileRef, why: { problem: MediaProblem } | { whatsapp: WhatsAppErrorInfo }): string {
  const name = safeFileName(file.name, file.id);
  if ('problem' in why) return say(language, 'notice.file.rejected', { name, reason: mediaProblemText(language, why.problem) });
  const { whatsapp } = why;
  return say(language, 'notice.file.upload.failed', { name, code: whatsapp.code, reason: whatsapp.details ?? whatsapp.message ?? whatsapp.title ?? '' });
}

/** A file item that did not go: the thread was told why, so no generic failure notice follows. */
export interface FileRejected {
  ok: false;
  rejected: true;
  error: WhatsAppErrorInfo;
}

interface UploadedFile {
  mediaId: string;
  plan: WhatsAppFilePlan;
  name: string;
}

type NotSent = { problem: MediaProblem } | { whatsapp: WhatsAppErrorInfo };

/** Downloads and uploads are retried this many times at most, whatever the send policy allows. */
const MAX_TRANSFER_ATTEMPTS = 4;

export class FileDelivery {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly spool: MediaSpool,
    private readonly sender: OutboundSender,
  ) {}

  /** Sends one `file` outbox item; throws only at shutdown (the item then stays in the outbox). */
  async deliver(item: OutboxItem, conversation: Conversation, number: NumberConfig): Promise<SendOutcome | FileRejected> {
    if (item.payload.type !== 'file') throw new Error(`outbox ${item.id} is not a file`);
    const { file, caption } = item.payload;
    const adapter = this.ctx.adapterFor(number);
    const uploaded = await this.uploadWithRetries(item, file, adapter);
    if ('problem' in uploaded || 'whatsapp' in uploaded) {
      if (conversation.thread) await this.explain(conversation.thread, number.language, adapter, file, uploaded);
      // The agent's words never depend on the file: they go as text when the file cannot.
      if (caption) return this.sender.send(item, conversation.customer, { type: 'text', text: caption });
      const details = 'problem' in uploaded ? uploaded.problem.reason : uploaded.whatsapp.details;
      return { ok: false, rejected: true, error: { code: 'whatsapp' in uploaded ? uploaded.whatsapp.code : 0, title: 'file not sent', details } };
    }
    const { mediaId, plan, name } = uploaded;
    // Audio and stickers carry no caption: the text goes first, as its own message with its own proof id.
    const textFirst = caption && !plan.caption ? await this.sender.send(item, conversation.customer, { type: 'text', text: caption }, `${item.id}~text`) : undefined;
    const sent = await this.sender.send(item, conversation.customer, {
      type: 'media',
      kind: plan.kind,
      mediaId,
      ...(caption && plan.caption ? { caption } : {}),
      ...(plan.kind === 'document' ? { filename: name } : {}),
    });
    return sent.ok && textFirst && !textFirst.ok ? textFirst : sent;
  }

  private async uploadWithRetries(item: OutboxItem, file: ChatFileRef, adapter: ChatAdapter): Promise<UploadedFile | NotSent> {
    const policy = this.ctx.options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    const attempts = Math.min(MAX_TRANSFER_ATTEMPTS, policy.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.spool.transfer(() => this.downloadAndUpload(item, file, adapter));
      } catch (error) {
        if (this.ctx.stopping) throw error;
        const { retry, notSent } = classify(error);
        this.ctx.logger.warn({ outboxId: item.id, file: file.id, attempt, retry, notSent }, 'agent file not uploaded');
        if (!retry || attempt >= attempts) return notSent;
        await sleep(Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs));
      }
    }
  }

  private async downloadAndUpload(item: OutboxItem, file: ChatFileRef, adapter: ChatAdapter): Promise<UploadedFile> {
    const limits = limitsToWhatsApp(adapter.capabilities.maxFileBytes);
    if (file.size !== undefined && file.size > limits.maxFileBytes) throw new MediaError({ reason: 'too-large', size: file.size, limit: limits.maxFileBytes });
    const download = await adapter.openFile(file);
    const spooled = await this.spool.receive(download.body, { maxBytes: limits.maxFileBytes, knownSize: download.size });
    try {
      const detected = await detectFileType(spooled.path, file.name);
      if (!detected) throw new MediaError({ reason: 'type' });
      if (file.mimeType && !file.mimeType.startsWith(detected.mimeType.split(';')[0]!)) {
        this.ctx.logger.info({ outboxId: item.id, declared: file.mimeType, detected: detected.mimeType }, 'agent file is not what its MIME type says');
      }
      const plan = planWhatsAppFile({ mimeType: detected.mimeType, size: spooled.size, animated: detected.animated }, limits);
      if (!isWhatsAppPlan(plan)) throw new MediaError(plan);
      const name = safeFileName(file.name, 'file', detected.extension);
      const { mediaId } = await this.ctx.options.whatsapp.uploadMedia(item.numberId, { path: spooled.path, name, size: spooled.size, mimeType: detected.mimeType });
      return { mediaId, plan, name };
    } finally {
      await spooled.release();
    }
  }

  private async explain(thread: ThreadRef, language: Language, adapter: ChatAdapter, file: ChatFileRef, why: NotSent): Promise<void> {
    const text = rejectedFileNotice(language, file, why);
    await this.ctx.withRetries(`file notice ${file.id}`, () => adapter.notify(thread, { kind: 'warning', text }));
  }
}

/** Whether trying again may help, and what to tell the agent if it does not. */
function classify(error: unknown): { retry: boolean; notSent: NotSent } {
  if (error instanceof MediaError) return { retry: error.retryable, notSent: { problem: error.problem } };
  if (error instanceof WhatsAppSendError) {
    return { retry: error.action === 'retry' || error.action === 'retry-pair-rate', notSent: { whatsapp: error.info } };
  }
  // Anything else is the chat tool's rate limit or outage, or the network: transient by nature.
  const detail = error instanceof Error ? error.message : String(error);
  return { retry: true, notSent: { problem: { reason: 'transfer', detail } } };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
