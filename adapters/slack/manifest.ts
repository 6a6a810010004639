/**
 * The Slack app manifest Puente needs (paste it at api.slack.com/apps → "Create New App" → "From an
 * app manifest"). Scopes and events follow the Slack reference §12; no slash commands or
 * interactivity yet. `adapters/slack/README.md` shows the rendered JSON and a test keeps it in step.
 */

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
] as const;

export const SLACK_BOT_EVENTS = ['message.channels', 'message.groups', 'reaction_added', 'reaction_removed'] as const;

/** The manifest for an installation reachable at `publicBaseUrl` (e.g. `https://puente.example.com`). */
export function slackAppManifest(publicBaseUrl: string) {
  return {
    display_information: {
      name: 'Puente',
      description: 'WhatsApp customer conversations, one Slack thread each',
    },
    features: {
      bot_user: { display_name: 'puente', always_online: true },
    },
    oauth_config: {
      scopes: { bot: [...SLACK_BOT_SCOPES] },
    },
    settings: {
      event_subscriptions: {
        request_url: `${publicBaseUrl.replace(/\/+$/, '')}${SLACK_EVENTS_PATH}`,
        bot_events: [...SLACK_BOT_EVENTS],
      },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
