//! The OpenID Connect provider (docs/DESIGN.md §11, issue 15) through the real
//! router: discovery and keys, the code flow with PKCE, the token endpoint's client
//! authentication, refresh rotation, UserInfo by scope, consent, RP-initiated
//! logout, CORS, the audit rows, and every refusal. The browser here follows no
//! redirect, so each 303's `Location` is checked.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse::domain::PhoneNumber;
use gatehouse::oidc::service::{self, NewClient};
use gatehouse::oidc::ClientCreated;
use gatehouse::server::caller::Caller;
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const PHONE: &str = "13800138000";
const OTHER: &str = "13900139000";
const PASSWORD: &str = "kqzv1234";
const CALLBACK: &str = "https://console.example.com/callback";
const SIGNED_OUT: &str = "https://console.example.com/signed-out";
const ELSEWHERE: &str = "https://evil.example/signed-out";
const STATE: &str = "af0ifjsldkj&x=1";
const NONCE: &str = "n-0S6_WzA2Mj";
const UNKNOWN_CLIENT: &str = "/authorize/error?reason=unknown-client";
const BAD_REDIRECT_URI: &str = "/authorize/error?reason=bad-redirect-uri";
const REQUEST_EXPIRED: &str = "/authorize/error?reason=request-expired";

/// A registered client as its relying party holds it: id and secret.
type Rp = ClientCreated;

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy)]
enum Auth {
    Basic,
    Post,
    /// `client_id` only, as a public client does.
    Public,
}

/// The app with the account PHONE / PASSWORD (signed up in another browser), and
/// `browser`, which keeps cookies and follows no redirect.
struct Op {
    app: TestApp,
    browser: reqwest::Client,
}

impl std::ops::Deref for Op {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// A browser that keeps cookies and follows no redirect.
fn browser() -> reqwest::Client {
    no_redirect_client("en")
}

/// A fresh PKCE pair (RFC 7636): 43 base64url characters and their S256.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The `Location` of a 303.
fn see_other(res: &reqwest::Response) -> String {
    assert_eq!(res.status(), 303, "{} answered {}", res.url(), res.status());
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The query parameters of `location` (a URL or a path).
fn query(location: &str) -> HashMap<String, String> {
    let base = url::Url::parse("http://gatehouse.invalid").unwrap();
    let url = base.join(location).unwrap();
    url.query_pairs().into_owned().collect()
}

/// The error `location` sends back to CALLBACK, checked to carry STATE.
fn error_in(location: &str) -> String {
    assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let q = query(location);
    assert_eq!(q["state"], STATE, "{location}");
    assert!(!q.contains_key("code"), "{location}");
    q["error"].clone()
}

/// The `request` id of a `/authorize/consent?request=` location.
fn consent_request(location: &str) -> String {
    assert!(location.starts_with("/authorize/consent?"), "{location}");
    query(location)["request"].clone()
}

/// The form of an authorization code exchange.
fn code_form<'a>(code: &'a str, redirect_uri: &'a str) -> Vec<(&'a str, &'a str)> {
    let grant_type = ("grant_type", "authorization_code");
    vec![grant_type, ("code", code), ("redirect_uri", redirect_uri)]
}

/// The members of `object` that `like` names, to compare with `like`.
fn subset(object: &Value, like: &Value) -> Value {
    let names = like.as_object().unwrap().keys();
    Value::Object(names.map(|n| (n.clone(), object[n].clone())).collect())
}

/// What the tests expect of an answer.
trait Answer {
    /// The body of a 200.
    fn ok(&self) -> &Value;
    /// An RFC 6749 §5.2 refusal: `invalid_client` 401, the others 400.
    fn refused(&self, error: &str);
}

impl Answer for Reply {
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.body);
        &self.body
    }

    fn refused(&self, error: &str) {
        let status = if error == "invalid_client" { 401 } else { 400 };
        assert_eq!(self.body["error"], error, "{}", self.body);
        assert_eq!(self.status, status, "{}", self.body);
        assert!(self.body["error_description"].is_string());
    }
}

impl Op {
    /// The app with the account, the browser signed out.
    async fn new() -> Op {
        let app = spawn_app().await;
        app.sign_up(&client("en"), PHONE, json!({})).await.ok();
        app.clock.advance(60);
        let browser = browser();
        Op { app, browser }
    }

    /// The app with the account, signed in with its password in the browser.
    async fn signed_in() -> Op {
        let op = Op::new().await;
        op.sign_in(PASSWORD).await;
        op
    }

    async fn sign_in(&self, password: &str) {
        let form = json!({"form": {"phone": PHONE, "password": password}});
        let reply = self.post(&self.browser, "/api/login/password", form).await;
        assert_eq!(reply.status, 200, "sign-in: {}", reply.body);
    }

