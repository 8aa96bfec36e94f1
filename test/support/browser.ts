import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots go (git-ignored; CI keeps them as test artifacts). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Whether browser tests must be skipped: only when Chromium is absent and this is not CI
 * (`CI` or `MPI_CONSOLE_E2E=required`, which .ci/run sets). In CI a missing browser fails.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env.CI || process.env.MPI_CONSOLE_E2E === 'required') return null;
  return `console browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium; .ci/run installs it)`;
}

/**
 * Headless Chromium with the flags this machine kind needs: no sandbox (root), no GPU, and
 * no background traffic to Google's hosts (the network is closed). Playwright gives every
 * launch a fresh, empty profile directory of its own.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium (never a browser download)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}${name}`;
}
