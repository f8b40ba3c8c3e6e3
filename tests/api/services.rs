//! The services without HTTP (issue 11): sign-up, sign-in, reset, documents and
//! suspension called directly with a caller built by hand, as the command line
//! and the coming admin area and OpenID Connect endpoints call them. The router
//! is not used; the effects are read from the database.

use crate::common::*;
use gatehouse::domain::{OtpPurpose, PhoneNumber};
use gatehouse::i18n::Lang;
use gatehouse::login::service::{self as login, LoginError};
use gatehouse::register::service as register;
use gatehouse::register::RegisterForm;
use gatehouse::server::caller::{Actor, Caller, RequestMeta};
use secrecy::SecretString;
use serde_json::json;

fn caller(request_id: &str) -> Caller {
    Caller {
        actor: Actor::Visitor,
        meta: RequestMeta {
            ip: "198.51.100.4".into(),
            limit_key: "198.51.100.4".into(),
            user_agent: "service-test".into(),
            request_id: request_id.into(),
        },
    }
}

#[tokio::test]
async fn sign_up_and_sign_in_as_plain_function_calls() {
    let app = spawn_app().await;
    let state = &app.state;
    let phone = PhoneNumber::parse("13800138000").unwrap();
    register::send_code(state, &caller("send-1"), &phone, Lang::En)
        .await
        .unwrap();
    let code = app.last_code(phone.as_str(), "register").await;
    let form: RegisterForm =
        serde_json::from_value(good_form(phone.as_str(), &code, json!({}))).unwrap();
    let account = form.validate(state.settings.invitation_mode).unwrap();
    let id = register::register(state, &caller("sign-up-1"), account)
        .await
        .unwrap();

    let password = || SecretString::from("kqzv1234".to_owned());
    let signed_in = login::with_password(state, &caller("login-1"), &phone, password())
        .await
        .unwrap();
    assert_eq!(signed_in, id);
    let wrong = login::with_password(
        state,
        &caller("login-2"),
        &phone,
        SecretString::from("wrong-pass1".to_owned()),
    )
    .await;
    assert!(matches!(wrong, Err(LoginError::Invalid)), "{wrong:?}");

    // A sign-in code for a number without an account: the same answer, nothing sent.
    let stranger = PhoneNumber::parse("13900139000").unwrap();
    login::send_code(
        state,
        &caller("send-2"),
        &stranger,
        OtpPurpose::Login,
        Lang::Zh,
    )
    .await
    .unwrap();
    assert!(app.outbox().iter().all(|m| m["to"] != stranger.as_str()));

    // Each call's own request id, address and browser reached the records.
    let mut db = app.db().await;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT request_id FROM audit_events WHERE actor_kind = 'visitor' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(
        ids,
        ["sign-up-1", "sign-up-1", "sign-up-1", "login-1", "login-2"]
    );
    let origins = app.consent_origins(id.0).await;
    assert!(origins
        .iter()
        .all(|o| (o.2.as_str(), o.3.as_str()) == ("198.51.100.4", "service-test")));
    let sessions = app.count("sessions").await;
    assert_eq!(sessions, 0, "services make no session: that is the door's");
}

#[tokio::test]
async fn suspending_through_the_service_refuses_the_next_sign_in() {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), "13800138000", json!({}))
            .await
            .status,
        200
    );
    let state = &app.state;
    let id = gatehouse::server::db::accounts::AccountId(1);
    gatehouse::admin::service::set_suspended(state, &Caller::operator(), id, true, "abuse report")
        .await
        .unwrap();
    let phone = PhoneNumber::parse("13800138000").unwrap();
    let password = SecretString::from("kqzv1234".to_owned());
    let refused = login::with_password(state, &caller("after"), &phone, password).await;
    assert!(matches!(refused, Err(LoginError::Suspended)), "{refused:?}");
    let mut db = app.db().await;
    let (actor, details): (String, String) = sqlx::query_as(
        "SELECT actor_kind, details FROM audit_events WHERE action = 'account-suspended'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(actor, "operator");
    assert_eq!(details, r#"{"reason":"abuse report"}"#);
}

/// A sign-up judged under one invitation mode while an admin switches to another
/// (between the code check and the write) is refused whole: no account, and the
/// code is still good for a new try (docs/DESIGN.md §6).
#[tokio::test]
async fn a_sign_up_judged_under_a_mode_no_longer_in_force_writes_nothing() {
    use gatehouse::domain::InvitationMode;
    let app = spawn_app().await;
    let state = &app.state;
    let phone = PhoneNumber::parse("13800138000").unwrap();
    register::send_code(state, &caller("send-1"), &phone, Lang::En)
        .await
        .unwrap();
    let code = app.last_code(phone.as_str(), "register").await;
    let form: RegisterForm =
        serde_json::from_value(good_form(phone.as_str(), &code, json!({}))).unwrap();
    let judged = form.validate(InvitationMode::Optional).unwrap();
    let admin = Caller {
        actor: Actor::Operator,
        ..caller("mode-1")
    };
    gatehouse::admin::service::set_invitation_mode(state, &admin, InvitationMode::Required)
        .await
        .unwrap();
    let refused = register::register(state, &caller("sign-up-1"), judged).await;
    assert!(
        matches!(refused, Err(register::RegisterError::InvitationModeChanged)),
        "{refused:?}"
    );
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count_where("otp_codes", "consumed_at IS NULL").await, 1);
}
