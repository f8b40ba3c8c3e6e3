// The account center (docs/DESIGN.md §5) in real headless Chromium against the real
// server binary, in Chinese and in English: the profile, the marketing switch,
// devices and sign-ins with a misuse report, the password change watched from a
// second browser, the phone change, the download, deletion and signing up again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, hydrated, shots, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();

async function codeFrom(page, button, phone, purpose, resend) {
  await page.click(button);
  await page.waitForFunction(([b, t]) => document.querySelector(b).textContent.includes(t), [button, resend]);
  return app.server.lastCode(phone, purpose);
}

async function signUp(page, phone, password, t) {
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.fill('#code', await codeFrom(page, '#send-code', phone, 'register', t.resend));
  await page.fill('#password', password);
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account', { timeout: 15_000 });
  await hydrated(page);
}

async function signIn(page, phone, password) {
  await page.goto(`${app.server.base}/login`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.fill('#password', password);
  await page.click('#submit');
  await arrived(page, '**/account');
}

/** Whether the browser is still signed in: an account page load lands on /login otherwise. */
async function signedIn(page) {
  await page.goto(`${app.server.base}/account`);
  return !new URL(page.url()).pathname.startsWith('/login');
}

const LOCALES = [
  {
    locale: 'zh-CN', lang: 'zh', viewport: PHONE_VIEWPORT, phone: '13512340001', newPhone: '13512340002',
    t: {
      resend: '秒后重新获取', saved: '已保存', email: '请输入正确的邮箱地址', on: '起开启', off: '已关闭',
      thisDevice: '本设备', ended: '该设备已退出登录', reported: '感谢您的反馈', wrongCurrent: '当前密码错误',
      changed: '密码已修改', phoneChanged: '手机号已更换为 135****0002', deleted: '您的账号已注销',
    },
  },
  {
    locale: 'en-US', lang: 'en', viewport: DESKTOP_VIEWPORT, phone: '13512340003', newPhone: '13512340004',
    t: {
      resend: 'Resend in', saved: 'Saved', email: 'Please enter an email address', on: 'On since', off: 'Off',
      thisDevice: 'This device', ended: 'The session was signed out', reported: 'Thank you', wrongCurrent: 'The current password is incorrect',
      changed: 'Password changed', phoneChanged: 'Your phone number is now 135****0004', deleted: 'Your account has been deleted',
    },
  },
];

for (const { locale, lang, viewport, phone, newPhone, t } of LOCALES) {
  test(`the account center keeps every promise of the Privacy Policy (${locale})`, async () => {
    const one = await app.newPage(locale, viewport);
    const two = await app.newPage(locale, viewport);
    const page = one.page;
    await signUp(page, phone, 'first-pass1', t);

    // Profile: a bad email is named as typed; the keyboard alone saves it.
    await page.fill('#email', 'nobody@');
    await page.focus('#real-name');
    await page.waitForSelector(`#email-error:has-text("${t.email}")`);
    await page.fill('#real-name', '张三');
    await page.fill('#company', 'Acme Cloud');
    await page.fill('#address', '北京市海淀区中关村大街 1 号');
    await page.fill('#email', 'zhang.san@example.com');
    await page.focus('#email');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#profile-saved:has-text("${t.saved}")`);
    await page.reload();
    await hydrated(page);
    assert.equal(await page.inputValue('#real-name'), '张三');
    assert.equal(await page.inputValue('#email'), 'zhang.san@example.com');

    // Messages: the switch, by keyboard, on and off again.
    await page.waitForSelector('#marketing-switch:not([disabled])');
    await page.focus('#marketing-switch');
    await page.keyboard.press('Space');
    await page.waitForSelector('#marketing-switch[aria-checked="true"]');
    assert.match(await page.textContent('#marketing-status'), new RegExp(t.on));
    await shots(page, 'account-overview', lang, viewport);
    await page.click('#marketing-switch');
    await page.waitForSelector('#marketing-switch[aria-checked="false"]');
    assert.equal(await page.textContent('#marketing-status'), t.off);

    // Download: one JSON attachment holding the profile.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.match(download.suggestedFilename(), /^gatehouse-account-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString()));
    assert.equal(data.phone, phone);
    assert.equal(data.profile.real_name, '张三');
    assert.equal(data.consents.filter((c) => c.document === 'marketing').length, 2);

    // Devices: a second browser signs in; the first sees it and signs it out.
    await signIn(two.page, phone, 'first-pass1');
    await page.click('.account-nav a[href="/account/devices"]');
    await page.waitForSelector('#report-other:not([disabled])');
    await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 2);
    assert.match(await page.textContent('#sessions tr.current'), new RegExp(t.thisDevice));
    await shots(page, 'account-devices', lang, viewport);
    await page.click('#sessions .end-session');
    await page.waitForSelector(`#sessions-done:has-text("${t.ended}")`);
    await page.waitForFunction(() => document.querySelectorAll('#sessions tbody tr').length === 1);
    assert.equal(await signedIn(two.page), false, 'the ended session is signed out at once');

    // "I don't recognize this" on a sign-in.
    await page.click('#sign-ins .report');
    await page.fill('#report', '这次登录不是我');
    await shots(page, 'account-report', lang, viewport);
    await page.click('#send-report');
    await page.waitForSelector(`#sessions-done:has-text("${t.reported}")`);

    // Password: wrong current refused; the right one signs the other browser out.
    await signIn(two.page, phone, 'first-pass1');
    await page.click('.account-nav a[href="/account/password"]');
    await hydrated(page);
    await page.fill('#current-password', 'wrong-pass1');
    await page.fill('#password', 'second-pass2');
    await page.click('#submit');
    await page.waitForSelector(`#current-password-error:has-text("${t.wrongCurrent}")`);
    await page.fill('#current-password', 'first-pass1');
    await page.click('#submit');
    await page.waitForSelector(`#password-changed:has-text("${t.changed}")`);
    assert.equal(await page.textContent('#current-password-error'), '', 'the emptied form is not judged');
    await shots(page, 'account-password', lang, viewport);
    assert.equal(await signedIn(two.page), false, 'the other browser is signed out');
    assert.equal(await signedIn(page), true, 'this browser stays signed in');

    // Phone: a code to each number, then the move.
    await page.click('.account-nav a[href="/account/phone"]');
    await hydrated(page);
    await page.fill('#code', await codeFrom(page, '#send-code', phone, 'change-phone', t.resend));
    await page.fill('#new-phone', newPhone);
    await page.fill('#new-code', await codeFrom(page, '#send-new-code', newPhone, 'change-phone', t.resend));
    await shots(page, 'account-phone', lang, viewport);
    await page.click('#submit');
    await page.waitForSelector(`#phone-changed:has-text("${t.phoneChanged}")`);
    await signIn(two.page, newPhone, 'second-pass2');

    // Delete: the consequences, a code, then gone; the number signs up afresh.
    await page.goto(`${app.server.base}/account/delete`);
    await hydrated(page);
    await page.fill('#code', await codeFrom(page, '#send-code', newPhone, 'delete', t.resend));
    await shots(page, 'account-delete', lang, viewport);
    await page.click('#submit');
    await page.waitForSelector(`#account-deleted:has-text("${t.deleted}")`);
    await shots(page, 'account-deleted', lang, viewport);
    assert.equal(await signedIn(two.page), false, 'every session ended');
    await signUp(page, newPhone, 'third-pass3', t);
    assert.equal(await page.inputValue('#real-name'), '', 'a fresh account');
    await one.context.close();
    await two.context.close();
  });
}
