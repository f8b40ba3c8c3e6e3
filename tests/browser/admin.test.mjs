// The operator's admin area (docs/DESIGN.md §6) in real headless Chromium against
// the real server binary, in Chinese and in English: an admin granted from the
// binary's command line signs in, confirms the password, finds a user by number,
// suspends them (their open browser is signed out, their next sign-in refused with
// the hotline) and reinstates them, creates an invitation code that a visitor signs
// up with, registers an OpenID Connect app (its secret shown once) and revokes it,
// publishes a material version the user then has to agree to, switches the
// invitation mode and reads the audit rows of all of it. Bad input gets its
// message and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { useApp, hydrated, shots, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();

function cli(...args) {
  return execFileSync(process.env.GATEHOUSE_BIN, args, {
    env: { ...process.env, ...app.server.configEnv }, encoding: 'utf8',
  });
}

/** Today in China Standard Time, YYYY-MM-DD. */
function today(days = 0) {
  return new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

async function signUp(page, phone, t, invitation = '') {
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction((r) => document.querySelector('#send-code').textContent.includes(r), t.resend);
  await page.fill('#code', await app.server.lastCode(phone));
  await page.fill('#password', 'admin-pass1');
  if (invitation) await page.fill('#invitation', invitation);
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account', { timeout: 15_000 });
}

async function signIn(page, phone) {
  await page.goto(`${app.server.base}/login`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.fill('#password', 'admin-pass1');
  await page.click('#submit');
}

/** Agrees on the consent page (clicked again until the hydrated app acts on it). */
async function agree(page, landing) {
  await page.waitForSelector('#agree');
  for (let i = 0; ; i++) {
    await page.click('#agree');
    try {
      await page.waitForURL(landing, { timeout: 1_000 });
      return;
    } catch (e) {
      if (i === 20) throw e;
    }
  }
}

/** Picks an action on the account page, gives the reason, submits. */
async function act(page, action, reason) {
  await page.check(`#action-${action}`);
  await page.fill('#reason', reason);
  await page.click('#action-submit');
}

const LOCALES = [
  {
    locale: 'zh-CN', lang: 'zh', viewport: PHONE_VIEWPORT, admin: '13612340001', user: '13612340002', invited: '13612340003',
    t: {
      resend: '秒后重新获取', confirm: '验证身份', notFound: '没有使用该手机号的账号', reason: '请填写原因',
      suspended: '已停用', active: '正常', hotline: '400-800-8888', suspendedMsg: '该账号已被停用',
      quota: '请输入可注册账号数', past: '最后有效日期已过', tooLong: '正文最多 128 KiB', published: '已发布',
      agree: '同意并继续', saved: '设置已保存', chainWhole: '哈希链完好', created: '已创建邀请码',
      uriInvalid: '每行填写一个以 https:// 或 http:// 开头的完整地址', uriRefused: '只能登记以 https:// 开头',
      once: '仅显示这一次', confidential: '机密', firstParty: '自有', revoked: '已吊销',
    },
  },
  {
    locale: 'en-US', lang: 'en', viewport: DESKTOP_VIEWPORT, admin: '13612340004', user: '13612340005', invited: '13612340006',
    t: {
      resend: 'Resend in', confirm: 'Confirm it is you', notFound: 'No account has this phone number', reason: 'Please give the reason',
      suspended: 'Suspended', active: 'Active', hotline: '400-800-8888', suspendedMsg: 'This account is suspended',
      quota: 'Please enter how many accounts', past: 'The last valid day is in the past', tooLong: 'The text may be at most 128 KiB',
      published: 'published', agree: 'Agree and Continue', saved: 'Settings saved', chainWhole: 'The chain holds', created: 'Invitation code',
      uriInvalid: 'Write one full address per line', uriRefused: 'Only https:// addresses',
      once: 'shown only this once', confidential: 'Confidential', firstParty: 'First-party', revoked: 'revoked',
    },
  },
];

for (const { locale, lang, viewport, admin: adminPhone, user: userPhone, invited, t } of LOCALES) {
  test(`an admin runs accounts, codes, documents, settings and the audit log (${locale})`, async () => {
    const adminCtx = await app.newPage(locale, viewport);
    const userCtx = await app.newPage(locale, viewport);
    const page = adminCtx.page;
    const user = userCtx.page;
    await signUp(user, userPhone, t);
    await signUp(page, adminPhone, t);
    // Until granted, the admin area is refused on the server.
    const refused = await page.goto(`${app.server.base}/admin`);
    assert.equal(refused.status(), 403);
    assert.match(cli('admin', 'grant', '--phone', adminPhone), /is now an admin/);

    // Signed in, the admin area first asks for the password.
    await page.goto(`${app.server.base}/admin`);
    await page.waitForSelector(`#admin-confirm:has-text("${t.confirm}")`);
    await hydrated(page);
    await shots(page, 'admin-confirm', lang, viewport);
    await page.fill('#password', 'wrong-pass1');
    await page.click('#submit');
    await page.waitForSelector('#password-error:not(:empty)');
    await page.fill('#password', 'admin-pass1');
    await page.click('#submit');
    await page.waitForSelector('#find-account');

    // Find: an unknown number is named, the user's opens their page.
    await page.fill('#phone', '13999999999');
    await page.click('#submit');
    await page.waitForSelector(`#phone-error:has-text("${t.notFound}")`);
    await page.fill('#phone', userPhone);
    await page.click('#submit');
    await arrived(page, /\/admin\/accounts\/\d+$/);
    await page.waitForSelector('#account-facts');
    assert.equal(await page.textContent('#account-phone'), `${userPhone.slice(0, 3)}****${userPhone.slice(7)}`);
    await page.waitForSelector('#action-submit:not([disabled])');
    await shots(page, 'admin-account', lang, viewport);

    // Suspend: no reason, no change; with one, the user's browser is signed out.
    await act(page, 'Suspend', '   ');
    await page.waitForSelector(`#reason-error:has-text("${t.reason}")`);
    assert.match(await page.textContent('#account-status'), new RegExp(t.active));
    await act(page, 'Suspend', 'spam complaint #118');
    await page.waitForSelector(`#account-status:has-text("${t.suspended}")`);
    await page.waitForSelector('#no-sessions');
    await user.goto(`${app.server.base}/account`);
    await user.waitForURL('**/login**');
    await signIn(user, userPhone);
    await user.waitForSelector(`#form-outcome:has-text("${t.suspendedMsg}")`);
    assert.match(await user.textContent('#form-outcome'), new RegExp(t.hotline));
    await shots(user, 'admin-suspended-sign-in', lang, viewport);
    await act(page, 'Reinstate', 'appeal accepted');
    await page.waitForSelector(`#account-status:has-text("${t.active}")`);
    await signIn(user, userPhone);
    await arrived(user, '**/account');

    // Invitation codes: bad quota and a past day refused; a good code signs up.
    await page.click('.account-nav a[href="/admin/invitations"]');
    await page.waitForSelector('#create-submit:not([disabled])');
    await page.fill('#quota', '0');
    await page.fill('#expiry', today(30));
    await page.click('#create-submit');
    await page.waitForSelector(`#quota-error:has-text("${t.quota}")`);
    await page.fill('#quota', '2');
    await page.fill('#expiry', '2020-01-01');
    await page.click('#create-submit');
    await page.waitForSelector(`#expiry-error:has-text("${t.past}")`);
    await page.fill('#expiry', today(30));
    await page.fill('#note', `launch ${lang}`);
    await page.click('#create-submit');
    await page.waitForSelector(`#invitation-created:has-text("${t.created}")`);
    const code = await page.getAttribute('#invitations tbody tr:first-child', 'data-code');
    const visitor = await app.newPage(locale, viewport);
    await signUp(visitor.page, invited, t, code.toLowerCase());
    await visitor.context.close();
    await page.reload();
    await page.waitForSelector(`#invitations tr[data-code="${code}"] .show-uses`);
    assert.equal(await page.textContent(`#invitations tr[data-code="${code}"] .left`), '1');
    await page.click(`#invitations tr[data-code="${code}"] .show-uses`);
    await page.waitForSelector(`#invitation-uses:has-text("${invited.slice(0, 3)}****${invited.slice(7)}")`);
    await shots(page, 'admin-invitations', lang, viewport);

    // OIDC apps: a malformed address is named here, one with a fragment by the
    // server; a confidential app's secret is shown once, never in the list nor
    // after a reload; revoking asks first.
    await page.click('.account-nav a[href="/admin/clients"]');
    await page.waitForSelector('#register-submit:not([disabled])');
    await page.fill('#client-name', `Console ${lang}`);
    await page.fill('#redirect-uris', 'console.example.com/callback');
    await page.click('#register-submit');
    await page.waitForSelector(`#redirect-uris-error:has-text("${t.uriInvalid}")`);
    await page.fill('#redirect-uris', 'https://console.example.com/callback#top');
    await page.click('#register-submit');
    await page.waitForSelector(`#redirect-uris-error:has-text("${t.uriRefused}")`);
    await page.fill('#redirect-uris', `https://console.example.com/callback\nhttps://console.example.com/${lang}/callback`);
    await page.fill('#post-logout-uris', 'https://console.example.com/');
    await page.check('#first-party');
    await page.click('#register-submit');
    await page.waitForSelector('#created-client-secret');
    const clientId = (await page.textContent('#created-client-id')).trim();
    const secret = (await page.textContent('#created-client-secret')).trim();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(await page.textContent('#secret-once'), new RegExp(t.once));
    const row = `#clients tr[data-client-id="${clientId}"]`;
    await page.waitForSelector(row);
    assert.match(await page.textContent(`${row} .name`), new RegExp(`Console ${lang}`));
    assert.match(await page.textContent(`${row} .type`), new RegExp(t.confidential));
    assert.match(await page.textContent(`${row} .owner`), new RegExp(t.firstParty));
    assert.match(await page.textContent(`${row} .uris`), new RegExp(`/${lang}/callback`));
    assert.ok(!(await page.textContent('#clients')).includes(secret), 'the list never shows the secret');
    assert.equal(await page.inputValue('#redirect-uris'), '', 'the form is emptied');
    await shots(page, 'admin-clients', lang, viewport);
    await page.reload();
    await page.waitForSelector(`${row} .revoke`);
    await page.waitForSelector('#register-submit:not([disabled])');
    assert.equal(await page.$('#created-client-secret'), null);
    assert.ok(!(await page.content()).includes(secret), 'shown once');
    await page.click(`${row} .revoke`);
    await page.waitForSelector('#revoke-confirm');
    await page.click('#revoke-cancel');
    await page.waitForSelector('#revoke-confirm', { state: 'detached' });
    assert.equal(await page.getAttribute(row, 'data-revoked'), 'false');
    await page.click(`${row} .revoke`);
    await page.click('#revoke-submit');
    await page.waitForSelector(`${row}[data-revoked="true"]`);
    await page.waitForSelector(`#clients-done:has-text("${t.revoked}")`);
    assert.match(await page.textContent(`${row} .status`), new RegExp(t.revoked, 'i'));
    assert.equal(await page.$(`${row} .revoke`), null, 'nothing left to revoke');

    // Documents: an oversized text is refused here; a material version is previewed
    // as users will see it, then published.
    await page.click('.account-nav a[href="/admin/documents"]');
    await page.waitForSelector('#preview-submit:not([disabled])');
    await page.selectOption('#kind', 'privacy');
    await page.fill('#text-zh', `# 隐私政策\n${'字'.repeat(45_000)}`);
    await page.fill('#text-en', `# Privacy Policy (${lang})\n\nWe are {company}.`);
    await page.fill('#effective', today());
    await page.check('#material');
    await page.fill('#summary-zh', `第 ${lang} 版修订`);
    await page.fill('#summary-en', `Revision for ${lang}`);
    await page.click('#preview-submit');
    await page.waitForSelector(`#text-zh-error:has-text("${t.tooLong}")`);
    await page.fill('#text-zh', `# 隐私政策（${lang}）\n\n我们是 {company}。**重要**`);
    await page.click('#preview-submit');
    await page.waitForSelector('#preview h1');
    assert.equal(await page.textContent('#preview-title-1'), `Privacy Policy (${lang})`);
    assert.match(await page.textContent('#preview'), /Gatehouse Test Co\., Ltd\./);
    assert.equal(await page.textContent('#preview .legal-body strong'), '重要');
    await shots(page, 'admin-documents', lang, viewport);
    await page.click('#publish-submit');
    await page.waitForSelector(`#published:has-text("${t.published}")`);

    // The signed-in user meets "Agree and Continue"; so does the admin.
    await user.goto(`${app.server.base}/account`);
    await user.waitForURL('**/consent**');
    await user.waitForSelector(`text=${t.agree}`);
    await page.goto(`${app.server.base}/admin/settings`);
    await page.waitForURL('**/consent**');
    await agree(page, '**/admin/settings');

    // Settings: the invitation mode off, seen by a new visitor at once; back again.
    await page.waitForSelector('#mode-off');
    await page.check('#mode-off');
    await page.click('#settings-submit');
    await page.waitForSelector(`#settings-saved:has-text("${t.saved}")`);
    await shots(page, 'admin-settings', lang, viewport);
    const fresh = await app.newPage(locale, viewport);
    await fresh.page.goto(`${app.server.base}/register`);
    await hydrated(fresh.page);
    assert.equal(await fresh.page.$('#invitation'), null, 'no invitation field');
    await fresh.context.close();
    await page.check('#mode-optional');
    await page.click('#settings-submit');
    await page.waitForSelector(`#settings-saved:has-text("${t.saved}")`);

    // The audit log: everything above, filtered by action, and the chain holds.
    await page.click('.account-nav a[href="/admin/audit"]');
    await page.waitForSelector('#audit-rows tbody tr');
    const actions = await page.$$eval('#audit-rows tbody tr', (rows) => rows.map((r) => r.dataset.action));
    for (const a of ['setting-changed', 'document-published', 'oidc-client-revoked', 'oidc-client-added', 'invitation-created', 'account-reinstated', 'account-suspended', 'account-looked-up', 'admin-confirmed', 'admin-granted']) {
      assert.ok(actions.includes(a), `${a} in ${actions}`);
    }
    await page.selectOption('#action', 'account-suspended');
    await page.fill('#actor', 'admin');
    await page.click('#filter-submit');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-rows tbody tr')]
      .every((r) => r.dataset.action === 'account-suspended'));
    assert.match(await page.textContent('#audit-rows'), /spam complaint #118/);
    await page.click('#verify-chain');
    await page.waitForSelector(`#chain-status:has-text("${t.chainWhole}")`);
    await shots(page, 'admin-audit', lang, viewport);
    await adminCtx.context.close();
    await userCtx.context.close();
  });
}
