// Real headless Chromium (Debian's `chromium`, driven by playwright-core) for the page's tests. Outside
// CI a missing binary skips those tests with a loud message; under CI=true it is a failure (.ci/run
// installs it). Every page runs in a context that lets requests reach loopback only and records any
// other, so a test can also prove the page loads nothing from the internet.
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";

export const chromiumPath = process.env["CHROMIUM_BIN"] ?? "/usr/bin/chromium";

/** Flags for a sandbox-less container with no network: no GPU, no QUIC, no background fetches. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  const available = existsSync(chromiumPath);
  if (!available) {
    const message = `Chromium not found at ${chromiumPath}: install it with 'apt-get install -y chromium' (or set CHROMIUM_BIN).`;
    if (process.env["CI"] === "true") throw new Error(`${message} Under CI=true this is a failure, not a skip.`);
    console.warn(`\n!!! SKIPPING BROWSER TESTS: ${message}\n`);
  }
  return available;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export interface LoopbackContext {
  context: BrowserContext;
  /** URLs the page tried to reach off loopback (each was refused). */
  blocked: string[];
}

/** A fresh context (its own sessionStorage) whose requests may reach loopback only. */
export async function loopbackContext(browser: Browser, options: BrowserContextOptions = {}): Promise<LoopbackContext> {
  const context = await browser.newContext(options);
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = url.protocol === "data:" || url.protocol === "blob:" || LOOPBACK.test(url.hostname);
    if (local) return route.continue();
    blocked.push(url.href);
    return route.abort("blockedbyclient");
  });
  return { context, blocked };
}
