/**
 * Roles: supervisors are configured (SUPERVISORS, chat user ids); everyone else in the channel is an
 * agent. Commands that change who may be contacted, or delete data, are for supervisors; looking
 * things up and sending templates is every agent's work.
 */
import type { ParsedCommand } from './parser.js';

export type Role = 'supervisor' | 'agent';

const SUPERVISOR_ACTIONS = new Set<ParsedCommand['action']>(['block', 'unblock', 'optout', 'optin', 'dnc-import', 'erase']);

export function requiredRole(command: ParsedCommand): Role {
  return SUPERVISOR_ACTIONS.has(command.action) ? 'supervisor' : 'agent';
}

export class Roles {
  private readonly supervisors: ReadonlySet<string>;

  constructor(supervisors: readonly string[] = []) {
    this.supervisors = new Set(supervisors);
  }

  roleOf(userId: string): Role {
    return this.supervisors.has(userId) ? 'supervisor' : 'agent';
  }

  allows(userId: string, command: ParsedCommand): boolean {
    return requiredRole(command) === 'agent' || this.roleOf(userId) === 'supervisor';
  }
}
