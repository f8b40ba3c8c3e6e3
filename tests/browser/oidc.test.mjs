// Connecting a console (docs/DESIGN.md §11): openid-client, the certified
// relying-party library, does every protocol step against the real server binary
// — discovery, PKCE, the authorization request, the code exchange with the ID
// token's signature checked against the JWKS, UserInfo, refresh rotation and
// RP-initiated logout — while real headless Chromium is the user in between: it
// signs in on Gatehouse's own page, denies and then allows a third-party app on
// the consent screen, and comes back to the app's redirect URI, a small HTTP
// server here. Also: a redirect URI not registered stops on Gatehouse's error page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import * as oidc from 'openid-client';
import { useApp, hydrated, shots, PHONE_VIEWPORT, DESKTOP_VIEWPORT, arrived } from './harness.mjs';

const app = useApp();

/** The relying party's redirect URIs: records every callback, answers "ok". */
const rp = { hits: [] };
before(async () => {
  rp.server = createServer((req, res) => {
    const url = new URL(req.url, rp.origin);
    if (url.pathname !== '/favicon.ico') rp.hits.push(url);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise((ok) => rp.server.listen(0, '127.0.0.1', ok));
  rp.origin = `http://127.0.0.1:${rp.server.address().port}`;
  rp.callback = `${rp.origin}/callback`;
  rp.signedOut = `${rp.origin}/signed-out`;
});
after(async () => {
  rp.server?.closeAllConnections();
  await new Promise((ok) => (rp.server ? rp.server.close(ok) : ok()));
  // Every refusal above is an answer, not a failure of the endpoints.
  const errors = (app.server?.log() ?? '').split('\n').filter((l) => / ERROR /.test(l));
  assert.deepEqual(errors, [], 'the server logged errors');
});

/** The newest request the relying party received at `path`. */
function lastHit(path) {
  const hit = rp.hits.findLast((u) => u.pathname === path);
  assert.ok(hit, `the relying party received nothing at ${path}`);
  return hit;
}

/** `gatehouse oidc client add ...` against the running server's database. */
function addClient(name, { publicClient = false, firstParty = false } = {}) {
  const args = [
    'oidc', 'client', 'add', '--name', name,
    '--redirect-uri', rp.callback, '--post-logout-redirect-uri', rp.signedOut,
  ];
  if (publicClient) args.push('--public');
  if (firstParty) args.push('--first-party');
  const out = execFileSync(process.env.GATEHOUSE_BIN, args, {
    env: { ...process.env, ...app.server.configEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const created = JSON.parse(out.trim().split('\n').pop());
  assert.match(created.client_id, /^[A-Za-z0-9_-]{22}$/);
  if (publicClient) assert.equal(created.client_secret, null);
  else assert.match(created.client_secret, /^[A-Za-z0-9_-]{43}$/);
  return created;
}

/** The relying party's configuration, as a console sets it up: discovery from the
 *  issuer, the ID token's signature checked against the JWKS. */
async function configure(client, auth) {
  // client_secret_post is the library's default for a client with a secret.
  const metadata = auth === 'none' ? { token_endpoint_auth_method: 'none' } : client.client_secret;
  const clientAuth = auth === 'client_secret_basic' ? oidc.ClientSecretBasic(client.client_secret) : undefined;
  const config = await oidc.discovery(new URL(app.server.base), client.client_id, metadata, clientAuth, {
    execute: [oidc.allowInsecureRequests],
  });
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** An account made through `/register`, signed out again. */
async function signUp(page, phone, password, resend) {
  await page.goto(`${app.server.base}/register`);
  await hydrated(page);
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForFunction((t) => document.querySelector('#send-code').textContent.includes(t), resend);
  await page.fill('#code', await app.server.lastCode(phone, 'register'));
  await page.fill('#password', password);
  await page.check('#consent');
  await page.click('#submit');
  await arrived(page, '**/account');
  await page.click('#sign-out');
  await page.waitForURL('**/register');
}

/** Clicks "Allow" or "Deny" until the hydrated page acts on it and the browser
 *  is back at the relying party. */
async function answer(page, button) {
  for (let i = 0; ; i++) {
    await page.click(button, { timeout: 1_000 }).catch(() => {});
    try {
      await page.waitForURL((u) => u.origin === rp.origin, { timeout: 1_000 });
      return;
    } catch (e) {
      if (i === 20) throw e;
    }
  }
}

/** The scopes of a `scope` value in the order Gatehouse lists them. */
const inOrder = (scope) => ['openid', 'profile', 'email', 'phone', 'address'].filter((s) => scope.split(' ').includes(s));

const isInvalidGrant = (e) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant';

const ZH = {
  resend: '秒后重新获取',
  consentTitle: (app) => `「${app}」申请使用您的账号`,
  scopes: { openid: '您在Gatehouse Cloud的账号标识（不是手机号）', phone: '您的手机号', email: '您的联系邮箱（如已填写）' },
  allow: '同意授权',
  continue: '继续',
  errorTitle: '无法使用此登录链接',
  badRedirect: '该应用要求跳转到未登记的地址',
};
const EN = {
  resend: 'Resend in',
  consentTitle: (app) => `${app} wants to use your account`,
  scopes: { openid: 'Your account ID at Gatehouse Cloud (not your phone number)', phone: 'Your phone number', email: 'Your contact email, if you gave it' },
  allow: 'Allow',
  continue: 'Continue',
  errorTitle: 'This sign-in link cannot be used',
  badRedirect: 'The app asked to send you back to an address it has not registered',
};

/** A new authorization request as the console makes it: PKCE, state, nonce. */
async function authorizationRequest(config, scope) {
  const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: rp.callback,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, checks: { pkceCodeVerifier, expectedState: state, expectedNonce: nonce } };
}

/** The `sub` each phone number got, to check it is the same for every client. */
const subjects = new Map();

const FLOWS = [
  {
    title: 'third-party confidential client, consent screen (deny, then allow), client_secret_basic',
    locale: 'zh-CN', viewport: PHONE_VIEWPORT, t: ZH, phone: '13912340001', signUp: true,
    client: { name: '星河数据看板' }, auth: 'client_secret_basic', scope: 'openid phone', denyFirst: true,
  },
  {
    title: 'first-party confidential client, no consent screen, client_secret_post',
    locale: 'en-US', viewport: DESKTOP_VIEWPORT, t: EN, phone: '13912340002', signUp: true,
    client: { name: 'Gatehouse Console', firstParty: true }, auth: 'client_secret_post', scope: 'openid phone',
  },
  {
    title: 'third-party public client (PKCE, no secret), consent screen',
    locale: 'en-US', viewport: DESKTOP_VIEWPORT, t: EN, phone: '13912340002', signUp: false,
    client: { name: 'Acme Deploy CLI', publicClient: true }, auth: 'none', scope: 'openid phone email',
  },  {
    // The sign-in form posts before the wasm arrives (docs/DESIGN.md §3), and a
    // page of the server's moves the browser on to the authorization.
    title: 'first-party confidential client, signed in with the wasm blocked',
    locale: 'zh-CN', viewport: PHONE_VIEWPORT, t: ZH, phone: '13912340001', signUp: false, noWasm: true,
    client: { name: 'Gatehouse Console (no wasm)', firstParty: true }, auth: 'client_secret_post', scope: 'openid phone',
  },
];

for (const flow of FLOWS) {
  const { locale, viewport, t, phone } = flow;
  test(`a console signs its user in and out through Gatehouse: ${flow.title} (${locale})`, async () => {
    const base = app.server.base;
    const password = 'console-pass1';
    const client = addClient(flow.client.name, flow.client);
    const config = await configure(client, flow.auth);
    assert.equal(config.serverMetadata().issuer, base);

    const { context, page } = await app.newPage(locale, viewport);
    if (flow.noWasm) await context.route('**/*.wasm', (route) => route.abort());
    const visited = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
    if (flow.signUp) await signUp(page, phone, password, t.resend);

    // The console sends the browser to Gatehouse with PKCE, state and nonce.
    let request = await authorizationRequest(config, flow.scope);
    assert.equal(request.url.origin + request.url.pathname, `${base}/authorize`);
    await page.goto(request.url.href);

    // No session: Gatehouse's own sign-in page, which comes back to the request.
    await page.waitForURL((u) => u.pathname === '/login');
    const next = new URL(page.url()).searchParams.get('next');
    assert.match(next, /^\/authorize\?request=[A-Za-z0-9_-]{43}$/);
    if (flow.noWasm) await page.waitForSelector('#submit:not([disabled])');
    else await hydrated(page);
    await page.fill('#phone', phone);
    await page.fill('#password', password);
    const signedInFrom = Math.floor(Date.now() / 1000);
    // The answer to the form post, read on its way (the page it is leaves at once).
    let onward;
    if (flow.noWasm) {
      await page.route((url) => url.pathname === '/login', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        const response = await route.fetch({ maxRedirects: 0 });
        onward = { status: response.status(), html: await response.text() };
        return route.fulfill({ response, body: onward.html });
      });
    }
    await page.click('#submit');
    if (flow.noWasm) {
      // Signed in by the form post: a page that moves on to the authorization,
      // in the visitor's language, by a refresh the browser follows.
      await page.waitForURL((u) => u.origin === rp.origin);
      assert.equal(onward.status, 200);
      const { html } = onward;
      assert.ok(html.includes(`<html lang="${locale === 'zh-CN' ? 'zh-CN' : 'en'}"`), html);
      assert.ok(html.includes(`<meta http-equiv="refresh"`) && html.includes(`">${t.continue}</a>`), html);
      assert.ok(!visited.some((u) => u.includes('pass1')), 'no password in any address');
    }

    if (!flow.client.firstParty) {
      // A third-party app: the consent screen names it and what it gets, in the
      // visitor's language.
      await page.waitForURL((u) => u.pathname === '/authorize/consent');
      await page.waitForSelector('#oidc-scopes li');
      assert.equal((await page.textContent('#oidc-consent-title')).trim(), t.consentTitle(flow.client.name));
      const scopes = await page.$$eval('#oidc-scopes li', (lis) => lis.map((li) => [li.dataset.scope, li.textContent.trim()]));
      assert.deepEqual(scopes, inOrder(flow.scope).map((s) => [s, t.scopes[s]]));
      assert.match(await page.textContent('#oidc-consent'), /127\.0\.0\.1/);
      assert.equal((await page.textContent('#oidc-allow')).trim(), t.allow);
      await shots(page, 'oidc-consent', locale, viewport);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
      if (flow.denyFirst) {
        // "Deny": the console hears access_denied with its state, and no code.
        await answer(page, '#oidc-deny');
        const denied = lastHit('/callback');
        assert.equal(denied.searchParams.get('error'), 'access_denied');
        assert.equal(denied.searchParams.get('code'), null);
        await assert.rejects(oidc.authorizationCodeGrant(config, denied, request.checks),
          (e) => e instanceof oidc.AuthorizationResponseError && e.error === 'access_denied');
        // Asked again, signed in now: straight to the consent screen.
        request = await authorizationRequest(config, flow.scope);
        await page.goto(request.url.href);
        await page.waitForURL((u) => u.pathname === '/authorize/consent');
      }
      await answer(page, '#oidc-allow');
    }

    // Back at the console with a code, the state and the issuer.
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/callback');
    const signedInBy = Math.ceil(Date.now() / 1000);
    const callback = lastHit('/callback');
    assert.equal(callback.href, page.url());
    assert.equal(callback.searchParams.get('state'), request.checks.expectedState);
    assert.equal(callback.searchParams.get('iss'), base);
    if (flow.client.firstParty) {
      assert.ok(!visited.some((u) => u.includes('/authorize/consent')), `a first-party app met the consent screen: ${visited}`);
    }

    // The code exchange: PKCE verifier, state, nonce, iss; the ID token's
    // signature checked against /jwks.
    const tokens = await oidc.authorizationCodeGrant(config, callback, { ...request.checks, idTokenExpected: true });
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 600);
    assert.deepEqual(inOrder(tokens.scope), inOrder(flow.scope));
    assert.ok(tokens.refresh_token);
    const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url'));
    assert.equal(header.alg, 'RS256');
    const jwks = await (await fetch(`${base}/jwks`)).json();
    assert.ok(jwks.keys.some((k) => k.kid === header.kid && k.kty === 'RSA' && !('d' in k)), 'the signing key is published, public part only');
    const claims = tokens.claims();
    assert.equal(claims.iss, base);
    assert.equal(claims.aud, client.client_id);
    assert.equal(claims.azp, client.client_id);
    assert.equal(claims.nonce, request.checks.expectedNonce);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.ok(claims.auth_time >= signedInFrom - 2 && claims.auth_time <= signedInBy + 2,
      `auth_time ${claims.auth_time} not within the sign-in ${signedInFrom}..${signedInBy}`);
    assert.equal(claims.exp - claims.iat, 600);
    assert.match(claims.sid, /^\S{16,}$/);
    assert.match(claims.sub, /^\S{16,}$/);
    assert.ok(!claims.sub.includes(phone), `sub ${claims.sub} carries the phone number`);
    if (subjects.has(phone)) assert.equal(claims.sub, subjects.get(phone), 'the same account has the same sub for every client');
    subjects.set(phone, claims.sub);

    // UserInfo: the number in E.164, verified; nothing the account did not give.
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.deepEqual(info, { sub: claims.sub, phone_number: `+86${phone}`, phone_number_verified: true });

    // Refresh rotates: a new refresh token, the same sign-in in the new ID token.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    const again = refreshed.claims();
    for (const claim of ['iss', 'sub', 'aud', 'auth_time', 'sid']) assert.deepEqual(again[claim], claims[claim], claim);
    assert.equal((await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub)).phone_number, `+86${phone}`);
    // The old one is refused from now on.
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token), isInvalidGrant);
    if (flow.auth !== 'none') {
      // Presenting a used token revoked its whole family (reuse detection).
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token), isInvalidGrant);
    }

    // The account center lists a third-party app it allowed, with what it reads.
    if (!flow.client.firstParty) {
      await page.goto(`${base}/account/devices`);
      const row = page.locator(`#connected-apps li[data-client="${client.client_id}"]`);
      await row.waitFor();
      assert.match(await row.textContent(), new RegExp(flow.client.name));
      assert.match(await row.textContent(), new RegExp(t.scopes.phone));
      await shots(page, `account-apps-${flow.auth}`, locale, viewport);
    }

    // RP-initiated logout: back at the console with its state, signed out here.
    const endState = oidc.randomState();
    const endUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: refreshed.id_token,
      post_logout_redirect_uri: rp.signedOut,
      state: endState,
    });
    assert.equal(endUrl.origin + endUrl.pathname, `${base}/end-session`);
    await page.goto(endUrl.href);
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/signed-out');
    assert.equal(lastHit('/signed-out').searchParams.get('state'), endState);
    await page.goto(`${base}/account`);
    await page.waitForURL((u) => u.pathname === '/login');
    if (flow.auth === 'none') {
      // Signing out of Gatehouse revoked the app's live refresh token.
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token), isInvalidGrant);
    }
    await context.close();
  });
}

