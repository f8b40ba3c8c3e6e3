//! The `gatehouse` command line (docs/DESIGN.md §6): `serve` (the default), `migrate`,
//! `invite create`, `docs publish`, `audit verify`, `audit tail`, `admin grant`,
//! `admin revoke`. Each command that
//! changes something calls the same service the web does, as the operator.

use crate::domain::DocumentKind;
use crate::domain::InvitationCode;
use crate::legal::server::{self as legal, Publication};
use crate::server::audit;
use crate::server::caller::Caller;
use crate::server::clock::{china_standard_time, Clock, SystemClock};
use crate::server::config::{Mode, Settings, SmsProviderKind};
use crate::server::crypto::DataKeys;
use crate::server::db::accounts::AccountId;
use crate::server::db::Db;
use crate::server::hashing::{HashCost, PasswordHasher};
use crate::server::otp::rules::SendLimits;
use crate::server::sms::{
    Aliyun, AliyunConfig, DevOutbox, SmsProvider, Templates, Tencent, TencentConfig, Webhook,
};
use crate::server::state::{AppState, Inner};
use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use rand::Rng;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "gatehouse",
    version,
    about = "The account front door of a cloud console"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the app on IP:PORT (default 127.0.0.1:8080); the default command.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage invitation codes.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Manage the User Registration Agreement and the Privacy Policy.
    #[command(subcommand)]
    Docs(DocsCommand),
    /// Check and read the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Grant or revoke the admin role.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The OpenID Connect provider: clients and signing keys.
    #[command(subcommand)]
    Oidc(OidcCommand),
}

#[derive(Subcommand, Debug)]
enum OidcCommand {
    /// Register, list or revoke relying parties.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Add a signing key: published at once, signing 15 minutes later; the key it
    /// replaces stays published until the tokens it signed have expired. Prints
    /// the new key's kid.
    RotateKey,
}

