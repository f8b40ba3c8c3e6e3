// The release bundle as operators ship it: started from another directory, it
// serves pre-compressed (brotli) or compressed (gzip) assets with long cache
// headers, pages with no-store and security headers, and the wasm app runs under
// the Content-Security-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { useApp, hydrated } from './harness.mjs';

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

test('public pages load the smaller public build and prefetch the full one, which the account area, reached in the app, runs from the cache', async () => {
  const scripts = readdirSync(publicAssets).filter((f) => f.endsWith('.js'));
  const publicScript = scripts.find((f) => f.startsWith('public-pages-'));
  const fullScript = scripts.find((f) => f.startsWith('gatehouse-'));
  assert.ok(publicScript && fullScript, `both builds in the bundle: ${scripts}`);

  const { context, page } = await app.newPage('en-US', { width: 1280, height: 800 });
  // Every response for a script or a wasm, and where it came from.
  const loads = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', ({ type, response }) => {
    const file = new URL(response.url).pathname.split('/').pop();
    if (/\.(js|wasm)$/.test(file)) {
      loads.push({ file, type, status: response.status, cached: response.fromDiskCache || response.fromPrefetchCache });
    }
  });
  const loaded = (file, type) => loads.filter((l) => l.file === file && l.type === type);
  const fetched = (file) => loaded(file, 'Fetch');
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  const runs = () => page.evaluate(() => [...document.scripts].map((s) => s.src.split('/').pop()).filter(Boolean));
  assert.deepEqual(await runs(), [publicScript], 'the public build only');
  const wasmLoads = loads.filter((l) => l.file.endsWith('.wasm') && l.type === 'Fetch');
  assert.equal(wasmLoads.length, 1, JSON.stringify(loads));
  const publicWasm = wasmLoads[0].file;
  const size = (f) => statSync(join(publicAssets, `${f}.br`)).size;
  const fullWasm = readdirSync(publicAssets).find((f) => f.endsWith('.wasm') && f !== publicWasm);
  assert.ok(size(publicWasm) < size(fullWasm), `${size(publicWasm)} < ${size(fullWasm)} bytes`);

  // Once it runs, the sign-up page prefetches the full build's script and wasm.
  // (DevTools reports a link prefetch as type "Other".)
  const prefetched = (file) => loads.some((l) => l.file === file && l.type === 'Other' && l.status === 200 && !l.cached);
  await page.waitForFunction((files) => files.every((f) => performance.getEntriesByType('resource')
    .some((e) => e.name.endsWith(`/${f}`) && e.responseEnd > 0)), [fullScript, fullWasm]);
  assert.ok(prefetched(fullScript) && prefetched(fullWasm), JSON.stringify(loads));

  // Through the router to /account: the public build leaves the page to the
  // server, which sends the sign-in form (no session), then the account page with
  // the full build after signing up.
  await page.click('a[href^="/login"]');
  await page.waitForURL('**/login**');
  await hydrated(page);
  assert.equal(fetched(fullWasm).length, 0, 'sign-in page reached in the app');
  assert.equal(await page.locator('link[rel="prefetch"]').count(), 2, 'prefetched once');
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', '13866660000');
  await page.click('#send-code');
  await page.waitForFunction(() => document.querySelector('#send-code').textContent.includes('Resend in'));
  await page.fill('#code', await app.server.lastCode('13866660000', 'register'));
  await page.fill('#password', 'shipped-pass1');
  await page.check('#consent');
  await page.click('#submit');
  await page.waitForURL('**/account');
  await page.waitForSelector('.page[data-hydrated="true"] #sign-out');
  assert.deepEqual(await runs(), [fullScript], 'the account page runs the full build');
  // The full build went over the network once: the prefetch; the account page's
  // own script and fetch of the wasm were answered from the cache.
  for (let i = 0; i < 50 && fetched(fullWasm).length === 0; i++) await page.waitForTimeout(100);
  assert.equal(fetched(fullWasm).length, 1, JSON.stringify(loads));
  assert.ok(fetched(fullWasm)[0].cached, JSON.stringify(loads));
  const ownScripts = loaded(fullScript, 'Script');
  assert.ok(ownScripts.length > 0 && ownScripts.every((l) => l.cached), JSON.stringify(loads));
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  await context.close();
});

test('the wasm download starts from the <head>, before the app\'s script has arrived, once', async () => {
  const { context, page } = await app.newPage('zh-CN', { width: 390, height: 844 });
  const wasm = [];
  // (Not the full build's wasm, which the page prefetches once it runs.)
  page.on('request', (r) => { if (r.url().endsWith('.wasm') && r.resourceType() === 'fetch') wasm.push(Date.now()); });
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
