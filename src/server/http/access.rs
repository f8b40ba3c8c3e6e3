//! Who may use the account area (docs/DESIGN.md §3, §4): the checks every account
//! server function and every account page runs on the server.

use super::RequestContext;
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

    fn storage_failed(&self, e: anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "session check failed");
        ApiError::unexpected(self.lang)
    }
}
