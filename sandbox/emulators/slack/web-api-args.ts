/**
 * Typed access to Web API arguments. `@slack/web-api` sends form-encoded bodies where numbers and
 * booleans are strings and objects/arrays (`blocks`, `metadata`, `files`) are JSON strings; JSON
 * bodies carry real types. Every accessor accepts both spellings so the emulator behaves the same
 * for the official client and for hand-written `fetch` calls.
 */

/** A Web API error answer: `{ok:false, error}` (HTTP 200, as Slack does for everything but 429). */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    /** Goes to `response_metadata.messages`, like Slack's `[ERROR] missing required field: ts`. */
    readonly detail?: string,
  ) {
    super(error);
  }
}

export class WebApiArgs {
  constructor(readonly raw: Record<string, unknown>) {}

  has(name: string): boolean {
    const value = this.raw[name];
    return value !== undefined && value !== null && value !== '';
  }

  optionalString(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'string' ? value : String(value);
  }

  /** Required string; a missing one answers `error` (Slack names it per method, e.g. `channel_not_found`). */
  string(name: string, error = 'invalid_arguments'): string {
    const value = this.optionalString(name);
    if (value === undefined) throw new SlackApiError(error, `[ERROR] missing required field: ${name}`);
    return value;
  }

  boolean(name: string): boolean {
    const value = this.raw[name];
    return value === true || value === 'true' || value === '1' || value === 1;
  }

  integer(name: string, fallback: number): number {
    const value = this.raw[name];
    if (value === undefined || value === '') return fallback;
    const number = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
    if (!Number.isFinite(number)) throw new SlackApiError('invalid_arguments', `[ERROR] invalid integer for ${name}`);
    return number;
  }

  /** An object/array argument that may arrive JSON-encoded in a form field. `error` names the failure. */
  json(name: string, error: string): unknown {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new SlackApiError(error, `[ERROR] ${name} is not valid JSON`);
    }
  }
}
