/** Public types of the Slack emulator. */

export interface EmulatedSlackUser {
  id: string;
  name: string;
  displayName: string;
  realName: string;
}

export interface EmulatedSlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
}

export interface SlackEmulatorOptions {
  signingSecret: string;
  botToken: string;
  /** The bridge's `POST /slack/events` URL. Without it events are recorded as undelivered. */
  eventsUrl?: string;
  teamId?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  /** Name of the bot user (`auth.test` `user`, `bot_profile.name`). Default `puente`. */
  botName?: string;
  users?: EmulatedSlackUser[];
  channels?: EmulatedSlackChannel[];
  /** Create a channel on first use of an unknown `C…`/`G…` id instead of answering `channel_not_found`. Default true. */
  autoCreateChannels?: boolean;
  /**
   * Echo the bridge's own posts back as Events API `message` events, as real Slack does (the bridge
   * must ignore them). `'before-response'` delivers the echo before answering `chat.postMessage`,
   * the race the bridge's pending-echo set exists for. Default false.
   */
  echoBotMessages?: boolean | 'before-response';
  /** Legacy verification `token` field of event envelopes. */
  verificationToken?: string;
  /** How long to wait for the bridge to answer one event POST. Default 10 000. */
  eventTimeoutMs?: number;
  /** Cap per record list and per channel's stored messages. Default 10 000. */
  maxRecords?: number;
  /** Cap on stored file bytes; oldest files are forgotten first. Default 100 MiB. */
  maxFileBytes?: number;
}

export interface SlackReaction {
  name: string;
  users: string[];
  count: number;
}

export interface SlackMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message as Slack returns it from `conversations.history` (loosely typed: Slack adds fields freely). */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  username?: string;
  icons?: Record<string, string>;
  bot_profile?: Record<string, unknown>;
  team?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  files?: SlackFileObject[];
  upload?: boolean;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  metadata?: SlackMetadata;
  reactions?: SlackReaction[];
  edited?: { user: string; ts: string };
  client_msg_id?: string;
  [key: string]: unknown;
}

export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  is_public: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
  [key: string]: unknown;
}

export interface EphemeralRecord {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  messageTs: string;
  at: string;
}

/** Every Web API call the bridge made. */
export interface WebApiCallRecord {
  method: string;
  /** Arguments after decoding (form fields holding JSON are left as sent; see `args`). */
  args: Record<string, unknown>;
  contentType: string;
  authorized: boolean;
  httpStatus: number;
  response: Record<string, unknown>;
  at: string;
}

export interface EventDeliveryRecord {
  eventId: string;
  /** `message`, `message/message_changed`, `reaction_added`, … */
  eventType: string;
  retryNum: number;
  retryReason?: string;
  /** 0 = no HTTP response (or no eventsUrl). */
  status: number;
  error?: string;
  responseBody?: string;
  body: string;
  at: string;
}

/** What an agent types to run a slash command. Slack has no slash commands inside threads, so there is no thread. */
export interface SlashCommandInput {
  channel: string;
  user: string;
  /** `/block` or `block`. */
  command: string;
  text?: string;
}

/** A slash command delivered to the app, with the app's HTTP answer. */
export interface SlashCommandRecord {
  id: string;
  command: string;
  text: string;
  channel: string;
  user: string;
  responseUrl: string;
  triggerId: string;
  /** HTTP status the app answered with; 0 = no answer. */
  status: number;
  responseBody?: string;
  at: string;
}

/** What the app answered to a slash command: in its HTTP answer (`ack`) or later through `response_url`. */
export interface CommandResponseRecord {
  commandId: string;
  command: string;
  channel: string;
  /** The user who ran the command (the only one who sees an ephemeral response). */
  user: string;
  via: 'ack' | 'response_url';
  responseType: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: unknown[];
  /** ts of the channel message an `in_channel` response became. */
  messageTs?: string;
  at: string;
}

/** What agent-side methods return. */
export interface AgentActionResult {
  ts: string;
  eventId: string;
  /** HTTP status the bridge answered the event with; 0 = no answer. */
  status: number;
}

export interface SlackEmulatorEvents {
  /** Every Web API call, after it was answered. */
  request: [WebApiCallRecord];
  /** A message was stored (posted by the bridge, or by a human via the agent-side methods). */
  message: [{ channel: string; message: SlackMessage; author: 'bot' | 'user' }];
  /** A message was edited (`chat.update` or `editAsUser`). */
  update: [{ channel: string; message: SlackMessage; previous: SlackMessage; author: 'bot' | 'user' }];
  /** A message was deleted. */
  delete: [{ channel: string; ts: string; previous: SlackMessage; author: 'bot' | 'user' }];
  reaction: [{ channel: string; ts: string; name: string; user: string; action: 'added' | 'removed' }];
  ephemeral: [EphemeralRecord];
  /** An Events API request was POSTed to the bridge (or failed to be). */
  event: [EventDeliveryRecord];
  /** A slash command was POSTed to the app (or failed to be). */
  command: [SlashCommandRecord];
  /** The app answered a slash command (ack body or response_url). */
  commandResponse: [CommandResponseRecord];
  /** An interaction answer (response_url) arrived, or a modal was opened, submitted or closed. */
  interaction: [];
  /** An interactivity payload (`block_actions`, `message_action`, `view_submission`) was POSTed to the app. */
  interactionDelivery: [{ type: string; status: number }];
}
