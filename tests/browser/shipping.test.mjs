// The release bundle as operators ship it: started from another directory, it
// serves pre-compressed (brotli) or compressed (gzip) assets with long cache
// headers, pages with no-store and security headers, and the wasm app runs under
// the Content-Security-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { useApp, hydrated, arrived } from './harness.mjs';

const app = useApp();

/** A raw GET (no automatic decompression): status, headers and body length. */
function rawGet(url, headers = {}) {
  return new Promise((ok, fail) => {
    request(url, { headers }, (res) => {
      let length = 0;
      res.on('data', (chunk) => { length += chunk.length; });
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, length }));
    }).on('error', fail).end();
  });
}

const publicAssets = join(dirname(process.env.GATEHOUSE_BIN), 'public', 'assets');

test('assets: brotli from the bundle, gzip on the fly, cached for a year', async () => {
  const wasm = readdirSync(publicAssets).find((f) => f.endsWith('.wasm'));
  assert.ok(wasm, 'the bundle holds the wasm');
  const url = `${app.server.base}/assets/${wasm}`;
  const raw = statSync(join(publicAssets, wasm)).size;
  const brFile = statSync(join(publicAssets, `${wasm}.br`)).size;

  const br = await rawGet(url, { 'accept-encoding': 'br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.length, brFile, 'the pre-compressed file is served as is');
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');

  const gzip = await rawGet(url, { 'accept-encoding': 'gzip' });
  assert.equal(gzip.headers['content-encoding'], 'gzip');
  assert.ok(gzip.length < raw / 2, `gzip ${gzip.length} of ${raw} bytes`);

  const plain = await rawGet(url);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.length, raw);
});

test('pages: no-store, security headers, a request id', async () => {
  const page = await rawGet(`${app.server.base}/register`, { 'accept-encoding': 'br, gzip' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.equal(page.headers['content-encoding'], 'br');
  assert.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.match(page.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const health = await rawGet(`${app.server.base}/healthz`);
  assert.equal(health.status, 200);
});

test('the wasm app hydrates and switches language under the Content-Security-Policy', async () => {
  const { context, page } = await app.newPage('zh-CN', { width: 390, height: 844 });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:has-text("请输入11位手机号码")');
  await page.click('.lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.ok((await context.cookies()).some((c) => c.name === 'gatehouse_lang' && c.value === 'en'));
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  await context.close();
});

test('no inline script runs but Dioxus\' own and the wasm\'s early fetch: hashed, on cached and uncached pages', async () => {
  const first = await fetch(`${app.server.base}/login`);
  const policy = first.headers.get('content-security-policy');
  assert.doesNotMatch(policy, /script-src[^;]*'unsafe-inline'/);
  assert.equal((policy.match(/'sha256-/g) || []).length, 3, policy);
  // The page cache serves the same bytes with the same policy.
  const cached = await fetch(`${app.server.base}/login`);
  assert.equal(cached.headers.get('content-security-policy'), policy);
  assert.equal(await cached.text(), await first.text());

  const { context, page } = await app.newPage('en-US', { width: 1280, height: 800 });
  for (const path of ['/login', '/login', '/legal/privacy', '/register?lang=en']) {
    await page.goto(`${app.server.base}${path}`);
    if (!path.startsWith('/legal')) await hydrated(page);
    else await page.waitForFunction(() => window.__csp !== undefined);
  }
  // Hydration worked: a client-side validation message.
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:has-text("Please enter 11-digit cell phone number")');
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');

  // A script injected into the page (as an XSS would) is blocked by the policy.
  await page.route('**/register', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace('</head>', '<script>window.__injected = 1</script></head>');
    await route.fulfill({ response, body: html });
  });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.ok((await page.evaluate(() => window.__csp)).some((v) => v.startsWith('script-src')), 'violation reported');
  await context.close();
});

test('public pages load the smaller public build; the account area, reached in the app, loads the full one', async () => {
  const scripts = readdirSync(publicAssets).filter((f) => f.endsWith('.js'));
  const publicScript = scripts.find((f) => f.startsWith('public-pages-'));
  const fullScript = scripts.find((f) => f.startsWith('gatehouse-'));
  assert.ok(publicScript && fullScript, `both builds in the bundle: ${scripts}`);

  const { context, page } = await app.newPage('en-US', { width: 1280, height: 800 });
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  const html = await page.content();
  assert.ok(html.includes(publicScript) && !html.includes(fullScript), 'the public build only');
  assert.equal(wasm.length, 1);
  const publicWasm = wasm[0];
  const size = (f) => statSync(join(publicAssets, `${f}.br`)).size;
  const fullWasm = readdirSync(publicAssets).find((f) => f.endsWith('.wasm') && f !== publicWasm);
  assert.ok(size(publicWasm) < size(fullWasm), `${size(publicWasm)} < ${size(fullWasm)} bytes`);

  // Through the router to /account: the public build leaves the page to the
  // server, which sends the sign-in form (no session), then the account page with
  // the full build after signing up.
  await page.click('a[href^="/login"]');
  await page.waitForURL('**/login**');
  await hydrated(page);
  assert.equal(wasm.length, 1, 'sign-in page reached in the app');
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', '13866660000');
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code').textContent.includes('Resend in'));
  await page.fill('#code', await app.server.lastCode('13866660000', 'register'));
  await page.fill('#password', 'shipped-pass1');
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account');
  await page.waitForSelector('#sign-out');
  assert.ok((await page.content()).includes(fullScript), 'the account page runs the full build');
  assert.equal(wasm.filter((w) => w === fullWasm).length, 1, `the full wasm loaded once: ${wasm}`);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  await context.close();
});

test('the wasm download starts from the <head>, before the app\'s script has arrived, once', async () => {
  const { context, page } = await app.newPage('zh-CN', { width: 390, height: 844 });
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(Date.now()); });
  // The app's script is held back 1.5 s: Dioxus' own script asks for the wasm
  // only once it runs, so an earlier request can only be the <head>'s.
  let scriptSent = Infinity;
  await page.route('**/assets/*.js', async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    scriptSent = Math.min(scriptSent, Date.now());
    await route.continue();
  });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  assert.equal(wasm.length, 1, 'one download of the wasm');
  assert.ok(wasm[0] < scriptSent, `wasm asked for ${scriptSent - wasm[0]} ms before the script was sent`);
  // The app compiled that response: the page answers on its own.
  await page.fill('#phone', '123');
  await page.press('#phone', 'Tab');
  await page.waitForSelector('#phone-error:not(:empty)');
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  await context.close();
});

test('the common-password list is an asset the page downloads once it runs, not part of the wasm', async () => {
  const files = readdirSync(publicAssets);
  const list = files.find((f) => f.startsWith('common_passwords') && f.endsWith('.txt'));
  assert.ok(list, `the list is in the bundle: ${files}`);
  assert.ok(readFileSync(join(publicAssets, list), 'utf8').includes('\nqq123456\n'));
  for (const wasm of files.filter((f) => f.endsWith('.wasm'))) {
    assert.ok(!readFileSync(join(publicAssets, wasm)).includes('\nqq123456\n'), `${wasm} does not carry it`);
  }
  const { context, page } = await app.newPage('en-US', { width: 1280, height: 800 });
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/assets/common_passwords')) asked.push(r.url()); });
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#password', 'QQ123456');
  await page.press('#password', 'Tab');
  await page.waitForSelector('#password-error:has-text("This password is too common")');
  await page.waitForSelector('#password-rules li:last-child.todo');
  assert.equal(asked.length, 1, 'downloaded once');
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  await context.close();
});