    /// `GET /api/account`'s status in the browser: 200 signed in, 401 not.
    async fn session(&self) -> u16 {
        self.get(&self.browser, "/api/account").await.status
    }

    /// Registers a client for CALLBACK (and SIGNED_OUT after logout).
    async fn register(&self, public: bool, first_party: bool) -> Rp {
        let name = if first_party {
            "Console"
        } else {
            "Partner Tool"
        };
        let new = NewClient {
            name: name.into(),
            redirect_uris: vec![CALLBACK.into()],
            post_logout_redirect_uris: vec![SIGNED_OUT.into()],
            public,
            first_party,
        };
        let created = service::add_client(&self.state, &Caller::operator(), new)
            .await
            .unwrap();
        assert_eq!(created.client_secret.is_none(), public);
        created
    }

    /// `GET /authorize` from browser `c` for `rp` with scope `openid phone`, STATE
    /// and NONCE, each pair of `over` replacing its parameter (an empty value
    /// removes it); the answer's `Location`.
    async fn authorize_in(&self, c: &reqwest::Client, rp: &Rp, over: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("client_id", rp.client_id.as_str()),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", "openid phone"),
            ("state", STATE),
            ("nonce", NONCE),
        ];
        for (name, value) in over {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let url = format!("{}/authorize", self.base);
        see_other(&c.get(url).query(&params).send().await.unwrap())
    }

    async fn authorize(&self, rp: &Rp, over: &[(&str, &str)]) -> String {
        self.authorize_in(&self.browser, rp, over).await
    }

    /// Follows a `/authorize?request=` path (after sign-in or consent).
    async fn resume(&self, path: &str) -> String {
        assert!(path.starts_with("/authorize?request="), "{path}");
        let url = format!("{}{path}", self.base);
        see_other(&self.browser.get(url).send().await.unwrap())
    }

    /// The code in `location`, which must go back to CALLBACK with STATE and `iss`.
    fn code_in(&self, location: &str) -> String {
        assert!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
        let q = query(location);
        assert_eq!(q["state"], STATE, "{location}");
        assert_eq!(q["iss"], self.base, "{location}");
        q["code"].clone()
    }

    /// A code for the signed-in browser from first-party (or allowed) `rp`.
    async fn code(&self, rp: &Rp, over: &[(&str, &str)]) -> String {
        self.code_in(&self.authorize(rp, over).await)
    }

    /// `POST /token` with `form`, `rp` authenticating as `auth` says.
    async fn token_call(&self, rp: &Rp, auth: Auth, form: &[(&str, &str)]) -> reqwest::Response {
        let mut form = form.to_vec();
        let mut request = reqwest::Client::new().post(format!("{}/token", self.base));
        match auth {
            Auth::Basic => request = request.basic_auth(&rp.client_id, rp.client_secret.as_ref()),
            Auth::Post => {
                form.push(("client_id", &rp.client_id));
                form.push(("client_secret", rp.client_secret.as_deref().unwrap()));
            }
            Auth::Public => form.push(("client_id", &rp.client_id)),
        }
        request.form(&form).send().await.unwrap()
    }

    async fn exchange_as(&self, rp: &Rp, auth: Auth, code: &str, verifier: Option<&str>) -> Reply {
        let mut form = code_form(code, CALLBACK);
        form.extend(verifier.map(|v| ("code_verifier", v)));
        reply(self.token_call(rp, auth, &form).await).await
    }

    /// Exchanges `code` as `rp` does: Basic, or `client_id` alone when public.
    async fn exchange(&self, rp: &Rp, code: &str) -> Reply {
        let auth = if rp.client_secret.is_some() {
            Auth::Basic
        } else {
            Auth::Public
        };
        self.exchange_as(rp, auth, code, None).await
    }

    /// Presents the refresh token of `tokens` (a token endpoint answer).
    async fn refresh(&self, rp: &Rp, tokens: &Value) -> Reply {
        let token = tokens["refresh_token"].as_str().expect("a refresh token");
        let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
        reply(self.token_call(rp, Auth::Basic, &form).await).await
    }

    /// Tokens for the signed-in browser from first-party (or allowed) `rp`.
    async fn tokens(&self, rp: &Rp, over: &[(&str, &str)]) -> Value {
        let code = self.code(rp, over).await;
        self.exchange(rp, &code).await.ok().clone()
    }

    /// `GET /userinfo` with the access token of `tokens` as the bearer.
    async fn userinfo(&self, tokens: &Value) -> Reply {
        self.userinfo_with(tokens["access_token"].as_str().unwrap())
            .await
    }

