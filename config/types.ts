import type { SenderMode } from '../bot/types.js';
import type { Language } from '../bot/catalogue.js';

/** One WhatsApp business number and where its conversations go. */
export interface NumberConfig {
  /** Cloud API `phone_number_id`: routing key for webhooks and the sender of replies. */
  phoneNumberId: string;
  /** The business line's name, shown in thread headers ("Ventas España"). */
  displayName: string;
  /** The number as people read it (optional; used to match account webhooks that carry no id). */
  displayNumber?: string;
  /** Which chat adapter opens the threads: `slack` (later `teams`, `cliq`). */
  adapter: string;
  /** The channel (Slack channel id; Teams channel id `19:…@thread.tacv2`) where this number's threads open. */
  channel: string;
  /** Teams only: the id of the team the channel belongs to (`19:…@thread.tacv2`), from `team:`. */
  team?: string;
  senderMode: SenderMode;
  /** Messages per second this number may send (WhatsApp default 80). */
  sendRate: number;
  /** Language of everything the bridge says about this number, to agents and customers. */
  language: Language;
  /** The WhatsApp Business Account the number belongs to (its templates); default WHATSAPP_BUSINESS_ACCOUNT_ID. */
  businessAccountId?: string;
}

export interface WhatsAppConfig {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  apiUrl: string;
  apiVersion: string;
}

export interface SlackConfig {
  botToken: string;
  signingSecret: string;
  apiUrl: string;
}

/** Zoho Cliq (adapters/cliq/): OAuth refresh-token client, bot, and the shared secret of its handlers. */
export interface CliqConfig {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Zoho data centre the org lives in (`com`, `eu`, `in`, `com.au`, `jp`, `com.cn`). */
  dataCentre: string;
  /** Cliq API origin (default from the data centre: `https://cliq.zoho.<dc>`). */
  apiUrl: string;
  /** Zoho Accounts origin (default from the data centre: `https://accounts.zoho.<dc>`). */
  accountsUrl: string;
  /** The bot Puente posts as (`?bot_unique_name=`); it must be a participant of every bridged channel. */
  botUniqueName: string;
  /** Shared secret the Cliq handlers send in `X-Puente-Token` to `POST /webhooks/cliq`. */
  webhookSecret: string;
  /** Largest file the organisation accepts (admin-set, at most 1 GB). */
  maxFileBytes: number;
  /** Cliq user ids whose messages are never relayed (the OAuth service user). */
  ignoreUserIds: string[];
}

/** Microsoft Teams (adapters/teams), set when a number uses `adapter: teams`. */
export interface TeamsConfig {
  /** The Azure Bot's Microsoft App (client) id: the audience of inbound JWTs and the bot's identity. */
  appId: string;
  /** Client secret; or `certPemFile` + `certKeyFile`. */
  appPassword?: string;
  certPemFile?: string;
  certKeyFile?: string;
  /** The Entra tenant of the (single-tenant) bot registration. */
  tenantId: string;
  /** Bot Connector service URL used for proactive sends (tests point it at a local fake). */
  serviceUrl: string;
  /** Entra authority override (sovereign clouds; tests point the JWKS lookup at a local fake). */
  authority?: string;
}

export interface Config {
  port: number;
  dataDir: string;
  /** DATABASE_URL: when set, state lives in PostgreSQL instead of the embedded store under dataDir. */
  databaseUrl?: string;
  /** DATABASE_LOCK_NAME: the PostgreSQL writer lock's name (default `puente`). */
  databaseLockName?: string;
  /** Path of the YAML file the configuration came from, if any. */
  configFile?: string;
  whatsapp: WhatsAppConfig;
  slack?: SlackConfig;
  teams?: TeamsConfig;
  cliq?: CliqConfig;
  numbers: NumberConfig[];
  /** Messages in a thread starting with this stay internal (default `//`). */
  internalNotePrefix: string;
  /** How `agent` sender mode signs replies; `{agent}` and `{text}` are replaced. */
  agentSignature: string;
  /** Icon shown next to customer messages in the chat tool (optional). */
  customerIconUrl?: string;
  /** How long a send whose outcome is unknown after a crash waits for its status webhook before it is re-sent. */
  inDoubtGraceMs: number;
  logLevel: string;

  // Supervision and compliance (bot/commands, bot/policy)
  /** Chat user ids (Slack `U…`) allowed to run commands that change policy. */
  supervisors: string[];
  /** Default WhatsApp Business Account id, for templates (`GET /{waba-id}/message_templates`). */
  businessAccountId?: string;
  /** What a blocked number is told when it writes; default: the catalogue's "service not available". */
  blockedReplyText?: string;
  /** A blocked number gets the reply at most once per this many ms. */
  blockedReplyIntervalMs: number;
  /** Channel for number-health and template alerts to supervisors. */
  supervisorChannel?: string;
  /** Channel where first contacts open instead of their number's channel. */
  triageChannel?: string;
  /** Customer messages that opt out of bulk messages (compared case- and accent-insensitively). */
  optOutKeywords: string[];
  /** Customer messages that opt back in. */
  optInKeywords: string[];
  /** Message records older than this many ms are pruned; undefined keeps them. */
  messageRetentionMs?: number;
}