#[derive(Subcommand, Debug)]
enum ClientCommand {
    /// Register a client and print its id and, for a confidential client, its
    /// secret (shown this once), as one JSON object.
    Add {
        /// What the consent screen and the admin area call it.
        #[arg(long)]
        name: String,
        /// Where codes may be sent, matched exactly; repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where RP-initiated logout may return to; repeat for several.
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A browser or native app: no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// The operator's own app: no consent screen.
        #[arg(long)]
        first_party: bool,
    },
    /// Print every client, one JSON object a line (never a secret).
    List,
    /// Revoke a client: no code or token from now on, its refresh tokens revoked.
    Revoke {
        /// The client's id.
        client_id: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Seal what is not sealed yet, then check the whole hash chain; exits with 1
    /// and names the first broken link if there is one.
    Verify,
    /// Print the newest events, newest first, one JSON object a line (address and
    /// browser stay encrypted).
    Tail {
        /// Only the events about this account id.
        #[arg(long)]
        account: Option<i64>,
        /// How many events.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Subcommand, Debug)]
enum DocsCommand {
    /// Publish a new version of a document and print its number. `{company}` and
    /// `{hotline}` in the texts are filled in now, so the stored text is what users
    /// see. A material version makes signed-in users agree again once in force.
    Publish {
        /// agreement or privacy.
        #[arg(long)]
        kind: DocumentKind,
        /// The Chinese text, Markdown, starting with its title line ("# ...").
        #[arg(long)]
        zh: PathBuf,
        /// The English text, Markdown, starting with its title line ("# ...").
        #[arg(long)]
        en: PathBuf,
        /// YYYY-MM-DD (from 00:00 China Standard Time), or an RFC 3339 instant; not
        /// before today.
        #[arg(long)]
        effective: String,
        /// A material change: users must agree again.
        #[arg(long)]
        material: bool,
        /// What changed, one sentence (shown in the notice banner).
        #[arg(long)]
        summary: String,
        /// What changed, in English (default: the same as --summary).
        #[arg(long)]
        summary_en: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum InviteCommand {
    /// Create an invitation code and print it.
    Create {
        /// How many accounts the code may create.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// Last valid day, YYYY-MM-DD (until 23:59:59 China Standard Time), or an
        /// RFC 3339 instant.
        #[arg(long)]
        expires: String,
        /// What the code is for, shown to admins (at most 200 characters).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Make the account of this number an admin (it signs in as usual, then
    /// confirms its password or an SMS code to use the admin area).
    Grant {
        /// The account's phone number, 11 digits.
        #[arg(long)]
        phone: String,
    },
    /// Take the admin role away from the account of this number.
    Revoke {
        /// The account's phone number, 11 digits.
        #[arg(long)]
        phone: String,
    },
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gatehouse: {e}");
            return 2;
        }
    };
    init_tracing(settings.mode);
    for name in Settings::unknown_env_vars() {
        tracing::warn!(variable = %name, "ignored: no setting has this name");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => {
                open_db(&settings).await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Docs(DocsCommand::Publish {
                kind,
                zh,
                en,
                effective,
                material,
                summary,
                summary_en,
            }) => {
                // Opening the state publishes version 1 first, so this one follows it.
                let state =
                    open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION).await?;
                let read = |path: &PathBuf| {
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))
                };
                let publication = Publication {
                    kind,
                    zh: read(&zh)?,
                    en: read(&en)?,
                    effective: effective.clone(),
                    material,
                    summary_en: summary_en.unwrap_or_else(|| summary.clone()),
                    summary_zh: summary,
                };
                let version = legal::publish(&state, &Caller::operator(), publication).await?;
                let material = if material { "material" } else { "not material" };
                println!("{kind} version {version}, effective {effective}, {material}");
                Ok(())
            }
            Command::Invite(InviteCommand::Create {
                uses,
                expires,
                note,
            }) => {
                let state =
                    open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION).await?;
                let code = create_invitation(&state, uses, &expires, note.as_deref()).await?;
                println!("{}", code.as_str());
                Ok(())
            }
            Command::Admin(command) => {
                let (phone, admin) = match command {
                    AdminCommand::Grant { phone } => (phone, true),
                    AdminCommand::Revoke { phone } => (phone, false),
                };
                let state =
                    open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION).await?;
                let parsed = crate::domain::PhoneNumber::parse(&phone)
                    .map_err(|_| anyhow::anyhow!("--phone {phone}: expected 11 digits"))?;
                let account =
                    crate::admin::service::set_admin(&state, &Caller::operator(), &parsed, admin)
                        .await
                        .map_err(|e| anyhow::anyhow!("--phone {}: {e}", parsed.masked()))?;
                let done = if admin {
                    "is now an admin"
                } else {
                    "is no longer an admin"
                };
                println!("account {account} ({}) {done}", parsed.masked());
                Ok(())
            }
            Command::Oidc(command) => {
                let state =
                    open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION).await?;
                oidc_command(&state, command).await
            }
            Command::Audit(AuditCommand::Verify) => {
                let db = open_db(&settings).await?;
                let sealed = audit::seal_pending(&db, &SystemClock).await?;
                let checked = audit::verify(&db).await?;
                if let Some(broken) = checked.broken {
                    bail!("{broken}; {} links before it hold", checked.sealed);
                }
                println!(
                    "audit chain whole: {} events ({sealed} sealed now)",
                    checked.sealed
                );
                Ok(())
            }
            Command::Audit(AuditCommand::Tail { account, limit }) => {
                let db = open_db(&settings).await?;
                for e in audit::tail(&db, account.map(AccountId), limit).await? {
                    let line = serde_json::json!({
                        "id": e.id,
                        "at": chrono::DateTime::from_timestamp(e.at, 0).map(|t| t.to_rfc3339()),
                        "actor": e.actor_kind,
                        "actor_id": e.actor_id,
                        "subject_id": e.subject_id,
                        "action": e.action,
                        "result": e.result,
                        "request_id": e.request_id,
                        "details": serde_json::from_str::<serde_json::Value>(&e.details)
                            .unwrap_or(serde_json::Value::String(e.details.clone())),
                    });
                    println!("{line}");
                }
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("gatehouse: {e:#}");
            1
        }
    }
}

/// Runs `gatehouse oidc ...` through the same services as the admin area.
async fn oidc_command(state: &AppState, command: OidcCommand) -> anyhow::Result<()> {
    use crate::oidc::service::{self, NewClient};
    match command {
        OidcCommand::RotateKey => {
            let kid = crate::oidc::keys::rotate(state, &Caller::operator()).await?;
            println!("{kid}");
        }
        OidcCommand::Client(ClientCommand::Add {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            first_party,
        }) => {
            let new = NewClient {
                name,
                redirect_uris,
                post_logout_redirect_uris,
                public,
                first_party,
            };
            let created = service::add_client(state, &Caller::operator(), new).await?;
            println!("{}", serde_json::to_string(&created)?);
        }
        OidcCommand::Client(ClientCommand::List) => {
            for client in service::list_clients(state).await? {
                println!("{}", serde_json::to_string(&client)?);
            }
        }
        OidcCommand::Client(ClientCommand::Revoke { client_id }) => {
            service::revoke_client(state, &Caller::operator(), &client_id).await?;
            println!("client {client_id} revoked");
        }
    }
    Ok(())
}

