//! The provider's signing keys (docs/DESIGN.md §11): RS256, 2048-bit RSA, made on
//! the first start and stored sealed under the data key in `oidc_signing_keys`, so
//! every instance signs with the same key and publishes the same set.
//!
//! [`rotate`] (`gatehouse oidc rotate-key`) adds a key that is published at once
//! but signs only [`ROTATION_LEAD_SECS`] later, so relying parties that cache the
//! key set meet it before any token they get is signed with it; the key it replaces
//! stays published until every token it signed has expired, then goes.

use super::TOKEN_SECS;
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::db::oidc_keys::{self, SigningKeyRow};
use crate::server::state::AppState;
use anyhow::Context;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde::Serialize;

/// How long a rotated-in key is published before it signs (seconds): longer than
/// a relying party caches `/jwks` when it follows our `Cache-Control` (5 minutes).
pub const ROTATION_LEAD_SECS: i64 = 900;
/// Bits of each RSA key (NIST SP 800-57: 2048 bits good through 2030).
const RSA_BITS: usize = 2048;

/// A fresh key, its private half sealed under the data key, published at `now`
/// and signing from `signs_from`.
///
/// Errors: key generation or encoding failures (none expected).
fn generate(state: &AppState, now: i64, signs_from: i64) -> anyhow::Result<SigningKeyRow> {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)?;
    let der = private.to_pkcs1_der()?;
    let encoding = EncodingKey::from_rsa_der(der.as_bytes());
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256);
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(SigningKeyRow {
        kid,
        private_key: state.keys.encrypt(der.as_bytes()),
        public_jwk: serde_json::to_string(&jwk)?,
        created_at: now,
        signs_from,
    })
}

/// Makes the first signing key if there is none: at start-up, and on first use
/// for a server started without `serve` (the tests'); the token exchanges call it
/// before their write transaction, since making a key inside one would wait for
/// SQLite's only writer connection, which that transaction holds. Two instances
/// starting together may both make one; both keys are then published and the
/// newer signs.
///
/// Errors: storage failures.
pub async fn ensure(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.db.read().await?;
    if !oidc_keys::all(&mut conn).await?.is_empty() {
        return Ok(());
    }
    drop(conn);
    let now = state.clock.unix();
    let row = {
        let state = state.clone();
        tokio::task::spawn_blocking(move || generate(&state, now, now)).await??
    };
    let mut conn = state.db.write_one().await?;
    oidc_keys::insert(&mut conn, &row).await?;
    tracing::info!(kid = %row.kid, "OpenID Connect signing key made");
    Ok(())
}

