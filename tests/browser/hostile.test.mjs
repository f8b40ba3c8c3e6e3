// The HTTP surface against a hostile website and a password manager (issue 10), in
// real headless Chromium against the real server binary: a page on another origin
// auto-submits a sign-in form and the victim stays signed out; autofill that fires
// no input events still signs in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { useApp, hydrated, ARTIFACTS, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();
const PASSWORD = 'autofill-1';

/** Signs `phone` up through the page and signs out again. */
async function signUp(page, phone) {
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code').disabled);
  await page.fill('#code', await app.server.lastCode(phone, 'register'));
  await page.fill('#password', PASSWORD);
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account');
  await page.click('#sign-out');
  await page.waitForURL('**/register');
}

/** Sets the inputs' values the way autofill does: no keystroke, no input event. */
async function autofill(page, values) {
  await page.evaluate((values) => {
    for (const [id, value] of Object.entries(values)) document.getElementById(id).value = value;
  }, values);
}

for (const { locale, viewport, phone, size } of [
  { locale: 'zh-CN', viewport: PHONE_VIEWPORT, phone: '13855550001', size: '390x844' },
  { locale: 'en-US', viewport: DESKTOP_VIEWPORT, phone: '13855550002', size: '1280x800' },
]) {
  test(`autofilled sign-in works without input events (${locale})`, async () => {
    const { context, page } = await app.newPage(locale, viewport);
    await signUp(page, phone);
    await page.goto(`${app.server.base}/login`);
    await hydrated(page);
    await autofill(page, { phone, password: PASSWORD });
    await page.screenshot({ path: join(ARTIFACTS, `login-autofilled-${size}.png`), fullPage: true });
    await page.click('#submit');
    await arrived(page, '**/account');
    assert.equal(await page.textContent('#masked-phone'), `${phone.slice(0, 3)}****${phone.slice(7)}`);
    await context.close();
  });
}

test('a form auto-submitted from another website signs no one in', async () => {
  const phone = '13855550003';
  const setup = await app.newPage('en-US', DESKTOP_VIEWPORT);
  await signUp(setup.page, phone);
  await setup.context.close();

  // The attacker's page, on another origin: a text/plain form whose one field makes
  // the body {"form":{...},"x":"=y"}, posted to the sign-in server function.
  const name = `{"form":{"phone":"${phone}","password":"${PASSWORD}"},"x":"`;
  const html = `<!doctype html><form id="f" method="post" enctype="text/plain"
    action="${app.server.base}/api/login/password"><input name='${name}' value='y"}'></form>
    <script>document.getElementById('f').submit()</script>`;
  const attacker = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise((ok) => attacker.listen(0, '127.0.0.2', ok));
  const evil = `http://127.0.0.2:${attacker.address().port}`;
  try {
    const { context, page } = await app.newPage('en-US', DESKTOP_VIEWPORT);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/login/password'));
    await page.goto(`${evil}/`);
    const response = await answer;
    assert.equal(response.status(), 403);
    assert.equal(response.request().headers()['content-type'], 'text/plain');
    const body = await response.json();
    assert.equal(body.data.key, 'CrossSiteRefused');
    // The victim's browser holds no session: the account page sends it to sign in.
    await page.goto(`${app.server.base}/account`);
    await page.waitForURL(/\/login\?next=/);
    await context.close();
  } finally {
    attacker.close();
  }
});
