/**
 * Loads and validates the configuration. The names here are a public contract (README): tools outside
 * the project start the bridge with them, so they never change.
 *
 * Precedence: environment variable > top-level key of the same name in the YAML file (PUENTE_CONFIG)
 * > default. Several numbers come from the file's `numbers:` list; a single number can be configured
 * from the environment alone.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isLanguage, LANGUAGES, type Language } from '../bot/catalogue.js';
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from '../bot/policy/keywords.js';
import type { SenderMode } from '../bot/types.js';
import type { CliqConfig, Config, NumberConfig, TeamsConfig } from './types.js';
import { CLIQ_DATA_CENTRES, cliqHosts, isCliqDataCentre } from '../adapters/cliq/hosts.js';
import { CLIQ_DEFAULT_MAX_FILE_BYTES } from '../adapters/cliq/unconfirmed.js';

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
  ) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const SENDER_MODES: readonly SenderMode[] = ['branded', 'agent'];
const DEFAULT_SEND_RATE = 80; // WhatsApp Cloud API default throughput per number

type Env = Record<string, string | undefined>;
type FileValues = Record<string, unknown>;

/** Reads `name` from the environment, then the file's top level; blank counts as unset. */
function lookup(env: Env, file: FileValues, name: string): string | undefined {
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  const fromFile = file[name];
  if (fromFile === undefined || fromFile === null) return undefined;
  const text = String(fromFile).trim();
  return text === '' ? undefined : text;
}

/** A comma-separated list (a YAML list arrives joined with commas too), blanks dropped. */
function parseList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function readConfigFile(path: string, problems: string[]): FileValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`PUENTE_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return {};
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`PUENTE_CONFIG: ${path} must hold a mapping of keys at the top level`);
      return {};
    }
    return parsed as FileValues;
  } catch (error) {
    problems.push(`PUENTE_CONFIG: ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
}

function parsePositiveNumber(raw: string | undefined, key: string, fallback: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(`${key}: must be a positive number, got "${raw}"`);
    return fallback;
  }
  return value;
}

function parseSenderMode(raw: string | undefined, key: string, fallback: SenderMode, problems: string[]): SenderMode {
  if (raw === undefined) return fallback;
  if ((SENDER_MODES as readonly string[]).includes(raw)) return raw as SenderMode;
  problems.push(`${key}: must be one of ${SENDER_MODES.join(', ')}, got "${raw}"`);
  return fallback;
}

function parseLanguage(raw: string | undefined, key: string, fallback: Language, problems: string[]): Language {
  if (raw === undefined) return fallback;
  if (isLanguage(raw)) return raw;
  problems.push(`${key}: must be one of ${LANGUAGES.join(', ')}, got "${raw}"`);
  return fallback;
}

function parseUrl(raw: string, key: string, problems: string[]): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    problems.push(`${key}: must be an http(s) URL, got "${raw}"`);
  }
  return raw;
}

interface NumberDefaults {
  businessAccountId?: string;
  adapter: string;
  channel?: string;
  senderMode: SenderMode;
  sendRate: number;
  language: Language;
}

function parseNumbers(entries: unknown, defaults: NumberDefaults, problems: string[]): NumberConfig[] {
  if (!Array.isArray(entries)) {
    problems.push('numbers: must be a list of numbers (see config/puente.example.yaml)');
    return [];
  }
  const seen = new Set<string>();
  return entries.flatMap((entry, index): NumberConfig[] => {
    const where = `numbers[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${where}: must be a mapping`);
      return [];
    }
    const item = entry as Record<string, unknown>;
    const text = (key: string): string | undefined =>
      item[key] === undefined || item[key] === null || String(item[key]).trim() === '' ? undefined : String(item[key]).trim();
    const phoneNumberId = text('phone_number_id');
    if (!phoneNumberId) problems.push(`${where}.phone_number_id: required`);
    else if (seen.has(phoneNumberId)) problems.push(`${where}.phone_number_id: "${phoneNumberId}" is listed twice`);
    else seen.add(phoneNumberId);
    const channel = text('channel') ?? defaults.channel;
    if (!channel) problems.push(`${where}.channel: required (or set SLACK_CHANNEL_ID)`);
    const adapter = text('adapter') ?? defaults.adapter;
    return [
      {
        phoneNumberId: phoneNumberId ?? '',
        displayName: text('display_name') ?? phoneNumberId ?? '',
        displayNumber: text('display_number'),
        adapter,
        channel: channel ?? '',
        ...optional('team', text('team')),
        senderMode: parseSenderMode(text('sender_mode'), `${where}.sender_mode`, defaults.senderMode, problems),
        sendRate: parsePositiveNumber(text('send_rate'), `${where}.send_rate`, defaults.sendRate, problems),
        language: parseLanguage(text('language'), `${where}.language`, defaults.language, problems),
        // Only when set, so a number without it compares equal to one built by hand.
        ...optional('businessAccountId', text('whatsapp_business_account_id') ?? defaults.businessAccountId),
      },
    ];
  });
}

