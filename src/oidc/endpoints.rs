//! The provider's HTTP endpoints (OpenID Connect Core 1.0, Discovery 1.0,
//! RP-Initiated Logout 1.0): `/.well-known/openid-configuration`, `/jwks`,
//! `/authorize`, `/token`, `/userinfo`, `/end-session`. They take query strings
//! and form-encoded bodies as the standards say and stand outside the `/api/`
//! JSON-only and same-origin rules (`server::origin::ORIGIN_EXEMPT`); the token
//! and UserInfo endpoints answer CORS for the origins of registered redirect URIs.
//!
//! A request whose client or redirect URI cannot be trusted never goes back to
//! it: the browser lands on Gatehouse's own `/authorize/error` page instead.

use super::service::{self, ClientCredentials, Pending, TokenError};
use super::types::{AuthorizeProblem, Scope};
use crate::i18n::Msg;
use crate::server::http::context::RequestContext;
use crate::server::http::form::parameters;
use crate::server::session;
use crate::server::state::AppState;
use base64::Engine;
use dioxus::server::axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Largest form body the endpoints read (bytes).
const MAX_FORM_BYTES: usize = 16 * 1024;
/// Longest `state` or `nonce` kept and echoed (bytes): a request is stored, so
/// its size is bounded.
const MAX_ECHO: usize = 512;

/// The endpoints, with CORS on `/token` and `/userinfo` for the origins of the
/// active clients' redirect URIs (preflight cached 10 minutes).
pub fn routes(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(move |origin, _| {
            let state = state.clone();
            async move {
                let Ok(origin) = origin.to_str() else {
                    return false;
                };
                service::any_client_has_origin(&state, origin)
                    .await
                    .unwrap_or(false)
            }
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let api = Router::new()
        .route("/token", post(token))
        .route("/userinfo", get(userinfo).post(userinfo))
        .layer(cors);
    // Discovery and keys are public: any origin may read them (a browser app
    // configures itself from them).
    let public = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .layer(
            CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([Method::GET]),
        );
    Router::new()
        .merge(public)
        .route("/authorize", get(authorize).post(authorize))
        .route("/end-session", get(end_session).post(end_session))
        .merge(api)
}

/// `Cache-Control` for what a relying party may cache: discovery and keys.
const PUBLIC_5_MIN: &str = "public, max-age=300";

/// `GET /.well-known/openid-configuration` (Discovery 1.0 §3).
async fn discovery(Extension(state): Extension<AppState>) -> Response {
    let iss = state.settings.issuer();
    let body = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "end_session_endpoint": format!("{iss}/end-session"),
        "scopes_supported": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "azp",
            "name", "email", "email_verified", "phone_number", "phone_number_verified", "address",
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": ["zh-CN", "en"],
    });
    cacheable(Json(body).into_response())
}

/// `GET /jwks`: the published signing keys (RFC 7517).
async fn jwks(Extension(state): Extension<AppState>) -> Response {
    match super::keys::published(&state).await {
        Ok(set) => cacheable(Json(set).into_response()),
        Err(e) => failed(e),
    }
}

fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_5_MIN),
    );
    response
}

fn failed(e: anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "OpenID Connect endpoint failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// 303 to Gatehouse's own error page: the request cannot go back to its app.
fn problem(p: AuthorizeProblem) -> Response {
    Redirect::to(&format!("/authorize/error?reason={}", p.as_str())).into_response()
}

/// 303 back to the client with an error (OpenID Connect Core §3.1.2.6).
fn error_to_client(
    state: &AppState,
    redirect_uri: &str,
    client_state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let issuer = state.settings.issuer();
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(s) = client_state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &issuer));
    Redirect::to(&service::with_query(redirect_uri, &pairs)).into_response()
}

