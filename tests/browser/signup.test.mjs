// The user's sign-up flow in real headless Chromium against the real server binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { useApp, hydrated, ARTIFACTS, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived, shots } from './harness.mjs';

const app = useApp();
const newPage = (locale, viewport) => app.newPage(locale, viewport);

async function signUp(page, phone, texts, shot) {
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), texts.resend);
  const code = await app.server.lastCode(phone.replace(/\D/g, '').slice(-11));
  await page.fill('#code', code);
  await page.fill('#password', 'abcd1234!');
  await page.check('#consent');
  if (shot) await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
  await page.click('#submit');
  await arrived(page, '**/account', { timeout: 15_000 });
  await page.waitForSelector('#masked-phone');
}

test('validation answers before any request, then sign up, account, sign out (中文, phone)', async () => {
  const { context, page, api } = await newPage('zh-CN', PHONE_VIEWPORT);
  await page.goto(`${app.server.base}/register`);
  assert.equal(await page.textContent('h1'), '注册个人账号');
  await hydrated(page);
  const before = api.length;
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:has-text("请输入11位手机号码")', { timeout: 5_000 });
  assert.equal(await page.getAttribute('#phone', 'aria-invalid'), 'true');
  await page.fill('#password', 'abc');
  await page.press('#password', 'Tab');
  await page.waitForSelector('#password-error:has-text("8~16")');
  // A common password: its own message, and the checklist's last line not ticked.
  await page.fill('#password', 'QQ123456');
  await page.press('#password', 'Tab');
  await page.waitForSelector('#password-error:has-text("该密码过于常见")');
  const commonLine = page.locator('#password-rules li').last();
  assert.equal(await commonLine.getAttribute('class'), 'todo');
  assert.match(await commonLine.textContent(), /不是常见密码/);
  // The number typed above the password, carried in it.
  await page.fill('#phone', '13800138000');
  await page.fill('#password', 'ab00138000');
  await page.press('#password', 'Tab');
  await page.waitForSelector('#password-error:has-text("密码不能包含手机号")');
  await page.fill('#password', 'kq!2345678');
  await page.waitForSelector('#password-rules li:last-child.ok');
  await page.fill('#phone', '123');
  assert.equal(api.length, before, 'instant validation sent no request');
  await page.screenshot({ path: join(ARTIFACTS, 'register-errors-390x844.png'), fullPage: true });

  // The agreement in a modal dialog: focus stays inside, the backdrop closes it.
  await page.click('button.link >> text=《用户注册协议》');
  await page.waitForSelector('dialog[open] h1:has-text("用户注册协议")');
  await page.screenshot({ path: join(ARTIFACTS, 'legal-dialog-390x844.png') });
  // The page behind is inert: Tab reaches the dialog's controls, then the
  // browser's own (the document body here), never a field of the form.
  const focused = () => page.evaluate(() => {
    const active = document.activeElement;
    return document.querySelector('dialog').contains(active) ? 'dialog' : active.id || active.tagName;
  });
  assert.equal(await focused(), 'dialog');
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    assert.ok(['dialog', 'BODY'].includes(await focused()), `Tab reached ${await focused()} behind the dialog`);
  }
  await page.mouse.click(195, 40);
  await page.waitForSelector('dialog', { state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '《用户注册协议》');

  await page.fill('#password', '');
  await signUp(page, '138 0013 8000', { resend: '秒后重新获取' }, 'register-filled-390x844.png');
  assert.equal(await page.textContent('#masked-phone'), '138****8000');
  await page.screenshot({ path: join(ARTIFACTS, 'account-390x844.png'), fullPage: true });
  await page.click('#sign-out');
  await page.waitForURL('**/register');
  const me = await page.request.get(`${app.server.base}/api/account`);
  assert.equal(me.status(), 401, 'the session ended on the server');
  await context.close();
});

/** Holds every wasm request of `page` until the returned function is called: the
 *  seconds on a slow phone between the form showing and the wasm running. */
