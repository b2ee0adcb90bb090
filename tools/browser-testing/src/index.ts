/**
 * Headless Chromium for the repository's browser tests: Debian's package (the browser
 * downloads of the npm packages cannot reach their hosts here), driven by playwright-core, in a
 * fresh profile per test file. Without the browser a test file is skipped with a note that says
 * how to install it. Each test adds its own listeners (errors, dialogs, requests) to what this
 * opens.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export type { BrowserContext, Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

// No GPU, no sandbox (tests run as root in containers), nothing fetched in the background.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

/** Whether Chromium is installed; when it is not, says which test is skipped and how to run it. */
export function chromiumAvailable(test: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available) console.log(`skipping ${test}: ${CHROMIUM} is missing; install it with apt-get install -y chromium`);
  return available;
}

export interface OpenChromium {
  context: BrowserContext;
  /** The context's first tab. */
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Collects into `errors` what a page reports as going wrong: uncaught exceptions, and console
 * errors, among them Content-Security-Policy refusals. The browser's own "Failed to load
 * resource" line for every 4xx answer is left out: tests make such answers on purpose.
 */
export function collectPageErrors(page: Page, errors: string[]): void {
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
}

/** Starts Chromium in a new profile; `viewport` defaults to 1280 x 720. */
export async function openChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<OpenChromium> {
  const profile = await mkdtemp(join(tmpdir(), "goatkit-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, ...(options.viewport ? { viewport: options.viewport } : {}) });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
