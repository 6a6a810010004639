/**
 * Bolt and its web client log through this, so their lines land in the bridge's structured log
 * (with its secret redaction) instead of on the console.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../bot/logger.js';

const LEVEL_OF: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.INFO,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  const write =
    (level: 'trace' | 'info' | 'warn' | 'error') =>
    (...parts: unknown[]) => {
      const err = parts.find((part): part is Error => part instanceof Error);
      const message = parts
        .filter((part) => part !== err)
        .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
        .join(' ');
      if (err) log[level]({ err }, message || err.message);
      else log[level](message);
    };
  return {
    // Bolt's and the web client's debug lines carry whole request bodies (customer text): trace only.
    debug: write('trace'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // The bridge's log level is set once, in its configuration; Bolt's attempts to change it are ignored.
    setLevel: () => {},
    getLevel: () => LEVEL_OF[log.level] ?? LogLevel.ERROR,
    setName: () => {},
  };
}
