//! The server side of the documents (docs/DESIGN.md §4): reading the versions and
//! the ledger for the rules ([`Versions`], in `rules`), agreeing and declining,
//! publishing, and rendering Markdown safely.

use super::rules::{DocumentVersion, Versions};
use super::types::{notice_id, LegalDocument, VersionEntry};
use crate::domain::DocumentKind;
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::{Actor, Caller};
use crate::server::clock::{china_date, china_standard_time, Clock};
use crate::server::db::accounts::AccountId;
use crate::server::db::consents::{self, ConsentMethod, NewConsents};
use crate::server::db::documents::{self, NewDocumentVersion};
use crate::server::db::{Db, Lock, Timestamp};
use crate::server::state::AppState;
use anyhow::Context;
use dioxus::fullstack::StatusCode;

/// Reading the versions and the ledger the rules need.
impl Versions {
    /// Every version in the database, read at the clock's now.
    ///
    /// Errors: storage failures, a stored kind this version does not know.
    pub async fn load(db: &Db, clock: &dyn Clock) -> anyhow::Result<Self> {
        let mut conn = db.read().await?;
        Ok(Self::new(documents::all(&mut conn).await?, clock.unix()))
    }

    /// The documents account `account_id` must agree to again, reading its ledger.
    ///
    /// Errors: storage failures.
    pub async fn due_for_account(
        &self,
        db: &Db,
        account_id: AccountId,
    ) -> anyhow::Result<Vec<&DocumentVersion>> {
        let mut conn = db.read().await?;
        let accepted: Vec<(DocumentKind, u32)> = consents::of_account(&mut conn, account_id)
            .await?
            .into_iter()
            .map(|c| (c.document, c.version))
            .collect();
        Ok(self.due_for(&accepted))
    }
}

/// Why a document request or an agreement did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LegalError {
    /// The agreement leaves out a document due now, or names a version not in
    /// force (a newer one took effect while the page was open).
    #[error("the agreement names other versions than those due")]
    DocumentsChanged,
    /// No such version, or no version in force yet.
    #[error("no such document version")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl LegalError {
    /// The one mapping to HTTP: 409 [`Msg::DocumentsChanged`], 404
    /// [`Msg::DocumentNotFound`], 500.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::DocumentsChanged => {
                ApiError::new(StatusCode::CONFLICT, Msg::DocumentsChanged, lang)
            }
            Self::NotFound => ApiError::new(StatusCode::NOT_FOUND, Msg::DocumentNotFound, lang),
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "documents: storage failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// The documents `account` must agree to again now, each at its version in force.
pub async fn due_entries(
    state: &AppState,
    account: AccountId,
) -> Result<Vec<VersionEntry>, LegalError> {
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    let due = versions.due_for_account(&state.db, account).await?;
    Ok(due.iter().map(|r| versions.entry(r)).collect())
}

