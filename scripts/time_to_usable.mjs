// Time from navigation to a usable sign-up form on a slow phone (issue 16's
// measure): headless Chromium with DevTools network and CPU emulation against the
// release bundle, the Chinese /register page.
//
// Usage: GATEHOUSE_BIN=target/bundle/server [HELLO_BIN=target/bench-hello/bundle/server] \
//          node scripts/time_to_usable.mjs [RUNS]
//
// "Usable" is when the wasm app has hydrated (the submit button is enabled) and
// an instant validation message appears for a number typed and left (the
// client-side validate(), no request): until then the form cannot be sent.
// A second set of visits acts as soon as the form is there (its own visits, so
// the code they send weighs on no other figure). "Answers" is when a number typed
// and left then first gets a message, whichever says it: the stylesheet's, from
// the input's pattern, before the wasm runs (docs/DESIGN.md §8, "Before the
// wasm"), or the wasm's. "Press taken" is when a press on "Send code" with a valid
// number then shows as sending: kept by the page's head script before the wasm
// runs (the code itself is requested as the page hydrates), or carried out by the
// wasm. The
// time is the page's own clock (performance.now(), from navigation start). Each
// profile runs RUNS times (default 5) on a cold cache (a new browser context) and
// on a warm one (the same context after a first visit, as a returning visitor:
// hashed assets are cached for a year); the median and the range are printed,
// with first contentful paint (the form appears) beside it.
//
// The baseline, measured in the same run when HELLO_BIN names its bundle's server
// (scripts/bench.sh builds it): Dioxus 0.7.10's fullstack hello world, usable
// when its wasm has run and a click on "Increment" counts. It is the floor any
// page whose use waits for a Dioxus wasm starts from; the ratio is printed.
import { dirname, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { launchBrowser, startServer, freePort } from '../tests/browser/harness.mjs';
import { PROFILES, throttle, median, summary } from './slow_phone.mjs';

// The server starts in its own data directory: name the binary from here.
if (process.env.GATEHOUSE_BIN) process.env.GATEHOUSE_BIN = resolve(process.env.GATEHOUSE_BIN);
const HELLO_BIN = process.env.HELLO_BIN && resolve(process.env.HELLO_BIN);

const RUNS = Number(process.argv[2] || 5);

/** One measured visit of /register: { paint, usable }, in ms from navigation start. */
async function visitRegister(page, url) {
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 120_000 });
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:not(:empty)', { timeout: 120_000 });
  const { paint, now } = await timings(page);
  return { paint, usable: now };
}

/** A new number for each visit: the server keeps a cooldown per number. */
let sent = 0;
const nextPhone = () => String(13900000000 + (sent += 1));

/** Another measured visit of /register, acting as soon as the form is there:
 *  { paint, answers, pressed }, in ms from navigation start (see the top). Its
 *  own visit, so the code it has sent does not weigh on the usable time. */
async function visitEarly(page, url) {
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.fill('#phone', '123', { timeout: 120_000 });
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-early:visible, #phone-error:not(:empty)', { timeout: 120_000 });
  const { now: answers } = await timings(page);
  const idle = await page.textContent('#send-code');
  await page.fill('#phone', nextPhone());
  await page.click('#send-code', { timeout: 120_000 });
  await page.waitForFunction((label) => {
    const b = document.querySelector('#send-code');
    return b.hasAttribute('data-pressed') || b.textContent !== label;
  }, idle, { timeout: 120_000 });
  const { paint, now: pressed } = await timings(page);
  return { paint, answers, pressed };
}

/** One measured visit of the hello world: usable once its wasm has run and a
 *  click on "Increment" counts. */
async function visitHello(page, url) {
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForFunction(() => globalThis.__dx_mainWasm !== undefined, null, { timeout: 120_000 });
  await page.click('text=Increment');
  await page.waitForSelector('text=Client Counter: 1', { timeout: 120_000 });
  const { paint, now } = await timings(page);
  return { paint, usable: now };
}

/** { paint: first contentful paint, now }, in ms from navigation start. */
function timings(page) {
  return page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return { paint: fcp ? fcp.startTime : NaN, now: performance.now() };
  });
}

/** Starts the hello world's server; resolves with its address when `/` answers. */
async function startHello(bin) {
  const port = await freePort();
  const child = spawn(bin, [], {
    cwd: dirname(bin), env: { ...process.env, IP: '127.0.0.1', PORT: String(port) }, stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(base)).ok) return { base, stop: () => child.kill() }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`hello world did not start: ${bin}`);
}

/** RUNS visits under profile `p`, cold or warm: each time `visit` returns, in
 *  lists by name (ms). A warm visit follows a first `warmUp` visit in the same
 *  browser context. */
async function measure(browser, visit, warmUp, url, p, cache) {
  const times = {};
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({
      locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    });
    const page = await context.newPage();
    if (cache === 'warm') await warmUp(page, url);
    await throttle(context, page, p);
    for (const [name, ms] of Object.entries(await visit(page, url))) (times[name] ??= []).push(ms);
    await context.close();
  }
  return times;
}

const server = await startServer();
const hello = HELLO_BIN ? await startHello(HELLO_BIN) : null;
const browser = await launchBrowser();
try {
  for (const p of PROFILES) {
    for (const cache of ['cold', 'warm']) {
      const url = `${server.base}/register`;
      const ours = await measure(browser, visitRegister, visitRegister, url, p, cache);
      console.log(`/register usable, ${p.name}, ${cache} cache: ${summary(ours.usable)}; `
        + `form painted ${summary(ours.paint)}; ${RUNS} runs`);
      const early = await measure(browser, visitEarly, visitRegister, url, p, cache);
      console.log(`  acting at once: answers ${summary(early.answers)}; press taken `
        + `${summary(early.pressed)}; form painted ${summary(early.paint)}`);
      if (!hello) continue;
      const base = await measure(browser, visitHello, visitHello, `${hello.base}/`, p, cache);
      console.log(`  hello world usable, same profile: ${summary(base.usable)} -> ratio `
        + `${(median(ours.usable) / median(base.usable)).toFixed(2)}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
  hello?.stop();
}
