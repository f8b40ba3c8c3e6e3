//! Who may use the account area (docs/DESIGN.md §3, §4): the checks every account
//! server function and every account page runs on the server.

use super::RequestContext;
use crate::admin::ADMIN_CONFIRMATION_SECS;
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::legal::rules::Versions;
use crate::server::db::accounts::{self, Account};
use crate::server::session;
use dioxus::server::axum::http::StatusCode;

impl RequestContext {
    /// The guard of every account server function: the signed-in account, if it
    /// exists, is not suspended, and has agreed to every material document version
    /// in force (docs/DESIGN.md §3, §4). Enforced here, on the server, whatever the
    /// page does.
    ///
    /// Errors: 401 as [`Self::require_signed_in`]; 403 [`Msg::ReconsentRequired`]
    /// while a document is due (the page sends the user to `/consent`); 500 when
    /// storage fails.
    pub async fn require_account(&self) -> Result<Account, ApiError> {
        let account = self.require_signed_in().await?;
        let versions = Versions::load(&self.state.db, self.state.clock.as_ref())
            .await
            .map_err(|e| self.storage_failed(e))?;
        let due = versions
            .due_for_account(&self.state.db, account.id)
            .await
            .map_err(|e| self.storage_failed(e))?;
        if !due.is_empty() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Msg::ReconsentRequired,
                self.lang,
            ));
        }
        Ok(account)
    }

    /// The signed-in account, if it exists and is neither suspended nor deleted, whether or not a
    /// document is due: for the consent page alone.
    ///
    /// Errors: 401 without a valid session; the session of a suspended, deleted or
    /// missing account is ended first. 500 when storage fails.
    pub async fn require_signed_in(&self) -> Result<Account, ApiError> {
        let unauthorized = ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionRequired, self.lang);
        let Some(id) = session::account_id(&self.session)
            .await
            .map_err(|e| self.storage_failed(e))?
        else {
            return Err(unauthorized);
        };
        let found = async {
            let mut conn = self.state.db.read().await?;
            accounts::by_id(&mut conn, id).await
        };
        match found.await.map_err(|e| self.storage_failed(e))? {
            Some(account) if account.usable() => Ok(account),
            _ => {
                session::sign_out(&self.session)
                    .await
                    .map_err(|e| self.storage_failed(e))?;
                Err(unauthorized)
            }
        }
    }

    /// The guard of the admin area (docs/DESIGN.md §6): [`Self::require_account`],
    /// then the admin role and, when `fresh`, a confirmation of the password or an
    /// SMS code within the last [`ADMIN_CONFIRMATION_SECS`] (NIST SP 800-63B
    /// reauthentication; OWASP ASVS V4.3 for administrative interfaces).
    ///
    /// Errors: as [`Self::require_account`]; 403 [`Msg::AdminRequired`] for an
    /// account without the role; 403 [`Msg::AdminConfirmRequired`] when the
    /// confirmation is missing or older.
    pub async fn require_admin(&self, fresh: bool) -> Result<Account, ApiError> {
        let account = self.require_account().await?;
        self.check_admin(&account, fresh).await?;
        Ok(account)
    }

    /// The second half of [`Self::require_admin`], for `account` already checked.
    ///
    /// Errors: 403 [`Msg::AdminRequired`], 403 [`Msg::AdminConfirmRequired`].
    pub async fn check_admin(&self, account: &Account, fresh: bool) -> Result<(), ApiError> {
        if !account.admin {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Msg::AdminRequired,
                self.lang,
            ));
        }
        if fresh && self.admin_confirmed_secs_left().await? == 0 {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Msg::AdminConfirmRequired,
                self.lang,
            ));
        }
        Ok(())
    }

    /// Seconds left of this session's admin confirmation (0 without one).
    ///
    /// Errors: 500 when the session fails.
    pub async fn admin_confirmed_secs_left(&self) -> Result<u64, ApiError> {
        let at = session::admin_confirmed_at(&self.session)
            .await
            .map_err(|e| self.storage_failed(e))?;
        let now = self.state.clock.unix();
        Ok(at.map_or(0, |at| {
            (at + ADMIN_CONFIRMATION_SECS - now).clamp(0, ADMIN_CONFIRMATION_SECS) as u64
        }))
    }

    /// Writes the audit row of a refused admin request to `path` (`why`:
    /// `not-admin`, `confirmation-required`, `documents-due`), with the account as
    /// actor (as an admin when it holds the role). The row names the server
    /// function only when Dioxus registered one at `path` (else `unregistered`),
    /// so a caller cannot write text of its choosing into the append-only log. A
    /// visitor without a session is refused without a row: nothing names who
    /// asked, and a row per anonymous request would let anyone fill the log.
    pub async fn record_admin_refusal(&self, account: &Account, path: &str, why: &str) {
        use crate::server::audit::{AuditAction, AuditEvent};
        let caller = if account.admin {
            self.visitor().as_admin(account.id)
        } else {
            self.visitor().as_account(account.id)
        };
        let event = AuditEvent::refused(
            AuditAction::AdminRefused,
            None,
            serde_json::json!({ "path": registered_admin_path(path), "reason": why }),
        );
        self.record_apart(&caller, event).await;
    }

    /// Writes `event` by `caller` in a transaction of its own: the audit row of a
    /// refusal, where there is no change to share a transaction with. A failure is
    /// logged, not answered: the refusal stands either way.
    pub async fn record_apart(
        &self,
        caller: &crate::server::caller::Caller,
        event: crate::server::audit::AuditEvent,
    ) {
        let written = async {
            let mut tx = self.state.db.write(&[]).await?;
            let now = self.state.clock.unix();
            crate::server::audit::record(&mut tx, &self.state.keys, now, caller, event).await?;
            tx.commit().await?;
            anyhow::Ok(())
        };
        if let Err(e) = written.await {
            tracing::error!(error = %format!("{e:#}"), "recording a refusal in the audit log failed");
        }
    }

    fn storage_failed(&self, e: anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "session check failed");
        ApiError::unexpected(self.lang)
    }
}

/// `path` when Dioxus registered a server function there, else `unregistered`.
fn registered_admin_path(path: &str) -> &'static str {
    use std::sync::OnceLock;
    static PATHS: OnceLock<Vec<&'static str>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        dioxus::server::ServerFunction::collect()
            .into_iter()
            .map(|f| f.path())
            .filter(|p| p.starts_with("/api/admin/"))
            .collect()
    });
    paths
        .iter()
        .find(|p| **p == path)
        .copied()
        .unwrap_or("unregistered")
}
