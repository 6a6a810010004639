export { TeamsAdapter, TEAMS_MESSAGES_PATH, TEAMS_DEFAULT_SERVICE_URL, TEAMS_MAX_FILE_BYTES, TEAMS_INLINE_IMAGE_MAX_BYTES, threadConversation, type TeamsAdapterOptions } from './teams-adapter.js';
export { interpretTeamsActivity, interpretTeamsBody, stripBotMention, TEAMS_REACTIONS, type TeamsActivity, type TeamsInterpretation } from './activity.js';
export { BotConnector, TeamsApiError, retryAfterMs, type TokenSource } from './connector.js';
export { whatsAppToTeams, teamsToWhatsApp } from './format.js';
export { headerCard, postCard, ADAPTIVE_CARD } from './cards.js';
export { TeamsPacer, THREAD_WINDOWS, TENANT_WINDOWS, type TeamsPacerOptions, type RateWindow } from './pacer.js';
export { TeamsState } from './state.js';
export { GraphLookup, carriesKey } from './graph.js';
export { KEY_ELEMENT_ID } from './cards.js';
