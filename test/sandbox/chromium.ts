/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core
 * (which downloads no browser of its own). A missing browser fails the test with the command that
 * installs it, rather than skipping: CI installs it (.ci/run), so a silent skip would hide a gap.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PUENTE_CHROMIUM ?? '/usr/bin/chromium';

/** Needed on CI machines and containers: no sandboxing (often unavailable), no GPU, no background traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1480, height: 920 }): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}, which is missing. Install Debian's package:\n` +
        '  sudo apt-get update && sudo apt-get install -y chromium fonts-noto-color-emoji\n' +
        '(CI does this in .ci/run), or point PUENTE_CHROMIUM at another Chromium binary.',
    );
  }
  // A fresh profile each time: nothing cached or remembered from an earlier run.
  const userDataDir = await mkdtemp(join(tmpdir(), 'puente-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
