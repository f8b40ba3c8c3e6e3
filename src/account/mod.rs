//! The account center (docs/DESIGN.md §5): every right the Privacy Policy (§5 "Your
//! Rights") promises. The profile, the password and phone number, marketing
//! consent, the live sessions and sign-in history with misuse reports, the
//! account's download and its deletion.
//!
//! - [`types`] and [`form`]: what pages and server functions exchange, shared by
//!   the browser and the server.
//! - [`api`]: the server functions under `/api/account`; `service` (the changes)
//!   and `view` (the reads) behind them, server only.
//! - `pages`: `/account`, `/account/password`, `/account/phone`,
//!   `/account/devices`, `/account/delete`.

pub mod api;
pub mod form;
mod pages;
pub mod types;

pub use pages::{
    AccountDeletePage, AccountDevicesPage, AccountPage, AccountPasswordPage, AccountPhonePage,
};
pub use types::*;

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
pub(crate) mod view;

/// Ends this browser's session: with a signed-in account, through
/// [`service::sign_out`] (the record deleted with its audit rows); then the session
/// is flushed, so the cookie is worthless. Succeeds also without a session.
///
/// Errors: storage failures.
#[cfg(feature = "server")]
pub async fn end_session(
    ctx: &crate::server::http::context::RequestContext,
    declined: bool,
) -> anyhow::Result<()> {
    use crate::server::session;
    let account = session::account_id(&ctx.session).await?;
    if let (Some(account), Some(id)) = (account, ctx.session.id()) {
        let caller = ctx.visitor().as_account(account);
        service::sign_out(&ctx.state, &caller, &session::id_hash(&id), declined).await?;
    }
    session::sign_out(&ctx.session).await
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
