/**
 * The Slack app manifest Puente needs (paste it at api.slack.com/apps → "Create New App" → "From an
 * app manifest"). Scopes and events follow the Slack reference §12; slash commands, the message
 * shortcut and interactivity (header buttons, the template modal) all go to the one events URL, as
 * Bolt expects. The README shows the rendered JSON and a test keeps it in step.
 */
import { THREAD_ACTIONS_SHORTCUT } from './interactions.js';

/** Where Slack sends events (and, later, commands and interactivity): one URL for all, as Bolt expects. */
export const SLACK_EVENTS_PATH = '/slack/events';

export const SLACK_BOT_SCOPES = [
  'chat:write', // customer messages, thread headers, notices
  'chat:write.customize', // customer name and avatar on each post
  'channels:history', // agent replies in public channels
  'groups:history', // agent replies in private channels
  'reactions:read', // agents' reactions
  'reactions:write', // customers' reactions and delivery status
  'users:read', // agents' display names
  'files:read', // agents' files (download)
  'files:write', // customers' media (upload)
  'commands', // slash commands and the message shortcut
] as const;

/** The slash commands (names are a public contract: README "Commands"). */
export const SLACK_SLASH_COMMANDS = [
  { command: '/block', description: 'Block a WhatsApp number (supervisors)', usage_hint: '<number> [reason]' },
  { command: '/unblock', description: 'Lift a block (supervisors)', usage_hint: '<number>' },
  { command: '/blocklist', description: 'List blocked numbers' },
  { command: '/template', description: 'List, show or send approved WhatsApp templates', usage_hint: 'list | show <name> | send <name> <language> <number> [value…]' },
  { command: '/optout', description: 'Take a number out of bulk messages (supervisors)', usage_hint: '<number>' },
  { command: '/optin', description: 'Put a number back into bulk messages (supervisors)', usage_hint: '<number>' },
  { command: '/dnc', description: 'Do-not-contact list: check a number, or import the latest CSV shared here', usage_hint: 'check <number> | import' },
  { command: '/erase', description: 'Delete everything Puente stores about a contact (supervisors)', usage_hint: '<number>' },
] as const;

export const SLACK_BOT_EVENTS = ['message.channels', 'message.groups', 'reaction_added', 'reaction_removed'] as const;

/** The manifest for an installation reachable at `publicBaseUrl` (e.g. `https://puente.example.com`). */
export function slackAppManifest(publicBaseUrl: string) {
  const requestUrl = `${publicBaseUrl.replace(/\/+$/, '')}${SLACK_EVENTS_PATH}`;
  return {
    display_information: {
      name: 'Puente',
      description: 'WhatsApp customer conversations, one Slack thread each',
    },
    features: {
      bot_user: { display_name: 'puente', always_online: true },
      slash_commands: SLACK_SLASH_COMMANDS.map((command) => ({ ...command, url: requestUrl, should_escape: false })),
      shortcuts: [
        { name: 'Puente actions', type: 'message', callback_id: THREAD_ACTIONS_SHORTCUT, description: 'Block, unblock or send a template in this conversation' },
      ],
    },
    oauth_config: {
      scopes: { bot: [...SLACK_BOT_SCOPES] },
    },
    settings: {
      event_subscriptions: {
        request_url: requestUrl,
        bot_events: [...SLACK_BOT_EVENTS],
      },
      interactivity: { is_enabled: true, request_url: requestUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
