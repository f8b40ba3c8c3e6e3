//! The account page: the signed-in phone number (masked), the recent sign-ins, and
//! sign-out that ends the session on the server (docs/DESIGN.md §3, §5).

mod page;

pub use page::AccountPage;

use crate::domain::DocumentKind;
use crate::error::ApiError;
use crate::i18n::Msg;
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// e.g. `138****8000`.
    pub masked_phone: String,
    /// The newest 20 sign-in attempts, newest first.
    pub sign_ins: Vec<SignInEntry>,
    /// Every document version the user accepted, oldest first (the consent
    /// ledger, docs/DESIGN.md §4).
    pub consents: Vec<ConsentEntry>,
}

/// One row of the user's consent record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub kind: DocumentKind,
    pub version: u32,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// [`Msg::MethodSignUp`] or [`Msg::MethodReconsent`].
    pub method: Msg,
}

/// One line of the sign-in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInEntry {
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub ip: String,
    /// Browser name and major version, e.g. `Chrome 156`.
    pub browser: String,
    pub method: Msg,
    pub outcome: Msg,
}

/// `GET /api/account`: the signed-in account and its recent sign-ins.
///
/// Errors: 401 without a valid session (or when the account is suspended); 403
/// [`Msg::ReconsentRequired`] while a document version is due.
#[get("/api/account", ctx: crate::server::http::context::RequestContext)]
pub async fn account_summary() -> Result<AccountSummary, ApiError> {
    let account = ctx.require_account().await?;
    server::summary(&ctx, account).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "account summary failed");
        ApiError::unexpected(ctx.lang)
    })
}

/// `POST /api/session/sign-out`: deletes the session on the server; the cookie is
/// worthless afterwards. Succeeds also without a session.
#[post("/api/session/sign-out", ctx: crate::server::http::context::RequestContext)]
pub async fn sign_out() -> Result<(), ApiError> {
    server::end_session(&ctx, false).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "sign-out failed");
        ApiError::unexpected(ctx.lang)
    })
}

/// A short browser name from a `User-Agent` header: name and major version.
pub fn browser_name(user_agent: &str) -> String {
    const KNOWN: [(&str, &str); 6] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ];
    KNOWN
        .iter()
        .find_map(|(token, name)| {
            let rest = &user_agent[user_agent.find(token)? + token.len()..];
            let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
            Some(format!("{name} {major}").trim().to_owned())
        })
        .unwrap_or_else(|| user_agent.chars().take(40).collect())
}

#[cfg(feature = "server")]
pub mod service;

#[cfg(feature = "server")]
pub use server::end_session;
#[cfg(feature = "server")]
pub use service::set_suspended;

#[cfg(feature = "server")]
mod server {
    use super::*;
    use crate::domain::PhoneNumber;
    use crate::server::clock::china_datetime;
    use crate::server::db::accounts::Account;
    use crate::server::db::consents::{self, ConsentMethod};
    use crate::server::db::sign_ins::{self, SignInMethod, SignInOutcome};
    use crate::server::http::context::RequestContext;
    use crate::server::session;

    /// Ends this browser's session: with a signed-in account, through
    /// [`service::sign_out`](super::service::sign_out) (the record deleted with its
    /// audit rows); then the session is flushed, so the cookie is worthless.
    /// Succeeds also without a session.
    ///
    /// Errors: storage failures.
    pub async fn end_session(ctx: &RequestContext, declined: bool) -> anyhow::Result<()> {
        let account = session::account_id(&ctx.session).await?;
        if let (Some(account), Some(id)) = (account, ctx.session.id()) {
            let caller = ctx.visitor().as_account(account);
            super::service::sign_out(&ctx.state, &caller, &session::id_hash(&id), declined).await?;
        }
        session::sign_out(&ctx.session).await
    }

    fn method(method: SignInMethod) -> Msg {
        match method {
            SignInMethod::Password => Msg::MethodPassword,
            SignInMethod::Sms => Msg::MethodSms,
            SignInMethod::Reset => Msg::MethodReset,
            SignInMethod::SignUp => Msg::MethodSignUp,
        }
    }

    fn consent_method(method: ConsentMethod) -> Msg {
        match method {
            ConsentMethod::SignUp => Msg::MethodSignUp,
            ConsentMethod::Reconsent => Msg::MethodReconsent,
        }
    }

    /// What the owner is told of an attempt: a wrong password and an unknown
    /// number read the same (the history is the account's own), as do the
    /// outcomes that name no fault of the user.
    fn outcome(outcome: SignInOutcome) -> Msg {
        match outcome {
            SignInOutcome::Success => Msg::OutcomeSuccess,
            SignInOutcome::WrongPassword => Msg::OutcomeWrongPassword,
            SignInOutcome::WrongCode => Msg::OutcomeWrongCode,
            SignInOutcome::Throttled => Msg::OutcomeThrottled,
            SignInOutcome::Suspended => Msg::OutcomeSuspended,
            SignInOutcome::UnknownPhone | SignInOutcome::NoAccount | SignInOutcome::CodeUsed => {
                Msg::OutcomeOther
            }
        }
    }

    pub async fn summary(ctx: &RequestContext, account: Account) -> anyhow::Result<AccountSummary> {
        let phone = ctx.state.keys.decrypt(&account.phone_encrypted)?;
        let phone = PhoneNumber::parse(&String::from_utf8_lossy(&phone))
            .map_err(|_| anyhow::anyhow!("stored phone does not parse"))?;
        let mut conn = ctx.state.db.read().await?;
        let sign_ins = sign_ins::recent(&mut conn, account.id, 20)
            .await?
            .into_iter()
            .map(|a| SignInEntry {
                at: china_datetime(a.at),
                ip: a.ip,
                browser: browser_name(&a.user_agent),
                method: method(a.method),
                outcome: outcome(a.outcome),
            })
            .collect();
        let consents = consents::of_account(&mut conn, account.id)
            .await?
            .into_iter()
            .map(|c| ConsentEntry {
                kind: c.document,
                version: c.version,
                at: china_datetime(c.accepted_at),
                method: consent_method(c.method),
            })
            .collect();
        Ok(AccountSummary {
            masked_phone: phone.masked(),
            sign_ins,
            consents,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn browser_names() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_name(chrome), "Chrome 156");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(browser_name(edge), "Edge 120");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_name(safari), "Safari 17");
        assert_eq!(browser_name("curl/8.0"), "curl/8.0");
    }
}
