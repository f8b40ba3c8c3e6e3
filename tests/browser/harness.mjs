// Starts the built Gatehouse server on a free port with a fresh data directory and
// drives Debian's Chromium through playwright-core. GATEHOUSE_BIN names the server
// binary (the release bundle's `server`); screenshots go to target/test-artifacts/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';

export const ARTIFACTS = resolve('target/test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

let databases = 0;

/** The database of one server: a new PostgreSQL database when POSTGRES_TEST_URL
 *  names a server (scripts/test.sh runs the suite once so), else none (the server's
 *  default SQLite file in its data directory). */
function freshDatabase() {
  const server = process.env.POSTGRES_TEST_URL;
  if (!server) return {};
  const name = `gatehouse_browser_${process.pid}_${databases++}`;
  execFileSync(process.env.POSTGRES_TEST_PSQL || 'psql', [`${server}/postgres`, '-qc', `CREATE DATABASE ${name}`]);
  return { GATEHOUSE_DATABASE_URL: `${server}/${name}` };
}

/** Starts the server; resolves when `/register` answers. */
export async function startServer(env = {}) {
  const bin = process.env.GATEHOUSE_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`GATEHOUSE_BIN not set or missing: ${bin}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-browser-'));
  const port = await freePort();
  const outbox = join(dataDir, 'outbox.jsonl');
  const database = freshDatabase();
  // From the data directory, not the repo: the bundle must find its public/ folder
  // wherever it is started.
  const config = {
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_SMS_OUTBOX: outbox,
    GATEHOUSE_COMPANY: 'Gatehouse Test Co., Ltd.',
    GATEHOUSE_ICP: '京ICP备00000000号',
    // The proof of work at 1 bit: the page still fetches, solves and sends one.
    GATEHOUSE_POW_DIFFICULTY: '1',
    GATEHOUSE_POW_RAISED_DIFFICULTY: '1',
    ...database,
    ...env,
  };
  const child = spawn(bin, ['serve'], {
    cwd: dataDir,
    env: { ...process.env, IP: '127.0.0.1', PORT: String(port), ...config },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${base}/register`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  /** Every message the development provider wrote, oldest first. */
  const readOutbox = () => (existsSync(outbox)
    ? readFileSync(outbox, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : []);
  return {
    base,
    dataDir,
    /** The server's configuration, for a command (`invite create`, `docs
     *  publish`) run against the same database and settings. */
    configEnv: config,
    log: () => log,
    /** The newest code the development provider sent to `phone` (waits up to 5 s:
     *  sign-in and reset codes are sent after the answer). */
    async lastCode(phone, purpose = 'register') {
      for (let i = 0; i < 100; i++) {
        const found = readOutbox().reverse().find((m) => m.to === phone && m.purpose === purpose);
        if (found) return found.code;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${purpose} code for ${phone} in the outbox`);
    },
    /** The messages sent to `phone` for `purpose` (a code's or a security
     *  notice's), waiting up to 5 s for at least `atLeast` of them. */
    async messages(phone, purpose, atLeast = 0) {
      for (let i = 0; ; i++) {
        const found = readOutbox().filter((m) => m.to === phone && m.purpose === purpose);
        if (found.length >= atLeast || i >= 100) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export const PHONE_VIEWPORT = { width: 390, height: 844 };
export const DESKTOP_VIEWPORT = { width: 1280, height: 800 };

/** Screenshots of `page` at both sizes (`{name}-{lang}-390x844.png` and
 *  `-1280x800.png` in ARTIFACTS), back at `viewport` after. */
export async function shots(page, name, lang, viewport) {
  for (const [size, vp] of [['390x844', PHONE_VIEWPORT], ['1280x800', DESKTOP_VIEWPORT]]) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${lang}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(viewport);
}

/**
 * One server and one browser for a test file: started before its tests, stopped
 * after. `app.newPage(locale, viewport)` opens a fresh context that sends that
 * Accept-Language and records the `/api/` requests it makes.
 */
export function useApp() {
  const app = {};
  before(async () => {
    app.server = await startServer();
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
    // Whatever the tests sent, the server never panicked (issue 10).
    assert.ok(!app.server?.log().includes('panicked'), `the server panicked:\n${app.server?.log()}`);
  });
  app.newPage = async (locale, viewport) => {
    const context = await app.browser.newContext({ locale, viewport, extraHTTPHeaders: { 'accept-language': locale } });
    // Every Content-Security-Policy violation the page meets lands in window.__csp.
    await context.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const page = await context.newPage();
    const api = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) api.push(r.url()); });
    return { context, page, api };
  };
  return app;
}

/** Waits until the browser is at `url` and the wasm runs the page there: a page
 *  of the account or admin area reached from a public page is loaded from the
 *  server with the full build (docs/DESIGN.md §8, "Page weight"), and a click
 *  before that build has hydrated it would do nothing. */
export async function arrived(page, url, options = {}) {
  await page.waitForURL(url, options);
  await page.waitForSelector('.page[data-hydrated="true"]', { timeout: 30_000 });
}

/** Waits until the wasm app has hydrated the page (it marks the page root
 *  `data-hydrated`) and its submit button is enabled (the sign-in form's is
 *  enabled before, docs/DESIGN.md §3 "Without the wasm"). */
export async function hydrated(page) {
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 30_000 });
}
