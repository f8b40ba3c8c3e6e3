//! The OpenID Connect use cases, whichever door calls them (the endpoints, the
//! command line, the admin area, the account center): registering and revoking
//! clients, pending authorization requests, codes, token exchanges with refresh
//! rotation, UserInfo claims, consent grants. Every change writes its audit row
//! in its own transaction (docs/DESIGN.md §10, §11).

use super::types::{ClientCreated, ClientEntry, GrantEntry, Scope};
use super::{keys, CODE_SECS, REFRESH_SECS, REQUEST_SECS, TOKEN_SECS};
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::clock::china_datetime;
use crate::server::config::Mode;
use crate::server::db::accounts::{self, AccountId};
use crate::server::db::oidc_clients::{self, ClientRow};
use crate::server::db::oidc_grants::{self, CodeRow, RefreshRow, RequestRow};
use crate::server::db::sign_ins::SignInMethod;
use crate::server::db::{account_keys, profiles, Conn, Lock};
use crate::server::session::SignInFacts;
use crate::server::state::AppState;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

/// `bytes` random bytes as base64url without padding.
fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The stored form of a code, request id or token: its SHA-256 (each is 256
/// random bits, so a fast hash is enough).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A client as the endpoints use it.
#[derive(Debug, Clone)]
pub struct Client {
    pub row: ClientRow,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
}

impl Client {
    fn from_row(row: ClientRow) -> anyhow::Result<Self> {
        Ok(Self {
            redirect_uris: serde_json::from_str(&row.redirect_uris)?,
            post_logout_redirect_uris: serde_json::from_str(&row.post_logout_redirect_uris)?,
            row,
        })
    }

    pub fn id(&self) -> &str {
        &self.row.client_id
    }

    /// Without a secret: must use PKCE.
    pub fn public(&self) -> bool {
        self.row.secret_hash.is_none()
    }

    /// Whether `origin` (`scheme://host[:port]`) is the origin of one of the
    /// client's redirect URIs: a browser app there may call the token and
    /// UserInfo endpoints (CORS).
    pub fn has_origin(&self, origin: &str) -> bool {
        self.redirect_uris
            .iter()
            .filter_map(|uri| url::Url::parse(uri).ok())
            .any(|uri| uri.origin().ascii_serialization() == origin)
    }

    fn entry(&self) -> ClientEntry {
        ClientEntry {
            client_id: self.row.client_id.clone(),
            name: self.row.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            public: self.public(),
            first_party: self.row.first_party,
            created_at: china_datetime(self.row.created_at),
            revoked: self.row.revoked_at.is_some(),
        }
    }
}

/// The client `client_id` if it is registered and not revoked.
///
/// Errors: storage failures.
pub async fn active_client(state: &AppState, client_id: &str) -> anyhow::Result<Option<Client>> {
    let mut conn = state.db.read().await?;
    match oidc_clients::by_id(&mut conn, client_id).await? {
        Some(row) if row.revoked_at.is_none() => Ok(Some(Client::from_row(row)?)),
        _ => Ok(None),
    }
}

/// Why a client could not be registered or revoked.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The name is empty or longer than 64 characters.
    #[error("the name must be 1 to 64 characters")]
    InvalidName,
    /// No redirect URI, or one that is not an absolute `https` URL (`http` only on
    /// a loopback host, or in development), has a fragment, or is longer than 2,000
    /// bytes.
    #[error("not a valid redirect URI: {0}")]
    InvalidRedirectUri(String),
    /// No such client, or it was revoked already.
    #[error("no such active client")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A client about to be registered.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// What the consent screen and the admin area call it, 1–64 characters.
    pub name: String,
    /// Where codes go; at least one, each matched exactly.
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may return to.
    pub post_logout_redirect_uris: Vec<String>,
    /// A browser or native app: no secret, PKCE required.
    pub public: bool,
    /// The operator's own app: no consent screen.
    pub first_party: bool,
}

