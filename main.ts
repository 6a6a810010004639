/**
 * `npm start`: reads the configuration from the environment (and PUENTE_CONFIG), starts the bridge,
 * and shuts it down cleanly on SIGTERM/SIGINT.
 */
import { startPuente } from './app.js';
import { createLogger } from './bot/logger.js';
import { ConfigError, loadConfig } from './config/load.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `Puente cannot start.\n${error.message}\n\n` +
          'Set these environment variables (see README, "Configuration"), or try Puente without any\n' +
          'account first with:  npm run sandbox\n',
      );
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const puente = await startPuente(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    puente.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Puente stopped: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
