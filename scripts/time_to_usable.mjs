// Time from navigation to a usable sign-up form on a slow phone (issue 16's
// measure): headless Chromium with DevTools network and CPU emulation against the
// release bundle, the Chinese /register page.
//
// Usage: GATEHOUSE_BIN=target/bundle/server node scripts/time_to_usable.mjs [RUNS]
//
// "Usable" is when the wasm app has hydrated (the submit button is enabled) and
// an instant validation message appears for a number typed and left (the
// client-side validate(), no request): until then the form cannot be sent. The
// time is the page's own clock (performance.now(), from navigation start). Each
// profile runs RUNS times (default 5) on a cold cache (a new browser context) and
// on a warm one (the same context after a first visit, as a returning visitor:
// hashed assets are cached for a year); the median and the range are printed,
// with first contentful paint (the form appears) beside it.
import { resolve } from 'node:path';
import { launchBrowser, startServer } from '../tests/browser/harness.mjs';

// The server starts in its own data directory: name the binary from here.
if (process.env.GATEHOUSE_BIN) process.env.GATEHOUSE_BIN = resolve(process.env.GATEHOUSE_BIN);

// Throughput in bytes per second, latency in ms (round trip added per request).
const PROFILES = [
  { name: 'Fast 3G + 4x CPU', latency: 150, down: 1.6e6 / 8, up: 0.75e6 / 8, cpu: 4 },
  { name: 'Slow 3G + 4x CPU', latency: 400, down: 0.4e6 / 8, up: 0.4e6 / 8, cpu: 4 },
];
const RUNS = Number(process.argv[2] || 5);

async function throttle(context, page, p) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: p.latency, downloadThroughput: p.down, uploadThroughput: p.up,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: p.cpu });
}

/** One measured visit: [first contentful paint, usable], in ms from navigation start. */
async function visit(page, url) {
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 120_000 });
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:not(:empty)', { timeout: 120_000 });
  return page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return [fcp ? fcp.startTime : NaN, performance.now()];
  });
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const s = (ms) => (ms / 1000).toFixed(2);
  return `median ${s(median)} s (${s(sorted[0])}–${s(sorted[sorted.length - 1])})`;
}

const server = await startServer();
const browser = await launchBrowser();
const url = `${server.base}/register`;
try {
  for (const p of PROFILES) {
    for (const cache of ['cold', 'warm']) {
      const paint = [];
      const usable = [];
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({
          locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
        });
        const page = await context.newPage();
        if (cache === 'warm') await visit(page, url);
        await throttle(context, page, p);
        const [fcp, ready] = await visit(page, url);
        paint.push(fcp);
        usable.push(ready);
        await context.close();
      }
      console.log(`/register usable, ${p.name}, ${cache} cache: ${summary(usable)}; `
        + `form painted ${summary(paint)}; ${RUNS} runs`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