    async fn userinfo_with(&self, bearer: &str) -> Reply {
        let url = format!("{}/userinfo", self.base);
        let res = reqwest::Client::new().get(url).bearer_auth(bearer).send();
        reply(res.await.unwrap()).await
    }

    /// The claims of the ID token of `tokens` once its RS256 signature is verified
    /// against the published key set, `iss` the issuer, `aud` the client, `iat`
    /// and `exp` the tests' clock (not the wall clock) and 10 minutes on.
    async fn verified(&self, rp: &Rp, tokens: &Value) -> Value {
        let id_token = tokens["id_token"].as_str().expect("an id_token");
        let set: JwkSet =
            serde_json::from_value(self.get(&client("en"), "/jwks").await.body).expect("a JWK set");
        let header = jsonwebtoken::decode_header(id_token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        let kid = header.kid.expect("a kid");
        let jwk = set.find(&kid).expect("the kid is published");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.base]);
        validation.set_audience(&[&rp.client_id]);
        validation.validate_exp = false;
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .expect("the id_token verifies")
            .claims;
        let now = self.clock_unix();
        let times = json!({"iat": now, "exp": now + 600});
        assert_eq!(subset(&claims, &times), times);
        claims
    }

    /// How many audit rows of `action` with `result` there are.
    async fn events(&self, action: &str, result: &str) -> i64 {
        let condition = format!("action = '{action}' AND result = '{result}'");
        self.count_where("audit_events", &condition).await
    }

    async fn end_session(&self, params: &[(&str, &str)]) -> String {
        let url = format!("{}/end-session", self.base);
        see_other(&self.browser.get(url).query(params).send().await.unwrap())
    }
}

#[tokio::test]
async fn discovery_names_the_configured_issuer_and_s256_only_and_jwks_publishes_rs256_keys() {
    let app = spawn_app().await;
    let c = client("en");
    let found = app.get(&c, "/.well-known/openid-configuration").await;
    let iss = &app.base; // exactly GATEHOUSE_PUBLIC_URL
    let expected = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "end_session_endpoint": format!("{iss}/end-session"),
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "none"],
    });
    assert_eq!(subset(found.ok(), &expected), expected);

    let jwks = app.get(&c, "/jwks").await;
    let keys = jwks.ok()["keys"].as_array().unwrap();
    assert!(!keys.is_empty());
    for key in keys {
        let rs256 = json!({"kty": "RSA", "use": "sig", "alg": "RS256"});
        assert_eq!(subset(key, &rs256), rs256);
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        assert!(key["n"].is_string() && key["e"].is_string(), "{key}");
        assert!(key.get("d").is_none(), "no private part: {key}");
    }
}

#[tokio::test]
async fn a_first_party_client_gets_verified_tokens_with_basic_and_with_post_authentication() {
    let op = Op::signed_in().await;
    let signed_in_at = op.clock_unix();
    let rp = op.register(false, true).await;
    op.clock.advance(30);

    let code1 = op.code(&rp, &[]).await;
    let form = code_form(&code1, CALLBACK);
    let res = op.token_call(&rp, Auth::Basic, &form).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
    let got = reply(res).await.ok().clone();
    let answer = json!({"token_type": "Bearer", "expires_in": 600, "scope": "openid phone"});
    assert_eq!(subset(&got, &answer), answer);
    assert!(got["access_token"].is_string() && got["refresh_token"].is_string());

    let claims = op.verified(&rp, &got).await;
    let expected = json!({
        "iss": op.base, "aud": rp.client_id, "azp": rp.client_id,
        "nonce": NONCE, "auth_time": signed_in_at, "amr": ["pwd"],
    });
    assert_eq!(subset(&claims, &expected), expected);
    let sid = claims["sid"].as_str().unwrap();
    assert!(sid.len() == 32 && sid.bytes().all(|b| b.is_ascii_hexdigit()));
    let sub = claims["sub"].as_str().unwrap();
    assert!(!sub.is_empty() && !sub.contains(&PHONE[3..]), "{sub}");

    // client_secret_post, a second code in the same session: same sub and sid.
    op.clock.advance(5);
    let code2 = op.code(&rp, &[("nonce", "")]).await;
    let second = op.exchange_as(&rp, Auth::Post, &code2, None).await;
    let again = op.verified(&rp, second.ok()).await;
    let same = json!({"sub": claims["sub"], "sid": claims["sid"]});
    assert_eq!(subset(&again, &same), same);
    assert!(again.get("nonce").is_none(), "no nonce asked, none given");

    assert_eq!(op.events("oidc-code-issued", "success").await, 2);
    assert_eq!(op.events("oidc-token-issued", "success").await, 2);
    // Codes, tokens and the secret are stored as hashes only.
    let stored = String::from_utf8_lossy(&op.database_bytes().await).into_owned();
    let secret = rp.client_secret.clone().unwrap();
    let refresh = got["refresh_token"].as_str().unwrap().to_owned();
    for plain in [&code1, &code2, &secret, &refresh] {
        assert!(!stored.contains(plain), "{plain} stored in plain");
    }
}