/// Whether `uri` may be registered as a redirect URI in `mode`: an absolute
/// `https` URL without a fragment, or `http` on a loopback host (RFC 8252 §7.3;
/// any host in development), at most 2,000 bytes.
pub fn redirect_uri_allowed(uri: &str, mode: Mode) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = match url.scheme() {
        "https" => true,
        "http" => loopback || mode == Mode::Development,
        _ => false,
    };
    scheme_ok && url.fragment().is_none() && url.host().is_some() && uri.len() <= 2_000
}

/// Registers a client and audits it; a confidential client's secret is in the
/// answer only (stored as an HMAC).
///
/// Errors: [`ClientError::InvalidName`], [`ClientError::InvalidRedirectUri`];
/// storage failures.
pub async fn add_client(
    state: &AppState,
    caller: &Caller,
    new: NewClient,
) -> Result<ClientCreated, ClientError> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ClientError::InvalidName);
    }
    if new.redirect_uris.is_empty() {
        return Err(ClientError::InvalidRedirectUri(String::new()));
    }
    let mode = state.settings.mode;
    if let Some(bad) = new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
        .find(|uri| !redirect_uri_allowed(uri, mode))
    {
        return Err(ClientError::InvalidRedirectUri(bad.clone()));
    }
    let client_id = random_token(16);
    let secret = (!new.public).then(|| random_token(32));
    let now = state.clock.unix();
    let row = ClientRow {
        client_id: client_id.clone(),
        name,
        secret_hash: secret
            .as_deref()
            .map(|s| state.keys.client_secret_hash(&client_id, s)),
        redirect_uris: serde_json::to_string(&new.redirect_uris).map_err(anyhow::Error::from)?,
        post_logout_redirect_uris: serde_json::to_string(&new.post_logout_redirect_uris)
            .map_err(anyhow::Error::from)?,
        first_party: new.first_party,
        created_at: now,
        revoked_at: None,
    };
    let mut tx = state.db.write(&[]).await?;
    oidc_clients::insert(&mut tx, &row).await?;
    let details = json!({
        "client_id": client_id,
        "public": new.public,
        "first_party": new.first_party,
        "redirect_uris": new.redirect_uris.len(),
    });
    let event = AuditEvent::success(AuditAction::OidcClientAdded, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(ClientCreated {
        client_id,
        client_secret: secret,
    })
}

/// Every registered client, newest first.
///
/// Errors: storage failures.
pub async fn list_clients(state: &AppState) -> anyhow::Result<Vec<ClientEntry>> {
    let mut conn = state.db.read().await?;
    oidc_clients::all(&mut conn)
        .await?
        .into_iter()
        .map(|row| Ok(Client::from_row(row)?.entry()))
        .collect()
}

/// Revokes a client: it gets no code or token from now on, and its refresh
/// tokens stop working (its access tokens too: UserInfo checks the client).
/// Audited.
///
/// Errors: [`ClientError::NotFound`]; storage failures.
pub async fn revoke_client(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> Result<(), ClientError> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    if !oidc_clients::revoke(&mut tx, client_id, now).await? {
        return Err(ClientError::NotFound);
    }
    let tokens = oidc_grants::revoke_client(&mut tx, client_id, now).await?;
    let details = json!({ "client_id": client_id, "refresh_tokens": tokens });
    let event = AuditEvent::success(AuditAction::OidcClientRevoked, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// An authorization request's parameters, kept on the server while the visitor
/// signs in (OpenID Connect Core §3.1.2.1), already checked against the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub redirect_uri: String,
    /// The supported scopes asked for, space-separated, `openid` first.
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// The PKCE S256 challenge (RFC 7636), 43–128 characters.
    pub code_challenge: Option<String>,
    /// The `prompt` values understood, space-separated: `none` (never ask),
    /// `login` (sign in again), `consent` (ask again).
    pub prompt: Option<String>,
    /// Seconds since the sign-in after which the visitor signs in again.
    pub max_age: Option<i64>,
}

impl Params {
    /// Whether the request's `prompt` names `value`.
    pub fn prompts(&self, value: &str) -> bool {
        self.prompt
            .as_deref()
            .is_some_and(|p| p.split(' ').any(|v| v == value))
    }
}

/// A pending request, as the endpoints and the consent page load it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub client: Client,
    pub params: Params,
    /// When the request arrived (Unix seconds): `prompt=login` needs a sign-in
    /// after it.
    pub created_at: i64,
}

