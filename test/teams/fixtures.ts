/**
 * Shared pieces of the Teams adapter tests: a fake Entra issuer (an RSA key pair made here, its JWKS
 * served on a local port, the adapter's `TEAMS_AUTHORITY` pointed at it), tokens signed with it, the
 * adapter on the bridge's HTTP server, nock for the Bot Connector, and real-shaped activities.
 */
import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { TeamsAdapter, type TeamsAdapterOptions } from '../../adapters/teams/index.js';
import { whatsappWebhookRoutes } from '../../adapters/whatsapp/index.js';
import { parseWebhook } from '../../adapters/whatsapp/parse.js';
import { Bridge } from '../../bot/bridge.js';
import { HttpServer } from '../../bot/http-server.js';
import { silentLogger } from '../../bot/logger.js';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { ScriptedWhatsApp } from '../helpers/recording-adapter.js';
import type { NumberConfig, TeamsConfig } from '../../config/types.js';

export const APP_ID = '11111111-2222-3333-4444-555555555555';
export const TENANT_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
export const SERVICE_URL = 'https://smba.test/amer/';
export const CHANNEL = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';
export const TEAM = '19:8j-Mnacwmq2QFDbzykeQH5v55m6cN1X3QJ5viHvGIIQ1@thread.tacv2';
export const ROOT_ID = '1767326091220';
export const BOT = { id: `28:${APP_ID}`, name: 'Puente' };
export const AGENT = { id: '29:1xAgentTeamsId', name: 'Ana García', aadObjectId: '00000000-1111-2222-3333-444444444444' };
export const WHATSAPP_SECRET = 'whatsapp-app-secret';

export const NUMBER: NumberConfig = {
  phoneNumberId: '1000',
  displayName: 'Ventas',
  adapter: 'teams',
  channel: CHANNEL,
  team: TEAM,
  senderMode: 'agent',
  sendRate: 80,
  language: 'en',
};

/** A local Entra stand-in: serves `/<tenant>/discovery/v2.0/keys` with one RSA key. */
export class FakeIssuer {
  readonly kid = 'test-key-1';
  readonly privateKey: KeyObject;
  private readonly server: Server;
  port = 0;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' };
    this.server = createServer((req, res) => {
      if (req.url?.endsWith('/discovery/v2.0/keys')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      res.writeHead(404);
      res.end();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get authority(): string {
    return `http://127.0.0.1:${this.port}/${TENANT_ID}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A Bot Framework-like token: RS256 over header.payload with `kid`, audience the app id. */
  token(claims: Record<string, unknown> = {}, key: KeyObject = this.privateKey, kid = this.kid): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid };
    const payload = { iss: 'https://issuer.fake.test/', aud: APP_ID, iat: now, nbf: now - 10, exp: now + 3600, serviceurl: SERVICE_URL, ...claims };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** An unsigned token (`alg: none`), which must be refused. */
  unsignedToken(): string {
    const now = Math.floor(Date.now() / 1000);
    return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify({ iss: 'https://issuer.fake.test/', aud: APP_ID, exp: now + 3600 }))}.`;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

export function teamsConfig(issuer: FakeIssuer): TeamsConfig {
  return { appId: APP_ID, appPassword: 'secret', tenantId: TENANT_ID, serviceUrl: SERVICE_URL, authority: issuer.authority };
}

export function newTeamsAdapter(
  issuer: FakeIssuer,
  numbers: NumberConfig[] = [NUMBER],
  options: Pick<TeamsAdapterOptions, 'stateDir' | 'pacer' | 'graph'> & { serviceUrl?: string } = {},
): TeamsAdapter {
  const { serviceUrl, ...rest } = options;
  const config = { ...teamsConfig(issuer), ...(serviceUrl ? { serviceUrl } : {}) };
  return new TeamsAdapter({ config, numbers, logger: silentLogger(), tokenSource: async () => 'bot-token', ...rest });
}

/** The bridge's HTTP server with the Teams route and the WhatsApp webhook side by side. */
export async function serve(adapter: TeamsAdapter, onWhatsApp: (body: string) => void = () => {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new HttpServer(silentLogger());
  server.add(
    ...whatsappWebhookRoutes({
      appSecret: WHATSAPP_SECRET,
      verifyToken: 'verify',
      logger: silentLogger(),
      onVerifiedBody: async (body) => {
        onWhatsApp(body);
      },
    }),
  );
  server.add(...adapter.routes());
  const port = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export function postActivity(url: string, activity: unknown, token?: string): Promise<Response> {
  return fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof activity === 'string' ? activity : JSON.stringify(activity),
  });
}

/** The Bot Connector (`TEAMS_SERVICE_URL`), intercepted. */
export function connector(): nock.Scope {
  return nock('https://smba.test').matchHeader('authorization', 'Bearer bot-token');
}

export function conversationPath(conversationId: string, activityId?: string): string {
  return `/amer/v3/conversations/${encodeURIComponent(conversationId)}/activities${activityId ? `/${encodeURIComponent(activityId)}` : ''}`;
}

let counter = 0;

/** A real-shaped channel message (as Teams sends it), in the thread `root` unless told otherwise. */
export function channelMessage(fields: Record<string, unknown> = {}, root = ROOT_ID): Record<string, unknown> {
  const id = String(1767326100000 + ++counter);
  return {
    type: 'message',
    id,
    timestamp: '2026-01-02T03:55:18.9534472Z',
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    textFormat: 'plain',
    text: 'Hola, ¿en qué puedo ayudarte?',
    from: { ...AGENT },
    conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT_ID, id: `${CHANNEL};messageid=${root}` },
    recipient: { ...BOT },
    channelData: { teamsChannelId: CHANNEL, teamsTeamId: TEAM, channel: { id: CHANNEL }, team: { id: TEAM }, tenant: { id: TENANT_ID } },
    ...fields,
  };
}

/** A message that @mentions the bot, the way Teams writes it (text tag + mention entity). */
export function mentioning(text: string, fields: Record<string, unknown> = {}, root = ROOT_ID): Record<string, unknown> {
  return channelMessage(
    {
      text: `<at>${BOT.name}</at> ${text}`,
      entities: [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: { ...BOT } }],
      ...fields,
    },
    root,
  );
}

export function whatsappSignature(body: string, secret = WHATSAPP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The core wired to one Teams adapter, as the bridge tests drive it. */
export interface TeamsBridgeRig {
  store: EmbeddedStore;
  whatsapp: ScriptedWhatsApp;
  bridge: Bridge;
  server: { url: string; close: () => Promise<void> };
  /** Stops everything and removes `dir`. */
  close(): Promise<void>;
}

/** Starts the core with `adapter` as its only chat tool, an embedded store under `dir`, and the adapter's routes served. */
export async function startTeamsBridge(adapter: TeamsAdapter, number: NumberConfig, dir: string): Promise<TeamsBridgeRig> {
  const store = new EmbeddedStore({ dataDir: dir, logger: silentLogger() });
  await store.open();
  const whatsapp = new ScriptedWhatsApp();
  const bridge = new Bridge({
    config: { numbers: [number], internalNotePrefix: '//', agentSignature: '', inDoubtGraceMs: 200, supervisors: [AGENT.aadObjectId] },
    store,
    whatsapp,
    parseWebhook,
    adapters: new Map([['teams', adapter]]),
    logger: silentLogger(),
    retryPolicy: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, pairRateUnitMs: 5 },
  });
  await adapter.start(bridge);
  const server = await serve(adapter);
  return {
    store,
    whatsapp,
    bridge,
    server,
    async close() {
      await server.close();
      await bridge.stop(1000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
