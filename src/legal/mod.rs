//! The User Registration Agreement and the Privacy Policy (docs/DESIGN.md §4): numbered
//! versions of each kind, the consent ledger, re-consent after a material change,
//! and the notice banner after any change.
//!
//! - `/legal/{kind}` shows the version in force, `/legal/{kind}/{n}` any version,
//!   both with the list of every version; the sign-up dialog shows the version in
//!   force.
//! - Once a material version is in force, every account server function answers
//!   403 [`Msg::ReconsentRequired`] to a user who has not accepted it
//!   (`RequestContext::require_account`); the page sends them to `/consent`.
//! - Versions are published with `gatehouse docs publish` ([`server::publish`]).

mod consent_page;
mod page;
#[cfg(feature = "server")]
pub mod rules;
#[cfg(feature = "server")]
pub mod server;

mod types;

pub use crate::domain::{DocumentKind, UnknownDocument};
pub use consent_page::ConsentPage;
pub use page::{DocumentBody, LegalDialog, LegalPage, NoticeBanner};
pub use types::*;

use crate::error::ApiError;
use crate::i18n::Lang;
#[cfg(doc)]
use crate::i18n::Msg;
use dioxus::prelude::*;

/// `POST /api/legal/document`: version `version` of `kind` in `lang`, or the
/// version in force when `version` is `None`.
///
/// Errors: 404 [`Msg::DocumentNotFound`] for a version never published (or no
/// version in force yet); 500 when storage fails.
#[cfg(not(public_build))]
#[post("/api/legal/document", ctx: crate::server::http::context::RequestContext)]
pub async fn legal_document(
    kind: DocumentKind,
    version: Option<u32>,
    lang: Lang,
) -> Result<LegalDocument, ApiError> {
    server::document(&ctx.state, kind, version, lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

crate::api_client::public_call! {
    post "/api/legal/document",
    fn legal_document(kind: DocumentKind, version: Option<u32>, lang: Lang) -> LegalDocument
}

/// `GET /api/legal/notices`: per document, the version in force if it took effect
/// in the last `GATEHOUSE_LEGAL_NOTICE_DAYS` days (30), except version 1 and those
/// this browser dismissed (cookie [`NOTICE_COOKIE`]).
///
/// Errors: 500 when storage fails.
#[cfg(not(public_build))]
#[get("/api/legal/notices", ctx: crate::server::http::context::RequestContext, headers: dioxus::server::axum::http::HeaderMap)]
pub async fn legal_notices() -> Result<Vec<VersionEntry>, ApiError> {
    let cookies = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    server::notices(&ctx.state, &dismissed_notices(&cookies))
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

crate::api_client::public_call! {
    get "/api/legal/notices",
    fn legal_notices() -> Vec<VersionEntry>
}

/// `GET /api/consent`: the documents the signed-in user must agree to again
/// before any account page, each at the version in force; empty when none.
///
/// Errors: 401 without a valid session; 500 when storage fails.
#[get("/api/consent", ctx: crate::server::http::context::RequestContext)]
pub async fn consent_due() -> Result<Vec<VersionEntry>, ApiError> {
    let account = ctx.require_signed_in().await?;
    server::due_entries(&ctx.state, account.id)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/consent`: "Agree and Continue". Records, in the consent ledger, the
/// versions the page showed (`accepted`: kind and version), method `re-consent`,
/// with this request's IP and browser; a version already recorded is not written
/// twice, so agreeing again succeeds without writing.
///
/// Errors: 401 without a valid session; 409 [`Msg::DocumentsChanged`] when
/// `accepted` leaves out a document due now or names a version not in force (a
/// newer version took effect while the page was open); 500 when storage fails.
#[post("/api/consent", ctx: crate::server::http::context::RequestContext)]
pub async fn accept_consent(accepted: Vec<(DocumentKind, u32)>) -> Result<(), ApiError> {
    let account = ctx.require_signed_in().await?;
    server::accept(&ctx.state, &ctx.visitor().as_account(account.id), accepted)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/consent/decline`: "Decline": the refusal is audited and this browser
/// is signed out (the account stays; the next sign-in asks again).
///
/// Errors: 401 without a valid session; 500 when storage fails.
#[post("/api/consent/decline", ctx: crate::server::http::context::RequestContext)]
pub async fn decline_consent() -> Result<(), ApiError> {
    ctx.require_signed_in().await?;
    crate::account::end_session(&ctx, true).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "declining failed");
        ApiError::unexpected(ctx.lang)
    })
}