/// Adds a key that signs from [`ROTATION_LEAD_SECS`] on, deletes keys no token
/// still in date can carry, and audits it. Returns the new key's `kid`.
///
/// Errors: storage failures.
pub async fn rotate(state: &AppState, caller: &Caller) -> anyhow::Result<String> {
    let now = state.clock.unix();
    let row = {
        let state = state.clone();
        tokio::task::spawn_blocking(move || generate(&state, now, now + ROTATION_LEAD_SECS))
            .await??
    };
    let mut tx = state.db.write(&[]).await?;
    oidc_keys::insert(&mut tx, &row).await?;
    let retired = retired(&oidc_keys::all(&mut tx).await?, now);
    oidc_keys::delete(&mut tx, &retired).await?;
    let details =
        serde_json::json!({ "kid": row.kid, "signs_from": row.signs_from, "deleted": retired });
    let event = AuditEvent::success(AuditAction::OidcKeyRotated, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(row.kid)
}

/// The keys of `all` (newest signer first) that nothing in date can carry at
/// `now`: replaced by a key that has signed for longer than [`TOKEN_SECS`].
fn retired(all: &[SigningKeyRow], now: i64) -> Vec<String> {
    let mut replaced_at = None::<i64>;
    let mut out = Vec::new();
    for key in all {
        if key.signs_from > now {
            continue;
        }
        match replaced_at {
            Some(at) if at + TOKEN_SECS < now => out.push(key.kid.clone()),
            _ => {}
        }
        replaced_at = Some(replaced_at.map_or(key.signs_from, |at| at.min(key.signs_from)));
    }
    out
}

/// The key set `/jwks` publishes: every stored key but those [`retired`].
///
/// Errors: storage failures, a stored JWK that does not parse.
pub async fn published(state: &AppState) -> anyhow::Result<JwkSet> {
    ensure(state).await?;
    let mut conn = state.db.read().await?;
    let all = oidc_keys::all(&mut conn).await?;
    let gone = retired(&all, state.clock.unix());
    let keys = all
        .iter()
        .filter(|k| !gone.contains(&k.kid))
        .map(|k| serde_json::from_str(&k.public_jwk).context("stored JWK"))
        .collect::<anyhow::Result<Vec<Jwk>>>()?;
    Ok(JwkSet { keys })
}

/// `claims` as a compact JWS signed RS256 with the key that signs now (the
/// newest whose `signs_from` has come), `kid` in the header. Signing runs off the
/// async threads.
///
/// Errors: no key signs yet; storage or key failures.
pub async fn sign<T: Serialize + Send + 'static>(
    state: &AppState,
    typ: &'static str,
    claims: T,
) -> anyhow::Result<String> {
    ensure(state).await?;
    let now = state.clock.unix();
    let mut conn = state.db.read().await?;
    let key = oidc_keys::all(&mut conn)
        .await?
        .into_iter()
        .find(|k| k.signs_from <= now)
        .context("no OpenID Connect signing key yet")?;
    drop(conn);
    let der = state.keys.decrypt(&key.private_key)?;
    tokio::task::spawn_blocking(move || {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid);
        header.typ = Some(typ.into());
        Ok(jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_rsa_der(&der),
        )?)
    })
    .await?
}

/// The header's `typ` and the claims of `token` if one of the published keys
/// signed it (RS256 only) and, when `check_exp`, it has not expired at the
/// state's clock; `iss` and `aud` are left to the caller.
///
/// Errors: a token that does not parse, names no published key, fails its
/// signature or has expired.
pub async fn verify<T: serde::de::DeserializeOwned>(
    state: &AppState,
    token: &str,
    check_exp: bool,
) -> anyhow::Result<(Option<String>, T)> {
    let header = jsonwebtoken::decode_header(token)?;
    anyhow::ensure!(header.alg == Algorithm::RS256, "not RS256");
    let kid = header.kid.context("no kid")?;
    let set = published(state).await?;
    let jwk = set.find(&kid).context("unknown kid")?;
    let key = DecodingKey::from_jwk(jwk)?;
    let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)?;
    if check_exp {
        let exp = data.claims["exp"].as_i64().context("no exp")?;
        anyhow::ensure!(exp > state.clock.unix(), "expired");
    }
    Ok((header.typ, serde_json::from_value(data.claims)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, signs_from: i64) -> SigningKeyRow {
        SigningKeyRow {
            kid: kid.into(),
            private_key: vec![],
            public_jwk: String::new(),
            created_at: signs_from,
            signs_from,
        }
    }

    #[test]
    fn a_replaced_key_stays_published_until_its_tokens_expire() {
        // Newest signer first, as the store lists them.
        let keys = [key("new", 1_000), key("old", 0)];
        assert!(retired(&keys, 999).is_empty(), "new does not sign yet");
        assert!(retired(&keys, 1_000 + TOKEN_SECS).is_empty());
        assert_eq!(retired(&keys, 1_001 + TOKEN_SECS), ["old"]);
        // A key still waiting to sign never retires the one signing now.
        let waiting = [key("next", 5_000), key("current", 0)];
        assert!(retired(&waiting, 4_999).is_empty());
    }
}