/// `GET|POST /authorize`: a new authorization request (`client_id` ...), or one
/// kept on the server resumed after sign-in or consent (`request=<id>`).
async fn authorize(ctx: RequestContext, request: Request) -> Response {
    let params = match parameters(request, MAX_FORM_BYTES).await {
        Ok(p) => p,
        Err(_) => return problem(AuthorizeProblem::UnknownClient),
    };
    if !params.contains_key("client_id") {
        if let Some(id) = params.get("request") {
            return match service::pending(&ctx.state, id).await {
                Ok(Some(pending)) => proceed(&ctx, id, pending).await,
                Ok(None) => problem(AuthorizeProblem::RequestExpired),
                Err(e) => failed(e),
            };
        }
    }
    new_request(&ctx, &params).await
}

/// Checks a new request against its client (OpenID Connect Core §3.1.2.2),
/// stores it and goes on with it.
async fn new_request(ctx: &RequestContext, params: &HashMap<String, String>) -> Response {
    let state = &ctx.state;
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let client = match get("client_id") {
        Some(id) => match service::active_client(state, id).await {
            Ok(client) => client,
            Err(e) => return failed(e),
        },
        None => None,
    };
    let Some(client) = client else {
        return problem(AuthorizeProblem::UnknownClient);
    };
    let Some(redirect_uri) =
        get("redirect_uri").filter(|u| client.redirect_uris.iter().any(|r| r == u))
    else {
        return problem(AuthorizeProblem::BadRedirectUri);
    };
    // An overlong `state` is not echoed (nor stored): at most MAX_ECHO bytes.
    let client_state = get("state").filter(|s| s.len() <= MAX_ECHO);
    let fail = |error: &str, description: &str| {
        error_to_client(state, redirect_uri, client_state, error, description)
    };
    if get("state").is_some_and(|s| s.len() > MAX_ECHO)
        || get("nonce").is_some_and(|n| n.len() > MAX_ECHO)
    {
        return fail("invalid_request", "state and nonce are at most 512 bytes");
    }
    if get("request").is_some() {
        return fail("request_not_supported", "request objects are not supported");
    }
    if get("request_uri").is_some() {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    match get("response_type") {
        Some("code") => {}
        None => return fail("invalid_request", "response_type is required"),
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            )
        }
    }
    let scopes = Scope::list(get("scope").unwrap_or(""));
    if !scopes.contains(&Scope::OpenId) {
        return fail("invalid_scope", "the openid scope is required");
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), Some("S256")) if valid_challenge(c) => Some(c.to_owned()),
        (Some(_), Some("S256")) => return fail("invalid_request", "malformed code_challenge"),
        (Some(_), Some(_)) | (None, Some(_)) => {
            return fail("invalid_request", "code_challenge_method must be S256")
        }
        (Some(_), None) => {
            return fail(
                "invalid_request",
                "code_challenge_method is required (S256; plain is not supported)",
            )
        }
        (None, None) if client.public() => {
            return fail(
                "invalid_request",
                "PKCE (S256) is required for public clients",
            )
        }
        (None, None) => None,
    };
    let prompts: Vec<&str> = get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect();
    if prompts.contains(&"none") && prompts.len() > 1 {
        return fail("invalid_request", "prompt=none cannot be combined");
    }
    let known: Vec<&str> = ["none", "login", "consent"]
        .into_iter()
        .filter(|p| prompts.contains(p))
        .collect();
    let prompt = (!known.is_empty()).then(|| known.join(" "));
    let max_age = match get("max_age").map(str::parse::<i64>) {
        None => None,
        Some(Ok(age)) if age >= 0 => Some(age),
        Some(_) => return fail("invalid_request", "max_age must be a number of seconds"),
    };
    let p = service::Params {
        redirect_uri: redirect_uri.to_owned(),
        scope: Scope::join(&scopes),
        state: client_state.map(str::to_owned),
        nonce: get("nonce").map(str::to_owned),
        code_challenge,
        prompt,
        max_age,
    };
    let id = match service::store_request(state, &client, &p).await {
        Ok(id) => id,
        Err(e) => return failed(e),
    };
    let pending = Pending {
        client,
        params: p,
        created_at: state.clock.unix(),
    };
    proceed(ctx, &id, pending).await
}

