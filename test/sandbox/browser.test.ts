/**
 * The sandbox as a newcomer meets it: the page in a real (headless) Chromium, the real bridge
 * process behind it. A customer writes from the phone, the thread opens in the Slack channel, an
 * agent answers in the thread, and the answer reaches the phone, where its ticks go delivered and
 * then read while the bridge mirrors the statuses in Slack. Saves a screenshot to
 * test-output/sandbox.png (and to docs/sandbox.png, the README's, with UPDATE_SCREENSHOT=1).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import { samplePdf } from '../../sandbox/sample-media.js';
import { launchChromium, type Chromium } from './chromium.js';

const SCREENSHOT = 'test-output/sandbox.png';
const README_SCREENSHOT = 'docs/sandbox.png';

const CUSTOMER_TEXT = 'Hola 👋 ¿hacéis envíos a Canarias?';
const AGENT_REPLY = '¡Hola Ana! Sí, enviamos a Canarias en *48 h* y sin coste 🎉';

describe('sandbox page in Chromium', function () {
  this.timeout(120_000);
  let sandbox: RunningSandbox | undefined;
  let browser: Chromium | undefined;
  let page: Page;

  before(async () => {
    // The browser first: if it is missing, say so before spending time on the bridge.
    browser = await launchChromium();
    sandbox = await startSandbox({ port: 0 });
    page = await browser.context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
    await page.goto(sandbox.url);
    await page.waitForSelector('#connection[data-state="live"]');
  });

  after(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('carries a conversation from the phone to a Slack thread and back, with delivered and read ticks', async () => {
    // Another customer wrote earlier, as in any real channel: the new conversation must get a thread of its own.
    await sandbox!.whatsapp.sendText('1001', { waId: '5215512345678', name: 'Mariana López' }, '¿Tenéis la chaqueta azul en talla M?');
    await page.locator('#channel-messages .message[data-author="app"]', { hasText: 'Mariana López' }).waitFor();

    // The customer (Ana García, preselected) writes to Ventas from the phone.
    await page.fill('#wa-input', CUSTOMER_TEXT);
    await page.press('#wa-input', 'Enter');
    await page.locator('#wa-chat .bubble.from-customer', { hasText: CUSTOMER_TEXT }).waitFor();

    // The bridge opens a thread in #ventas with a header naming the customer and the line.
    const header = page.locator('#channel-messages .message[data-author="app"]', { hasText: 'Ana García' });
    await header.waitFor();
    expect(await header.textContent()).to.contain('+34611111111').and.contain('Ventas');

    // Open it: the customer's message is there under their name.
    await header.locator('[data-open-thread]').first().click();
    const customerPost = page.locator('#thread-messages .message[data-author="customer"]', { hasText: CUSTOMER_TEXT });
    await customerPost.waitFor();
    expect(await customerPost.locator('.message-head b').textContent()).to.equal('Ana García');

    // Lucía answers in the thread; an internal note stays in Slack.
    await replyInThread(page, AGENT_REPLY);
    await replyInThread(page, '// cliente habitual: ofrecer el cupón de bienvenida');

    // The reply reaches the phone (Slack formatting turned into WhatsApp's), then WhatsApp reports delivered, then read.
    const reply = page.locator('#wa-chat .bubble.from-business', { hasText: '¡Hola Ana!' });
    await reply.waitFor();
    expect(await reply.locator('.text b').textContent()).to.equal('48 h');
    await page.locator('#wa-chat .bubble.from-business[data-status="delivered"]').waitFor({ timeout: 10_000 });
    await page.locator('#wa-chat .bubble.from-business[data-status="read"] .ticks[data-status="read"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#wa-chat .bubble.from-business').count(), 'the internal note never reaches the phone').to.equal(1);

    // In Slack the bridge shows the same progress as a reaction on the agent's message: 👀 = read.
    const agentMessage = page.locator('#thread-messages .message[data-author="agent"]', { hasText: '¡Hola Ana!' });
    await agentMessage.locator('.slack-reaction[data-pill="eyes"]').waitFor();

    // The customer loves the answer: the reaction lands on the agent's message in Slack.
    await reply.hover();
    await reply.locator('[data-action="react"]').click();
    await reply.locator('.react-picker [data-emoji="❤️"]').click();
    await agentMessage.locator('.slack-reaction[data-pill="heart"]').waitFor();

    await page.fill('#wa-input', '¡Genial, gracias!');
    await page.press('#wa-input', 'Enter');
    await page.locator('#thread-messages .message[data-author="customer"]', { hasText: '¡Genial, gracias!' }).waitFor();
    await page.mouse.move(0, 0); // no hover toolbar in the picture

    await mkdir('test-output', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await mkdir('docs', { recursive: true });
      await copyFile(SCREENSHOT, README_SCREENSHOT);
    }
  });

  it('shows media both ways and runs the header buttons’ template modal', async () => {
    // Ana sends the sample photo from the phone: a picture on the phone, an image preview in the thread.
    await page.click('#attach-button');
    await page.click('#attach-menu [data-kind="photo"]');
    await page.locator('#wa-chat .bubble.from-customer img.wa-media').waitFor();
    const preview = page.locator('#thread-messages .slack-file-image img');
    await preview.waitFor();
    expect(await preview.evaluate((image) => { const loaded = image as unknown as { complete: boolean; naturalWidth: number }; return loaded.complete && loaded.naturalWidth; })).to.equal(240);

    // Lucía attaches a PDF in the thread: the customer gets a document with its name.
    await page.setInputFiles('#thread-file', { name: 'presupuesto.pdf', mimeType: 'application/pdf', buffer: Buffer.from(samplePdf('Presupuesto 0042')) });
    await page.locator('#thread-messages .message[data-author="agent"] .slack-file', { hasText: 'presupuesto.pdf' }).waitFor();
    await page.locator('#wa-chat .bubble.from-business .wa-doc', { hasText: 'presupuesto.pdf' }).waitFor();

    // The header's Send template button opens Slack's modal; submitting it sends the template.
    await page.locator('#thread-messages .message[data-author="app"] [data-action-id="puente_action:template"]').first().click();
    const modal = page.locator('[data-testid="slack-modal"]');
    await modal.locator('input').waitFor();
    await modal.locator('input').fill('pedido_enviado es 8841');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: 'test-output/sandbox-media.png' });
    await modal.locator('button[type="submit"]').click();
    await page.locator('#wa-chat .bubble.from-business', { hasText: 'pedido_enviado' }).waitFor();
    expect(await modal.isVisible()).to.equal(false);
  });
});

async function replyInThread(page: Page, text: string): Promise<void> {
  await page.fill('#thread-input', text);
  await page.press('#thread-input', 'Enter');
  await page.locator('#thread-messages .message[data-author="agent"]', { hasText: text.replace(/\*/g, '').slice(0, 20) }).waitFor();
}
