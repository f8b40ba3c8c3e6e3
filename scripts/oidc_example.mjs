// A relying party in 60 lines: signs one user in through Gatehouse with
// openid-client (authorization code + PKCE), prints the ID token's claims and
// UserInfo, and exits. README.md, "Connect your console":
//
//   gatehouse oidc client add --name "Example" --redirect-uri http://127.0.0.1:3000/callback
//   GATEHOUSE_ISSUER=http://127.0.0.1:8080 CLIENT_ID=... CLIENT_SECRET=... node scripts/oidc_example.mjs
//
// Leave CLIENT_SECRET out for a client registered with --public.
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const issuer = new URL(process.env.GATEHOUSE_ISSUER || 'http://127.0.0.1:8080');
const clientId = process.env.CLIENT_ID;
const secret = process.env.CLIENT_SECRET || undefined;
const redirectUri = process.env.REDIRECT_URI || 'http://127.0.0.1:3000/callback';
if (!clientId) throw new Error('set CLIENT_ID (and CLIENT_SECRET for a confidential client)');

const config = await oidc.discovery(
  issuer,
  clientId,
  secret ?? { token_endpoint_auth_method: 'none' },
  undefined,
  // Plain http only for a development issuer; production is https.
  issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
);
oidc.enableNonRepudiationChecks(config); // check the ID token's signature against /jwks

const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
const state = oidc.randomState();
const nonce = oidc.randomNonce();
const loginUrl = oidc.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: process.env.SCOPE || 'openid phone',
  code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
  code_challenge_method: 'S256',
  state,
  nonce,
});
console.log(`Open this in a browser to sign in:\n\n  ${loginUrl.href}\n`);

const callback = new URL(redirectUri);
createServer(async (req, res) => {
  const url = new URL(req.url, callback.origin);
  if (url.pathname !== callback.pathname) return res.writeHead(404).end();
  let answer;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
    });
    const claims = tokens.claims();
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    console.log('ID token claims:', claims);
    console.log('UserInfo:', userinfo);
    console.log(`Sign out: ${oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token }).href}`);
    answer = `Signed in as ${claims.sub}. See the terminal.\n`;
  } catch (e) {
    console.error('Sign-in failed:', e);
    answer = `Sign-in failed: ${e.message}\n`;
    process.exitCode = 1;
  }
  // One sign-in, then exit.
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(answer, () => process.exit());
}).listen(Number(callback.port) || 80, callback.hostname);
