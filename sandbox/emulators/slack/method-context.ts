/** What Web API method handlers may touch. Keeps handlers free of HTTP and emitter plumbing. */
import type { FileStore } from './file-store.js';
import type { TsClock } from './ts-clock.js';
import type { WebApiArgs } from './web-api-args.js';
import type { Workspace } from './workspace.js';
import type { ViewRecord } from './interactivity.js';
import type { EmulatedSlackUser, EphemeralRecord, SlackEmulatorEvents } from './types.js';

export interface BotIdentity {
  teamId: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
}

export interface MethodContext {
  workspace: Workspace;
  files: FileStore;
  clock: TsClock;
  bot: BotIdentity;
  users: Map<string, EmulatedSlackUser>;
  baseUrl: () => string;
  recordEphemeral: (record: EphemeralRecord) => void;
  /** Queue an Events API event echoing the bridge's own action; delivered only when echoBotMessages is on. */
  echo: (event: Record<string, unknown>) => void;
  /** `views.open`: records the modal (see interactivity.ts). */
  openView: (triggerId: string, view: Record<string, unknown>) => ViewRecord;
  emit: <K extends keyof SlackEmulatorEvents>(event: K, ...args: SlackEmulatorEvents[K]) => void;
}

export type MethodHandler = (args: WebApiArgs, context: MethodContext) => Record<string, unknown>;