/** Builds the configuration from `env` (default `process.env`); throws ConfigError naming every bad key. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const configFile = env.PUENTE_CONFIG?.trim() ? resolve(env.PUENTE_CONFIG.trim()) : undefined;
  const file = configFile ? readConfigFile(configFile, problems) : {};
  const get = (name: string): string | undefined => lookup(env, file, name);
  const require = (name: string): string => {
    const value = get(name);
    if (value === undefined) problems.push(`${name}: required`);
    return value ?? '';
  };

  const port = parsePositiveNumber(get('PORT'), 'PORT', 3000, problems);
  if (!Number.isInteger(port) || port > 65535) problems.push(`PORT: must be an integer from 1 to 65535, got "${get('PORT')}"`);

  const whatsapp = {
    accessToken: require('WHATSAPP_ACCESS_TOKEN'),
    appSecret: require('WHATSAPP_APP_SECRET'),
    verifyToken: require('WHATSAPP_VERIFY_TOKEN'),
    apiUrl: parseUrl(get('WHATSAPP_API_URL') ?? 'https://graph.facebook.com', 'WHATSAPP_API_URL', problems),
    apiVersion: get('WHATSAPP_API_VERSION') ?? 'v24.0',
  };
  if (!/^v\d+\.\d+$/.test(whatsapp.apiVersion)) {
    problems.push(`WHATSAPP_API_VERSION: must look like v24.0, got "${whatsapp.apiVersion}"`);
  }

  const senderMode = parseSenderMode(get('SENDER_MODE'), 'SENDER_MODE', 'branded', problems);
  const language = parseLanguage(get('LANGUAGE'), 'LANGUAGE', 'en', problems);
  const sendRate = parsePositiveNumber(get('SEND_RATE'), 'SEND_RATE', DEFAULT_SEND_RATE, problems);
  const businessAccountId = get('WHATSAPP_BUSINESS_ACCOUNT_ID');
  const defaults: NumberDefaults = { adapter: 'slack', channel: get('SLACK_CHANNEL_ID'), senderMode, sendRate, language, businessAccountId };

  let numbers: NumberConfig[];
  if (file.numbers !== undefined) {
    numbers = parseNumbers(file.numbers, defaults, problems);
    if (numbers.length === 0 && problems.length === 0) problems.push('numbers: the list is empty');
  } else {
    // One number from the environment opens its threads in Slack (SLACK_CHANNEL_ID) or Zoho Cliq (CLIQ_CHANNEL).
    const cliqChannel = get('CLIQ_CHANNEL');
    numbers = parseNumbers(
      [
        {
          phone_number_id: get('WHATSAPP_PHONE_NUMBER_ID'),
          display_name: get('WHATSAPP_DISPLAY_NAME'),
          display_number: get('WHATSAPP_DISPLAY_NUMBER'),
          ...(cliqChannel && !get('SLACK_CHANNEL_ID') ? { adapter: 'cliq', channel: cliqChannel } : {}),
        },
      ],
      defaults,
      [],
    );
    if (!get('WHATSAPP_PHONE_NUMBER_ID')) problems.push('WHATSAPP_PHONE_NUMBER_ID: required (or list numbers in PUENTE_CONFIG)');
    if (!get('SLACK_CHANNEL_ID') && !cliqChannel) problems.push('SLACK_CHANNEL_ID: required (or CLIQ_CHANNEL for a Zoho Cliq channel, or give each number a channel in PUENTE_CONFIG)');
    if (get('SLACK_CHANNEL_ID') && cliqChannel) problems.push('CLIQ_CHANNEL: set either SLACK_CHANNEL_ID or CLIQ_CHANNEL for a number configured from the environment, not both (several numbers: PUENTE_CONFIG)');
  }

  const usesSlack = numbers.some((number) => number.adapter === 'slack');
  const slack = usesSlack
    ? {
        botToken: require('SLACK_BOT_TOKEN'),
        signingSecret: require('SLACK_SIGNING_SECRET'),
        apiUrl: parseUrl(get('SLACK_API_URL') ?? 'https://slack.com/api/', 'SLACK_API_URL', problems),
      }
    : undefined;
  const usesCliq = numbers.some((number) => number.adapter === 'cliq');
  const cliq = usesCliq ? loadCliqConfig(get, require, problems) : undefined;
  const usesTeams = numbers.some((number) => number.adapter === 'teams');
  const teams = usesTeams ? loadTeamsConfig(get, require, problems) : undefined;
  for (const number of numbers.filter((candidate) => candidate.adapter === 'teams')) {
    if (number.channel && !/^19:.+@thread\.[a-z0-9]+$/i.test(number.channel)) {
      problems.push(`numbers (${number.phoneNumberId}).channel: "${number.channel}" is not a Teams channel id (19:…@thread.tacv2, from the channel's link)`);
    }
  }
  const knownAdapters = ['slack', 'cliq', 'teams'];
  for (const number of numbers) {
    if (!knownAdapters.includes(number.adapter)) {
      problems.push(`numbers (${number.phoneNumberId}).adapter: unknown adapter "${number.adapter}" (available: ${knownAdapters.join(', ')})`);
    }
  }

  const internalNotePrefix = get('INTERNAL_NOTE_PREFIX') ?? '//';
  const agentSignature = get('AGENT_SIGNATURE');
  if (agentSignature !== undefined && !agentSignature.includes('{text}')) {
    problems.push('AGENT_SIGNATURE: must contain {text} (and usually {agent})');
  }

  const inDoubtGraceSeconds = parsePositiveNumber(get('IN_DOUBT_GRACE_SECONDS'), 'IN_DOUBT_GRACE_SECONDS', 60, problems);

  const supervisors = parseList(get('SUPERVISORS'));
  for (const id of supervisors) {
    if (usesCliq && /^\d{3,}$/.test(id)) continue; // a Cliq user id (zuid)
    if (usesTeams && TEAMS_USER_ID.test(id)) continue; // a Teams user's Azure AD (Entra) object id
    if (!/^[UW][A-Z0-9]{2,}$/.test(id)) problems.push(`SUPERVISORS: "${id}" is not a Slack user id (U… or W…, from the user's profile → Copy member ID)`);
  }
  const blockedReplyHours = parsePositiveNumber(get('BLOCKED_REPLY_INTERVAL_HOURS'), 'BLOCKED_REPLY_INTERVAL_HOURS', 24, problems);
  const retentionDays = get('MESSAGE_RETENTION_DAYS');
  const messageRetentionDays = retentionDays === undefined ? undefined : parsePositiveNumber(retentionDays, 'MESSAGE_RETENTION_DAYS', 1, problems);

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    dataDir: resolve(get('DATA_DIR') ?? './data'),
    ...optional('databaseUrl', databaseUrl),
    ...optional('databaseLockName', get('DATABASE_LOCK_NAME')),
    configFile,
    whatsapp,
    slack,
    ...optional('cliq', cliq),
    ...optional('teams', teams),
    numbers,
    internalNotePrefix,
    agentSignature: agentSignature ?? '',
    customerIconUrl: get('CUSTOMER_ICON_URL'),
    inDoubtGraceMs: inDoubtGraceSeconds * 1000,
    logLevel: get('LOG_LEVEL') ?? 'info',
    supervisors,
    businessAccountId,
    blockedReplyText: get('BLOCKED_REPLY_TEXT'),
    blockedReplyIntervalMs: blockedReplyHours * 60 * 60 * 1000,
    supervisorChannel: get('SUPERVISOR_CHANNEL_ID'),
    triageChannel: get('TRIAGE_CHANNEL_ID'),
    optOutKeywords: parseList(get('OPT_OUT_KEYWORDS') ?? DEFAULT_OPT_OUT_KEYWORDS.join(',')),
    optInKeywords: parseList(get('OPT_IN_KEYWORDS') ?? DEFAULT_OPT_IN_KEYWORDS.join(',')),
    messageRetentionMs: messageRetentionDays === undefined ? undefined : messageRetentionDays * 24 * 60 * 60 * 1000,
  };
}

/** Zoho Cliq keys (README "Zoho Cliq"); read only when a number uses `adapter: cliq`. */
function loadCliqConfig(get: (name: string) => string | undefined, require: (name: string) => string, problems: string[]): CliqConfig {
  const dataCentre = get('CLIQ_DATA_CENTRE') ?? 'com';
  if (!isCliqDataCentre(dataCentre)) problems.push(`CLIQ_DATA_CENTRE: must be one of ${CLIQ_DATA_CENTRES.join(', ')}, got "${dataCentre}" (or set CLIQ_API_URL and CLIQ_ACCOUNTS_URL)`);
  const hosts = cliqHosts(isCliqDataCentre(dataCentre) ? dataCentre : 'com');
  const webhookSecret = require('CLIQ_WEBHOOK_SECRET');
  if (webhookSecret !== '' && webhookSecret.length < 16) problems.push('CLIQ_WEBHOOK_SECRET: must be at least 16 characters (a long random string)');
  const maxFileMb = get('CLIQ_MAX_FILE_MB');
  return {
    clientId: require('CLIQ_CLIENT_ID'),
    clientSecret: require('CLIQ_CLIENT_SECRET'),
    refreshToken: require('CLIQ_REFRESH_TOKEN'),
    dataCentre,
    apiUrl: parseUrl(get('CLIQ_API_URL') ?? hosts.apiUrl, 'CLIQ_API_URL', problems),
    accountsUrl: parseUrl(get('CLIQ_ACCOUNTS_URL') ?? hosts.accountsUrl, 'CLIQ_ACCOUNTS_URL', problems),
    botUniqueName: require('CLIQ_BOT_UNIQUE_NAME'),
    webhookSecret,
    maxFileBytes:
      maxFileMb === undefined ? CLIQ_DEFAULT_MAX_FILE_BYTES : Math.floor(parsePositiveNumber(maxFileMb, 'CLIQ_MAX_FILE_MB', 100, problems) * 1024 * 1024),
    ignoreUserIds: parseList(get('CLIQ_IGNORE_USER_IDS')),
  };
}