/// Records "Agree and Continue" for the caller's account in the consent ledger,
/// method `re-consent`, with the caller's address and browser: `accepted` must name
/// every document due, each at its version in force (a repeated agreement, from a
/// second tab or a double click, names versions already recorded and succeeds
/// without writing).
///
/// Errors: [`LegalError::DocumentsChanged`]; [`LegalError::Unexpected`] for a
/// caller that is not an account.
pub async fn accept(
    state: &AppState,
    caller: &Caller,
    accepted: Vec<(DocumentKind, u32)>,
) -> Result<(), LegalError> {
    let Actor::Account(account_id) = caller.actor else {
        return Err(anyhow::anyhow!("only an account agrees to documents").into());
    };
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    let due = versions.due_for_account(&state.db, account_id).await?;
    let in_force = |(kind, version): &(DocumentKind, u32)| {
        versions
            .in_force(*kind)
            .is_some_and(|r| r.version == *version)
    };
    let covers_due = due.iter().all(|r| {
        accepted
            .iter()
            .any(|(k, v)| *k == r.kind && *v == r.version)
    });
    if !covers_due || !accepted.iter().all(in_force) {
        return Err(LegalError::DocumentsChanged);
    }
    let record = NewConsents {
        account_id,
        documents: accepted,
        accepted_at: state.clock.unix(),
        ip: caller.meta.ip.clone(),
        user_agent: caller.meta.user_agent.clone(),
        method: ConsentMethod::Reconsent,
    };
    // The ledger skips a version already recorded: no lock needed.
    let mut tx = state.db.write(&[]).await?;
    if consents::append(&mut tx, &state.keys, &record).await? > 0 {
        let details = serde_json::json!({ "documents": record.documents, "method": "re-consent" });
        let event = AuditEvent::success(AuditAction::ConsentGiven, Some(account_id), details);
        audit::record(&mut tx, &state.keys, record.accepted_at, caller, event).await?;
    }
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// What the notice banner announces now, less the notices in `dismissed`
/// ([`notice_id`]s).
pub async fn notices(
    state: &AppState,
    dismissed: &[String],
) -> Result<Vec<VersionEntry>, LegalError> {
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    Ok(versions
        .notices(state.settings.legal_notice_days)
        .map(|r| versions.entry(r))
        .filter(|e| !dismissed.contains(&notice_id(e.kind, e.version)))
        .collect())
}

/// Version `version` of `kind` (the version in force for `None`), rendered in
/// `lang`, with the list of every version of its kind.
///
/// Errors: [`LegalError::NotFound`].
pub async fn document(
    state: &AppState,
    kind: DocumentKind,
    version: Option<u32>,
    lang: Lang,
) -> Result<LegalDocument, LegalError> {
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    let row = match version {
        None => versions.in_force(kind),
        Some(n) => versions.of(kind).find(|r| r.version == n),
    }
    .ok_or(LegalError::NotFound)?;
    let mut conn = state.db.read().await?;
    let (zh, en) = documents::bodies(&mut conn, kind, row.version)
        .await?
        .ok_or(LegalError::NotFound)?;
    let (title, html) = render(match lang {
        Lang::Zh => &zh,
        Lang::En => &en,
    });
    Ok(LegalDocument {
        entry: versions.entry(row),
        title,
        html,
        history: versions.of(kind).rev().map(|r| versions.entry(r)).collect(),
    })
}

/// A stored body's title (its first `# ` line) and the rest as safe HTML.
pub fn render(markdown_text: &str) -> (String, String) {
    let (first, body) = markdown_text
        .trim_start()
        .split_once('\n')
        .unwrap_or((markdown_text, ""));
    let title = first.strip_prefix("# ").unwrap_or(first).trim().to_owned();
    (title, markdown(body))
}

/// Markdown to HTML an operator's text cannot turn into script: raw HTML is shown
/// as text, and ammonia then keeps only safe tags, attributes and URL schemes
/// (no `javascript:` link, no event handler, no image).
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{html, Event, Parser};
    let events = Parser::new(text).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    // No images either: a legal text needs none, and a remote one would tell its
    // host who reads the document.
    ammonia::Builder::default()
        .rm_tags(["img"])
        .clean(&out)
        .to_string()
}

/// What `gatehouse docs publish` publishes.
#[derive(Debug, Clone)]
pub struct Publication {
    pub kind: DocumentKind,
    /// Markdown; the first line is the title (`# ...`). `{company}` and `{hotline}`
    /// are filled in from the settings before storing.
    pub zh: String,
    pub en: String,
    /// `YYYY-MM-DD` (from 00:00 China Standard Time that day) or an RFC 3339
    /// instant; not before today.
    pub effective: String,
    pub material: bool,
    /// What changed, in Chinese and English.
    pub summary_zh: String,
    pub summary_en: String,
}

/// When a version published with `--effective text` takes effect (Unix seconds).
///
/// Errors: neither a date nor an RFC 3339 instant.
pub fn parse_effective(text: &str) -> anyhow::Result<i64> {
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(instant.timestamp());
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| {
        format!("--effective {text}: expected YYYY-MM-DD or an RFC 3339 instant")
    })?;
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(china_standard_time()).single())
        .map(|t| t.timestamp())
        .context("start of day")
}

/// 00:00 China Standard Time today, as Unix seconds.
fn start_of_today(clock: &dyn Clock) -> anyhow::Result<i64> {
    start_of_day(clock.unix())
}

/// 00:00 China Standard Time on the day of `unix` (seconds), as Unix seconds.
fn start_of_day(unix: i64) -> anyhow::Result<i64> {
    parse_effective(&china_date(unix))
}

/// Why a publication was refused; nothing was written. The messages name the
/// command line's flags (`gatehouse docs publish`); another door maps the variants.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A text does not start with its title line (`# ...`); `lang` says which.
    #[error("--{}: the text must start with its title, a line beginning with \"# \"", lang.code())]
    NoTitle { lang: Lang },
    /// A text is over [`crate::domain::DOCUMENT_TEXT_MAX_BYTES`]; `lang` says which.
    #[error("--{}: the text is over {} bytes", lang.code(), crate::domain::DOCUMENT_TEXT_MAX_BYTES)]
    TooLong { lang: Lang },
    #[error("--summary: say in a sentence what changed")]
    NoSummary,
    #[error("--effective {text}: expected YYYY-MM-DD or an RFC 3339 instant")]
    EffectiveUnreadable { text: String },
    #[error("--effective {text}: the date is in the past")]
    EffectivePast { text: String },
    /// Versions take effect in order: the latest of this kind takes effect on
    /// `latest` (China Standard Time, `YYYY-MM-DD`).
    #[error("--effective {text}: the latest {kind} version takes effect on {latest}; versions take effect in order")]
    EffectiveBeforeLatest {
        text: String,
        kind: DocumentKind,
        latest: String,
    },
    /// Another version of this kind was published meanwhile.
    #[error("another version was published meanwhile")]
    VersionTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Publishes `p` as the next version of its kind, the operator's name filled in,