/// Stores a checked request; returns its opaque id (43 base64url characters).
///
/// Errors: storage failures.
pub async fn store_request(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> anyhow::Result<String> {
    let id = random_token(32);
    let now = state.clock.unix();
    let row = RequestRow {
        client_id: client.id().to_owned(),
        params: serde_json::to_string(params)?,
        created_at: now,
        expires_at: now + REQUEST_SECS,
    };
    let mut conn = state.db.write_one().await?;
    oidc_grants::insert_request(&mut conn, &token_hash(&id), &row).await?;
    Ok(id)
}

/// The pending request `id`, if it has not expired or been answered and its
/// client is still active.
///
/// Errors: storage failures.
pub async fn pending(state: &AppState, id: &str) -> anyhow::Result<Option<Pending>> {
    let mut conn = state.db.read().await?;
    let Some(row) = oidc_grants::request(&mut conn, &token_hash(id), state.clock.unix()).await?
    else {
        return Ok(None);
    };
    drop(conn);
    let Some(client) = active_client(state, &row.client_id).await? else {
        return Ok(None);
    };
    Ok(Some(Pending {
        client,
        params: serde_json::from_str(&row.params)?,
        created_at: row.created_at,
    }))
}

/// Drops the pending request `id` (the consent screen's "Deny").
///
/// Errors: storage failures.
pub async fn deny(state: &AppState, id: &str) -> anyhow::Result<()> {
    let mut conn = state.db.write_one().await?;
    oidc_grants::delete_request(&mut conn, &token_hash(id)).await?;
    Ok(())
}

/// Whether `origin` is the origin of a redirect URI of an active client (CORS).
///
/// Errors: storage failures.
pub async fn any_client_has_origin(state: &AppState, origin: &str) -> anyhow::Result<bool> {
    let mut conn = state.db.read().await?;
    let clients = oidc_clients::all(&mut conn).await?;
    Ok(clients
        .into_iter()
        .filter(|c| c.revoked_at.is_none())
        .filter_map(|c| Client::from_row(c).ok())
        .any(|c| c.has_origin(origin)))
}

/// What a code or a refresh token grants: the account's consent carried into
/// the tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub scope: String,
    pub nonce: Option<String>,
    /// When the account signed in (Unix seconds).
    pub auth_time: i64,
    /// RFC 8176 method references: `pwd`, `sms`.
    pub amr: Vec<String>,
    /// The Gatehouse session's `sid`.
    pub sid: String,
    /// For a code: the redirect URI the exchange must repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// For a code: the PKCE challenge the exchange's verifier must meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
}

