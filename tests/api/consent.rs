//! Versioned documents, the consent ledger and re-consent (docs/DESIGN.md §4, issue 5).
//! The clock starts at 2026-11-29 10:00 China Standard Time; version 1 of each
//! document is published at the first start.

use crate::common::*;
use gatehouse::legal::server::{publish, Publication};
use gatehouse::legal::DocumentKind;
use serde_json::{json, Value};

const PHONE: &str = "13800138000";

fn publication(kind: DocumentKind, effective: &str, material: bool) -> Publication {
    Publication {
        kind,
        zh: "# 新版文本\n\n{company} 更新了条款。".into(),
        en: "# New text\n\n{company} updated the terms.".into(),
        effective: effective.into(),
        material,
        summary_zh: "新增第三方共享清单".into(),
        summary_en: "Adds the list of third parties".into(),
    }
}

impl TestApp {
    async fn publish(&self, p: Publication) -> anyhow::Result<u32> {
        let operator = gatehouse::server::caller::Caller::operator();
        Ok(publish(&self.state, &operator, p).await?)
    }

    async fn accept(&self, c: &reqwest::Client, accepted: Value) -> Reply {
        self.post(c, "/api/consent", json!({ "accepted": accepted }))
            .await
    }

    async fn document(&self, kind: &str, version: Option<u32>) -> Reply {
        self.post(
            &client("en"),
            "/api/legal/document",
            json!({ "kind": kind, "version": version, "lang": "en" }),
        )
        .await
    }

