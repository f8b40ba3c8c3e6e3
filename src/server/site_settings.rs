//! Settings an admin changes at run time (docs/DESIGN.md §6): today the invitation
//! mode. The database holds the value (`site_settings`), shared by every instance;
//! the configured value (`GATEHOUSE_INVITATION_MODE`) is the default until an admin
//! sets one. Nothing is kept in memory: the sign-up page reads it with its status
//! (so a page rendered on any instance shows it within the page-cache window) and
//! sign-up checks it again in its own request.

use crate::domain::InvitationMode;
use crate::server::db::{site_settings, Conn, Db};

/// The stored name of the invitation mode.
pub const INVITATION_MODE: &str = "invitation_mode";

/// The run-time settings, over the database.
#[derive(Debug)]
pub struct SiteSettings {
    db: Db,
    configured: InvitationMode,
}

impl SiteSettings {
    /// `configured`: the mode until an admin sets one.
    pub fn new(db: Db, configured: InvitationMode) -> Self {
        Self { db, configured }
    }

    /// The invitation mode as stored, read in `conn` (a transaction sees its own
    /// change); the configured one when no admin set it.
    ///
    /// Errors: storage failures; a stored name this version does not know.
    pub async fn invitation_mode_in(&self, conn: &mut Conn) -> anyhow::Result<InvitationMode> {
        match site_settings::get(conn, INVITATION_MODE).await? {
            None => Ok(self.configured),
            Some(name) => InvitationMode::from_name(&name)
                .ok_or_else(|| anyhow::anyhow!("stored invitation mode {name:?} is unknown")),
        }
    }

    /// The invitation mode as stored now (one query).
    ///
    /// Errors: as [`Self::invitation_mode_in`].
    pub async fn invitation_mode(&self) -> anyhow::Result<InvitationMode> {
        let mut conn = self.db.read().await?;
        self.invitation_mode_in(&mut conn).await
    }
}
