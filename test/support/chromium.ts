// Debian's Chromium driven by playwright-core (never a downloaded browser), with a new empty
// profile per run, and the dashboard built when web/dist is missing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { DIST_DIR } from '../../control/dashboard/static.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(os.tmpdir(), 'deployflow-screenshots');

export async function ensureDashboardBuilt(): Promise<void> {
  if (fs.existsSync(path.join(DIST_DIR, 'index.html'))) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}`))));
  });
}

/** `extraArgs` adds Chromium switches, e.g. `--host-resolver-rules=MAP paas.local 127.0.0.1`. */
export async function launchBrowser(extraArgs: string[] = []): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'df-chromium-'));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', ...extraArgs],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