#[tokio::test]
async fn a_visitor_without_a_session_signs_in_and_comes_back_to_the_request() {
    let op = Op::new().await;
    let rp = op.register(false, true).await;
    let to_login = op.authorize(&rp, &[]).await;
    let login = "/login?next=%2Fauthorize%3Frequest%3D";
    assert!(to_login.starts_with(login), "{to_login}");
    let next = &query(&to_login)["next"];
    assert!(!next.contains('&') && !next.contains(CALLBACK), "{next}");
    op.sign_in(PASSWORD).await;
    let code = op.code_in(&op.resume(next).await);
    op.exchange(&rp, &code).await.ok();
    // The request is answered once: its id is spent.
    assert_eq!(op.resume(next).await, REQUEST_EXPIRED);
}

#[tokio::test]
async fn userinfo_releases_each_claim_only_with_its_scope_by_header_or_body() {
    let op = Op::signed_in().await;
    let address = "湖北省十堰市武当山特区玄岳路 88 号";
    let profile = json!({"form": {
        "real_name": "张三丰", "company": "Wudang Cloud Ltd",
        "address": address, "email": "zhang@example.cn",
    }});
    let c = &op.browser;
    op.post(c, "/api/account/profile", profile).await.ok();
    let rp = op.register(false, true).await;

    let every = ("scope", "openid profile email phone address");
    let all = op.tokens(&rp, &[every]).await;
    let sub = op.verified(&rp, &all).await["sub"].clone();
    let expected = json!({
        "sub": sub,
        "phone_number": "+8613800138000",
        "phone_number_verified": true,
        "name": "张三丰",
        "email": "zhang@example.cn",
        "email_verified": false,
        "address": {"formatted": address},
    });
    assert_eq!(op.userinfo(&all).await.ok(), &expected);
    let by_body = reqwest::Client::new()
        .post(format!("{}/userinfo", op.base))
        .form(&[("access_token", all["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(by_body.headers()["cache-control"], "no-store");
    assert_eq!(reply(by_body).await.ok(), &expected);

    let only_openid = op.tokens(&rp, &[("scope", "openid")]).await;
    let info = op.userinfo(&only_openid).await;
    assert_eq!(info.ok(), &json!({"sub": sub}));
    let email = op.tokens(&rp, &[("scope", "openid email unknown")]).await;
    assert_eq!(email["scope"], "openid email");
    let info = op.userinfo(&email).await;
    let released = json!({"sub": sub, "email": "zhang@example.cn", "email_verified": false});
    assert_eq!(info.ok(), &released);

    // An ID token is not an access token; no token at all is 401 too.
    let wrong = op.userinfo_with(all["id_token"].as_str().unwrap()).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(op.get(&client("en"), "/userinfo").await.status, 401);
}

#[tokio::test]
async fn the_sub_stays_the_same_when_the_phone_number_changes() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let before = op.tokens(&rp, &[]).await;
    let sub = op.verified(&rp, &before).await["sub"].clone();

    let c = &op.browser;
    let send = "/api/account/phone/code/send";
    op.post(c, send, json!({})).await.ok();
    let current = op.last_code(PHONE, "change-phone").await;
    let to_new = json!({"form": {"new_phone": OTHER}});
    let send = "/api/account/phone/new-code/send";
    op.post(c, send, to_new).await.ok();
    let new_code = op.last_code(OTHER, "change-phone").await;
    let change = json!({"form": {"code": current, "new_phone": OTHER, "new_code": new_code}});
    op.post(c, "/api/account/phone", change).await.ok();

    op.clock.advance(5);
    let after = op.tokens(&rp, &[]).await;
    assert_eq!(op.verified(&rp, &after).await["sub"], sub);
    let info = op.userinfo(&after).await;
    let now = json!({"sub": sub, "phone_number": "+8613900139000", "phone_number_verified": true});
    assert_eq!(info.ok(), &now);
}

#[tokio::test]
async fn an_unknown_client_or_a_wrong_redirect_uri_lands_on_the_error_page_never_the_client() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    for over in [
        ("client_id", "no-such-client"),
        ("client_id", ""),
        ("redirect_uri", "https://evil.example/callback"),
        ("redirect_uri", "https://console.example.com/callback/"),
        ("redirect_uri", "https://console.example.com/callback?x=1"),
        ("redirect_uri", "HTTPS://console.example.com/callback"),
        ("redirect_uri", ""),
    ]
    .map(|pair| [pair])
    {
        let expected = match over[0].0 {
            "client_id" => UNKNOWN_CLIENT,
            _ => BAD_REDIRECT_URI,
        };
        assert_eq!(op.authorize(&rp, &over).await, expected, "{over:?}");
        // The same without a session: the check comes before sign-in.
        let anonymous = op.authorize_in(&browser(), &rp, &over).await;
        assert_eq!(anonymous, expected, "{over:?}");
    }
    assert_eq!(op.events("oidc-code-issued", "success").await, 0);
    assert_eq!(op.count("oidc_requests").await, 0, "nothing stored");
}

#[tokio::test]
async fn pkce_is_required_for_public_clients_s256_only_and_the_verifier_must_match() {
    let op = Op::signed_in().await;
    let public = op.register(true, true).await;
    let (verifier, challenge) = pkce();
    let (method, c) = ("code_challenge_method", "code_challenge");
    // Refusals go back to the (trusted) redirect URI with the error and state.
    for over in [
        vec![],
        vec![(c, challenge.as_str())],
        vec![(c, challenge.as_str()), (method, "plain")],
        vec![(c, verifier.as_str()), (method, "plain")],
        vec![(method, "S256")],
        vec![(c, "too-short"), (method, "S256")],
    ] {
        let location = op.authorize(&public, &over).await;
        assert_eq!(error_in(&location), "invalid_request", "{over:?}");
    }

    let issued = op.code(&public, &[(c, &challenge), (method, "S256")]).await;
    let exchange = |verifier| op.exchange_as(&public, Auth::Public, &issued, verifier);
    exchange(None).await.refused("invalid_grant");
    let wrong = pkce().0;
    exchange(Some(&wrong)).await.refused("invalid_grant");
    let got = exchange(Some(&verifier)).await;
    op.verified(&public, got.ok()).await;

    // A verifier for a code issued without a challenge is refused too.
    let confidential = op.register(false, true).await;
    let issued = op.code(&confidential, &[]).await;
    let sent = op
        .exchange_as(&confidential, Auth::Basic, &issued, Some(&verifier))
        .await;
    sent.refused("invalid_grant");
    op.exchange(&confidential, &issued).await.ok();
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_the_refresh_token_of_its_first_exchange() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let code = op.code(&rp, &[]).await;
    let first = op.exchange(&rp, &code).await.ok().clone();
    op.exchange(&rp, &code).await.refused("invalid_grant");
    op.refresh(&rp, &first).await.refused("invalid_grant");
    assert_eq!(op.events("oidc-token-reused", "refused").await, 1);
    assert_eq!(op.events("oidc-token-issued", "success").await, 1);
}

#[tokio::test]
async fn an_expired_code_a_code_of_another_client_and_another_redirect_uri_are_invalid_grant() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let other = op.register(false, true).await;

    let late = op.code(&rp, &[]).await;
    op.clock.advance(61);
    op.exchange(&rp, &late).await.refused("invalid_grant");

    let code = op.code(&rp, &[]).await;
    op.exchange(&other, &code).await.refused("invalid_grant");
    for redirect_uri in ["https://console.example.com/other", ""] {
        let form = code_form(&code, redirect_uri);
        let got = reply(op.token_call(&rp, Auth::Basic, &form).await).await;
        got.refused("invalid_grant");
    }
    let unknown = op.exchange(&rp, "not-a-code").await;
    unknown.refused("invalid_grant");
    // None of the refusals spent the code for its own client.
    op.exchange(&rp, &code).await.ok();
}

#[tokio::test]
async fn a_wrong_or_missing_client_secret_is_401_invalid_client() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let code = op.code(&rp, &[]).await;
    let wrong_secret = Rp {
        client_secret: Some("wrong-secret".into()),
        ..rp.clone()
    };
    let unknown = Rp {
        client_id: "no-such-client".into(),
        ..rp.clone()
    };
    let form = code_form(&code, CALLBACK);
    for impostor in [&wrong_secret, &unknown] {
        for auth in [Auth::Basic, Auth::Post] {
            let res = op.token_call(impostor, auth, &form).await;
            let challenge = res.headers()["www-authenticate"].to_str().unwrap();
            assert!(challenge.starts_with("Basic"), "{challenge}");
            assert_eq!(res.headers()["cache-control"], "no-store");
            reply(res).await.refused("invalid_client");
        }
    }
    // A confidential client that presents no secret is not a public one.
    let no_secret = op.exchange_as(&rp, Auth::Public, &code, None).await;
    no_secret.refused("invalid_client");
    op.exchange(&rp, &code).await.ok();
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_whole_family() {
    let op = Op::signed_in().await;
    let signed_in_at = op.clock_unix();
    let rp = op.register(false, true).await;
    let first = op.tokens(&rp, &[]).await;
    let sub = op.verified(&rp, &first).await["sub"].clone();

    op.clock.advance(300);
    let second = op.refresh(&rp, &first).await.ok().clone();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let claims = op.verified(&rp, &second).await;
    let same = json!({"sub": sub, "auth_time": signed_in_at});
    assert_eq!(subset(&claims, &same), same, "the sign-in's auth_time");
    op.userinfo(&second).await.ok();
    let other = op.register(false, true).await;
    op.refresh(&other, &second).await.refused("invalid_grant");

    // The old token again: refused, and the newest of its family dies with it.
    op.refresh(&rp, &first).await.refused("invalid_grant");
    op.refresh(&rp, &second).await.refused("invalid_grant");
    assert_eq!(op.events("oidc-token-reused", "refused").await, 1);
    // Another family of the same account is not touched.
    let unrelated = op.tokens(&rp, &[]).await;
    op.refresh(&rp, &unrelated).await.ok();
}

#[tokio::test]
async fn a_refresh_token_presented_twice_at_once_is_one_rotation_and_one_reuse() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let first = op.tokens(&rp, &[]).await;
    // A thief and the app race with the same token: one wins the rotation, the
    // other is seen as a reuse, which revokes what the winner got too.
    let (a, b) = futures::join!(op.refresh(&rp, &first), op.refresh(&rp, &first));
    let won: Vec<&Reply> = [&a, &b].into_iter().filter(|r| r.status == 200).collect();
    assert_eq!(won.len(), 1, "{} / {}", a.body, b.body);
    op.refresh(&rp, won[0].ok()).await.refused("invalid_grant");
    assert_eq!(op.events("oidc-token-reused", "refused").await, 1);
}

