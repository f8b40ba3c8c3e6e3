// Coming back: sign in with a password, with an SMS code, and reset a forgotten
// password, in real headless Chromium against the real server binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useApp, hydrated, shots, ARTIFACTS, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();
const newPage = (locale, viewport) => app.newPage(locale, viewport);

async function waitForCode(page, phone, purpose, resendText) {
  await page.click('#send-code');
  await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), resendText);
  return await app.server.lastCode(phone, purpose);
}

async function signOut(page) {
  await page.click('#sign-out');
  await page.waitForURL('**/register');
}

for (const { locale, viewport, t } of [
  {
    locale: 'zh-CN', viewport: PHONE_VIEWPORT,
    t: { resend: '秒后重新获取', wrong: '手机号或密码错误', phone: '13811112222', size: '390x844' },
  },
  {
    locale: 'en-US', viewport: DESKTOP_VIEWPORT,
    t: { resend: 'Resend in', wrong: 'Phone number or password is incorrect', phone: '13833334444', size: '1280x800' },
  },
]) {
  test(`sign up, sign out, password sign-in, code sign-in, reset (${locale})`, async () => {
    const { context, page } = await newPage(locale, viewport);
    const phone = t.phone;

    // Sign up.
    await page.goto(`${app.server.base}/register`);
    await hydrated(page);
    await page.fill('#phone', phone);
    await page.fill('#code', await waitForCode(page, phone, 'register', t.resend));
    await page.fill('#password', 'first-pass1');
    await page.check('#consent');
    await page.click('#submit');
    await arrived(page, '**/account');
    await signOut(page);

    // An account page without a session sends the visitor to sign in and back.
    await page.goto(`${app.server.base}/account`);
    await page.waitForURL('**/login?next=%2Faccount', { timeout: 15_000 }).catch(async () => {
      await page.waitForURL(/\/login\?next=/);
    });
    await hydrated(page);
    await page.fill('#phone', phone);
    await page.fill('#password', 'wrong-pass1');
    await page.click('#submit');
    await page.waitForSelector(`#form-outcome:has-text("${t.wrong}")`);
    await page.fill('#password', 'first-pass1');
    await page.click('#submit');
    await arrived(page, '**/account');
    await page.click('.account-nav a[href="/account/devices"]');
    await page.waitForSelector('#sign-ins tbody tr');
    await page.screenshot({ path: join(ARTIFACTS, `account-history-${t.size}.png`), fullPage: true });
    await page.click('.account-nav a[href="/account"]');
    await signOut(page);

    // Sign in with an SMS code.
    await page.goto(`${app.server.base}/login`);
    await hydrated(page);
    await page.click('#tab-code');
    await page.fill('#phone', phone);
    await page.fill('#code', await waitForCode(page, phone, 'login', t.resend));
    await page.screenshot({ path: join(ARTIFACTS, `login-code-${t.size}.png`), fullPage: true });
    await page.click('#submit');
    await arrived(page, '**/account');
    await signOut(page);

    // Forget the password and reset it.
    await page.goto(`${app.server.base}/login`);
    await hydrated(page);
    await page.click('.forgot a');
    await page.waitForURL('**/reset-password');
    await hydrated(page);
    await page.fill('#phone', phone);
    await page.fill('#code', await waitForCode(page, phone, 'reset', t.resend));
    await page.fill('#password', 'second-pass2');
    await page.click('#submit');
    await arrived(page, '**/account');
    await signOut(page);

    await page.goto(`${app.server.base}/login`);
    await hydrated(page);
    await page.fill('#phone', phone);
    await page.fill('#password', 'second-pass2');
    await page.click('#submit');
    await arrived(page, '**/account');
    assert.match(await page.textContent('#masked-phone'), /\*\*\*\*/);
    // Security notices: the reset told the number; every sign-in was in the
    // sign-up's browser, so none was "new".
    const changed = await app.server.messages(phone, 'password-changed', 1);
    assert.equal(changed.length, 1);
    assert.equal(changed[0].code, null);
    assert.deepEqual(await app.server.messages(phone, 'new-browser'), []);
    await context.close();
  });
}

