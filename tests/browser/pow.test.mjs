// The proof of work before an SMS (issue 14), in real headless Chromium against the
// real server binary at a real difficulty (20 bits, about a million hashes): the
// page fetches a challenge, solves it in the wasm while the send button shows its
// progress, and the server accepts the solution and sends the code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, PHONE_VIEWPORT, DESKTOP_VIEWPORT } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer({ GATEHOUSE_POW_DIFFICULTY: '20', GATEHOUSE_POW_RAISED_DIFFICULTY: '20' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const { locale, viewport, phone, progress, start, resend } of [
  { locale: 'zh-CN', viewport: PHONE_VIEWPORT, phone: '13866660001', progress: /安全验证 \d+%/, start: '安全验证 0%', resend: '秒后重新获取' },
  { locale: 'en-US', viewport: DESKTOP_VIEWPORT, phone: '13866660002', progress: /Checking \d+%/, start: 'Checking 0%', resend: 'Resend in' },
]) {
  test(`the send button shows the proof of work's progress, then the code is sent (${locale})`, async () => {
    const context = await browser.newContext({ locale, viewport, extraHTTPHeaders: { 'accept-language': locale } });
    const page = await context.newPage();
    const sends = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/register/code')) sends.push(JSON.parse(r.postData()));
    });
    await page.goto(`${server.base}/register`);
    await page.waitForSelector('.page[data-hydrated="true"] #submit:not([disabled])', { timeout: 30_000 });
    await page.fill('#phone', phone);
    // Every label the button shows, recorded as the DOM changes: a lucky nonce can
    // be found within milliseconds, too soon for polling to see the progress.
    await page.evaluate(() => {
      const button = document.querySelector('#send-code');
      window.sendLabels = [];
      new MutationObserver(() => window.sendLabels.push(button.textContent)).observe(button, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.click('#send-code');
    await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), resend, { timeout: 60_000 });
    const labels = await page.evaluate(() => window.sendLabels);
    const shown = labels.filter((l) => progress.test(l));
    assert.ok(shown.length > 0, `the search's progress was shown on the button: ${JSON.stringify(labels)}`);
    assert.ok(shown[0].includes(start), `the progress starts at 0 %: ${shown[0]}`);
    assert.equal(sends.length, 1, 'one send, after the search');
    assert.match(sends[0].form.pow.token, /^v1\.register\.\d+\.20\./);
    assert.ok(Number.isInteger(sends[0].form.pow.nonce));
    assert.match(await server.lastCode(phone, 'register'), /^\d{6}$/);
    await context.close();
  });
}
