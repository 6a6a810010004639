/**
 * Why a file could not cross the bridge, as one typed error the core can act on: `retryable` tells
 * whether trying again later may help (a dropped connection) or never will (a file over the limit).
 * Adapters throw it from downloads and uploads; the core turns it into a sentence for the thread.
 */

export type MediaProblem =
  /** Bigger than the destination takes; `size` is undefined when the download was stopped at the limit. */
  | { reason: 'too-large'; size?: number; limit: number; kind?: string }
  /** A type the destination does not take (`mimeType` as detected from the bytes, if anything was). */
  | { reason: 'type'; mimeType?: string }
  /** The bytes do not match the sha256 WhatsApp announced. */
  | { reason: 'checksum' }
  /** The file no longer exists where it was (expired media id, deleted file). */
  | { reason: 'gone' }
  /** The network, a 5xx or a connection cut mid-download: worth another try. */
  | { reason: 'transfer'; detail: string }
  /** The other side refused for good (bad token, forbidden): trying again will not help. */
  | { reason: 'refused'; detail: string }
  /** More files in one message than the destination takes. */
  | { reason: 'count'; limit: number };

export type MediaProblemReason = MediaProblem['reason'];

const RETRYABLE: ReadonlySet<MediaProblemReason> = new Set(['transfer', 'checksum']);

export class MediaError extends Error {
  constructor(
    readonly problem: MediaProblem,
    options?: { cause?: unknown },
  ) {
    super(`media ${problem.reason}${'detail' in problem ? `: ${problem.detail}` : ''}`, options);
    this.name = 'MediaError';
  }

  /** A corrupted or interrupted transfer may succeed next time; a limit or a missing file never will. */
  get retryable(): boolean {
    return RETRYABLE.has(this.problem.reason);
  }
}

export function transferError(detail: string, cause?: unknown): MediaError {
  return new MediaError({ reason: 'transfer', detail }, cause === undefined ? undefined : { cause });
}

/** Anything thrown while moving bytes that is not already classified counts as a transfer failure. */
export function asMediaError(error: unknown): MediaError {
  if (error instanceof MediaError) return error;
  return transferError(error instanceof Error ? error.message : String(error), error);
}
