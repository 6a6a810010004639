/** The command layer's pure parts: numbers typed by people, the grammar, keywords, template checks. */
import { expect } from 'chai';
import { parseCommand, splitWords } from '../../bot/commands/parser.js';
import { requiredRole, Roles } from '../../bot/commands/permissions.js';
import { numbersInCsv } from '../../bot/commands/dnc-commands.js';
import { normalisePhoneNumber, takePhoneNumber } from '../../bot/phone-number.js';
import { KeywordMatcher } from '../../bot/policy/keywords.js';
import { fillTemplate, findTemplate, slotsOf } from '../../bot/templates/template-fill.js';
import { say } from '../../bot/catalogue.js';
import type { MessageTemplate } from '../../bot/types.js';
import { parseTemplatePage, templateObject } from '../../adapters/whatsapp/templates.js';

describe('phone numbers typed by people', () => {
  it('normalises spaces, dashes, 00 and missing +, and national numbers of the line’s country', () => {
    for (const typed of ['+34 611 11 11 11', '34-611-111-111', '0034611111111', '(+34) 611.111.111']) {
      expect(normalisePhoneNumber(typed, 'ES'), typed).to.deep.equal({ ok: true, e164: '+34611111111', digits: '34611111111' });
    }
    expect(normalisePhoneNumber('611 111 111', 'ES')).to.deep.include({ e164: '+34611111111' });
    expect(normalisePhoneNumber('+44 7700 900123')).to.deep.include({ digits: '447700900123' });
    for (const bad of ['+34 611', 'abc', '', '+99912345', '12']) expect(normalisePhoneNumber(bad, 'ES').ok, bad).to.equal(false);
  });

  it('reads a number spread over several words and leaves a trailing numeric argument', () => {
    expect(takePhoneNumber(['+34', '611', '111', '111', '8841'])).to.deep.include({ used: 4 });
    expect(takePhoneNumber(['spam'])).to.deep.equal({ error: 'spam' });
    expect(takePhoneNumber([])).to.equal(undefined);
  });
});

describe('command grammar', () => {
  const parse = (name: string, text: string, inThread = false) => parseCommand({ name, text, inThread, defaultCountry: 'ES' });

  it('parses every command of the contract', () => {
    expect(parse('/block', '+34 611 111 111 spam calls')).to.deep.equal({ ok: true, command: { action: 'block', target: { kind: 'number', digits: '34611111111' }, reason: 'spam calls' } });
    expect(parse('blocklist', '')).to.deep.equal({ ok: true, command: { action: 'blocklist' } });
    expect(parse('template', 'send order_update es_ES 611111111 "Ana García" 8841')).to.deep.equal({
      ok: true,
      command: { action: 'template-send', templateName: 'order_update', language: 'es_ES', target: { kind: 'number', digits: '34611111111' }, values: ['Ana García', '8841'] },
    });
    expect(parse('template', 'SHOW welcome')).to.deep.include({ ok: true });
    expect(parse('dnc', 'import')).to.deep.equal({ ok: true, command: { action: 'dnc-import' } });
    expect(parse('erase', 'help')).to.deep.equal({ ok: true, command: { action: 'help', name: 'erase' } });
    // From a thread the number is the conversation's.
    expect(parse('template', 'send order_update es Ana 8841', true)).to.deep.include({ ok: true });
    expect((parse('block', '', true) as { command: unknown }).command).to.deep.equal({ action: 'block', target: { kind: 'thread' } });
  });

  it('names what is wrong', () => {
    expect(parse('block', '')).to.deep.include({ ok: false, name: 'block', problem: { id: 'command.number.missing', params: {} } });
    expect(parse('optin', 'Ana')).to.deep.include({ problem: { id: 'command.number.invalid', params: { input: 'Ana' } } });
    expect(parse('template', 'delete x')).to.deep.include({ problem: { id: 'command.args.extra', params: { extra: 'delete' } } });
    expect(parse('dnc', '')).to.deep.include({ problem: { id: 'command.args.missing', params: {} } });
    expect(parse('frobnicate', '')).to.deep.include({ ok: false, problem: { id: 'command.unknown', params: { command: 'frobnicate' } } });
  });

  it('keeps quoted values whole, straight or curly quotes', () => {
    expect(splitWords('a "b c" “d e” f')).to.deep.equal(['a', 'b c', 'd e', 'f']);
  });

  it('gives policy changes to supervisors only', () => {
    const roles = new Roles(['U0SUPER']);
    const block = (parse('block', '+34611111111') as { command: Parameters<typeof requiredRole>[0] }).command;
    const list = (parse('blocklist', '') as { command: Parameters<typeof requiredRole>[0] }).command;
    expect(roles.allows('U0SUPER', block)).to.equal(true);
    expect(roles.allows('U0AGENT', block)).to.equal(false);
    expect(roles.allows('U0AGENT', list)).to.equal(true);
  });
});

