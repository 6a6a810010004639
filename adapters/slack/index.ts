export { SlackAdapter, STATUS_REACTIONS, POST_METADATA_TYPE, type SlackAdapterOptions } from './slack-adapter.js';
export { interpretSlackEvent, type SlackInterpretation, type SlackSelf } from './events.js';
export { slackToWhatsApp, whatsAppToSlack } from './format.js';
export { slackNameToUnicode, unicodeToSlackName } from './emoji.js';
export { slackAppManifest, SLACK_EVENTS_PATH } from './manifest.js';