/// with its audit row. Returns the version number.
///
/// Errors: [`PublishError`]: a text without its title line, an empty summary, an
/// effective date unreadable, before today (China Standard Time) or before the
/// latest version's.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    p: Publication,
) -> Result<u32, PublishError> {
    let effective_at = check_publication(state, &p)?;
    let text = p.effective.clone();
    let version = NewDocumentVersion {
        kind: p.kind,
        version: 0,
        body_zh: fill_operator(state, &p.zh),
        body_en: fill_operator(state, &p.en),
        summary_zh: p.summary_zh.trim().to_owned(),
        summary_en: p.summary_en.trim().to_owned(),
        material: p.material,
        effective_at,
        published_at: state.clock.unix(),
    };
    match publish_next(state, caller, version, None).await? {
        Ok(version) => Ok(version),
        Err(PublishRefused::EffectiveBeforeLatest { latest }) => {
            Err(PublishError::EffectiveBeforeLatest {
                text,
                kind: p.kind,
                latest: china_date(latest),
            })
        }
        Err(PublishRefused::VersionTaken) => Err(PublishError::VersionTaken),
    }
}

/// `text` with `{company}` and `{hotline}` filled in from the settings, as stored.
fn fill_operator(state: &AppState, text: &str) -> String {
    text.replace("{company}", &state.settings.company)
        .replace("{hotline}", &state.settings.hotline)
}

/// The checks of [`publish`] that need no storage; returns when the version
/// would take effect (Unix seconds).
fn check_publication(state: &AppState, p: &Publication) -> Result<i64, PublishError> {
    for (lang, body) in [(Lang::Zh, &p.zh), (Lang::En, &p.en)] {
        match crate::domain::check_document_text(body) {
            Ok(()) => {}
            Err(Msg::DocumentTooLong) => return Err(PublishError::TooLong { lang }),
            Err(_) => return Err(PublishError::NoTitle { lang }),
        }
    }
    if p.summary_zh.trim().is_empty() || p.summary_en.trim().is_empty() {
        return Err(PublishError::NoSummary);
    }
    let text = p.effective.clone();
    let effective_at = parse_effective(&p.effective)
        .map_err(|_| PublishError::EffectiveUnreadable { text: text.clone() })?;
    if effective_at < start_of_today(state.clock.as_ref())? {
        return Err(PublishError::EffectivePast { text });
    }
    Ok(effective_at)
}

/// `p` as users would see it once published, Chinese then English: the texts
/// filled in and rendered as [`document`] renders a stored version, numbered as
/// the next version of its kind. Nothing is written.
///
/// Errors: the refusals of [`publish`] that need no write (the order of
/// effective dates is checked too).
pub async fn preview(
    state: &AppState,
    p: &Publication,
) -> Result<Vec<LegalDocument>, PublishError> {
    let effective_at = check_publication(state, p)?;
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    let latest = versions.of(p.kind).next_back();
    if let Some(latest) = latest.filter(|l| l.effective_at > effective_at) {
        return Err(PublishError::EffectiveBeforeLatest {
            text: p.effective.clone(),
            kind: p.kind,
            latest: china_date(latest.effective_at),
        });
    }
    let status = if effective_at <= state.clock.unix() {
        super::VersionStatus::InForce
    } else {
        super::VersionStatus::Upcoming
    };
    let entry = VersionEntry {
        kind: p.kind,
        version: latest.map_or(1, |l| l.version + 1),
        effective: china_date(effective_at),
        material: p.material,
        status,
        summary: super::Localized {
            zh: p.summary_zh.trim().to_owned(),
            en: p.summary_en.trim().to_owned(),
        },
    };
    Ok([&p.zh, &p.en]
        .into_iter()
        .map(|text| {
            let (title, html) = render(&fill_operator(state, text));
            LegalDocument {
                entry: entry.clone(),
                title,
                html,
                history: Vec::new(),
            }
        })
        .collect())
}