/// The `amr` values of a sign-in method (RFC 8176: `pwd` password, `sms` a code
/// sent by text message).
fn amr(method: Option<SignInMethod>) -> Vec<String> {
    let names: &[&str] = match method {
        Some(SignInMethod::Password) | None => &["pwd"],
        Some(SignInMethod::Sms) => &["sms"],
        Some(SignInMethod::SignUp | SignInMethod::Reset) => &["sms", "pwd"],
    };
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Answers the pending request `id` with a code for `account` signed in as
/// `facts` says; returns the URL the browser goes back to (`redirect_uri` with
/// `code`, `state` and `iss`). The request is deleted in the same transaction,
/// so it yields one code. Audited.
///
/// Returns `None` when the request was answered meanwhile.
///
/// Errors: storage failures.
pub async fn issue_code(
    state: &AppState,
    caller: &Caller,
    id: &str,
    pending: &Pending,
    account: AccountId,
    facts: &SignInFacts,
) -> anyhow::Result<Option<String>> {
    let code = random_token(32);
    let now = state.clock.unix();
    let params = &pending.params;
    let grant = Grant {
        scope: params.scope.clone(),
        nonce: params.nonce.clone(),
        auth_time: facts.signed_in_at,
        amr: amr(facts.method),
        sid: facts.sid.clone(),
        redirect_uri: Some(params.redirect_uri.clone()),
        code_challenge: params.code_challenge.clone(),
    };
    let mut tx = state.db.write(&[]).await?;
    if !oidc_grants::delete_request(&mut tx, &token_hash(id)).await? {
        return Ok(None);
    }
    let row = CodeRow {
        client_id: pending.client.id().to_owned(),
        account_id: account,
        grant_data: serde_json::to_string(&grant)?,
        expires_at: now + CODE_SECS,
        used_at: None,
        family: None,
    };
    oidc_grants::insert_code(&mut tx, &token_hash(&code), &row).await?;
    let details = json!({ "client_id": pending.client.id(), "scope": params.scope });
    let event = AuditEvent::success(AuditAction::OidcCodeIssued, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    let mut query = vec![("code", code.as_str())];
    if let Some(s) = &params.state {
        query.push(("state", s));
    }
    let issuer = state.settings.issuer();
    query.push(("iss", &issuer));
    Ok(Some(with_query(&params.redirect_uri, &query)))
}

/// `uri` with `pairs` appended to its query (form-encoded).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.into()
        }
        Err(_) => uri.to_owned(),
    }
}

/// When `account` allowed `client` every scope of `scope` (Unix seconds), if it
/// has.
///
/// Errors: storage failures.
pub async fn consent_covers(
    state: &AppState,
    account: AccountId,
    client: &Client,
    scope: &str,
) -> anyhow::Result<Option<i64>> {
    let mut conn = state.db.read().await?;
    let granted = oidc_grants::granted_scope(&mut conn, account, client.id()).await?;
    Ok(granted.and_then(|(granted, at)| {
        let granted = Scope::list(&granted);
        Scope::list(scope)
            .iter()
            .all(|s| granted.contains(s))
            .then_some(at)
    }))
}

/// Records that `account` allowed `client` the scopes `scope` (the consent
/// screen's "Allow"), audited.
///
/// Errors: storage failures.
pub async fn grant_consent(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    client: &Client,
    scope: &str,
) -> anyhow::Result<()> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    oidc_grants::grant(&mut tx, account, client.id(), scope, now).await?;
    let details = json!({ "client_id": client.id(), "scope": scope });
    let event = AuditEvent::success(AuditAction::OidcConsentGranted, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The apps `account` allowed, newest first.
///
/// Errors: storage failures.
pub async fn grants_of(state: &AppState, account: AccountId) -> anyhow::Result<Vec<GrantEntry>> {
    let mut conn = state.db.read().await?;
    Ok(oidc_grants::grants_of(&mut conn, account)
        .await?
        .into_iter()
        .map(|g| GrantEntry {
            client_id: g.client_id,
            client_name: g.name,
            scopes: Scope::list(&g.scope),
            granted_at: china_datetime(g.granted_at),
        })
        .collect())
}

/// Withdraws what `account` allowed `client_id` and revokes the refresh tokens
/// it holds for the account, audited; false when there was no grant.
///
/// Errors: storage failures.
pub async fn revoke_consent(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    client_id: &str,
) -> anyhow::Result<bool> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    if !oidc_grants::revoke_grant(&mut tx, account, client_id).await? {
        return Ok(false);
    }
    let tokens =
        oidc_grants::revoke_account(&state.db, &mut tx, account, Some(client_id), now).await?;
    let details = json!({ "client_id": client_id, "refresh_tokens": tokens });
    let event = AuditEvent::success(AuditAction::OidcConsentRevoked, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(true)
}

/// A refusal of the token endpoint (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// 401: unknown or revoked client, wrong or missing secret.
    #[error("invalid_client")]
    InvalidClient,
    /// 400: a code or refresh token that is unknown, used, expired, revoked, for
    /// another client or redirect URI, or a PKCE verifier that does not match.
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    /// 400: a parameter missing, repeated or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// 400: a grant type other than `authorization_code` and `refresh_token`.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unexpected(e.into())
    }
}