    async fn notices(&self, cookie: Option<&str>) -> Vec<Value> {
        let mut request = reqwest::Client::new().get(format!("{}/api/legal/notices", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        body.as_array().unwrap().clone()
    }

    /// Where a browser loading `path` ends up after the server's redirects.
    async fn landing(&self, c: &reqwest::Client, path: &str) -> String {
        let res = c.get(format!("{}{path}", self.base)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let url = res.url();
        format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        )
    }

    /// The (document, version, method) rows of the consent ledger, oldest first.
    async fn ledger(&self) -> Vec<(String, i64, String)> {
        let mut db = self.db().await;
        sqlx::query_as("SELECT document, version, method FROM consent_records ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap()
    }
}

fn versions(account: &Reply) -> Vec<(String, u64, String)> {
    account.body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["version"].as_u64().unwrap(),
                c["method"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_material_version_in_force_holds_every_account_function_until_agreed() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let account = app.get(&c, "/api/account").await;
    assert_eq!(account.status, 200);
    assert_eq!(
        versions(&account),
        [
            ("agreement".into(), 1, "MethodSignUp".into()),
            ("privacy".into(), 1, "MethodSignUp".into())
        ]
    );

    // Effective today (00:00 China time, before the clock's 10:00).
    let v = app
        .publish(publication(DocumentKind::Privacy, "2026-11-29", true))
        .await
        .unwrap();
    assert_eq!(v, 2);
    let refused = app.get(&c, "/api/account").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(error(&refused)["key"], "ReconsentRequired");
    assert_eq!(
        error(&refused)["message"],
        "Our terms have changed. Please read and agree to them to continue"
    );

    // Loading the account page lands on the consent page, server-side.
    assert_eq!(app.landing(&c, "/account").await, "/consent?next=/account");

    // What is due: privacy version 2 only, with what changed.
    let due = app.get(&c, "/api/consent").await;
    assert_eq!(due.status, 200);
    let due = due.body.as_array().unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["kind"], "privacy");
    assert_eq!(due[0]["version"], 2);
    assert_eq!(due[0]["effective"], "2026-11-29");
    assert_eq!(due[0]["summary"]["en"], "Adds the list of third parties");

    // Agreeing to something else is refused and writes nothing.
    let before = app.ledger().await;
    for wrong in [
        json!([["privacy", 1]]),
        json!([]),
        json!([["privacy", 2], ["agreement", 2]]),
    ] {
        let r = app.accept(&c, wrong).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(error(&r)["key"], "DocumentsChanged");
    }
    assert_eq!(app.ledger().await, before);

    // Agreeing appends one row and lets the user through.
    let agreed = app.accept(&c, json!([["privacy", 2]])).await;
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    assert_eq!(
        app.ledger().await[2..],
        [("privacy".into(), 2, "re-consent".into())]
    );
    let mut db = app.db().await;
    let at: i64 =
        sqlx::query_scalar("SELECT accepted_at FROM consent_records WHERE method = 're-consent'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    let origins = app.consent_origins(1).await;
    let (_, _, ip, agent) = &origins[2];
    assert_eq!((ip.as_str(), agent.as_str()), ("127.0.0.1", ""));
    assert_eq!(at, app.clock_unix());
    let account = app.get(&c, "/api/account").await;
    assert_eq!(account.status, 200);
    assert_eq!(
        versions(&account)[2],
        ("privacy".into(), 2, "MethodReconsent".into())
    );
    assert!(app.get(&c, "/api/consent").await.body == json!([]));
    assert_eq!(app.landing(&c, "/account").await, "/account");
    assert_eq!(
        app.landing(&client("en"), "/account").await,
        "/login?next=/account"
    );

    // Someone signing up now with the page of before is told the documents
    // changed, and nothing is used up; with the versions in force, they accept
    // version 2 and are not asked.
    let other = client("zh-CN");
    let stale = app.sign_up(&other, "13900139000", json!({})).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(error(&stale)["key"], "DocumentsChanged");
    assert_eq!(app.count("accounts").await, 1);
    let status = app.get(&other, "/api/register/status").await;
    assert_eq!(
        status.body["documents"],
        json!([["agreement", 1], ["privacy", 2]])
    );
    let code = app.last_code("13900139000", "register").await;
    let current = json!({ "documents": status.body["documents"] });
    let signed_up = app
        .register(&other, good_form("13900139000", &code, current))
        .await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    let theirs = app.get(&other, "/api/account").await;
    assert_eq!(theirs.status, 200);
    assert_eq!(
        versions(&theirs),
        [
            ("agreement".into(), 1, "MethodSignUp".into()),
            ("privacy".into(), 2, "MethodSignUp".into())
        ]
    );
}

#[tokio::test]
async fn a_future_effective_date_changes_nothing_until_the_clock_reaches_it() {
    // Sessions that outlive the wait.
    let app = spawn_app_with(|s| {
        s.session_idle_minutes = 10_000;
        s.session_absolute_hours = 1_000;
    })
    .await;
    let c = client("zh-CN");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    app.publish(publication(DocumentKind::Agreement, "2026-12-01", true))
        .await
        .unwrap();

    assert_eq!(app.get(&c, "/api/account").await.status, 200);
    assert_eq!(
        app.document("agreement", None).await.body["entry"]["version"],
        1
    );
    let upcoming = app.document("agreement", Some(2)).await;
    assert_eq!(upcoming.body["entry"]["status"], "Upcoming");
    assert!(app.notices(None).await.is_empty());

    // 2026-12-01 00:00 China time is 2026-11-30 16:00 UTC: 38 hours on.
    app.clock.advance(38 * 3_600 - 1);
    assert_eq!(app.get(&c, "/api/account").await.status, 200);
    app.clock.advance(1);
    let refused = app.get(&c, "/api/account").await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        error(&refused)["message"],
        "我们的协议或政策已更新，请阅读并同意后继续"
    );
    assert_eq!(
        app.document("agreement", None).await.body["entry"]["version"],
        2
    );
    assert_eq!(app.notices(None).await.len(), 1);
}

#[tokio::test]
async fn a_non_material_version_is_announced_for_30_days_but_asks_nothing() {
    let app = spawn_app_with(|s| s.page_cache_seconds = 0).await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    assert!(app.notices(None).await.is_empty(), "version 1 is no news");
    app.publish(publication(DocumentKind::Privacy, "2026-11-29", false))
        .await
        .unwrap();

    assert_eq!(app.get(&c, "/api/account").await.status, 200);
    assert_eq!(app.get(&c, "/api/consent").await.body, json!([]));
    let notices = app.notices(None).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["kind"], "privacy");
    assert_eq!(notices[0]["version"], 2);
    assert_eq!(notices[0]["summary"]["zh"], "新增第三方共享清单");
    // The page shows the banner too, server-rendered for a visitor without cookies.
    let page = app.get(&client("en"), "/register").await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("id=\"legal-notice\""));
    assert!(html.contains("Adds the list of third parties"));

    // Dismissed in this browser: left out.
    let dismissed = "gatehouse_lang=en; gatehouse_notices=agreement-7.privacy-2";
    assert!(app.notices(Some(dismissed)).await.is_empty());
    assert_eq!(
        app.notices(Some("gatehouse_notices=privacy-1")).await.len(),
        1
    );

    // Effective at 2026-11-28 16:00 UTC; the clock is 10 hours past that.
    app.clock.advance(30 * 86_400 - 10 * 3_600 - 1);
    assert_eq!(app.notices(None).await.len(), 1);
    app.clock.advance(1);
    assert!(app.notices(None).await.is_empty());
}

#[tokio::test]
async fn declining_signs_out() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    app.publish(publication(DocumentKind::Agreement, "2026-11-29", true))
        .await
        .unwrap();
    assert_eq!(app.get(&c, "/api/consent").await.status, 200);
    assert_eq!(
        app.post(&c, "/api/session/sign-out", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(app.get(&c, "/api/consent").await.status, 401);
    assert_eq!(app.get(&c, "/api/account").await.status, 401);
    let r = app.accept(&c, json!([["agreement", 2]])).await;
    assert_eq!(r.status, 401);
    assert_eq!(app.count("consent_records").await, 2);
}

#[tokio::test]
async fn concurrent_agreements_write_one_row_per_document() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    for kind in DocumentKind::ALL {
        app.publish(publication(kind, "2026-11-29", true))
            .await
            .unwrap();
    }
    let both = json!([["agreement", 2], ["privacy", 2]]);
    let replies = futures::future::join_all((0..10).map(|_| app.accept(&c, both.clone()))).await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        app.ledger().await[2..],
        [
            ("agreement".into(), 2, "re-consent".into()),
            ("privacy".into(), 2, "re-consent".into())
        ]
    );
    assert_eq!(app.get(&c, "/api/account").await.status, 200);
}