/// Version 1 of each document: the texts shipped in `legal/v1/`, published on the
/// first start (or the first `docs publish`) with the configured operator name, in
/// force from 00:00 China Standard Time that day, so a version published "effective
/// today" follows it. A database whose users accepted version 1 before versions
/// were stored (an upgrade) gets the day of the first such acceptance instead, so
/// no one's record predates what they accepted. Several instances starting at once
/// publish it once.
///
/// Errors: storage failures.
pub async fn publish_first_versions(state: &AppState) -> anyhow::Result<()> {
    let (settings, clock) = (&state.settings, state.clock.as_ref());
    let mut conn = state.db.read().await?;
    let existing = documents::all(&mut conn).await?;
    for kind in DocumentKind::ALL {
        if existing.iter().any(|r| r.kind == kind) {
            continue;
        }
        let first_accepted = consents::first_accepted_at(&mut conn, kind).await?;
        let effective_at = match first_accepted {
            Some(at) => start_of_day(at)?.min(start_of_today(clock)?),
            None => start_of_today(clock)?,
        };
        let (zh, en) = match kind {
            DocumentKind::Agreement => (
                include_str!("../../legal/v1/agreement.zh.md"),
                include_str!("../../legal/v1/agreement.en.md"),
            ),
            DocumentKind::Privacy => (
                include_str!("../../legal/v1/privacy.zh.md"),
                include_str!("../../legal/v1/privacy.en.md"),
            ),
        };
        let fill = |text: &str| {
            text.replace("{company}", &settings.company)
                .replace("{hotline}", &settings.hotline)
        };
        // VersionTaken: another instance published it first.
        let first = NewDocumentVersion {
            kind,
            version: 0,
            body_zh: fill(zh),
            body_en: fill(en),
            summary_zh: "首次发布".into(),
            summary_en: "First version".into(),
            material: false,
            effective_at,
            published_at: clock.unix(),
        };
        let _ = publish_next(state, &Caller::system(), first, Some(1)).await?;
    }
    Ok(())
}

/// Why a version was not published; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishRefused {
    /// The next number is not the expected one (another instance published it).
    VersionTaken,
    /// Versions take effect in order: this one would take effect before the
    /// latest version of its kind, which takes effect at `latest`.
    EffectiveBeforeLatest { latest: Timestamp },
}

/// Publishes `v` as the next number of its kind (its `version` is set here), with
/// its audit row, in one transaction that locks
/// the kind's numbering: `expected` `Some(n)` publishes only if the next number is
/// `n` (version 1 at first start, which concurrent instances race to write).
/// Returns the number given, or why nothing was written.
///
/// Errors: storage failures.
pub async fn publish_next(
    state: &AppState,
    caller: &Caller,
    mut v: NewDocumentVersion,
    expected: Option<u32>,
) -> anyhow::Result<Result<u32, PublishRefused>> {
    let mut tx = state.db.write(&[Lock::Document(v.kind.as_str())]).await?;
    let latest = documents::latest(&mut tx, v.kind).await?;
    let next = latest.map_or(1, |(version, _)| version + 1);
    if expected.is_some_and(|n| n != next) {
        return Ok(Err(PublishRefused::VersionTaken));
    }
    if let Some((_, latest)) = latest {
        if v.effective_at < latest {
            return Ok(Err(PublishRefused::EffectiveBeforeLatest { latest }));
        }
    }
    v.version = next;
    let version = v;
    documents::insert(&mut tx, &version).await?;
    let details = serde_json::json!({
        "kind": version.kind,
        "version": next,
        "material": version.material,
        "effective_at": version.effective_at,
    });
    let event = AuditEvent::success(AuditAction::DocumentPublished, None, details);
    audit::record(&mut tx, &state.keys, version.published_at, caller, event).await?;
    tx.commit().await?;
    Ok(Ok(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element of `html`: text never holds a bare `<`, so each `<` opens one.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(rest))
            .collect()
    }

    #[test]
    fn markdown_renders_inert() {
        let html = markdown(
            "Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n\
             ![pixel](https://tracker.example/p.gif) [a](javascript:alert(1)) [b](https://example.com/terms) <a href=\"x\" onclick=\"y\">c</a>",
        );
        for tag in tags(&html) {
            let name = tag.trim_start_matches('/').split(' ').next().unwrap();
            assert!(["p", "a"].contains(&name), "{tag} in {html}");
            assert!(
                !tag.contains(" on") && !tag.contains("javascript:"),
                "{tag}"
            );
        }
        // The raw HTML is shown as text; the safe link stays a link.
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://example.com/terms\""),
            "{html}"
        );
    }

    #[test]
    fn a_title_line_and_its_body() {
        let (title, html) = render("# 隐私政策\n\n第一条。");
        assert_eq!(title, "隐私政策");
        assert_eq!(html.trim(), "<p>第一条。</p>");
    }

    #[test]
    fn an_effective_date_starts_at_midnight_in_china() {
        let t = parse_effective("2026-12-01").unwrap();
        assert_eq!(china_date(t), "2026-12-01");
        assert_eq!(china_date(t - 1), "2026-11-30");
        assert_eq!(
            parse_effective("2026-12-01T00:00:00Z").unwrap(),
            t + 8 * 3_600
        );
        assert!(parse_effective("1/12/2026").is_err());
    }
}