test('next= leading off-site is ignored; a browser the account has not used is told', async () => {
  // Another browser than the account's own (browsers are told apart by User-Agent).
  const context = await app.browser.newContext({
    locale: 'en-US', viewport: DESKTOP_VIEWPORT, extraHTTPHeaders: { 'accept-language': 'en-US' },
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
  });
  const page = await context.newPage();
  await page.goto(`${app.server.base}/login?next=${encodeURIComponent('//evil.example')}`);
  await hydrated(page);
  await page.fill('#phone', '13833334444');
  await page.fill('#password', 'second-pass2');
  await page.click('#submit');
  await page.waitForURL(`${app.server.base}/account`);
  // Its number is told, once.
  const told = await app.server.messages('13833334444', 'new-browser', 1);
  assert.equal(told.length, 1);
  assert.match(told[0].text, /browser it has not used before/);
  await context.close();
});

// Before the wasm arrives (a phone on 3G) or when it never does, the password
// form is a real <form method="post">: the server signs in and redirects, or
// redirects back with the number and the error (post/redirect/get).
for (const { locale, lang, viewport, t } of [
  {
    locale: 'zh-CN', lang: 'zh', viewport: PHONE_VIEWPORT,
    t: { phone: '13855556666', wrong: '手机号或密码错误', empty: '请输入手机号码', noscript: '密码登录不受影响' },
  },
  {
    locale: 'en-US', lang: 'en', viewport: DESKTOP_VIEWPORT,
    t: { phone: '13877778888', wrong: 'Phone number or password is incorrect', empty: 'Please enter the cell phone number', noscript: 'Password sign-in works without it' },
  },
]) {
  test(`password sign-in with the wasm blocked, and with scripts off (${locale})`, async () => {
    // An account, made on the sign-up page as anyone would.
    {
      const { context, page } = await newPage(locale, viewport);
      await page.goto(`${app.server.base}/register`);
      await hydrated(page);
      await page.fill('#phone', t.phone);
      await page.fill('#code', await waitForCode(page, t.phone, 'register', locale === 'zh-CN' ? '秒后重新获取' : 'Resend in'));
      await page.fill('#password', 'nowasm-pass1');
      await page.check('#consent');
      await page.click('#submit');
      await arrived(page, '**/account');
      await context.close();
    }

    const { context, page } = await newPage(locale, viewport);
    let blocked = 0;
    await context.route('**/*.wasm', (route) => { blocked += 1; return route.abort(); });
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${app.server.base}/login?next=${encodeURIComponent('/account/devices')}`);
    // The button works though the wasm never ran.
    await page.waitForSelector('#submit:not([disabled])');
    assert.equal(await page.getAttribute('.page', 'data-hydrated'), 'false');

    // A wrong password: the form again, the number kept, the password not.
    await page.fill('#phone', t.phone);
    await page.fill('#password', 'wrong-pass1');
    await page.click('#submit');
    await page.waitForSelector(`#form-outcome:has-text("${t.wrong}")`);
    assert.equal(await page.inputValue('#phone'), t.phone);
    assert.equal(await page.inputValue('#password'), '');
    await shots(page, 'login-no-wasm', lang, viewport);

    // Empty fields: the shared validate()'s messages, from the server.
    await page.fill('#phone', '');
    await page.click('#submit');
    await page.waitForSelector(`#phone-error:has-text("${t.empty}")`);
    // Edited and left, the server's message on the last post goes; the number's
    // pattern says what is wrong with what is typed now (docs/DESIGN.md §8).
    await page.fill('#phone', '1385555');
    await page.press('#phone', 'Tab');
    await page.waitForSelector('#phone-error', { state: 'hidden' });
    await page.waitForSelector('#phone-early:visible');

    // The right password: signed in, on the page `next` named, rendered by the server.
    await page.fill('#phone', t.phone);
    await page.fill('#password', 'nowasm-pass1');
    await page.click('#submit');
    await page.waitForURL('**/account/devices');
    assert.ok(blocked > 0, 'the wasm was requested and blocked');
    assert.ok(urls.every((u) => !u.includes('pass1')), 'no password in any address');
    await context.close();

    // Scripts off altogether: the page says SMS sign-in needs them, and the
    // password form still signs in.
    const off = await app.browser.newContext({
      locale, viewport, javaScriptEnabled: false, extraHTTPHeaders: { 'accept-language': locale },
    });
    const plain = await off.newPage();
    await plain.goto(`${app.server.base}/login`);
    assert.match(await plain.textContent('.needs-scripts'), new RegExp(t.noscript));
    await plain.fill('#phone', t.phone);
    await plain.fill('#password', 'nowasm-pass1');
    await plain.click('#submit');
    await plain.waitForURL('**/account');
    await off.close();
  });
}