async function holdWasm(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/*.wasm', async (route) => { await held; await route.continue(); });
  return release;
}

test('what is typed before the wasm runs is kept when it does: sign-up, then sign-in (中文, phone)', async () => {
  const { context, page } = await newPage('zh-CN', PHONE_VIEWPORT);
  let release = await holdWasm(page);
  await page.goto(`${app.server.base}/register`, { waitUntil: 'domcontentloaded' });
  await page.fill('#phone', '13866661234');
  await page.fill('#password', 'kq!2345678');
  await page.check('#consent');
  assert.equal(await page.getAttribute('.page', 'data-hydrated'), 'false', 'typed before the wasm ran');
  release();
  await hydrated(page);
  assert.equal(await page.inputValue('#phone'), '13866661234');
  assert.equal(await page.inputValue('#password'), 'kq!2345678');
  assert.ok(await page.isChecked('#consent'));
  // The app holds them too: the number enables the send button, the password
  // ticks its checklist, and the form signs up without a field typed again.
  await page.waitForSelector('#password-rules li:last-child.ok');
  await page.screenshot({ path: join(ARTIFACTS, 'register-typed-early-390x844.png'), fullPage: true });
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code').textContent.includes('秒后重新获取'));
  await page.fill('#code', await app.server.lastCode('13866661234'));
  await page.click('#submit');
  await arrived(page, '**/account', { timeout: 15_000 });
  await page.click('#sign-out');
  await page.waitForURL('**/register');
  // Once the wasm runs the page, a page the router shows does not take the values
  // of the inputs it replaces (sign-in's fields have the same ids).
  await page.fill('#phone', '13866669999');
  await page.fill('#password', 'not-for-login1');
  await page.click('.subtitle a');
  await page.waitForURL(/\/login/);
  await page.waitForSelector('#phone');
  assert.equal(await page.inputValue('#phone'), '');
  assert.equal(await page.inputValue('#password'), '');

  release = await holdWasm(page);
  await page.goto(`${app.server.base}/login`, { waitUntil: 'domcontentloaded' });
  await page.fill('#phone', '13866661234');
  await page.fill('#password', 'kq!2345678');
  release();
  await hydrated(page);
  assert.equal(await page.inputValue('#phone'), '13866661234');
  assert.equal(await page.inputValue('#password'), 'kq!2345678');
  await page.click('#submit');
  await arrived(page, '**/account', { timeout: 15_000 });
  await context.close();
});

// The inputs the rules' unit test judges by the rules (src/domain/typed_input.rs).
const RULE_SAMPLES = JSON.parse(readFileSync(new URL('../rule_samples.json', import.meta.url), 'utf8'));

for (const { locale, lang, viewport, t } of [
  {
    locale: 'zh-CN', lang: 'zh', viewport: PHONE_VIEWPORT,
    t: { phone: '请输入11位手机号码', code: '请输入6位短信验证码', password: '请输入8~16位密码', invitation: '邀请码不正确' },
  },
  {
    locale: 'en-US', lang: 'en', viewport: DESKTOP_VIEWPORT,
    t: { phone: 'Please enter 11-digit cell phone number', code: 'Please enter a 6-digit SMS', password: 'Please enter a password of 8~16', invitation: 'Invitation code is incorrect' },
  },
]) {
  test(`before the wasm runs, each field is checked by its rule's pattern and says why (${locale})`, async () => {
    const { context, page } = await newPage(locale, viewport);
    const release = await holdWasm(page);
    await page.goto(`${app.server.base}/register`, { waitUntil: 'domcontentloaded' });
    const fields = { phone: '#phone', code: '#code', password: '#password', invitation: '#invitation' };
    // Chromium's own check of each input's pattern judges every sample as the rule
    // does (the invitation code is optional here; `invitation`'s samples are not blank).
    const rules = { ...fields, invitation_optional: '#invitation' };
    for (const [rule, selector] of Object.entries(rules)) {
      for (const [key, expected] of [['valid', true], ['invalid', false]]) {
        for (const input of RULE_SAMPLES[rule][key]) {
          const accepted = await page.$eval(selector, (el, value) => {
            const probe = document.createElement('input');
            probe.pattern = el.pattern;
            probe.value = value;
            return !probe.validity.patternMismatch;
          }, input);
          assert.equal(accepted, expected, `${rule} ${JSON.stringify(input)}`);
        }
      }
    }
    // Typed and left: each field shows its rule's message, with no script of ours.
    for (const [rule, value] of [['phone', '123'], ['code', '12'], ['password', 'abcdefgh'], ['invitation', 'UUUU']]) {
      await page.fill(fields[rule], value);
      assert.equal(await page.isVisible(`#${rule}-early`), false, `${rule}: not while typing`);
      await page.press(fields[rule], 'Tab');
      await page.waitForSelector(`#${rule}-early:visible:has-text("${t[rule]}")`);
    }
    assert.equal(await page.getAttribute('.page', 'data-hydrated'), 'false', 'all before the wasm ran');
    await shots(page, 'register-before-wasm', lang, viewport);
    // Put right, the message goes.
    await page.fill('#phone', '138 0013 8000');
    await page.press('#phone', 'Tab');
    await page.waitForSelector('#phone-early', { state: 'hidden' });
    // The wasm takes over: its own messages, the early ones hidden.
    release();
    await hydrated(page);
    for (const rule of Object.keys(fields)) {
      assert.equal(await page.isVisible(`#${rule}-early`), false, `${rule}: hidden once hydrated`);
    }
    await page.click('#submit');
    await page.waitForSelector(`#code-error:has-text("${t.code}")`);
    assert.equal(await page.isVisible('#code-early'), false);
    await context.close();
  });
}

