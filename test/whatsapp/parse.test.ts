import { expect } from 'chai';
import type { DeliveryStatus, InboundContent, InboundMessage, WebhookEvent, WebhookParseResult } from '../../bot/types.js';
import { normaliseDigits, parseWebhook } from '../../adapters/whatsapp/parse.js';

const WABA_ID = '102290129340398';
const NUMBER_ID = '106540352242922';
const DISPLAY_NUMBER = '15550783881';
const CUSTOMER = '34611111111';

const ana = { profile: { name: 'Ana' }, wa_id: CUSTOMER };

function envelope(changes: { field: string; value: unknown }[], wabaId = WABA_ID): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: wabaId, changes }] });
}

function messagesValue(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: NUMBER_ID },
    ...extra,
  };
}

/** `contacts: null` leaves `value.contacts` out, as system messages do. */
function inbound(message: Record<string, unknown>, contacts: unknown[] | null = [ana]): Record<string, unknown> {
  return messagesValue({ ...(contacts ? { contacts } : {}), messages: [message] });
}

function msg(type: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { from: CUSTOMER, id: `wamid.${type}`, timestamp: '1697043223', type, ...(type in body ? body : { [type]: body }), ...extra };
}

function parseOk(body: string): Extract<WebhookParseResult, { ok: true }> {
  const result = parseWebhook(body);
  if (!result.ok) expect.fail(`expected ok, got rejection: ${result.reason}`);
  return result;
}

function onlyEvent(value: Record<string, unknown>, field = 'messages'): WebhookEvent {
  const result = parseOk(envelope([{ field, value }]));
  expect(result.events, JSON.stringify(result.warnings)).to.have.length(1);
  return result.events[0]!;
}

function onlyMessage(value: Record<string, unknown>): InboundMessage {
  const event = onlyEvent(value);
  if (event.type !== 'message') expect.fail(`expected a message event, got ${JSON.stringify(event)}`);
  return event.message;
}

function contentOf(message: Record<string, unknown>, contacts?: unknown[]): InboundContent {
  return onlyMessage(inbound(message, contacts)).content;
}

function onlyStatus(status: Record<string, unknown>): DeliveryStatus {
  const event = onlyEvent(messagesValue({ statuses: [status] }));
  if (event.type !== 'status') expect.fail(`expected a status event, got ${JSON.stringify(event)}`);
  return event.status;
}