#[tokio::test]
async fn the_ledger_is_append_only() {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    let mut db = app.db().await;
    for statement in [
        "UPDATE consent_records SET version = 9",
        "DELETE FROM consent_records",
    ] {
        let refused = sqlx::query(statement).execute(&mut db).await;
        assert!(
            refused.unwrap_err().to_string().contains("append-only"),
            "{statement}"
        );
    }
    assert_eq!(app.count("consent_records").await, 2);
}

#[tokio::test]
async fn every_version_stays_readable_and_renders_inert() {
    let app = spawn_app().await;
    let mut hostile = publication(DocumentKind::Privacy, "2026-11-29", false);
    hostile.en = "# Privacy Policy v2\n\n{company} <script>alert(1)</script> \
                  <img src=x onerror=alert(1)> [x](javascript:alert(1)) \
                  <a href=\"#\" onclick=\"alert(1)\">y</a>"
        .into();
    app.publish(hostile).await.unwrap();

    let v2 = app.document("privacy", None).await;
    assert_eq!(v2.status, 200);
    assert_eq!(v2.body["entry"]["version"], 2);
    assert_eq!(v2.body["title"], "Privacy Policy v2");
    let html = v2.body["html"].as_str().unwrap();
    assert!(html.contains(&app.state.settings.company), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap();
        assert!(
            !tag.contains(" on")
                && !tag.contains("javascript:")
                && !tag.starts_with("script")
                && !tag.starts_with("img"),
            "live markup <{tag}> in {html}"
        );
    }
    let history: Vec<(u64, String)> = v2.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["version"].as_u64().unwrap(),
                e["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(history, [(2, "InForce".into()), (1, "Superseded".into())]);

    // Version 1, as its own address shows it, server-rendered.
    let v1 = app.document("privacy", Some(1)).await;
    assert_eq!(v1.body["entry"]["status"], "Superseded");
    assert!(v1.body["html"]
        .as_str()
        .unwrap()
        .contains(&app.state.settings.company));
    let page = app.get(&client("en"), "/legal/privacy/1").await;
    assert_eq!(page.status, 200);
    let page = page.body.as_str().unwrap();
    assert!(page.contains("Version 1, effective 2026-11-29"), "{page}");
    assert!(page.contains("href=\"/legal/privacy/2\""));

    let missing = app.document("privacy", Some(3)).await;
    assert_eq!(missing.status, 404);
    assert_eq!(error(&missing)["key"], "DocumentNotFound");
    assert_eq!(app.get(&client("en"), "/legal/terms").await.status, 404);
}

#[tokio::test]
async fn publishing_refuses_what_users_could_not_have_seen() {
    let app = spawn_app().await;
    let refused = |p| async { app.publish(p).await.unwrap_err().to_string() };
    let past = refused(publication(DocumentKind::Privacy, "2026-11-28", false)).await;
    assert!(past.contains("in the past"), "{past}");
    let mut untitled = publication(DocumentKind::Privacy, "2026-11-29", false);
    untitled.en = "No title".into();
    assert!(refused(untitled).await.contains("--en"));
    let mut silent = publication(DocumentKind::Privacy, "2026-11-29", false);
    silent.summary_en = " ".into();
    assert!(refused(silent).await.contains("--summary"));

    // Versions take effect in order.
    app.publish(publication(DocumentKind::Privacy, "2026-12-10", false))
        .await
        .unwrap();
    let early = refused(publication(DocumentKind::Privacy, "2026-12-01", false)).await;
    assert!(early.contains("2026-12-10"), "{early}");
    assert_eq!(app.count("document_versions").await, 3);
}

#[tokio::test]
async fn version_1_is_published_once_and_never_after_its_first_acceptance() {
    use gatehouse::legal::server::publish_first_versions;
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    // A database from before versions were stored: consents, no versions.
    let mut db = app.db().await;
    sqlx::query("DELETE FROM document_versions")
        .execute(&mut db)
        .await
        .unwrap();
    app.clock.advance(3 * 86_400);
    let starts = (0..5).map(|_| publish_first_versions(&app.state));
    for started in futures::future::join_all(starts).await {
        started.unwrap();
    }
    let versions: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, version FROM document_versions ORDER BY kind")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(versions, [("agreement".into(), 1), ("privacy".into(), 1)]);
    // In force from the day of the first acceptance, not the day of the upgrade.
    let v1 = app.document("privacy", Some(1)).await;
    assert_eq!(v1.body["entry"]["effective"], "2026-11-29");
}

#[tokio::test]
async fn a_sign_up_must_name_the_versions_it_agrees_to() {
    let app = spawn_app().await;
    let c = client("en");
    for documents in [
        json!([]),
        json!([["agreement", 1]]),
        json!([["agreement", 1], ["privacy", 7]]),
    ] {
        let r = app
            .sign_up(&c, PHONE, json!({ "documents": documents }))
            .await;
        assert_eq!(r.status, 409, "{documents}: {}", r.body);
        app.clock.advance(60);
    }
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("consent_records").await, 0);
}
