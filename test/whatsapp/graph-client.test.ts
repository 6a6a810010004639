import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import nock from 'nock';
import { classifySendFailure, lookupErrorCode, WHATSAPP_ERROR_CODES } from '../../adapters/whatsapp/errors.js';
import { GraphClient } from '../../adapters/whatsapp/graph-client.js';
import { createLogger } from '../../bot/logger.js';
import { WhatsAppSendError } from '../../bot/whatsapp-port.js';

const GRAPH = 'https://graph.test';
const TOKEN = 'EAAG-secret-token-never-logged';
const NUMBER_ID = '106540352242922';
const MESSAGES_PATH = `/v24.0/${NUMBER_ID}/messages`;
const ana = { waId: '34611111111', name: 'Ana' };

function graphError(code: number, message: string, details?: string, status = 400): [number, { error: Record<string, unknown> }] {
  return [
    status,
    {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
        fbtrace_id: 'AbCdEf123',
      },
    },
  ];
}

async function sendFailure(client: GraphClient): Promise<WhatsAppSendError> {
  try {
    await client.send(NUMBER_ID, ana, { type: 'text', text: 'hola' });
  } catch (err) {
    expect(err).to.be.instanceOf(WhatsAppSendError);
    return err as WhatsAppSendError;
  }
  return expect.fail('send should have failed');
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

describe('Graph API client', () => {
  let client: GraphClient;

  before(() => nock.disableNetConnect());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    client = new GraphClient({ accessToken: TOKEN, apiUrl: `${GRAPH}/`, apiVersion: 'v24.0' });
  });
  afterEach(() => {
    client.close();
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every mocked Graph call was made').to.deep.equal([]);
  });

  describe('request bodies', () => {
    it('sends text to +wa_id with the bearer token and returns the wamid', async () => {
      let body: unknown;
      nock(GRAPH, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': /application\/json/ } })
        .post(MESSAGES_PATH, (b) => ((body = b), true))
        .reply(200, { messaging_product: 'whatsapp', contacts: [{ input: '+34611111111', wa_id: '34611111111' }], messages: [{ id: 'wamid.OUT1' }] });

      const result = await client.send(NUMBER_ID, ana, { type: 'text', text: 'Hola, ¿en qué te ayudo?' });
      expect(result).to.deep.equal({ wamid: 'wamid.OUT1' });
      expect(body).to.deep.equal({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '+34611111111',
        type: 'text',
        text: { body: 'Hola, ¿en qué te ayudo?', preview_url: false },
      });
    });

    it('asks for a link preview when the text has a URL, quotes, and carries the callback data', async () => {
      let body: unknown;
      nock(GRAPH).post(MESSAGES_PATH, (b) => ((body = b), true)).reply(200, { messages: [{ id: 'wamid.OUT2' }] });
      await client.send(NUMBER_ID, ana, { type: 'text', text: 'Mira https://example.com/p', quotedWamid: 'wamid.IN9' }, { callbackData: 'outbox-7' });
      expect(body).to.deep.equal({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '+34611111111',
        type: 'text',
        text: { body: 'Mira https://example.com/p', preview_url: true },
        context: { message_id: 'wamid.IN9' },
        biz_opaque_callback_data: 'outbox-7',
      });
    });

    it('sends a reaction', async () => {
      let body: unknown;
      nock(GRAPH).post(MESSAGES_PATH, (b) => ((body = b), true)).reply(200, { messages: [{ id: 'wamid.R1' }] });
      await client.send(NUMBER_ID, ana, { type: 'reaction', targetWamid: 'wamid.IN1', emoji: '👍' });
      expect(body).to.deep.equal({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '+34611111111',
        type: 'reaction',
        reaction: { message_id: 'wamid.IN1', emoji: '👍' },
      });
    });

    it('addresses a username-only customer by recipient (BSUID)', async () => {
      let body: Record<string, unknown> = {};
      nock(GRAPH).post(MESSAGES_PATH, (b) => ((body = b as Record<string, unknown>), true)).reply(200, { messages: [{ id: 'wamid.U1' }] });
      await client.send(NUMBER_ID, { userId: 'US.1349' }, { type: 'text', text: 'hi' });
      expect(body.recipient).to.equal('US.1349');
      expect(body).to.not.have.property('to');
    });

    it('refuses, without calling WhatsApp, a customer with no id', async () => {
      const err = await client.send(NUMBER_ID, {}, { type: 'text', text: 'hi' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WhatsAppSendError);
      expect((err as WhatsAppSendError).action).to.equal('final');
    });

    it('marks a message read', async () => {
      let body: unknown;
      nock(GRAPH, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
        .post(MESSAGES_PATH, (b) => ((body = b), true))
        .reply(200, { success: true });
      await client.markRead(NUMBER_ID, 'wamid.IN1');
      expect(body).to.deep.equal({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN1' });
    });

    it('joins apiUrl and version with exactly one slash', async () => {
      const noSlash = new GraphClient({ accessToken: TOKEN, apiUrl: GRAPH, apiVersion: 'v24.0' });
      nock(GRAPH).post(MESSAGES_PATH).reply(200, { messages: [{ id: 'wamid.S' }] });
      expect(await noSlash.send(NUMBER_ID, ana, { type: 'text', text: 'x' })).to.deep.equal({ wamid: 'wamid.S' });
      noSlash.close();
    });
  });

  describe('failures', () => {
    it('131047 (window closed) is final, with code and details for the agent', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(131047, '(#131047) Re-engagement message', 'Message failed to send because more than 24 hours have passed'));
      const err = await sendFailure(client);
      expect(err.action).to.equal('final');
      expect(err.httpStatus).to.equal(400);
      expect(err.info).to.deep.equal({
        code: 131047,
        message: '(#131047) Re-engagement message',
        details: 'Message failed to send because more than 24 hours have passed',
      });
    });

    it('131056 (pair rate) is retried on the pair schedule', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit'));
      expect((await sendFailure(client)).action).to.equal('retry-pair-rate');
    });

    it('130429 (throughput) is retried', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(130429, '(#130429) Rate limit hit'));
      const err = await sendFailure(client);
      expect(err.action).to.equal('retry');
      expect(err.info.code).to.equal(130429);
    });

    it('190 (token) is final and alerts the operator', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(190, 'Error validating access token', undefined, 401));
      const err = await sendFailure(client);
      expect(err.action).to.equal('final-alert');
      expect(err.httpStatus).to.equal(401);
    });

    it('HTTP 500 without a Graph error is retried', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(500, '<html>oops</html>');
      const err = await sendFailure(client);
      expect(err.action).to.equal('retry');
      expect(err.httpStatus).to.equal(500);
      expect(err.info.code).to.equal(0);
    });

    it('an unknown code on a 4xx is final', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(999999, 'Brand new error'));
      expect((await sendFailure(client)).action).to.equal('final');
    });

    it('a network error is retried and has no HTTP status', async () => {
      // An Error instance: nock 14 leaves the request hanging when given a plain object.
      nock(GRAPH).post(MESSAGES_PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      const err = await sendFailure(client);
      expect(err.action).to.equal('retry');
      expect(err.httpStatus).to.equal(undefined);
      expect(err.info.message).to.match(/network error ECONNRESET/);
    });

    it('a timeout is retried', async () => {
      const quick = new GraphClient({ accessToken: TOKEN, apiUrl: GRAPH, apiVersion: 'v24.0' }, undefined, { timeoutMs: 50 });
      nock(GRAPH).post(MESSAGES_PATH).delay(300).reply(200, { messages: [{ id: 'wamid.late' }] });
      const err = await sendFailure(quick);
      expect(err.action).to.equal('retry');
      quick.close();
    });

    it('a 200 without a message id is retried rather than taken as sent', async () => {
      nock(GRAPH).post(MESSAGES_PATH).reply(200, { messaging_product: 'whatsapp' });
      expect((await sendFailure(client)).action).to.equal('retry');
    });

    it('never logs the token, nor puts it in the error handed to the core', async () => {
      const { logger, lines } = capturingLogger();
      const logged = new GraphClient({ accessToken: TOKEN, apiUrl: GRAPH, apiVersion: 'v24.0' }, logger);
      nock(GRAPH).post(MESSAGES_PATH).reply(...graphError(190, 'Error validating access token', undefined, 401));
      const err = await sendFailure(logged);
      logged.close();
      expect(lines.join('')).to.contain('"code":190');
      expect(lines.join('')).to.not.contain(TOKEN);
      expect(inspect(err, { depth: 10 })).to.not.contain(TOKEN);
      expect(JSON.stringify(err)).to.not.contain(TOKEN);
    });
  });

  describe('error table', () => {
    it('classifies the codes the core relies on', () => {
      const expected: Record<number, string> = {
        131056: 'retry-pair-rate',
        130429: 'retry',
        4: 'retry',
        80007: 'retry',
        131057: 'retry',
        131000: 'retry',
        190: 'final-alert',
        368: 'final-alert',
        131031: 'final-alert',
        131042: 'final-alert',
        133010: 'final-alert',
        131047: 'final',
        131026: 'final',
        100: 'final',
      };
      for (const [code, action] of Object.entries(expected)) {
        expect(classifySendFailure(400, { code: Number(code) }).action, code).to.equal(action);
        expect(lookupErrorCode(Number(code))?.meaning, code).to.be.a('string').and.not.equal('');
      }
    });

    it('falls back on the HTTP status for unknown codes, and retries when there was no answer', () => {
      expect(classifySendFailure(503, { code: 1 }).action).to.equal('retry');
      expect(classifySendFailure(429, undefined).action).to.equal('retry');
      expect(classifySendFailure(404, undefined).action).to.equal('final');
      expect(classifySendFailure(undefined, undefined).action).to.equal('retry');
      expect(classifySendFailure(undefined, { code: 424242 }).action).to.equal('final');
    });

    it('has a meaning for every code, and tells agents about every final failure but the operator-only one', () => {
      for (const [code, rule] of Object.entries(WHATSAPP_ERROR_CODES)) {
        expect(rule.meaning, code).to.not.equal('');
        if (rule.action.startsWith('final') && code !== '133016') expect(rule.tellAgent, code).to.equal(true);
      }
    });
  });
});
