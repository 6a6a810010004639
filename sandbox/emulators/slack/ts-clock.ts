/**
 * Slack message timestamps: `"<unix seconds>.<6 digits>"`, unique per channel and used as message
 * ids. One clock for the whole workspace hands out strictly increasing values even when many
 * messages land in the same microsecond, so ordering by ts equals ordering by creation.
 */
export class TsClock {
  private lastMicros = 0;

  next(): string {
    const nowMicros = Date.now() * 1000;
    this.lastMicros = Math.max(nowMicros, this.lastMicros + 1);
    const seconds = Math.floor(this.lastMicros / 1_000_000);
    const micros = this.lastMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }
}

export const SLACK_TS = /^\d{10}\.\d{6}$/;

/** Orders ts strings by seconds then microseconds (a float would lose the last digit). */
export function compareTs(a: string, b: string): number {
  const [aSeconds = '0', aMicros = ''] = a.split('.');
  const [bSeconds = '0', bMicros = ''] = b.split('.');
  return Number(aSeconds) - Number(bSeconds) || Number(aMicros.padEnd(6, '0')) - Number(bMicros.padEnd(6, '0'));
}
