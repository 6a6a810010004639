/**
 * `views.open` (reference slack.md §4.3): the app opens a modal with a `trigger_id` from an
 * interaction. The emulator records the view for the user the trigger was given to; the sandbox
 * page shows it and submits it as that user (`view_submission`).
 */
import { SlackApiError } from './web-api-args.js';
import type { MethodHandler } from './method-context.js';

const openView: MethodHandler = (args, context) => {
  const triggerId = args.string('trigger_id');
  const view = args.json('view', 'invalid_arguments');
  if (typeof view !== 'object' || view === null || Array.isArray(view)) throw new SlackApiError('invalid_arguments', '[ERROR] missing required field: view');
  const record = context.openView(triggerId, view as Record<string, unknown>);
  return { ok: true, view: { ...record.view, id: record.id, team_id: context.bot.teamId, app_id: context.bot.appId, bot_id: context.bot.botId, state: { values: {} } } };
};

export const viewMethods: Record<string, MethodHandler> = { 'views.open': openView };
