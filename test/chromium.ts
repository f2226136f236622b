/**
 * What the Chromium tests share: where Debian's Chromium is (or CHROMIUM_PATH), the flags that
 * run it headless in a container, and the skip rule: without Chromium a browser test is skipped
 * with the reason on a developer's machine, and fails when CI is set.
 */
import { chromium } from "playwright-core";

/** The Chromium binary the tests drive. */
export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why Chromium cannot run here, or null when it can. */
export const chromiumMissing: string | null = (() => {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  }
})();

/** True when a browser test should be skipped (no Chromium and not in CI); says why once. */
export function skipBrowserTest(name: string): boolean {
  const skip = chromiumMissing !== null && !Deno.env.get("CI");
  if (skip) console.log(`${name}: skipped: ${chromiumMissing}`);
  return skip;
}

/** Launches headless Chromium; in CI without it, fails with the reason. */
export function launchChromium(): ReturnType<typeof chromium.launch> {
  if (chromiumMissing !== null) {
    throw new Error(`CI is set, so Chromium is required: ${chromiumMissing}`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