describe('opt-out keywords and do-not-contact CSVs', () => {
  it('matches a whole message, ignoring case, accents and surrounding punctuation', () => {
    const keywords = new KeywordMatcher(['STOP', 'BAJA'], ['ALTA']);
    expect(keywords.match(' Bája! ')).to.deep.equal({ kind: 'opt-out', keyword: 'Bája!' });
    expect(keywords.match('stop')).to.deep.include({ kind: 'opt-out' });
    expect(keywords.match('alta')).to.deep.include({ kind: 'opt-in' });
    expect(keywords.match('please stop the delivery')).to.equal(undefined);
  });

  it('reads numbers from any column and counts what it skipped', () => {
    expect(numbersInCsv('\uFEFFphone,name\r\n+34611111111,Ana\r\n"611 222 333";Luis\n\nbad\n+34611111111\n', 'ES')).to.deep.equal({
      numbers: ['34611111111', '34611222333'],
      skipped: 2,
      firstSkipped: 'phone,name',
    });
  });
});

describe('templates', () => {
  const template: MessageTemplate = {
    name: 'order_update',
    language: 'es',
    status: 'APPROVED',
    category: 'UTILITY',
    parameterFormat: 'named',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{order}}' },
      { type: 'BODY', text: 'Hola {{name}}, tu pedido {{order}} llega {{day}}.' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'OK' }, { type: 'URL', text: 'Ver', url: 'https://x.example/{{1}}' }] },
    ],
  };
  const describe_ = (id: Parameters<typeof say>[1], params: Record<string, string | number>) => say('en', id, params);

  it('counts placeholders per part and fills them in order', () => {
    expect(slotsOf(template)).to.deep.equal({ header: ['order'], body: ['name', 'order', 'day'], buttons: [{ index: 1, placeholders: ['1'] }] });
    const filled = fillTemplate(template, ['8841', 'Ana', '8841', 'mañana', 'A77'], describe_);
    expect(filled).to.deep.include({ ok: true, preview: 'Pedido 8841\nHola Ana, tu pedido 8841 llega mañana.' });
    const send = (filled as { send: Parameters<typeof templateObject>[0] }).send;
    expect(templateObject(send)).to.deep.equal({
      name: 'order_update',
      language: { code: 'es' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: '8841', parameter_name: 'order' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana', parameter_name: 'name' },
            { type: 'text', text: '8841', parameter_name: 'order' },
            { type: 'text', text: 'mañana', parameter_name: 'day' },
          ],
        },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'A77' }] },
      ],
    });
  });

  it('says what is missing', () => {
    expect(fillTemplate(template, ['1'], describe_)).to.deep.include({
      ok: false,
      problem: { id: 'template.params.count', params: { name: 'order_update', expected: 5, given: 1, where: 'header: 1, body: 3, link buttons: 1' } },
    });
    expect(fillTemplate(template, ['1', 'x'.repeat(1025), '3', '4', '5'], describe_)).to.deep.include({ ok: false, problem: { id: 'template.params.toolong', params: { name: 'order_update', index: 2 } } });
    expect(findTemplate([template], 'order_update', 'ES')).to.deep.include({ ok: true });
    expect(findTemplate([template], 'order_update', 'en')).to.deep.include({ ok: false, problem: { id: 'template.language.unknown', params: { name: 'order_update', language: 'en', languages: 'es' } } });
  });

  it('reads Graph’s template list defensively, with the next page’s cursor', () => {
    const page = parseTemplatePage({
      data: [{ id: 7, name: 'a', language: 'es', status: 'APPROVED', parameter_format: 'NAMED', components: [{ type: 'BODY', text: 'x' }] }, { name: '' }, 'junk'],
      paging: { cursors: { after: 'NEXT' }, next: 'https://graph…' },
    });
    expect(page).to.deep.equal({
      templates: [{ id: '7', name: 'a', language: 'es', status: 'APPROVED', parameterFormat: 'named', components: [{ type: 'BODY', text: 'x' }] }],
      after: 'NEXT',
    });
    expect(parseTemplatePage({ data: [], paging: { cursors: { after: 'LAST' } } })).to.deep.equal({ templates: [] });
  });
});