/// How a client authenticated at the token endpoint.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    /// From HTTP Basic (`client_secret_basic`) or the body (`client_secret_post`);
    /// `None` for a public client.
    pub secret: Option<String>,
}

/// The active client the credentials name, if its secret matches (a public
/// client presents none; a confidential one must).
///
/// Errors: [`TokenError::InvalidClient`]; storage failures.
pub async fn authenticate(
    state: &AppState,
    credentials: &ClientCredentials,
) -> Result<Client, TokenError> {
    let client = active_client(state, &credentials.client_id)
        .await?
        .ok_or(TokenError::InvalidClient)?;
    let ok = match (&client.row.secret_hash, &credentials.secret) {
        (None, None) => true,
        (Some(stored), Some(secret)) => {
            state
                .keys
                .client_secret_matches(client.id(), secret, stored)
        }
        _ => false,
    };
    if ok {
        Ok(client)
    } else {
        Err(TokenError::InvalidClient)
    }
}

/// The token endpoint's answer (OpenID Connect Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
    pub id_token: String,
    pub refresh_token: String,
    pub scope: String,
}

/// The ID token's claims (OpenID Connect Core §2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub azp: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub amr: Vec<String>,
    pub sid: String,
}

/// The access token's claims (RFC 9068, a JWT the UserInfo endpoint checks).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub scope: String,
    pub sid: String,
}

/// The `sub` of `account` (random, made on first use).
async fn subject(conn: &mut Conn, account: AccountId) -> anyhow::Result<String> {
    oidc_grants::subject(conn, account, &random_token(16)).await
}

/// Signs the ID and access tokens of `grant` for `client` and `account`, and
/// pairs them with `refresh_token`.
async fn tokens(
    state: &AppState,
    conn: &mut Conn,
    client: &Client,
    account: AccountId,
    grant: &Grant,
    refresh_token: String,
) -> anyhow::Result<Tokens> {
    let now = state.clock.unix();
    let iss = state.settings.issuer();
    let sub = subject(conn, account).await?;
    let id = IdClaims {
        iss: iss.clone(),
        sub: sub.clone(),
        aud: client.id().to_owned(),
        azp: client.id().to_owned(),
        exp: now + TOKEN_SECS,
        iat: now,
        auth_time: grant.auth_time,
        nonce: grant.nonce.clone(),
        amr: grant.amr.clone(),
        sid: grant.sid.clone(),
    };
    let access = AccessClaims {
        iss,
        sub,
        aud: client.id().to_owned(),
        client_id: client.id().to_owned(),
        exp: now + TOKEN_SECS,
        iat: now,
        jti: random_token(16),
        scope: grant.scope.clone(),
        sid: grant.sid.clone(),
    };
    Ok(Tokens {
        access_token: keys::sign(state, "at+jwt", access).await?,
        token_type: "Bearer",
        expires_in: TOKEN_SECS,
        id_token: keys::sign(state, "JWT", id).await?,
        refresh_token,
        scope: grant.scope.clone(),
    })
}

/// Whether the account may still get tokens: it exists, is neither suspended
/// nor deleted.
async fn usable(conn: &mut Conn, account: AccountId) -> anyhow::Result<bool> {
    Ok(accounts::by_id(conn, account)
        .await?
        .is_some_and(|a| a.usable()))
}