#[tokio::test]
async fn a_revoked_client_gets_no_code_and_its_tokens_stop() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let held = op.tokens(&rp, &[]).await;
    let code = op.code(&rp, &[]).await;
    let to_login = op.authorize_in(&browser(), &rp, &[]).await;
    let pending = query(&to_login)["next"].clone();

    let operator = Caller::operator();
    let revoke = service::revoke_client(&op.state, &operator, &rp.client_id);
    revoke.await.unwrap();
    assert_eq!(op.authorize(&rp, &[]).await, UNKNOWN_CLIENT);
    assert_eq!(op.resume(&pending).await, REQUEST_EXPIRED);
    op.exchange(&rp, &code).await.refused("invalid_client");
    op.refresh(&rp, &held).await.refused("invalid_client");
    let info = op.userinfo(&held).await;
    assert_eq!(info.status, 401, "{}", info.body);
}

#[tokio::test]
async fn prompt_none_answers_login_required_or_consent_required_instead_of_asking() {
    let op = Op::new().await;
    let rp = op.register(false, true).await;
    let location = op.authorize(&rp, &[("prompt", "none")]).await;
    assert_eq!(error_in(&location), "login_required");
    assert_eq!(query(&location)["iss"], op.base);

    op.sign_in(PASSWORD).await;
    op.code(&rp, &[("prompt", "none")]).await;
    let third_party = op.register(false, false).await;
    let location = op.authorize(&third_party, &[("prompt", "none")]).await;
    assert_eq!(error_in(&location), "consent_required");
}