/// A PKCE challenge as S256 makes it: 43 base64url characters.
fn valid_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `/login?next=` back to the pending request `id`.
fn to_page(page: &str, id: &str) -> Response {
    let resume = format!("/authorize?request={id}");
    let next: String = url::form_urlencoded::byte_serialize(resume.as_bytes()).collect();
    Redirect::to(&format!("{page}?next={next}")).into_response()
}

/// Takes a stored request as far as the session allows: to sign-in, to "Agree and
/// Continue", to the consent screen, or back to the client with a code.
async fn proceed(ctx: &RequestContext, id: &str, pending: Pending) -> Response {
    let state = &ctx.state;
    let p = &pending.params;
    let silent = p.prompts("none");
    let fail = |error: &str, description: &str| {
        error_to_client(
            state,
            &p.redirect_uri,
            p.state.as_deref(),
            error,
            description,
        )
    };
    let account = match ctx.require_account().await {
        Ok(account) => account,
        Err(e) if e.status == StatusCode::UNAUTHORIZED.as_u16() => {
            return if silent {
                fail("login_required", "no session")
            } else {
                to_page("/login", id)
            };
        }
        Err(e) if e.key == Msg::ReconsentRequired => {
            return if silent {
                fail(
                    "interaction_required",
                    "a document needs the user's agreement",
                )
            } else {
                to_page("/consent", id)
            };
        }
        Err(e) => return failed(anyhow::anyhow!("session check failed: {}", e.message)),
    };
    let facts = match session::sign_in_facts(&ctx.session).await {
        Ok(facts) => facts,
        Err(e) => return failed(e),
    };
    let now = state.clock.unix();
    // A sign-in since the request arrived satisfies `prompt=login` and any
    // `max_age` (OpenID Connect Core §3.1.2.1).
    let fresh = facts.as_ref().is_some_and(|f| {
        let since_request = f.signed_in_at >= pending.created_at;
        let young = p.max_age.is_none_or(|age| now - f.signed_in_at <= age);
        since_request || (!p.prompts("login") && young)
    });
    let Some(facts) = facts.filter(|_| fresh) else {
        if silent {
            return fail("login_required", "a fresh sign-in is required");
        }
        // The session stays until the new sign-in replaces it: a link another
        // site sends the browser to must not be able to sign anyone out.
        return to_page("/login", id);
    };
    if !pending.client.row.first_party {
        let granted_at =
            match service::consent_covers(state, account.id, &pending.client, &p.scope).await {
                Ok(at) => at,
                Err(e) => return failed(e),
            };
        // `prompt=consent` asks again unless the user answered since the request.
        let ask = match granted_at {
            None => true,
            Some(at) => p.prompts("consent") && at < pending.created_at,
        };
        if ask {
            if silent {
                return fail("consent_required", "the user has not allowed this client");
            }
            return Redirect::to(&format!("/authorize/consent?request={id}")).into_response();
        }
    }
    let caller = ctx.visitor().as_account(account.id);
    match service::issue_code(state, &caller, id, &pending, account.id, &facts).await {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => problem(AuthorizeProblem::RequestExpired),
        Err(e) => failed(e),
    }
}

/// The token endpoint's JSON answer, never cached (RFC 6749 §5.1).
fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A refusal in RFC 6749 §5.2's shape; `invalid_client` answers 401 with a
/// `WWW-Authenticate` challenge.
fn token_error(e: TokenError) -> Response {
    let (status, error, description) = match &e {
        TokenError::InvalidClient => (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        ),
        TokenError::InvalidGrant(why) => (StatusCode::BAD_REQUEST, "invalid_grant", *why),
        TokenError::InvalidRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", *why),
        TokenError::UnsupportedGrantType => (
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
        TokenError::Unexpected(e) => return failed(anyhow::anyhow!("{e:#}")),
    };
    let mut response = no_store(
        status,
        json!({ "error": error, "error_description": description }),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"gatehouse\""),
        );
    }
    response
}

