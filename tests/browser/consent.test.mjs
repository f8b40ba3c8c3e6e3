// Versioned documents in real headless Chromium against the real server binary:
// `gatehouse docs publish` a material version, and a signed-in user meets "Agree
// and Continue" before the account page (both languages), agrees or declines; the
// notice banner announces every new version until dismissed in that browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useApp, hydrated, ARTIFACTS, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();

/** Today in China Standard Time, YYYY-MM-DD: what an operator types for "now". */
const today = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

let published = 0;

/** Publishes a version through the real command line; returns its summary (en). */
function publish(kind, { material }) {
  published += 1;
  const zh = join(app.server.dataDir, `${kind}-${published}.zh.md`);
  const en = join(app.server.dataDir, `${kind}-${published}.en.md`);
  writeFileSync(zh, `# ${kind === 'privacy' ? '隐私政策' : '用户注册协议'}\n\n{company} 第 ${published} 次修订。\n`);
  writeFileSync(en, `# ${kind === 'privacy' ? 'Privacy Policy' : 'User Registration Agreement'}\n\nRevision ${published} by {company}.\n`);
  const summary = `Change ${published}`;
  const out = execFileSync(process.env.GATEHOUSE_BIN, [
    'docs', 'publish', '--kind', kind, '--zh', zh, '--en', en, '--effective', today(),
    ...(material ? ['--material'] : []), '--summary', `修订 ${published}`, '--summary-en', summary,
  ], { env: { ...process.env, ...app.server.configEnv }, encoding: 'utf8' });
  assert.match(out, new RegExp(`^${kind} version \\d+, effective ${today()}`));
  return { zh: `修订 ${published}`, en: summary };
}

async function signUp(page, phone, resend) {
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), resend);
  await page.fill('#code', await app.server.lastCode(phone));
  await page.fill('#password', 'first-pass1');
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account');
  await page.waitForSelector('#consents tbody tr');
}

for (const { locale, viewport, t } of [
  {
    locale: 'zh-CN', viewport: PHONE_VIEWPORT,
    t: {
      phone: '13855556666', resend: '秒后重新获取', agree: '同意并继续', reconsent: '重新同意',
      declined: '您已退出登录', size: '390x844', lang: 'zh',
    },
  },
  {
    locale: 'en-US', viewport: DESKTOP_VIEWPORT,
    t: {
      phone: '13877778888', resend: 'Resend in', agree: 'Agree and Continue', reconsent: 'Re-consent',
      declined: 'You have been signed out', size: '1280x800', lang: 'en',
    },
  },
]) {
  test(`a material change: agree and continue, then decline (${locale})`, async () => {
    const { context, page } = await app.newPage(locale, viewport);
    await signUp(page, t.phone, t.resend);

    // A material privacy version in force: the next visit to the account page
    // lands on the consent page (the browser's app sends it there).
    const summary = publish('privacy', { material: true });
    await page.goto(`${app.server.base}/account`);
    await page.waitForURL(/\/consent\?next=(%2F|\/)account$/, { timeout: 30_000 });
    await page.waitForSelector(`#agree:has-text("${t.agree}")`);
    const listed = await page.textContent('#consent-documents');
    assert.ok(listed.includes(summary[t.lang]), listed);
    assert.equal(await page.locator('#consent-documents li').count(), 1);
    await page.screenshot({ path: join(ARTIFACTS, `consent-${t.size}.png`), fullPage: true });

    // The server refuses the account's functions meanwhile, whatever the page does.
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/account');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(refused.status, 403);

    await page.click('#agree');
    await arrived(page, '**/account');
    await page.waitForSelector(`#consents tbody tr:has-text("${t.reconsent}")`);

    // A material agreement version: decline, and the session is over.
    publish('agreement', { material: true });
    await page.goto(`${app.server.base}/account`);
    await page.waitForURL(/\/consent\?next=(%2F|\/)account$/, { timeout: 30_000 });
    await page.waitForSelector('#decline');
    await page.click('#decline');
    await page.waitForSelector(`#consent-declined:has-text("${t.declined}")`);
    assert.ok((await page.textContent('#consent-declined')).includes('400-800-8888'));
    const after = await page.evaluate(async () => (await fetch('/api/account')).status);
    assert.equal(after, 401);
    await page.screenshot({ path: join(ARTIFACTS, `consent-declined-${t.size}.png`), fullPage: true });
    await context.close();
  });
}

test('the notice banner links the new version and stays dismissed in this browser', async () => {
  const summary = publish('privacy', { material: false });
  const { context, page } = await app.newPage('en-US', PHONE_VIEWPORT);
  // A page with a query string: anonymous pages without one may come from the page
  // cache, rendered up to GATEHOUSE_PAGE_CACHE_SECONDS before this publication.
  await page.goto(`${app.server.base}/login?next=%2Faccount`);
  await hydrated(page);
  const banner = page.locator('#legal-notice');
  assert.ok((await banner.textContent()).includes(summary.en));
  await page.screenshot({ path: join(ARTIFACTS, 'notice-390x844.png'), fullPage: true });

  // Its link opens that version, marked in force, with every version listed.
  await banner.locator('a', { hasText: 'Privacy Policy' }).last().click();
  await page.waitForURL(/\/legal\/privacy\/\d+$/);
  await page.waitForSelector('#legal-version:has-text("In force")');
  assert.ok((await page.textContent('.legal-body')).includes('Gatehouse Test Co., Ltd.'));
  assert.ok(await page.locator('#versions li').count() >= 3);
  await page.click('#versions li:last-child a');
  await page.waitForURL('**/legal/privacy/1');
  await page.waitForSelector('#legal-version:has-text("Superseded")');

  // Dismissed: gone now, and gone from the server-rendered pages of this browser.
  await page.click('#dismiss-notice');
  await page.waitForSelector('#legal-notice', { state: 'detached' });
  await page.goto(`${app.server.base}/login`);
  await hydrated(page);
  assert.equal(await page.locator('#legal-notice').count(), 0);
  const html = await (await page.request.get(`${app.server.base}/login`)).text();
  assert.ok(!html.includes('legal-notice'));
  await context.close();

  // Another browser still sees it, in Chinese.
  const other = await app.newPage('zh-CN', PHONE_VIEWPORT);
  await other.page.goto(`${app.server.base}/login?next=%2Faccount`);
  await hydrated(other.page);
  assert.ok((await other.page.textContent('#legal-notice')).includes(summary.zh));
  await other.context.close();
});