/** An Azure AD (Entra) object id, as Teams gives it in `from.aadObjectId`. */
const TEAMS_USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Microsoft Teams keys (README "Microsoft Teams"); read only when a number uses `adapter: teams`. */
function loadTeamsConfig(get: (name: string) => string | undefined, require: (name: string) => string, problems: string[]): TeamsConfig {
  const appPassword = get('TEAMS_APP_PASSWORD');
  const certPemFile = get('TEAMS_CERT_PEM_FILE');
  const certKeyFile = get('TEAMS_CERT_KEY_FILE');
  if (!appPassword && !(certPemFile && certKeyFile)) {
    problems.push('TEAMS_APP_PASSWORD: required (or TEAMS_CERT_PEM_FILE and TEAMS_CERT_KEY_FILE for a certificate)');
  }
  const authority = get('TEAMS_AUTHORITY');
  return {
    appId: require('TEAMS_APP_ID'),
    tenantId: require('TEAMS_TENANT_ID'),
    ...optional('appPassword', appPassword),
    ...optional('certPemFile', certPemFile),
    ...optional('certKeyFile', certKeyFile),
    serviceUrl: parseUrl(get('TEAMS_SERVICE_URL') ?? 'https://smba.trafficmanager.net/teams/', 'TEAMS_SERVICE_URL', problems),
    ...optional('authority', authority === undefined ? undefined : parseUrl(authority, 'TEAMS_AUTHORITY', problems)),
  };
}
