// How long the sign-up page's proof of work takes in the browser (issue 14): the
// release bundle in headless Chromium, the wasm searching as a visitor's browser
// does, at the default difficulty (16 bits) and the raised one (20 bits), on this
// machine's CPU and slowed 4x (a mid-range phone, as in time_to_usable.mjs).
//
// Usage: GATEHOUSE_BIN=target/bundle/server node scripts/pow_solve_time.mjs [RUNS]
//
// The solve time is from the challenge's answer arriving to the send request
// leaving (the page's search and nothing else: no network on either side). Each
// case runs RUNS times (default 7) with a fresh page; the median and range are
// printed, and the raised/default ratio (2^20 / 2^16 = 16 expected on average).
import { resolve } from 'node:path';
import { launchBrowser, startServer } from '../tests/browser/harness.mjs';

if (process.env.GATEHOUSE_BIN) process.env.GATEHOUSE_BIN = resolve(process.env.GATEHOUSE_BIN);

const DIFFICULTIES = [16, 20]; // GATEHOUSE_POW_DIFFICULTY and _RAISED_DIFFICULTY defaults
const CPUS = [{ name: 'this CPU', rate: 1 }, { name: '4x slower CPU', rate: 4 }];
const RUNS = Number(process.argv[2] || 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function solveOnce(browser, base, phone, cpu) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${base}/register`);
  await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 60_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  let answered;
  let sent;
  page.on('requestfinished', (r) => { if (r.url().endsWith('/api/pow/challenge')) answered = performance.now(); });
  page.on('request', (r) => { if (r.url().endsWith('/api/register/code')) sent = performance.now(); });
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction(() => /\d/.test(document.querySelector('#send-code').textContent)
    && document.querySelector('#send-code').disabled
    && !document.querySelector('#send-code').textContent.includes('%'), null, { timeout: 300_000 });
  await context.close();
  if (answered === undefined || sent === undefined) throw new Error('no challenge or no send seen');
  return sent - answered;
}

const browser = await launchBrowser();
let phone = 13_700_000_000;
const medians = {};
try {
  for (const difficulty of DIFFICULTIES) {
    const server = await startServer({
      GATEHOUSE_POW_DIFFICULTY: String(difficulty),
      GATEHOUSE_POW_RAISED_DIFFICULTY: String(difficulty),
      GATEHOUSE_SMS_IP_HOURLY: '10000',
    });
    try {
      for (const cpu of CPUS) {
        const times = [];
        for (let i = 0; i < RUNS; i++) times.push(await solveOnce(browser, server.base, String(phone++), cpu.rate));
        medians[`${difficulty}/${cpu.rate}`] = median(times);
        const sorted = [...times].sort((a, b) => a - b);
        console.log(`proof of work in Chromium (wasm), ${difficulty} bits, ${cpu.name}: median ${ms(median(times))} `
          + `(${ms(sorted[0])}–${ms(sorted[sorted.length - 1])}); ${RUNS} runs`);
      }
    } finally {
      await server.stop();
    }
  }
  for (const cpu of CPUS) {
    const [low, high] = DIFFICULTIES.map((d) => medians[`${d}/${cpu.rate}`]);
    console.log(`  ratio ${DIFFICULTIES[1]} bits / ${DIFFICULTIES[0]} bits, ${cpu.name}: ${(high / low).toFixed(1)} (16 expected)`);
  }
} finally {
  await browser.close();
}
