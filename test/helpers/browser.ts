/**
 * Debian's headless Chromium (`apt-get install -y chromium`, no browser download) driven by
 * playwright-core, for the tests that open a report.html: JavaScript off, no network of its own, a
 * fresh profile per test. Without /usr/bin/chromium those tests skip (`it.skipIf(!hasChromium)`);
 * CI installs it (.ci/run).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

export interface OpenChromium {
  context: BrowserContext;
  /** A temporary folder of the test's own (the profile is inside it); removed by close(). */
  dir: string;
  close(): Promise<void>;
}

/** Chromium headless with JavaScript off in a 1200×900 viewport, its profile in a new temp folder. */
export async function openChromium(prefix: string): Promise<OpenChromium> {
  const { chromium } = await import("playwright-core");
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: false,
    viewport: { width: 1200, height: 900 },
    // Nothing of the browser's own on the network: the report's requests are the only ones.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    dir,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Requests that failed, with the reason. */
  failed: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/** A new page that records its requests, failed requests and errors from the start. */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const requests: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return { page, requests, failed, errors };
}
