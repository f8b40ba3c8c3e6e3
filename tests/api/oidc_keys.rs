//! The provider's signing keys (docs/DESIGN.md §11): made on first use, shared by
//! instances, rotated with a lead time, retired once their tokens expired.

use crate::common::{client, spawn_app};
use gatehouse::oidc::keys;
use gatehouse::server::caller::Caller;
use serde_json::{json, Value};

/// The `kid`s `/jwks` publishes on the instance at `base`.
async fn published(base: &str) -> Vec<String> {
    let set: Value = client("en")
        .get(format!("{base}/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            assert_eq!(k["kty"], "RSA");
            assert_eq!(k["alg"], "RS256");
            assert_eq!(k["use"], "sig");
            k["kid"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The `kid` in the header of a token signed now.
async fn signing_kid(app: &crate::common::TestApp) -> String {
    let token = keys::sign(&app.state, "JWT", json!({ "sub": "x" }))
        .await
        .unwrap();
    let header: Value =
        serde_json::from_slice(&base64_url(token.split('.').next().unwrap())).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

#[tokio::test]
async fn one_key_is_made_and_every_instance_publishes_it() {
    let app = spawn_app().await;
    let first = published(&app.base).await;
    assert_eq!(first.len(), 1);
    let second = app.second_instance().await;
    assert_eq!(published(&second.base).await, first);
    assert_eq!(signing_kid(&second).await, first[0]);
}

#[tokio::test]
async fn a_rotated_key_is_published_before_it_signs_and_the_old_one_stays_until_its_tokens_expire()
{
    let app = spawn_app().await;
    let old = signing_kid(&app).await;
    let new = keys::rotate(&app.state, &Caller::operator()).await.unwrap();
    assert_ne!(new, old);
    let both = published(&app.base).await;
    assert!(both.contains(&old) && both.contains(&new), "{both:?}");
    // Published, not signing yet.
    assert_eq!(signing_kid(&app).await, old);
    app.clock.advance(keys::ROTATION_LEAD_SECS);
    assert_eq!(signing_kid(&app).await, new);
    // Tokens the old key signed last are good for TOKEN_SECS more.
    app.clock.advance(gatehouse::oidc::TOKEN_SECS);
    assert!(published(&app.base).await.contains(&old));
    app.clock.advance(1);
    assert_eq!(published(&app.base).await, vec![new]);
    // The audit log names the rotation.
    let rows: Vec<String> = {
        let mut conn = app.state.db.read().await.unwrap();
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action = 'oidc-key-rotated'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(rows.len(), 1);
}
