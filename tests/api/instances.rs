//! Several instances, one truth (issue 4): two app instances on one database share
//! sessions, SMS limits and invitation quotas. Under `scripts/test.sh` this file
//! runs on PostgreSQL as well as on a shared SQLite file.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_the_other() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let c = client("en");
    assert_eq!(a.sign_up(&c, "13800138000", json!({})).await.status, 200);
    let on_b = b.get(&c, "/api/account").await;
    assert_eq!(on_b.status, 200, "{}", on_b.body);
    assert_eq!(on_b.body["masked_phone"], "138****8000");
    let out = b.post(&c, "/api/session/sign-out", json!({})).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(a.get(&c, "/api/account").await.status, 401);
}

#[tokio::test]
async fn a_code_sent_through_one_instance_blocks_a_second_send_through_the_other() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    assert_eq!(a.send_code(&client("en"), "13800138000").await.status, 200);
    a.clock.advance(30);
    let again = b.send_code(&client("en"), "13800138000").await;
    assert_eq!(again.status, 429, "{}", again.body);
    assert_eq!(error(&again)["key"], "SendCooldown");
    assert_eq!(error(&again)["retry_after"], 30);
    a.clock.advance(30);
    assert_eq!(b.send_code(&client("en"), "13800138000").await.status, 200);
}

#[tokio::test]
async fn an_invitation_quota_of_3_gives_exactly_3_accounts_across_two_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let invitation = gatehouse::server::cli::create_invitation(&a.state, 3, "2026-12-31", None)
        .await
        .unwrap();
    let mut forms = Vec::new();
    for i in 0..12 {
        let phone = format!("1390000{i:04}");
        let app = if i % 2 == 0 { &a } else { &b };
        let c = client("en");
        assert_eq!(app.send_code(&c, &phone).await.status, 200);
        let code = a.last_code(&phone, "register").await;
        let form = good_form(&phone, &code, json!({"invitation": invitation.as_str()}));
        forms.push((app, c, form));
    }
    let replies = futures::future::join_all(
        forms
            .iter()
            .map(|(app, c, form)| app.register(c, form.clone())),
    )
    .await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 3);
    assert!(replies
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| error(r)["key"] == "InvitationIncorrect"));
    assert_eq!(a.count("accounts").await, 3);
    assert_eq!(
        b.count_where("invitation_codes", "used = 3").await,
        1,
        "the quota is used up exactly"
    );
}

#[tokio::test]
async fn ten_concurrent_sends_for_one_phone_across_two_instances_send_one_code() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let replies = futures::future::join_all((0..10).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        async move { app.send_code(&client("en"), "13800138000").await }
    }))
    .await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 1);
    assert!(replies
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| r.status == 429 && error(r)["key"] == "SendCooldown"));
    assert_eq!(a.count("otp_codes").await, 1);
    assert_eq!(a.outbox().len(), 1);
}
