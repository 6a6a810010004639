/**
 * `/template list | show <name> | send <name> <lang> <number> [value…]`. Everything a send needs is
 * checked before WhatsApp is asked to send: the template exists in that language and is approved,
 * the values match its placeholders (count, header media link, length), the number is not blocked,
 * and marketing templates do not go to opted-out or do-not-contact numbers.
 */
import type { CommandReply } from '../chat-adapter.js';
import type { BridgeContext } from '../bridge-context.js';
import type { MessageId } from '../catalogue.js';
import type { TemplateCatalog } from '../templates/template-catalog.js';
import { fillTemplate, findTemplate, slotsOf, valueCount } from '../templates/template-fill.js';
import type { TemplateSender } from '../templates/template-sender.js';
import type { MessageTemplate } from '../types.js';
import { WhatsAppSendError } from '../whatsapp-port.js';
import type { ParsedCommand } from './parser.js';
import { shown, type CommandScope } from './command-scope.js';

type TemplateCommand = Extract<ParsedCommand, { action: 'template-list' | 'template-show' | 'template-send' }>;

export interface TemplateServices {
  catalog: TemplateCatalog;
  sender: TemplateSender;
}

export async function runTemplateCommand(ctx: BridgeContext, services: TemplateServices, scope: CommandScope, command: TemplateCommand): Promise<CommandReply> {
  const account = scope.line?.businessAccountId ?? ctx.config.businessAccountId ?? scope.refuse('template.noaccount');
  const templates = await fetchTemplates(services.catalog, account, scope);
  switch (command.action) {
    case 'template-list':
      return scope.reply(listTemplates(scope, templates));
    case 'template-show':
      return scope.reply(showTemplate(scope, templates, command.templateName));
    case 'template-send':
      return sendTemplate(ctx, services, scope, templates, command);
  }
}

async function fetchTemplates(catalog: TemplateCatalog, account: string, scope: CommandScope): Promise<MessageTemplate[]> {
  try {
    return await catalog.templates(account);
  } catch (error) {
    const reason = error instanceof WhatsAppSendError ? (error.info.details ?? error.info.message ?? String(error.info.code)) : String(error);
    return scope.refuse('template.fetch.failed', { reason });
  }
}

function approvedOnly(templates: MessageTemplate[]): MessageTemplate[] {
  return templates.filter((template) => template.status.toUpperCase() === 'APPROVED');
}

function listTemplates(scope: CommandScope, templates: MessageTemplate[]): string {
  const byName = new Map<string, MessageTemplate[]>();
  for (const template of approvedOnly(templates)) byName.set(template.name, [...(byName.get(template.name) ?? []), template]);
  if (byName.size === 0) return scope.say('template.list.empty');
  const lines = [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, versions]) =>
    scope.say('template.list.entry', {
      name,
      languages: versions.map((version) => version.language).join(', '),
      category: versions[0]!.category?.toLowerCase() ?? '',
    }),
  );
  return [scope.say('template.list.header', { count: byName.size }), ...lines].join('\n');
}

function showTemplate(scope: CommandScope, templates: MessageTemplate[], name: string): string {
  const versions = templates.filter((template) => template.name === name.toLowerCase());
  if (versions.length === 0) return scope.say('template.unknown', { name });
  return versions
    .map((template) => {
      const part = (type: string) => template.components.find((component) => component.type.toUpperCase() === type);
      const header = part('HEADER');
      const slots = slotsOf(template);
      const headerText = slots.headerMedia ? `[${scope.say(`template.media.${slots.headerMedia}`)}]` : header?.text;
      const buttons = part('BUTTONS')?.buttons?.map((button) => button.text ?? button.type).join(' | ');
      const values = [
        ...(slots.headerMedia ? [`<${scope.say(`template.media.${slots.headerMedia}`)} https://…>`] : []),
        ...slots.header.map((placeholder) => `{{${placeholder}}}`),
        ...slots.body.map((placeholder) => `{{${placeholder}}}`),
        ...slots.buttons.flatMap((button) => button.placeholders.map(() => `<${button.index + 1}: url>`)),
      ];
      return [
        scope.say('template.show.title', { name: template.name, language: template.language, category: template.category?.toLowerCase() ?? '', status: template.status.toLowerCase() }),
        headerText ? scope.say('template.show.header', { text: headerText }) : '',
        part('BODY')?.text ? scope.say('template.show.body', { text: part('BODY')!.text }) : '',
        part('FOOTER')?.text ? scope.say('template.show.footer', { text: part('FOOTER')!.text }) : '',
        buttons ? scope.say('template.show.buttons', { text: buttons }) : '',
        valueCount(slots) > 0 ? scope.say('template.show.values', { values: values.join(' ') }) : scope.say('template.show.novalues'),
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n\n');
}

async function sendTemplate(
  ctx: BridgeContext,
  services: TemplateServices,
  scope: CommandScope,
  templates: MessageTemplate[],
  command: Extract<ParsedCommand, { action: 'template-send' }>,
): Promise<CommandReply> {
  const line = scope.requireLine();
  const number = scope.numberOf(command.target);
  const found = findTemplate(templates, command.templateName, command.language);
  if (!found.ok) return scope.refuse(found.problem.id, found.problem.params);
  const filled = fillTemplate(found.template, command.values, (id: MessageId, params) => scope.say(id, params));
  if (!filled.ok) return scope.refuse(filled.problem.id, filled.problem.params);

  const status = await ctx.policy.statusOf(number);
  if (status.blocked) return scope.refuse('template.refused.blocked', { number: shown(number) });
  // Marketing is what opt-outs and do-not-contact lists are about; service messages still go out.
  if (found.template.category?.toUpperCase() === 'MARKETING') {
    if (status.optedOut) return scope.refuse('template.refused.optout', { number: shown(number) });
    if (status.doNotContact) return scope.refuse('template.refused.dnc', { number: shown(number) });
  }
  await services.sender.dispatch({ line, number, send: filled.send, preview: filled.preview, agent: scope.by });
  return scope.reply(scope.say('template.send.queued', { name: found.template.name, language: found.template.language, number: shown(number) }));
}
