// Time from pressing "Sign in" to a usable account page on a slow phone, with and
// without the full build prefetched by the sign-in page (docs/DESIGN.md §8, "Page
// weight"): the sign-in page runs the small public build; the account page needs
// the full one (about 510 KB brotli), which the sign-in page prefetches once it
// runs, while the visitor types.
//
// Usage: GATEHOUSE_BIN=target/bundle/server node scripts/time_to_account.mjs [RUNS]
//
// Headless Chromium, DevTools network and CPU emulation (the profiles of
// time_to_usable.mjs), a cold cache each run (a new browser context). Each run
// opens /login, waits until it runs, then THINK_MS (the time a person takes to
// type a number and a password), then signs in and times the press to the account
// page's sign-out button working (the full build hydrated). The baseline, in the
// same run: the same visit with the full build's two files blocked until the press,
// so nothing was prefetched. The median of RUNS (default 5) and the ratio are
// printed, and how many runs had the prefetch done by the press.
import { resolve } from 'node:path';
import { launchBrowser, startServer } from '../tests/browser/harness.mjs';
import { PROFILES, throttle, median, summary } from './slow_phone.mjs';

if (process.env.GATEHOUSE_BIN) process.env.GATEHOUSE_BIN = resolve(process.env.GATEHOUSE_BIN);
const RUNS = Number(process.argv[2] || 5);
const THINK_MS = 15_000;
const PHONE = '13900009999';
const PASSWORD = 'bench-pass1';

/** Creates the account the runs sign in to, through the sign-up page, unthrottled. */
async function signUp(browser, server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/register`);
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])');
  await page.fill('#phone', PHONE);
  await page.click('#send-code');
  await page.fill('#code', await server.lastCode(PHONE, 'register'));
  await page.fill('#password', PASSWORD);
  await page.check('#consent');
  await page.click('#submit');
  await page.waitForURL('**/account');
  await context.close();
}

/** The full build's script and wasm, as the public pages name them. */
async function fullBuild(server) {
  const html = await (await fetch(`${server.base}/login`)).text();
  const meta = html.match(/<meta name="gatehouse-full-build" content="([^"]+)"/);
  if (!meta) throw new Error('no full-build meta on /login: is this a bundle with both builds?');
  return meta[1].split(' ').map((path) => new URL(path, server.base).href);
}

/** One run: ms from the press to a usable account page, and whether the prefetch
 *  had finished by the press. */
async function run(browser, server, p, files, prefetch) {
  const context = await browser.newContext({
    locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  const cdp = await throttle(context, page, p);
  if (!prefetch) await cdp.send('Network.setBlockedURLs', { urls: files });
  await page.goto(`${server.base}/login`, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 120_000 });
  await page.waitForTimeout(THINK_MS);
  const done = await page.evaluate((urls) => urls.every((u) => performance.getEntriesByName(u)
    .some((e) => e.responseEnd > 0 && e.responseStatus === 200)), files);
  if (!prefetch) await cdp.send('Network.setBlockedURLs', { urls: [] });
  await page.fill('#phone', PHONE);
  await page.fill('#password', PASSWORD);
  const pressed = Date.now();
  await page.click('#submit');
  await page.waitForURL('**/account', { timeout: 120_000 });
  await page.waitForSelector('.page[data-hydrated="true"] #sign-out', { timeout: 120_000 });
  const ms = Date.now() - pressed;
  await context.close();
  return { ms, done };
}

const server = await startServer();
const browser = await launchBrowser();
try {
  await signUp(browser, server);
  const files = await fullBuild(server);
  for (const p of PROFILES) {
    const times = {};
    for (const prefetch of [true, false]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await run(browser, server, p, files, prefetch));
      times[prefetch] = runs.map((r) => r.ms);
      const ready = runs.filter((r) => r.done).length;
      console.log(`account usable after pressing sign-in, ${p.name}, cold cache, `
        + `${prefetch ? `full build prefetched (done by the press in ${ready} of ${RUNS})` : 'nothing prefetched'}: `
        + `${summary(times[prefetch])}; ${RUNS} runs, ${THINK_MS / 1000} s on the sign-in page`);
    }
    console.log(`  ratio prefetched / not: ${(median(times.true) / median(times.false)).toFixed(2)}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