describe('WhatsApp webhook parser', () => {
  describe('rejections', () => {
    it('rejects malformed JSON with a reason that says so', () => {
      const result = parseWebhook('{"object":"whatsapp_business_account",');
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason).to.match(/^malformed JSON/);
    });

    it('rejects JSON that is not an object', () => {
      for (const body of ['[]', 'null', '"text"', '42', 'true']) {
        const result = parseWebhook(body);
        expect(result.ok, body).to.equal(false);
        if (!result.ok) expect(result.reason, body).to.match(/not a JSON object/);
      }
    });

    it('rejects bodies of other Meta products or none', () => {
      for (const object of ['page', 'instagram', undefined]) {
        const result = parseWebhook(JSON.stringify({ object, entry: [] }));
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.reason).to.match(/not a WhatsApp Business webhook/);
      }
    });

    it('rejects a WhatsApp body without an entry array', () => {
      for (const entry of [undefined, {}, 'x']) {
        const result = parseWebhook(JSON.stringify({ object: 'whatsapp_business_account', entry }));
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.reason).to.equal('WhatsApp webhook has no "entry" array');
      }
    });

    it('rejects 3 MB of junk quickly, with a short reason', () => {
      const junk = 'x'.repeat(3 * 1024 * 1024);
      const started = Date.now();
      const result = parseWebhook(junk);
      expect(Date.now() - started).to.be.below(1000);
      expect(result.ok).to.equal(false);
      if (!result.ok) {
        expect(result.reason).to.match(/^malformed JSON/);
        expect(result.reason.length).to.be.below(300);
      }
    });

    it('rejects 3 MB of valid JSON with the wrong shape', () => {
      const big = JSON.stringify({ object: 'page', data: 'y'.repeat(3 * 1024 * 1024) });
      const result = parseWebhook(big);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason.length).to.be.below(300);
    });

    it('never throws, even when handed something that is not a string', () => {
      const result = parseWebhook(undefined as unknown as string);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.reason).to.not.equal('');
    });
  });

  describe('inbound message types', () => {
    it('text: content, customer, number, timestamp in ms', () => {
      const message = onlyMessage(inbound(msg('text', { body: 'Hola' })));
      expect(message).to.deep.equal({
        wamid: 'wamid.text',
        numberId: NUMBER_ID,
        displayNumber: DISPLAY_NUMBER,
        customer: { waId: CUSTOMER, name: 'Ana' },
        timestamp: 1697043223000,
        content: { kind: 'text', text: 'Hola' },
      });
    });

    it('image with caption and url', () => {
      const content = contentOf(
        msg('image', { caption: 'mira', mime_type: 'image/jpeg', sha256: 'SfInY0g=', id: '65463453', url: 'https://lookaside.fbsbx.com/x' }),
      );
      expect(content).to.deep.equal({
        kind: 'media',
        mediaType: 'image',
        mediaId: '65463453',
        mimeType: 'image/jpeg',
        sha256: 'SfInY0g=',
        url: 'https://lookaside.fbsbx.com/x',
        caption: 'mira',
      });
    });

    it('video, voice audio, document and animated sticker', () => {
      expect(contentOf(msg('video', { id: 'v1', mime_type: 'video/mp4' }))).to.include({ kind: 'media', mediaType: 'video', mediaId: 'v1' });
      expect(contentOf(msg('audio', { id: 'a1', mime_type: 'audio/ogg; codecs=opus', voice: true }))).to.include({
        mediaType: 'audio',
        voice: true,
      });
      expect(contentOf(msg('document', { id: 'd1', filename: 'factura.pdf', mime_type: 'application/pdf' }))).to.include({
        mediaType: 'document',
        filename: 'factura.pdf',
      });
      expect(contentOf(msg('sticker', { id: 's1', mime_type: 'image/webp', animated: true }))).to.include({
        mediaType: 'sticker',
        animated: true,
      });
    });

    it('media without an id becomes a visible placeholder', () => {
      expect(contentOf(msg('image', { mime_type: 'image/jpeg' }))).to.deep.include({ kind: 'unsupported', type: 'image' });
    });

    it('location with numbers and with strings', () => {
      expect(contentOf(msg('location', { latitude: 37.46, longitude: -122.21, name: 'HQ', address: '1 Hacker Way', url: 'https://maps' }))).to.deep.equal({
        kind: 'location',
        latitude: 37.46,
        longitude: -122.21,
        name: 'HQ',
        address: '1 Hacker Way',
        url: 'https://maps',
      });
      expect(contentOf(msg('location', { latitude: '40.4168', longitude: '-3.7038' }))).to.deep.equal({
        kind: 'location',
        latitude: 40.4168,
        longitude: -3.7038,
      });
      expect(contentOf(msg('location', { latitude: 'north' }))).to.include({ kind: 'unsupported', type: 'location' });
    });

    it('contacts become contact cards with formatted addresses', () => {
      const content = contentOf(
        msg('contacts', {
          contacts: [
            {
              name: { formatted_name: 'Chandler Bing', first_name: 'Chandler', last_name: 'Bing' },
              org: { company: 'Acme', department: 'Data', title: 'Analyst' },
              phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }, { type: 'HOME' }],
              emails: [{ email: 'c@acme.test', type: 'WORK' }],
              urls: [{ url: 'https://acme.test' }],
              addresses: [{ street: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'United States', type: 'HOME' }],
              birthday: '1968-04-08',
            },
            { name: { first_name: 'Monica' }, phones: [{ phone: '+1 666' }] },
          ],
        }),
      );
      expect(content).to.deep.equal({
        kind: 'contacts',
        contacts: [
          {
            formattedName: 'Chandler Bing',
            firstName: 'Chandler',
            lastName: 'Bing',
            company: 'Acme',
            department: 'Data',
            title: 'Analyst',
            phones: [{ phone: '+1 555-555-5555', waId: '15555555555', type: 'CELL' }],
            emails: [{ email: 'c@acme.test', type: 'WORK' }],
            urls: [{ url: 'https://acme.test' }],
            addresses: [{ text: '1 Main St, Springfield, IL 62701, United States', type: 'HOME' }],
            birthday: '1968-04-08',
          },
          { formattedName: 'Monica', firstName: 'Monica', phones: [{ phone: '+1 666' }], emails: [], urls: [], addresses: [] },
        ],
      });
    });

    it('interactive replies: button, list, flow, call permission, unknown kinds', () => {
      expect(contentOf(msg('interactive', { type: 'button_reply', button_reply: { id: 'yes', title: 'Sí' } }))).to.deep.equal({
        kind: 'interactive',
        replyType: 'button_reply',
        id: 'yes',
        title: 'Sí',
      });
      expect(
        contentOf(msg('interactive', { type: 'list_reply', list_reply: { id: 'row1', title: 'Madrid', description: 'Centro' } })),
      ).to.deep.equal({ kind: 'interactive', replyType: 'list_reply', id: 'row1', title: 'Madrid', description: 'Centro' });
      expect(
        contentOf(msg('interactive', { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"a":1}' } })),
      ).to.deep.equal({ kind: 'interactive', replyType: 'nfm_reply', title: 'flow', body: 'Sent', description: '{"a":1}' });
      expect(
        contentOf(msg('interactive', { type: 'call_permission_reply', call_permission_reply: { response: 'accept' } })),
      ).to.deep.equal({ kind: 'interactive', replyType: 'call_permission_reply', title: 'accept' });
      expect(contentOf(msg('interactive', { type: 'payment_method', payment_method: { id: 'p1' } }))).to.deep.equal({
        kind: 'interactive',
        replyType: 'payment_method',
        id: 'p1',
      });
    });

    it('an interactive message without its interactive object is a placeholder, not dropped', () => {
      const content = contentOf({ from: CUSTOMER, id: 'wamid.i', timestamp: '1700505494', type: 'interactive' });
      expect(content).to.include({ kind: 'unsupported', type: 'interactive' });
    });

    it('template quick-reply button', () => {
      expect(contentOf(msg('button', { payload: 'CONFIRM_8841', text: 'Confirmar' }))).to.deep.equal({
        kind: 'button',
        text: 'Confirmar',
        payload: 'CONFIRM_8841',
      });
    });

    it('reaction, and its removal with "" or no emoji', () => {
      expect(contentOf(msg('reaction', { message_id: 'wamid.target', emoji: '👍' }))).to.deep.equal({
        kind: 'reaction',
        targetWamid: 'wamid.target',
        emoji: '👍',
      });
      expect(contentOf(msg('reaction', { message_id: 'wamid.target', emoji: '' }))).to.deep.equal({ kind: 'reaction', targetWamid: 'wamid.target' });
      expect(contentOf(msg('reaction', { message_id: 'wamid.target' }))).to.deep.equal({ kind: 'reaction', targetWamid: 'wamid.target' });
    });

    it('order with items', () => {
      expect(
        contentOf(
          msg('order', {
            catalog_id: 'cat1',
            text: 'para llevar',
            product_items: [{ product_retailer_id: 'HAMBURGER', quantity: 3, item_price: 30, currency: 'EUR' }, { product_retailer_id: 'SODA', quantity: '2' }],
          }),
        ),
      ).to.deep.equal({
        kind: 'order',
        catalogId: 'cat1',
        text: 'para llevar',
        items: [
          { productId: 'HAMBURGER', quantity: 3, price: 30, currency: 'EUR' },
          { productId: 'SODA', quantity: 2 },
        ],
      });
    });

    it('system user_changed_number carries the new wa_id (no contacts in the value)', () => {
      const message = onlyMessage(
        inbound(msg('system', { body: 'User A changed from 34611111111 to 34622222222', wa_id: '34622222222', type: 'user_changed_number' }), null),
      );
      expect(message.customer).to.deep.equal({ waId: CUSTOMER });
      expect(message.content).to.deep.equal({
        kind: 'system',
        systemType: 'user_changed_number',
        body: 'User A changed from 34611111111 to 34622222222',
        newWaId: '34622222222',
      });
    });

    it('system customer_identity_changed', () => {
      expect(contentOf(msg('system', { body: 'User identity changed', type: 'customer_identity_changed' }))).to.deep.equal({
        kind: 'system',
        systemType: 'customer_identity_changed',
        body: 'User identity changed',
      });
    });

    it('system user_changed_user_id without from: the new ids identify the customer', () => {
      const message = onlyMessage(
        inbound(
          { id: 'wamid.sys', timestamp: '1700000002', type: 'system', system: { body: 'changed', user_id: 'US.NEW', type: 'user_changed_user_id' } },
          null,
        ),
      );
      expect(message.customer).to.deep.equal({ userId: 'US.NEW' });
      expect(message.content).to.deep.equal({ kind: 'system', systemType: 'user_changed_user_id', body: 'changed', newUserId: 'US.NEW' });
    });

    it('edit wraps the edited message, parsed recursively', () => {
      expect(
        contentOf(msg('edit', { original_message_id: 'wamid.orig', message: { type: 'text', text: { body: 'corrected' } } })),
      ).to.deep.equal({ kind: 'edit', targetWamid: 'wamid.orig', content: { kind: 'text', text: 'corrected' } });
      const image = contentOf(
        msg('edit', { original_message_id: 'wamid.orig', message: { context: { id: 'M0' }, type: 'image', image: { id: 'img2', caption: 'new caption' } } }),
      );
      expect(image).to.deep.equal({
        kind: 'edit',
        targetWamid: 'wamid.orig',
        content: { kind: 'media', mediaType: 'image', mediaId: 'img2', caption: 'new caption' },
      });
      expect(contentOf(msg('edit', { original_message_id: 'wamid.orig' }))).to.deep.include({
        kind: 'edit',
        content: { kind: 'unsupported', type: 'edit', detail: 'edit without the edited message' },
      });
    });

    it('revoke', () => {
      expect(contentOf(msg('revoke', { original_message_id: 'wamid.gone' }))).to.deep.equal({ kind: 'revoke', targetWamid: 'wamid.gone' });
    });

    it('unsupported keeps the 131051 error and the type Meta names', () => {
      const errors = [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }];
      const message = onlyMessage(inbound({ from: CUSTOMER, id: 'wamid.u', timestamp: '1697044706', type: 'unsupported', unsupported: { type: 'poll_creation' }, errors }));
      expect(message.content).to.deep.equal({ kind: 'unsupported', type: 'poll_creation', detail: 'Message type is currently not supported.' });
      expect(message.errors).to.deep.equal([
        { code: 131051, title: 'Message type unknown', message: 'Message type unknown', details: 'Message type is currently not supported.' },
      ]);
      expect(contentOf({ from: CUSTOMER, id: 'wamid.u2', timestamp: '1', type: 'unsupported', errors })).to.include({ type: 'unsupported' });
    });

    it('unknown types become unsupported with the type name', () => {
      expect(contentOf(msg('group_invite', { link: 'x' }))).to.include({ kind: 'unsupported', type: 'group_invite' });
      expect(contentOf({ from: CUSTOMER, id: 'wamid.nt', timestamp: '1' })).to.include({ kind: 'unsupported', type: 'unknown' });
    });

    it('request_welcome becomes a system notice', () => {
      expect(contentOf({ from: CUSTOMER, id: 'wamid.w', timestamp: '1', type: 'request_welcome' })).to.include({
        kind: 'system',
        systemType: 'request_welcome',
      });
    });
  });

  describe('customer identity', () => {
    it('matches the sender among several contacts by wa_id', () => {
      const other = { profile: { name: 'Luis' }, wa_id: '34699999999' };
      const message = onlyMessage(inbound(msg('text', { body: 'x' }), [other, ana]));
      expect(message.customer).to.deep.equal({ waId: CUSTOMER, name: 'Ana' });
    });

    it('username users: from_user_id, user_id and username without a phone number', () => {
      const contact = { profile: { name: 'Test', username: 'testuser' }, wa_id: '', user_id: 'US.1349' };
      const message = onlyMessage(inbound({ from_user_id: 'US.1349', id: 'wamid.bs', timestamp: '1700000000', type: 'text', text: { body: 'hi' } }, [contact]));
      expect(message.customer).to.deep.equal({ userId: 'US.1349', name: 'Test', username: 'testuser' });
    });

    it('a message with no sender id of its own takes the single contact beside it', () => {
      const contact = { profile: { name: 'Solo' }, user_id: 'US.77' };
      const message = onlyMessage(inbound({ id: 'wamid.s', timestamp: '1', type: 'text', text: { body: 'x' } }, [contact]));
      expect(message.customer).to.deep.equal({ userId: 'US.77', name: 'Solo' });
    });

    it('keeps documentation placeholders as strings', () => {
      const message = onlyMessage(inbound(msg('text', { body: 'x' }, { from: '<WHATSAPP_USER_PHONE_NUMBER>' })));
      expect(message.customer.waId).to.equal('<WHATSAPP_USER_PHONE_NUMBER>');
    });

    it('skips a message with no usable sender id, with a warning', () => {
      const result = parseOk(envelope([{ field: 'messages', value: inbound({ id: 'wamid.anon', timestamp: '1', type: 'text', text: { body: 'x' }, from: '  ' }, []) }]));
      expect(result.events).to.deep.equal([]);
      expect(result.warnings.join('\n')).to.match(/wamid\.anon skipped: no usable sender id/);
    });
  });

  describe('context, referral and timestamps', () => {
    it('quoted reply, forward flags and product enquiry', () => {
      const message = onlyMessage(
        inbound(
          msg('text', { body: 'x' }, {
            context: { from: DISPLAY_NUMBER, id: 'wamid.quoted', forwarded: true, frequently_forwarded: true, referred_product: { catalog_id: 'c1', product_retailer_id: 'p1' } },
          }),
        ),
      );
      expect(message.context).to.deep.equal({
        quotedWamid: 'wamid.quoted',
        forwarded: true,
        frequentlyForwarded: true,
        referredProduct: { catalogId: 'c1', productId: 'p1' },
      });
    });

    it('click-to-WhatsApp referral', () => {
      const message = onlyMessage(
        inbound(msg('text', { body: 'x' }, { referral: { source_url: 'https://fb.me/ad', source_type: 'ad', headline: 'Sale', body: 'Now', ctwa_clid: 'c' } })),
      );
      expect(message.referral).to.deep.equal({ sourceUrl: 'https://fb.me/ad', sourceType: 'ad', headline: 'Sale', body: 'Now' });
    });

    it('a missing timestamp falls back to now, with a warning', () => {
      const before = Date.now();
      const result = parseOk(envelope([{ field: 'messages', value: inbound({ from: CUSTOMER, id: 'wamid.t', type: 'text', text: { body: 'x' } }) }]));
      const event = result.events[0];
      if (event?.type !== 'message') expect.fail('expected a message');
      expect(event.message.timestamp).to.be.at.least(before);
      expect(result.warnings.join('\n')).to.match(/no valid timestamp/);
    });
  });

  describe('statuses', () => {
    it('sent with callback data', () => {
      expect(onlyStatus({ id: 'wamid.out', status: 'sent', timestamp: '1698266945', recipient_id: CUSTOMER, biz_opaque_callback_data: 'outbox-42' })).to.deep.equal({
        wamid: 'wamid.out',
        numberId: NUMBER_ID,
        recipientId: CUSTOMER,
        status: 'sent',
        timestamp: 1698266945000,
        callbackData: 'outbox-42',
      });
    });

    it('failed with its errors mapped by code and details', () => {
      const status = onlyStatus({
        id: 'wamid.out',
        status: 'failed',
        timestamp: '1682651887',
        recipient_id: CUSTOMER,
        errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'More than 24 hours.' }, href: 'https://x' }],
      });
      expect(status.errors).to.deep.equal([{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', details: 'More than 24 hours.' }]);
    });

    it('keeps statuses it does not know, and group recipients', () => {
      expect(onlyStatus({ id: 'wamid.a', status: 'deleted', timestamp: '1' }).status).to.equal('deleted');
      const group = onlyStatus({ id: 'wamid.g', status: 'read', timestamp: '1', recipient_id: 'group123', recipient_type: 'group', recipient_participant_id: '346' });
      expect(group).to.include({ status: 'read', recipientId: 'group123' });
    });

    it('skips a status without an id or a status, with warnings', () => {
      const result = parseOk(envelope([{ field: 'messages', value: messagesValue({ statuses: [{ status: 'sent', timestamp: '1' }, { id: 'wamid.x', timestamp: '1' }] }) }]));
      expect(result.events).to.deep.equal([]);
      expect(result.warnings).to.have.length(2);
    });
  });

  describe('routing and batching', () => {
    it('skips messages and statuses with no phone_number_id, with warnings, but keeps errors', () => {
      const value = {
        messaging_product: 'whatsapp',
        contacts: [ana],
        messages: [msg('text', { body: 'x' })],
        statuses: [{ id: 'wamid.s', status: 'sent', timestamp: '1' }],
        errors: [{ code: 131000, title: 'Something went wrong' }],
      };
      const result = parseOk(envelope([{ field: 'messages', value }]));
      expect(result.events).to.deep.equal([{ type: 'error', errors: [{ code: 131000, title: 'Something went wrong' }] }]);
      expect(result.warnings.filter((w) => /phone_number_id/.test(w))).to.have.length(2);
    });

    it('walks every entry, change, message and status in order', () => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA_ID,
            changes: [
              { field: 'messages', value: inbound(msg('text', { body: 'one' }, { id: 'wamid.1' })) },
              { field: 'messages', value: messagesValue({ statuses: [{ id: 'wamid.2', status: 'delivered', timestamp: '1' }, { id: 'wamid.3', status: 'read', timestamp: '2' }] }) },
            ],
          },
          {
            id: 'OTHER_WABA',
            changes: [
              {
                field: 'messages',
                value: {
                  metadata: { display_phone_number: '15550000000', phone_number_id: 'SECOND_NUMBER' },
                  contacts: [ana],
                  messages: [msg('text', { body: 'two' }, { id: 'wamid.4' })],
                },
              },
            ],
          },
        ],
      });
      const result = parseOk(body);
      const ids = result.events.map((e) => (e.type === 'message' ? `${e.message.numberId}:${e.message.wamid}` : e.type === 'status' ? `${e.status.numberId}:${e.status.wamid}` : e.type));
      expect(ids).to.deep.equal([`${NUMBER_ID}:wamid.1`, `${NUMBER_ID}:wamid.2`, `${NUMBER_ID}:wamid.3`, 'SECOND_NUMBER:wamid.4']);
    });

    it('a messages change without messages or statuses yields nothing, quietly', () => {
      const result = parseOk(envelope([{ field: 'messages', value: messagesValue({}) }]));
      expect(result).to.deep.equal({ ok: true, events: [], warnings: [] });
    });

    it('value.errors become an error event for the number', () => {
      const event = onlyEvent(messagesValue({ errors: [{ code: 131052, title: 'Media download error', error_data: { details: 'Media file size too big' } }] }));
      expect(event).to.deep.equal({
        type: 'error',
        numberId: NUMBER_ID,
        errors: [{ code: 131052, title: 'Media download error', details: 'Media file size too big' }],
      });
    });
  });

  describe('echoes and other fields', () => {
    it('ignores a message sent from the business phone_number_id or display number', () => {
      for (const from of [NUMBER_ID, DISPLAY_NUMBER, `+${DISPLAY_NUMBER}`]) {
        const event = onlyEvent(inbound(msg('text', { body: 'x' }, { from })));
        expect(event.type, from).to.equal('ignored');
        if (event.type === 'ignored') expect(event.reason).to.match(/echo/);
      }
    });

    it('ignores smb_message_echoes, calls, user_preferences, history and smb_app_state_sync with a reason', () => {
      for (const field of ['smb_message_echoes', 'calls', 'user_preferences', 'history', 'smb_app_state_sync']) {
        const event = onlyEvent(messagesValue({ message_echoes: [msg('text', { body: 'from the app' })] }), field);
        expect(event.type, field).to.equal('ignored');
        if (event.type === 'ignored') {
          expect(event.field).to.equal(field);
          expect(event.reason).to.not.equal('');
        }
      }
    });

    it('hands account-level fields, known or not, to the core with the WABA id', () => {
      const fields = [
        'account_update',
        'phone_number_quality_update',
        'message_template_status_update',
        'message_template_quality_update',
        'phone_number_name_update',
        'account_alerts',
        'user_id_update',
        'field_invented_next_year',
      ];
      for (const field of fields) {
        const value = { event: 'SOMETHING', display_phone_number: DISPLAY_NUMBER };
        expect(onlyEvent(value, field)).to.deep.equal({ type: 'account', field, wabaId: WABA_ID, value });
      }
    });

    it('warns about changes and entries it cannot read, and keeps going', () => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [7, { id: WABA_ID }, { id: WABA_ID, changes: [null, { value: {} }, { field: 'messages' }, { field: 'messages', value: inbound(msg('text', { body: 'ok' })) }] }],
      });
      const result = parseOk(body);
      expect(result.events).to.have.length(1);
      expect(result.warnings).to.have.length(5);
    });
  });

  describe('normaliseDigits', () => {
    it('keeps digits only', () => {
      expect(normaliseDigits('+1 555-078-3881')).to.equal('15550783881');
      expect(normaliseDigits('<BUSINESS_DISPLAY_PHONE_NUMBER>')).to.equal('');
      expect(normaliseDigits(undefined)).to.equal('');
    });
  });
});
