/**
 * Structured logging. Secrets never reach the log: known secret fields are redacted by path, and
 * callers log ids and codes, not tokens or message bodies.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'token',
  'accessToken',
  'botToken',
  'appSecret',
  'signingSecret',
  'verifyToken',
  'authorization',
  '*.token',
  '*.accessToken',
  '*.botToken',
  '*.appSecret',
  '*.signingSecret',
  '*.verifyToken',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.headers.Authorization',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { app: 'puente' }, redact: { paths: REDACT, censor: '[redacted]' } },
    destination as DestinationStream | undefined,
  );
}

/** A logger that discards everything, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