#[tokio::test]
async fn prompt_login_and_max_age_send_a_signed_in_visitor_to_sign_in_again() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    op.clock.advance(120);
    let asked_at = op.clock_unix();
    let held = op.tokens(&rp, &[]).await;
    let to_login = op.authorize(&rp, &[("prompt", "login")]).await;
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    // A link another site sends the browser to signs nobody out: the session and
    // the app's tokens stay until the new sign-in replaces the session.
    assert_eq!(op.session().await, 200, "the session stays");
    op.refresh(&rp, &held).await.ok();
    op.clock.advance(7);
    op.sign_in(PASSWORD).await;
    let code = op.code_in(&op.resume(&query(&to_login)["next"]).await);
    let got = op.exchange(&rp, &code).await;
    let claims = op.verified(&rp, got.ok()).await;
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(auth_time >= asked_at, "{auth_time} < {asked_at}");
    assert_eq!(auth_time, asked_at + 7, "the new sign-in's time");

    // max_age: a sign-in older than it is not good enough, a younger one is.
    op.clock.advance(400);
    op.code(&rp, &[("max_age", "500")]).await;
    let to_login = op.authorize(&rp, &[("max_age", "300")]).await;
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    // max_age=0 after a sign-in made for the request is met (no loop), even a
    // second later.
    let to_login = op.authorize(&rp, &[("max_age", "0")]).await;
    op.sign_in(PASSWORD).await;
    op.clock.advance(1);
    op.code_in(&op.resume(&query(&to_login)["next"]).await);
}

