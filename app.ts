/**
 * The composition root: the only module that knows every concrete part (config, store, WhatsApp,
 * chat adapters) and wires them into the core. Tests and benchmarks start the bridge through here
 * exactly as `npm start` does.
 */
import { join } from 'node:path';
import { Bridge } from './bot/bridge.js';
import type { MediaOptions } from './bot/bridge-context.js';
import type { ChatAdapter } from './bot/chat-adapter.js';
import { HttpServer } from './bot/http-server.js';
import type { Logger } from './bot/logger.js';
import type { RetryPolicy } from './bot/outbound-sender.js';
import { GraphClient, parseWebhook, whatsappWebhookRoutes } from './adapters/whatsapp/index.js';
import type { Config } from './config/types.js';
import { createStore } from './storage/index.js';
import type { Store } from './storage/store.js';

export interface Puente {
  port: number;
  bridge: Bridge;
  store: Store;
  stop(): Promise<void>;
}

/**
 * Only the chat tools the configuration names are loaded: each SDK costs tens of megabytes of
 * memory at import (Bolt ~30 MiB, the Agents SDK ~35 MiB), which a Slack-only bridge should not pay.
 */
async function createAdapters(config: Config, logger: Logger): Promise<Map<string, ChatAdapter>> {
  const adapters = new Map<string, ChatAdapter>();
  if (config.slack) {
    const { SlackAdapter } = await import('./adapters/slack/index.js');
    adapters.set('slack', new SlackAdapter({ config: config.slack, logger: logger.child({ adapter: 'slack' }) }));
  }
  if (config.teams) {
    const { TeamsAdapter } = await import('./adapters/teams/index.js');
    adapters.set('teams', new TeamsAdapter({ config: config.teams, numbers: config.numbers, logger: logger.child({ adapter: 'teams' }), stateDir: join(config.dataDir, 'teams') }));
  }
  if (config.cliq) {
    const { CliqAdapter, defaultStagingDir } = await import('./adapters/cliq/index.js');
    // Threads may also open in the triage channel; an id that is not a Cliq channel is skipped when looked up.
    const channels = [...config.numbers.filter((number) => number.adapter === 'cliq').map((number) => number.channel), ...(config.triageChannel ? [config.triageChannel] : [])];
    adapters.set('cliq', new CliqAdapter({ config: config.cliq, logger: logger.child({ adapter: 'cliq' }), stagingDir: defaultStagingDir(config.dataDir), channels }));
  }
  return adapters;
}

export async function startPuente(
  config: Config,
  logger: Logger,
  options: { retryPolicy?: RetryPolicy; host?: string; media?: MediaOptions } = {},
): Promise<Puente> {
  const store = createStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    databaseLockName: config.databaseLockName,
    logger: logger.child({ component: 'store' }),
  });
  await store.open();

  const adapters = await createAdapters(config, logger);
  const bridge = new Bridge({
    config,
    store,
    whatsapp: new GraphClient(config.whatsapp, logger.child({ component: 'graph' })),
    parseWebhook,
    adapters,
    logger: logger.child({ component: 'bridge' }),
    retryPolicy: options.retryPolicy,
    // Files wait on the data volume, not in /tmp (often a small RAM disk).
    media: { spoolDir: join(config.dataDir, 'media-spool'), ...options.media },
  });

  const server = new HttpServer(logger.child({ component: 'http' }));
  server.add(
    ...whatsappWebhookRoutes({
      appSecret: config.whatsapp.appSecret,
      verifyToken: config.whatsapp.verifyToken,
      logger: logger.child({ component: 'whatsapp-webhook' }),
      onVerifiedBody: (body, receivedAt) => bridge.acceptWhatsAppWebhook(body, receivedAt),
    }),
  );
  for (const adapter of adapters.values()) {
    await adapter.start(bridge);
    server.add(...adapter.routes());
  }
  const port = await server.listen(config.port, options.host);
  await bridge.recover();
  server.markReady();
  logger.info({ port, numbers: config.numbers.length, dataDir: config.dataDir }, 'Puente is ready');

  return {
    port,
    bridge,
    store,
    async stop() {
      await server.close();
      await bridge.stop();
      for (const adapter of adapters.values()) await adapter.stop();
      await store.close();
    },
  };
}