/// Records a refused exchange that presented a used code or refresh token: the
/// family it produced is revoked (RFC 6749 §4.1.2, OAuth 2.0 Security BCP §4.14).
async fn reuse_detected(
    state: &AppState,
    caller: &Caller,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    account: AccountId,
    client_id: &str,
    family: Option<&str>,
    what: &'static str,
) -> Result<Tokens, TokenError> {
    let now = state.clock.unix();
    let revoked = match family {
        Some(family) => oidc_grants::revoke_family(&mut tx, family, now).await?,
        None => 0,
    };
    let details = json!({ "client_id": client_id, "presented": what, "revoked": revoked });
    let event = AuditEvent::refused(AuditAction::OidcTokenReused, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Err(TokenError::InvalidGrant("already used"))
}

/// Whether `verifier` meets the S256 `challenge` (RFC 7636 §4.6): 43–128
/// unreserved characters whose SHA-256, base64url, is the challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// Exchanges `code` (grant type `authorization_code`): single use, within
/// [`CODE_SECS`], for the client and redirect URI it was issued to, with the
/// PKCE verifier its challenge asks for (and none when it had none). Issues an
/// ID token, an access token and a new refresh-token family; audited. A code
/// presented again revokes what its first exchange issued.
///
/// Errors: [`TokenError::InvalidGrant`] as above or when the account can no
/// longer be used; storage and signing failures.
pub async fn exchange_code(
    state: &AppState,
    caller: &Caller,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Tokens, TokenError> {
    // The signing key exists before the transaction takes SQLite's one writer
    // (signing inside it must not need to make the first key).
    keys::ensure(state).await?;
    let now = state.clock.unix();
    let hash = token_hash(code);
    let mut tx = state.db.write(&[]).await?;
    let Some(account) = oidc_grants::code(&mut tx, &hash)
        .await?
        .map(|r| r.account_id)
    else {
        return Err(TokenError::InvalidGrant("unknown code"));
    };
    // A second exchange of this code, a rotation, a sign-out of the account wait
    // for this one (PostgreSQL; SQLite's writer serializes them): the row is read
    // again under the lock, so a reuse is always seen as one.
    state.db.lock(&mut tx, Lock::OidcAccount(account.0)).await?;
    let Some(row) = oidc_grants::code(&mut tx, &hash).await? else {
        return Err(TokenError::InvalidGrant("unknown code"));
    };
    if row.used_at.is_some() {
        let family = row.family.clone();
        return reuse_detected(
            state,
            caller,
            tx,
            row.account_id,
            &row.client_id,
            family.as_deref(),
            "code",
        )
        .await;
    }
    let grant: Grant = serde_json::from_str(&row.grant_data).map_err(anyhow::Error::from)?;
    if row.client_id != client.id() {
        return Err(TokenError::InvalidGrant("code issued to another client"));
    }
    if row.expires_at <= now {
        return Err(TokenError::InvalidGrant("code expired"));
    }
    if grant.redirect_uri.as_deref() != redirect_uri {
        return Err(TokenError::InvalidGrant("redirect_uri differs"));
    }
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
        (None, None) => {}
        (Some(_), _) => return Err(TokenError::InvalidGrant("PKCE verifier does not match")),
        (None, Some(_)) => {
            return Err(TokenError::InvalidGrant(
                "code_verifier for a code issued without a challenge",
            ))
        }
    }
    if !usable(&mut tx, row.account_id).await? {
        return Err(TokenError::InvalidGrant("account suspended or deleted"));
    }
    let family = random_token(16);
    if !oidc_grants::use_code(&mut tx, &hash, &family, now).await? {
        return Err(TokenError::InvalidGrant("already used"));
    }
    let grant = Grant {
        redirect_uri: None,
        code_challenge: None,
        ..grant
    };
    let family = RefreshRow {
        family,
        client_id: client.id().to_owned(),
        account_id: row.account_id,
        grant_data: serde_json::to_string(&grant).map_err(anyhow::Error::from)?,
        created_at: now,
        expires_at: now + REFRESH_SECS,
        used_at: None,
        revoked_at: None,
    };
    issue(
        state,
        caller,
        tx,
        client,
        family,
        &grant,
        "authorization_code",
    )
    .await
}

/// Ends a token request that succeeded: stores a new refresh token as `row`
/// says, signs the ID and access tokens of `grant`, audits the issue for
/// `grant_type` and commits `tx`.
async fn issue(
    state: &AppState,
    caller: &Caller,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    client: &Client,
    row: RefreshRow,
    grant: &Grant,
    grant_type: &'static str,
) -> Result<Tokens, TokenError> {
    let refresh = random_token(32);
    oidc_grants::insert_refresh(&mut tx, &token_hash(&refresh), &row).await?;
    let tokens = tokens(state, &mut tx, client, row.account_id, grant, refresh).await?;
    let details = json!({ "client_id": client.id(), "grant_type": grant_type });
    let event = AuditEvent::success(AuditAction::OidcTokenIssued, Some(row.account_id), details);
    audit::record(&mut tx, &state.keys, row.created_at, caller, event).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Rotates `token` (grant type `refresh_token`): the token is marked used and a
/// new one of its family issued with new ID and access tokens (the family keeps
/// its first expiry); audited. A used token presented again revokes its whole
/// family (reuse detection).
///
/// Errors: [`TokenError::InvalidGrant`] for a token unknown, used, revoked,
/// expired, of another client, or of an account that can no longer be used;
/// storage and signing failures.
pub async fn refresh(
    state: &AppState,
    caller: &Caller,
    client: &Client,
    token: &str,
) -> Result<Tokens, TokenError> {
    keys::ensure(state).await?;
    let now = state.clock.unix();
    let hash = token_hash(token);
    let mut tx = state.db.write(&[]).await?;
    let Some(account) = oidc_grants::refresh(&mut tx, &hash)
        .await?
        .map(|r| r.account_id)
    else {
        return Err(TokenError::InvalidGrant("unknown refresh token"));
    };
    // As in `exchange_code`: the row again, under the account's lock.
    state.db.lock(&mut tx, Lock::OidcAccount(account.0)).await?;
    let Some(row) = oidc_grants::refresh(&mut tx, &hash).await? else {
        return Err(TokenError::InvalidGrant("unknown refresh token"));
    };
    if row.revoked_at.is_some() {
        return Err(TokenError::InvalidGrant("refresh token revoked"));
    }
    if row.used_at.is_some() {
        let family = row.family.clone();
        return reuse_detected(
            state,
            caller,
            tx,
            row.account_id,
            &row.client_id,
            Some(&family),
            "refresh_token",
        )
        .await;
    }
    if row.client_id != client.id() {
        return Err(TokenError::InvalidGrant("refresh token of another client"));
    }
    if row.expires_at <= now {
        return Err(TokenError::InvalidGrant("refresh token expired"));
    }
    if !usable(&mut tx, row.account_id).await? {
        return Err(TokenError::InvalidGrant("account suspended or deleted"));
    }
    if !oidc_grants::use_refresh(&mut tx, &hash, now).await? {
        return Err(TokenError::InvalidGrant("already used"));
    }
    let grant: Grant = serde_json::from_str(&row.grant_data).map_err(anyhow::Error::from)?;
    let next = RefreshRow {
        created_at: now,
        used_at: None,
        revoked_at: None,
        ..row
    };
    issue(state, caller, tx, client, next, &grant, "refresh_token").await
}

/// The account an access token is for, if the token is ours (signature, type,
/// expiry, issuer), its client has not been revoked and the account is still
/// usable.
///
/// Errors: storage failures.
pub async fn access_token_account(
    state: &AppState,
    token: &str,
) -> anyhow::Result<Option<(AccountId, AccessClaims)>> {
    let Ok((typ, claims)) = keys::verify::<AccessClaims>(state, token, true).await else {
        return Ok(None);
    };
    if typ.as_deref() != Some("at+jwt") || claims.iss != state.settings.issuer() {
        return Ok(None);
    }
    if active_client(state, &claims.client_id).await?.is_none() {
        return Ok(None);
    }
    let mut conn = state.db.read().await?;
    let Some(account) = oidc_grants::account_of_subject(&mut conn, &claims.sub).await? else {
        return Ok(None);
    };
    if !usable(&mut conn, account).await? {
        return Ok(None);
    }
    Ok(Some((account, claims)))
}

/// The UserInfo claims of `account` for `claims.scope` (OpenID Connect Core
/// §5.4): `sub` always; `phone_number` (E.164) and `phone_number_verified` for
/// `phone`; `name` for `profile`, `email` and `email_verified: false` for
/// `email`, `address.formatted` for `address` — each when given.
///
/// Errors: storage failures; stored data that does not decrypt.
pub async fn userinfo(
    state: &AppState,
    account: AccountId,
    claims: &AccessClaims,
) -> anyhow::Result<serde_json::Value> {
    let scopes = Scope::list(&claims.scope);
    let mut out = json!({ "sub": claims.sub });
    let mut conn = state.db.read().await?;
    let row = accounts::by_id(&mut conn, account)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account {account} is gone"))?;
    if scopes.contains(&Scope::Phone) {
        let phone = crate::account::service::phone_of(state, &row)?;
        out["phone_number"] = json!(format!("+86{}", phone.as_str()));
        out["phone_number_verified"] = json!(true);
    }
    if scopes
        .iter()
        .any(|s| matches!(s, Scope::Profile | Scope::Email | Scope::Address))
    {
        let profile = match account_keys::for_reading(&mut conn, &state.keys, account).await? {
            Some(key) => profiles::of_account(&mut conn, &key, account).await?,
            None => Default::default(),
        };
        if let (true, Some(name)) = (scopes.contains(&Scope::Profile), &profile.real_name) {
            out["name"] = json!(name.as_str());
        }
        if let (true, Some(email)) = (scopes.contains(&Scope::Email), &profile.email) {
            out["email"] = json!(email.as_str());
            out["email_verified"] = json!(false);
        }
        if let (true, Some(address)) = (scopes.contains(&Scope::Address), &profile.address) {
            out["address"] = json!({ "formatted": address.as_str() });
        }
    }
    Ok(out)
}

/// The `sub` and `aud` of an ID token we signed (expired or not: RP-initiated
/// logout's `id_token_hint`), if it verifies and names our issuer.
pub async fn id_token_hint(state: &AppState, token: &str) -> Option<IdClaims> {
    let (typ, claims) = keys::verify::<IdClaims>(state, token, false).await.ok()?;
    (typ.as_deref() == Some("JWT") && claims.iss == state.settings.issuer()).then_some(claims)
}

/// The `sub` `account` is known by, made on first use.
///
/// Errors: storage failures.
pub async fn subject_of(state: &AppState, account: AccountId) -> anyhow::Result<String> {
    let mut conn = state.db.write_one().await?;
    subject(&mut conn, account).await
}

/// Audits an RP-initiated logout of `account` through `client_id`.
///
/// Errors: storage failures.
pub async fn record_logout(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    client_id: &str,
) -> anyhow::Result<()> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    let details = json!({ "client_id": client_id });
    let event = AuditEvent::success(AuditAction::OidcLogout, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", challenge));
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for ok in [
            "https://console.example.com/callback",
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:9/cb",
        ] {
            assert!(redirect_uri_allowed(ok, Mode::Production), "{ok}");
        }
        for bad in [
            "http://console.example.com/cb",
            "https://console.example.com/cb#x",
            "javascript:alert(1)",
            "/relative",
            "",
        ] {
            assert!(!redirect_uri_allowed(bad, Mode::Production), "{bad}");
        }
        assert!(redirect_uri_allowed(
            "http://console.test/cb",
            Mode::Development
        ));
    }

    #[test]
    fn amr_names_the_methods() {
        assert_eq!(amr(Some(SignInMethod::Sms)), ["sms"]);
        assert_eq!(amr(Some(SignInMethod::Password)), ["pwd"]);
        assert_eq!(amr(Some(SignInMethod::Reset)), ["sms", "pwd"]);
    }
}