for (const { locale, viewport, t } of [
  { locale: 'zh-CN', viewport: PHONE_VIEWPORT, t: ZH },
  { locale: 'en-US', viewport: DESKTOP_VIEWPORT, t: EN },
]) {
  test(`a redirect URI not registered never leaves Gatehouse (${locale})`, async () => {
    const base = app.server.base;
    const client = addClient('Redirect Check', { firstParty: true });
    const { context, page } = await app.newPage(locale, viewport);
    const offSite = [];
    page.on('request', (r) => { if (!r.url().startsWith(base)) offSite.push(r.url()); });

    const evil = 'http://127.0.0.1:1/evil';
    const query = new URLSearchParams({ client_id: client.client_id, redirect_uri: evil, response_type: 'code', scope: 'openid', state: 's' });
    await page.goto(`${base}/authorize?${query}`);
    assert.equal(page.url(), `${base}/authorize/error?reason=bad-redirect-uri`);
    await page.waitForSelector('#oidc-error[data-reason="bad-redirect-uri"]');
    assert.equal((await page.textContent('#oidc-error h1')).trim(), t.errorTitle);
    assert.ok((await page.textContent('#oidc-error [role=alert]')).includes(t.badRedirect));
    assert.ok(!(await page.content()).includes('evil'), 'the page names the URI it refused');
    await shots(page, 'oidc-error', locale, viewport);

    // An unknown client reads as such.
    await page.goto(`${base}/authorize?${new URLSearchParams({ client_id: 'nobody', redirect_uri: rp.callback, response_type: 'code', scope: 'openid' })}`);
    assert.equal(page.url(), `${base}/authorize/error?reason=unknown-client`);
    assert.deepEqual(offSite, []);
    assert.deepEqual(rp.hits.filter((u) => u.searchParams.get('state') === 's'), []);
    await context.close();
  });
}