#[tokio::test]
async fn a_suspended_account_loses_userinfo_refresh_and_its_unexchanged_code() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let held = op.tokens(&rp, &[]).await;
    let code = op.code(&rp, &[]).await;
    op.userinfo(&held).await.ok();

    use gatehouse::admin::service::{find_account, set_suspended};
    let operator = Caller::operator();
    let phone = PhoneNumber::parse(PHONE).unwrap();
    let account = find_account(&op.state, &operator, &phone).await.unwrap();
    let suspend = set_suspended(&op.state, &operator, account, true, "spam");
    suspend.await.unwrap();
    let info = op.userinfo(&held).await;
    assert_eq!(info.status, 401, "{}", info.body);
    op.refresh(&rp, &held).await.refused("invalid_grant");
    op.exchange(&rp, &code).await.refused("invalid_grant");
}

#[tokio::test]
async fn signing_out_and_changing_the_password_revoke_refresh_tokens() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let held = op.tokens(&rp, &[]).await;
    let c = &op.browser;
    let unexchanged = op.code(&rp, &[]).await;
    op.post(c, "/api/session/sign-out", json!({})).await.ok();
    op.refresh(&rp, &held).await.refused("invalid_grant");
    // A code issued before the sign-out is gone with it.
    op.exchange(&rp, &unexchanged)
        .await
        .refused("invalid_grant");

    op.sign_in(PASSWORD).await;
    let held = op.tokens(&rp, &[]).await;
    let change = json!({"form": {"current_password": PASSWORD, "password": "newpass123"}});
    op.post(c, "/api/account/password", change).await.ok();
    op.refresh(&rp, &held).await.refused("invalid_grant");
}

#[tokio::test]
async fn a_third_party_client_asks_consent_once_and_revoking_the_grant_stops_its_tokens() {
    let op = Op::signed_in().await;
    let c = &op.browser;
    let rp = op.register(false, false).await;
    let scope = [("scope", "openid profile")];
    let request = consent_request(&op.authorize(&rp, &scope).await);
    let show = json!({"request": request});
    let shown = op.post(c, "/api/oidc/consent/show", show.clone()).await;
    let expected = json!({
        "client_name": "Partner Tool",
        "scopes": ["OpenId", "Profile"],
        "redirect_host": "console.example.com",
    });
    assert_eq!(shown.ok(), &expected);
    let stranger = op.post(&browser(), "/api/oidc/consent/show", show).await;
    assert_eq!(stranger.status, 401, "only a signed-in account sees it");

    let answer = json!({"request": request, "allow": true});
    let allowed = op.post(c, "/api/oidc/consent/answer", answer).await;
    let next = allowed.ok().as_str().unwrap();
    assert_eq!(next, format!("/authorize?request={request}"));
    let code = op.code_in(&op.resume(next).await);
    let held = op.exchange(&rp, &code).await.ok().clone();

    let apps = op.get(c, "/api/account/apps").await;
    let listed = apps.ok().as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", apps.body);
    let grant = json!({
        "client_id": rp.client_id,
        "client_name": "Partner Tool",
        "scopes": ["OpenId", "Profile"],
    });
    assert_eq!(subset(&listed[0], &grant), grant);

    // Remembered for the same scopes; asked again for more.
    op.code(&rp, &scope).await;
    consent_request(&op.authorize(&rp, &[("scope", "openid phone")]).await);

    // prompt=consent asks again, and once answered goes on (no loop).
    op.clock.advance(1);
    let asked = op
        .authorize(
            &rp,
            &[("scope", "openid profile"), ("prompt", "login consent")],
        )
        .await;
    assert!(
        asked.starts_with("/login?next="),
        "both prompts kept: {asked}"
    );
    op.sign_in(PASSWORD).await;
    let request = consent_request(&op.resume(&query(&asked)["next"]).await);
    let answer = json!({"request": request, "allow": true});
    let next = op.post(c, "/api/oidc/consent/answer", answer).await;
    op.code_in(&op.resume(next.ok().as_str().unwrap()).await);

    let revoke = json!({"client_id": rp.client_id});
    op.post(c, "/api/account/apps/revoke", revoke).await.ok();
    assert_eq!(op.get(c, "/api/account/apps").await.body, json!([]));
    op.refresh(&rp, &held).await.refused("invalid_grant");
    consent_request(&op.authorize(&rp, &scope).await);
    assert_eq!(op.events("oidc-consent-granted", "success").await, 2);
    assert_eq!(op.events("oidc-consent-revoked", "success").await, 1);
}