for (const { locale, lang, viewport, phone, sending, resend } of [
  { locale: 'zh-CN', lang: 'zh', viewport: PHONE_VIEWPORT, phone: '13866664321', sending: '发送中...', resend: '秒后重新获取' },
  { locale: 'en-US', lang: 'en', viewport: DESKTOP_VIEWPORT, phone: '13866664322', sending: 'Sending...', resend: 'Resend in' },
]) {
  test(`a press on "send code" before the wasm runs is kept, and carried out when it does (${locale})`, async () => {
    const { context, page, api } = await newPage(locale, viewport);
    const sends = () => api.filter((u) => u.endsWith('/api/register/code')).length;
    const release = await holdWasm(page);
    await page.goto(`${app.server.base}/register`, { waitUntil: 'domcontentloaded' });
    // No number the rule accepts: the press is not kept, the number gets the focus.
    await page.click('#send-code');
    assert.equal(await page.getAttribute('#send-code', 'data-pressed'), null);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'phone');
    await page.fill('#phone', `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
    await page.click('#send-code');
    assert.equal(await page.getAttribute('#send-code', 'data-pressed'), '', 'kept');
    const shown = await page.$eval('#send-code', (b) => getComputedStyle(b, '::after').content);
    assert.equal(shown, JSON.stringify(sending), 'shown as sending');
    await shots(page, 'register-pressed-before-wasm', lang, viewport);
    assert.equal(sends(), 0, 'nothing is sent before the wasm runs');
    assert.equal(await page.getAttribute('.page', 'data-hydrated'), 'false');
    release();
    await hydrated(page);
    // Carried out once, with no second press: the countdown, and the code in the outbox.
    await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), resend);
    assert.match(await app.server.lastCode(phone), /^\d{6}$/);
    // Once: a second send would first fetch a second proof-of-work challenge.
    await page.waitForTimeout(1_000);
    assert.equal(sends(), 1);
    assert.equal(api.filter((u) => u.endsWith('/api/pow/challenge')).length, 1);
    assert.equal(await page.getAttribute('#send-code', 'data-pressed'), null);
    await context.close();
  });
}

test('the public build calls its server functions itself: JSON on Dioxus\' wire, a refusal tied to its field, a lost connection said (中文, phone)', async () => {
  const { context, page } = await newPage('zh-CN', PHONE_VIEWPORT);
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/api/')) {
      posts.push({ path: new URL(r.url()).pathname, type: r.headers()['content-type'], body: r.postDataJSON() });
    }
  });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  assert.ok(await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/public-pages-'))), 'the public build runs');
  const phone = '13877770001';
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction(() => /秒后重新获取/.test(document.querySelector('#send-code').textContent));
  const sent = posts.find((p) => p.path === '/api/register/code');
  assert.equal(sent.type, 'application/json');
  assert.equal(sent.body.form.phone, phone, JSON.stringify(sent.body));
  assert.ok(posts.some((p) => p.path === '/api/pow/challenge' && p.body.purpose === 'register'), JSON.stringify(posts));

  // A code that is not the one sent: the server's 422 comes back as its error,
  // shown under the code field.
  const code = await app.server.lastCode(phone);
  await page.fill('#code', code === '000000' ? '111111' : '000000');
  await page.fill('#password', 'abcd1234!');
  await page.check('#consent');
  await page.click('#submit');
  await page.waitForSelector('#code-error:has-text("验证码不正确")');

  // The connection lost: the request fails in the browser and the page says so.
  await page.route('**/api/**', (route) => route.abort());
  await page.fill('#code', code);
  await page.click('#submit');
  await page.waitForSelector('#form-outcome:has-text("无法连接服务器，请检查网络后重试")');
  assert.match(page.url(), /\/register$/);
  await page.screenshot({ path: join(ARTIFACTS, 'register-offline-390x844.png'), fullPage: true });
  await context.close();
});

test('with scripts off the sign-up, sign-in and reset pages say what needs them', async () => {
  for (const [locale, text, signIn, viewport] of [
    ['zh-CN', '获取短信验证码需要 JavaScript', '短信验证码登录需要 JavaScript', PHONE_VIEWPORT],
    ['en-US', 'Sending SMS codes needs JavaScript', 'Signing in with an SMS code needs JavaScript', DESKTOP_VIEWPORT],
  ]) {
    const context = await app.browser.newContext({
      locale, viewport, javaScriptEnabled: false, extraHTTPHeaders: { 'accept-language': locale },
    });
    const page = await context.newPage();
    for (const path of ['/register', '/login', '/reset-password']) {
      await page.goto(`${app.server.base}${path}`);
      // (Playwright's text selectors skip <noscript>: read its text instead.)
      const note = page.locator('noscript.needs-scripts');
      assert.ok(await note.isVisible(), `${locale} ${path}`);
      // The sign-in page's note says password sign-in works without them.
      const expected = path === '/login' ? signIn : text;
      assert.match(await note.textContent(), new RegExp(expected), `${locale} ${path}`);
    }
    await page.goto(`${app.server.base}/register`);
    // The send button takes no press that nothing would carry out.
    assert.equal(await page.$eval('#send-code', (b) => getComputedStyle(b).pointerEvents), 'none');
    await page.screenshot({ path: join(ARTIFACTS, `register-noscript-${locale}.png`), fullPage: true });
    await context.close();
  }
  // With scripts on, the note is not shown.
  const { context, page } = await newPage('en-US', DESKTOP_VIEWPORT);
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  assert.equal(await page.isVisible('noscript.needs-scripts'), false);
  await context.close();
});

test('the same in English on a desktop, with the legal dialog', async () => {
  const { context, page } = await newPage('en-US', DESKTOP_VIEWPORT);
  await page.goto(`${app.server.base}/register`);
  assert.equal(await page.textContent('h1'), 'Sign up for a personal account');
  await hydrated(page);
  await page.click('#submit');
  await page.waitForSelector('#phone-error:has-text("Please enter the cell phone number")');
  await page.waitForSelector('#consent-error:has-text("Please read and agree")');
  await page.click('button.link >> text=Privacy Policy');
  await page.waitForSelector('dialog h1:has-text("Privacy Policy")');
  assert.match(await page.textContent('dialog'), /Gatehouse Test Co\., Ltd\./);
  await page.screenshot({ path: join(ARTIFACTS, 'legal-dialog-1280x800.png') });
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog', { state: 'detached' });
  // Focus is back on the button that opened it.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Privacy Policy');
  await page.screenshot({ path: join(ARTIFACTS, 'register-1280x800.png'), fullPage: true });
  await signUp(page, '+86 199-1234-5678', { resend: 'Resend in' });
  assert.equal(await page.textContent('#masked-phone'), '199****5678');
  await page.screenshot({ path: join(ARTIFACTS, 'account-1280x800.png'), fullPage: true });
  await page.click('#sign-out');
  await page.waitForURL('**/register');
  await context.close();
});

test('a reload keeps the countdown; the language switch is remembered', async () => {
  const { context, page } = await newPage('zh-CN', PHONE_VIEWPORT);
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', '13700137000');
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code').textContent.includes('秒后重新获取'));
  await page.reload();
  const label = await page.textContent('#send-code');
  const left = Number(label.match(/(\d+)/)[1]);
  assert.ok(left > 40 && left <= 60, `countdown after reload: ${label}`);
  assert.equal(await page.inputValue('#phone'), '13700137000');
  await hydrated(page);
  assert.ok(await page.isDisabled('#send-code'));

  await page.click('.lang-switch');
  await page.waitForSelector('h1:has-text("Sign up for a personal account")');
  await page.reload();
  assert.equal(await page.textContent('h1'), 'Sign up for a personal account', 'the server renders the chosen language');
  await hydrated(page);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await context.close();
});

test('legal pages have their own addresses', async () => {
  const { context, page } = await newPage('zh-CN', PHONE_VIEWPORT);
  await page.goto(`${app.server.base}/legal/agreement`);
  await page.waitForSelector('h1:has-text("用户注册协议")');
  assert.match(await page.textContent('.legal'), /版本 1/);
  await page.screenshot({ path: join(ARTIFACTS, 'agreement-390x844.png'), fullPage: true });
  await context.close();
});

test('the operator creates an invitation code with the server binary and it works', async () => {
  const { execFileSync } = await import('node:child_process');
  const code = execFileSync(process.env.GATEHOUSE_BIN, ['invite', 'create', '--uses', '1', '--expires', '2099-12-31'], {
    env: { ...process.env, ...app.server.configEnv },
    encoding: 'utf8',
  }).trim();
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
  const { context, page } = await newPage('en-US', DESKTOP_VIEWPORT);
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#invitation', `${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`);
  await signUp(page, '13655556666', { resend: 'Resend in' });
  assert.equal(await page.textContent('#masked-phone'), '136****6666');
  await context.close();
});