/// The credentials of the `Authorization` header if its scheme is `scheme`
/// (compared ignoring case, RFC 9110 §11.1).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(credentials)
}

/// The client's credentials: HTTP Basic (`client_secret_basic`, each part
/// form-decoded, RFC 6749 §2.3.1), or `client_id` and `client_secret` in the body
/// (`client_secret_post`), or `client_id` alone (a public client). Using two
/// methods at once is an error.
fn credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ClientCredentials, TokenError> {
    let basic = authorization(headers, "Basic");
    if let Some(basic) = basic {
        if form.contains_key("client_secret") {
            return Err(TokenError::InvalidRequest(
                "two client authentication methods",
            ));
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .map_err(|_| TokenError::InvalidClient)?;
        let decoded = String::from_utf8(decoded).map_err(|_| TokenError::InvalidClient)?;
        let (id, secret) = decoded.split_once(':').ok_or(TokenError::InvalidClient)?;
        let decode = |s: &str| -> String {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let (id, secret) = (decode(id), decode(secret));
        if form.get("client_id").is_some_and(|body_id| *body_id != id) {
            return Err(TokenError::InvalidRequest(
                "client_id differs from the Authorization header",
            ));
        }
        return Ok(ClientCredentials {
            client_id: id,
            secret: Some(secret),
        });
    }
    let client_id = form.get("client_id").ok_or(TokenError::InvalidClient)?;
    Ok(ClientCredentials {
        client_id: client_id.clone(),
        secret: form.get("client_secret").cloned(),
    })
}

/// `POST /token`: grant types `authorization_code` and `refresh_token`.
async fn token(ctx: RequestContext, request: Request) -> Response {
    let headers = request.headers().clone();
    let form = match parameters(request, MAX_FORM_BYTES).await {
        Ok(form) => form,
        Err(why) => return token_error(TokenError::InvalidRequest(why)),
    };
    let result = async {
        let client = service::authenticate(&ctx.state, &credentials(&headers, &form)?).await?;
        let caller = ctx.visitor();
        let get = |name: &str| form.get(name).map(String::as_str);
        match get("grant_type") {
            Some("authorization_code") => {
                let code = get("code").ok_or(TokenError::InvalidRequest("code is required"))?;
                let redirect_uri = get("redirect_uri");
                let verifier = get("code_verifier");
                service::exchange_code(&ctx.state, &caller, &client, code, redirect_uri, verifier)
                    .await
            }
            Some("refresh_token") => {
                let token = get("refresh_token")
                    .ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
                service::refresh(&ctx.state, &caller, &client, token).await
            }
            _ => Err(TokenError::UnsupportedGrantType),
        }
    };
    match result.await {
        Ok(tokens) => no_store(StatusCode::OK, json!(tokens)),
        Err(e) => token_error(e),
    }
}

/// A UserInfo refusal (RFC 6750 §3): 401 with a `WWW-Authenticate: Bearer`
/// challenge naming the error, or 400 for a malformed request.
fn bearer_error(status: StatusCode, error: Option<&str>) -> Response {
    let challenge = match error {
        Some(error) => format!("Bearer error=\"{error}\""),
        None => "Bearer".to_owned(),
    };
    let mut response = no_store(status, json!({ "error": error.unwrap_or("invalid_token") }));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `GET|POST /userinfo` (OpenID Connect Core §5.3): the bearer token in the
/// `Authorization` header, or as `access_token` in a form body.
async fn userinfo(ctx: RequestContext, request: Request) -> Response {
    let header_token = authorization(request.headers(), "Bearer").map(|t| t.trim().to_owned());
    let body_token = if request.method() == Method::POST
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    {
        match parameters(request, MAX_FORM_BYTES).await {
            Ok(mut form) => form.remove("access_token"),
            Err(_) => return bearer_error(StatusCode::BAD_REQUEST, Some("invalid_request")),
        }
    } else {
        None
    };
    let token = match (header_token, body_token) {
        (Some(_), Some(_)) => {
            return bearer_error(StatusCode::BAD_REQUEST, Some("invalid_request"))
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return bearer_error(StatusCode::UNAUTHORIZED, None),
    };
    match service::access_token_account(&ctx.state, &token).await {
        Ok(Some((account, claims))) => {
            match service::userinfo(&ctx.state, account, &claims).await {
                Ok(body) => no_store(StatusCode::OK, body),
                Err(e) => failed(e),
            }
        }
        Ok(None) => bearer_error(StatusCode::UNAUTHORIZED, Some("invalid_token")),
        Err(e) => failed(e),
    }
}

/// `GET|POST /end-session` (RP-Initiated Logout 1.0): with an `id_token_hint` we
/// signed for the account signed in here, ends this browser's Gatehouse session
/// (which revokes the account's refresh tokens) and returns to a registered
/// `post_logout_redirect_uri` with `state`, else to the sign-in page. Without a
/// valid hint nothing is ended (a link on another site cannot sign anyone out)
/// and the browser goes to the account center, where the user can sign out.
async fn end_session(ctx: RequestContext, request: Request) -> Response {
    let params = match parameters(request, MAX_FORM_BYTES).await {
        Ok(p) => p,
        Err(_) => return problem(AuthorizeProblem::BadRedirectUri),
    };
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let hint = match get("id_token_hint") {
        Some(token) => service::id_token_hint(&ctx.state, token).await,
        None => None,
    };
    let client_id = hint.as_ref().map(|h| h.aud.as_str()).or(get("client_id"));
    if let (Some(hint), Some(id)) = (&hint, get("client_id")) {
        if hint.aud != id {
            return problem(AuthorizeProblem::UnknownClient);
        }
    }
    let client = match client_id {
        Some(id) => match service::active_client(&ctx.state, id).await {
            Ok(client) => client,
            Err(e) => return failed(e),
        },
        None => None,
    };
    let back = match (get("post_logout_redirect_uri"), &client) {
        (None, _) => None,
        (Some(uri), Some(client)) if client.post_logout_redirect_uris.iter().any(|u| u == uri) => {
            Some(uri.to_owned())
        }
        (Some(_), _) => return problem(AuthorizeProblem::BadRedirectUri),
    };
    let Some(hint) = hint else {
        return Redirect::to("/account").into_response();
    };
    let ended = async {
        let Some(account) = session::account_id(&ctx.session).await? else {
            return Ok::<_, anyhow::Error>(());
        };
        if service::subject_of(&ctx.state, account).await? != hint.sub {
            return Ok(());
        }
        let caller = ctx.visitor().as_account(account);
        service::record_logout(&ctx.state, &caller, account, &hint.aud).await?;
        crate::account::end_session(&ctx, false).await
    };
    if let Err(e) = ended.await {
        return failed(e);
    }
    match back {
        Some(uri) => {
            let pairs: Vec<(&str, &str)> = get("state").map(|s| ("state", s)).into_iter().collect();
            Redirect::to(&service::with_query(&uri, &pairs)).into_response()
        }
        None => Redirect::to("/login").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(crate::server::http::form::form_pairs(b"a=1&b=2").is_ok());
        assert!(crate::server::http::form::form_pairs(b"a=1&a=2").is_err());
        assert_eq!(
            crate::server::http::form::form_pairs(b"next=%2Fx%3Fa%3D1").unwrap()["next"],
            "/x?a=1"
        );
    }

    #[test]
    fn challenges_are_43_base64url_characters() {
        assert!(valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"
        ));
        assert!(!valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