#[tokio::test]
async fn denying_consent_returns_access_denied_with_the_state_and_spends_the_request() {
    let op = Op::signed_in().await;
    let rp = op.register(false, false).await;
    let request = consent_request(&op.authorize(&rp, &[]).await);
    let c = &op.browser;
    let answer = json!({"request": request, "allow": false});
    let denied = op.post(c, "/api/oidc/consent/answer", answer).await;
    let back = denied.ok().as_str().unwrap();
    assert_eq!(error_in(back), "access_denied");
    assert_eq!(query(back)["iss"], op.base);
    let again = op.resume(&format!("/authorize?request={request}")).await;
    assert_eq!(again, REQUEST_EXPIRED);
    assert_eq!(op.get(c, "/api/account/apps").await.body, json!([]));
    assert_eq!(op.events("oidc-consent-granted", "success").await, 0);
}

#[tokio::test]
async fn end_session_returns_to_a_registered_uri_only_and_then_ends_the_session_and_tokens() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let held = op.tokens(&rp, &[]).await;
    let hint = held["id_token"].as_str().unwrap();
    let mut params = [
        ("id_token_hint", hint),
        ("post_logout_redirect_uri", ELSEWHERE),
        ("state", "xyz"),
    ];
    assert_eq!(op.end_session(&params).await, BAD_REDIRECT_URI);
    // Without a hint nothing is ended either: a link elsewhere signs nobody out.
    let no_hint = [
        ("client_id", rp.client_id.as_str()),
        ("post_logout_redirect_uri", SIGNED_OUT),
    ];
    assert_eq!(op.end_session(&no_hint).await, "/account");
    assert_eq!(op.session().await, 200, "still signed in");
    assert_eq!(op.events("oidc-logout", "success").await, 0);
    let held = op.refresh(&rp, &held).await.ok().clone();

    params[1].1 = SIGNED_OUT;
    let back = op.end_session(&params).await;
    assert_eq!(back, format!("{SIGNED_OUT}?state=xyz"));
    assert_eq!(op.session().await, 401, "signed out");
    op.refresh(&rp, &held).await.refused("invalid_grant");
    assert_eq!(op.events("oidc-logout", "success").await, 1);
}

#[tokio::test]
async fn protocol_details_missing_response_type_long_state_scheme_case_public_cors() {
    let op = Op::signed_in().await;
    let rp = op.register(false, true).await;
    let missing = op.authorize(&rp, &[("response_type", "")]).await;
    assert_eq!(error_in(&missing), "invalid_request", "{missing}");
    let other = op.authorize(&rp, &[("response_type", "token")]).await;
    assert_eq!(error_in(&other), "unsupported_response_type", "{other}");
    let long = "n".repeat(513);
    let refused = op.authorize(&rp, &[("nonce", &long)]).await;
    assert_eq!(error_in(&refused), "invalid_request", "{refused}");
    // The scheme of the Authorization header is matched ignoring case.
    let held = op.tokens(&rp, &[]).await;
    let token = held["access_token"].as_str().unwrap();
    let info = reqwest::Client::new()
        .get(format!("{}/userinfo", op.base))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    // An ID token is no access token, and an access token no id_token_hint.
    let id_token = held["id_token"].as_str().unwrap();
    assert_eq!(op.userinfo_with(id_token).await.status, 401);
    let hint = op.end_session(&[("id_token_hint", token)]).await;
    assert_eq!(hint, "/account", "not taken as a hint");
    assert_eq!(op.session().await, 200);
    // Discovery and keys are readable from any origin.
    for path in ["/.well-known/openid-configuration", "/jwks"] {
        let res = reqwest::Client::new()
            .get(format!("{}{path}", op.base))
            .header("origin", "https://anywhere.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["access-control-allow-origin"], "*", "{path}");
    }
}

#[tokio::test]
async fn cors_preflights_answer_the_origins_of_registered_redirect_uris_only() {
    let op = Op::new().await;
    op.register(true, true).await;
    for path in ["/token", "/userinfo"] {
        for (origin, allowed) in [
            ("https://console.example.com", true),
            ("https://evil.example", false),
            ("http://console.example.com", false),
        ] {
            let res = reqwest::Client::new()
                .request(reqwest::Method::OPTIONS, format!("{}{path}", op.base))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            let answered = res.headers().get("access-control-allow-origin");
            let answered = answered.map(|v| v.to_str().unwrap());
            assert_eq!(answered, allowed.then_some(origin), "{path} {origin}");
        }
    }
}