fn init_tracing(mode: Mode) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colors only on a terminal: a log file or journal gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match mode {
        Mode::Production => builder.json().try_init(),
        Mode::Development => builder.try_init(),
    };
}

async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::open(&settings.database_url()).await?;
    db.migrate().await?;
    Ok(db)
}

/// The configured vendor template ids by purpose (`GATEHOUSE_SMS_TEMPLATE_*`).
fn sms_templates(settings: &Settings) -> Templates {
    Templates::new(
        settings
            .sms_templates()
            .into_iter()
            .map(|(purpose, _, id)| (purpose, id)),
    )
}

/// Opens everything the app needs: storage (migrated), keys, hasher, SMS provider.
///
/// Errors: unreadable database or key, or a development-only part in production.
pub async fn open_state(
    settings: Settings,
    clock: Arc<dyn Clock>,
    cost: HashCost,
) -> anyhow::Result<AppState> {
    let db = open_db(&settings).await?;
    let master = match &settings.data_key {
        Some(key) => DataKeys::parse_master(key)?,
        None if settings.mode == Mode::Production => {
            bail!("GATEHOUSE_DATA_KEY is required in production")
        }
        None => {
            let path = settings.data_dir.join("data.key");
            let (key, generated) = DataKeys::load_or_generate(&path)?;
            if generated {
                tracing::warn!(
                    path = %path.display(),
                    "generated a development data key; set GATEHOUSE_DATA_KEY in production"
                );
            }
            key
        }
    };
    let sms: Arc<dyn SmsProvider> = match settings.sms_provider {
        SmsProviderKind::Development if settings.mode == Mode::Production => {
            bail!("GATEHOUSE_SMS_PROVIDER: the development provider is refused in production")
        }
        SmsProviderKind::Development => {
            tracing::warn!(outbox = %settings.sms_outbox().display(), "development SMS provider: codes go to the outbox");
            Arc::new(DevOutbox::new(settings.sms_outbox()))
        }
        SmsProviderKind::Webhook => {
            let (Some(url), Some(secret)) =
                (&settings.sms_webhook_url, &settings.sms_webhook_secret)
            else {
                bail!("GATEHOUSE_SMS_WEBHOOK_URL and GATEHOUSE_SMS_WEBHOOK_SECRET are required");
            };
            Arc::new(Webhook::new(
                url.clone(),
                secret.clone(),
                std::time::Duration::from_secs(settings.sms_webhook_timeout_seconds.into()),
            )?)
        }
        SmsProviderKind::Aliyun => Arc::new(Aliyun::new(AliyunConfig {
            endpoint: settings.sms_aliyun_endpoint.clone(),
            access_key_id: settings
                .sms_aliyun_access_key_id
                .clone()
                .unwrap_or_default(),
            access_key_secret: settings
                .sms_aliyun_access_key_secret
                .clone()
                .unwrap_or_else(|| secrecy::SecretString::from(String::new())),
            sign_name: settings.sms_sign_name.clone().unwrap_or_default(),
            templates: sms_templates(&settings),
            timeout: std::time::Duration::from_secs(settings.sms_timeout_seconds.into()),
        })?),
        SmsProviderKind::Tencent => Arc::new(Tencent::new(TencentConfig {
            endpoint: settings.sms_tencent_endpoint.clone(),
            region: settings.sms_tencent_region.clone(),
            secret_id: settings.sms_tencent_secret_id.clone().unwrap_or_default(),
            secret_key: settings
                .sms_tencent_secret_key
                .clone()
                .unwrap_or_else(|| secrecy::SecretString::from(String::new())),
            sdk_app_id: settings.sms_tencent_sdk_app_id.clone().unwrap_or_default(),
            sign_name: settings.sms_sign_name.clone().unwrap_or_default(),
            templates: sms_templates(&settings),
            timeout: std::time::Duration::from_secs(settings.sms_timeout_seconds.into()),
        })?),
    };
    let hasher = PasswordHasher::new(cost, settings.hash_permits())?;
    let random: String = (0..24)
        .map(|_| rand::rngs::OsRng.gen_range(b'a'..=b'z') as char)
        .collect();
    let dummy_hash = hasher.hash(secrecy::SecretString::from(random)).await?;
    let state = AppState::new(Inner {
        hasher,
        dummy_hash,
        login_throttle: crate::server::throttle::LoginThrottle::new(settings.login_ip_hourly),
        send_limits: SendLimits::new(settings.sms_ip_hourly, settings.sms_global_hourly),
        keys: DataKeys::from_master(&master),
        trusted_proxies: settings.trusted_proxies().map_err(anyhow::Error::msg)?,
        background: tokio_util::task::TaskTracker::new(),
        site: crate::server::site_settings::SiteSettings::new(db.clone(), settings.invitation_mode),
        pages: crate::server::page_cache::PageCache::new(std::time::Duration::from_secs(
            settings.page_cache_seconds.into(),
        )),
        db,
        sms,
        clock,
        settings,
    });
    let moved = crate::server::db::consents::migrate_plain_rows(&state.db, &state.keys).await?;
    if moved > 0 {
        tracing::info!(
            rows = moved,
            "consent records encrypted under their accounts' keys"
        );
    }
    let opt_ins = crate::server::db::consents::migrate_marketing_opt_ins(&state.db).await?;
    if opt_ins > 0 {
        tracing::info!(
            rows = opt_ins,
            "marketing opt-ins moved into the consent ledger"
        );
    }
    legal::publish_first_versions(&state).await?;
    Ok(state)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let state = open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION).await?;
    let addr = dioxus::cli_config::fullstack_address_or_localhost();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr} (set IP and PORT)"))?;
    crate::oidc::keys::ensure(&state).await?;
    tracing::info!(%addr, mode = ?state.settings.mode, "Gatehouse listening");
    let sealer = tokio::spawn(audit::seal_forever(state.db.clone(), state.clock.clone()));
    let purger = tokio::spawn(crate::server::retention::purge_forever(
        state.db.clone(),
        state.clock.clone(),
        state.settings.retention_days,
    ));
    crate::server::http::serve(
        listener,
        crate::server::http::router(state.clone()),
        crate::server::http::shutdown_signal(),
    )
    .await
    .context("serving")?;
    // SMS promised after an answer still go out (at most 30 s more).
    state.background.close();
    let drained = tokio::time::timeout(std::time::Duration::from_secs(30), state.background.wait());
    if drained.await.is_err() {
        tracing::warn!(
            left = state.background.len(),
            "stopping with SMS deliveries unfinished"
        );
    }
    sealer.abort();
    purger.abort();
    if let Err(e) = audit::seal_pending(&state.db, state.clock.as_ref()).await {
        tracing::warn!(error = %format!("{e:#}"), "sealing the audit log at shutdown failed");
    }
    // Every acknowledged write is committed; closing checkpoints SQLite's WAL.
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Parses `--expires`: a date means the end of that day in China Standard Time
/// (UTC+8); an RFC 3339 instant is taken as is.
pub fn parse_expiry(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("--expires {text}: expected YYYY-MM-DD or an RFC 3339 instant"))?;
    let end = day
        .and_hms_opt(23, 59, 59)
        .and_then(|t| t.and_local_timezone(china_standard_time()).single())
        .context("end of day")?;
    Ok(end.with_timezone(&Utc))
}

/// `invite create`: a random invitation code valid for `uses` accounts until
/// `expires` ([`parse_expiry`]) with an optional `note`, created by the operator
/// through the same service as the admin area's
/// ([`crate::register::invitations::create`]).
///
/// Errors: an unreadable `expires`, a note over 200 characters, and the service's
/// refusals.
pub async fn create_invitation(
    state: &AppState,
    uses: u32,
    expires: &str,
    note: Option<&str>,
) -> anyhow::Result<InvitationCode> {
    let expires_at = parse_expiry(expires)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > crate::admin::form::SHORT_TEXT_MAX_CHARS) {
        bail!("--note: at most 200 characters");
    }
    crate::register::invitations::create(state, &Caller::operator(), uses, expires_at, note)
        .await
        .map_err(|e| anyhow::anyhow!("--uses {uses} --expires {expires}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_expires_at_the_end_of_that_day_in_china() {
        let t = parse_expiry("2026-12-31").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-31T15:59:59+00:00");
        let t = parse_expiry("2027-01-01T00:00:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(parse_expiry("31/12/2026").is_err());
    }
}
