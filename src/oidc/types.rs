//! What the OpenID Connect pages exchange with the server.

use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// A scope a client may ask for, with what it releases (docs/DESIGN.md §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// `openid`: required; the account's opaque `sub`.
    OpenId,
    /// `profile`: the real name, when given.
    Profile,
    /// `email`: the contact email, when given (never verified).
    Email,
    /// `phone`: the phone number in E.164, verified.
    Phone,
    /// `address`: the contact address, when given.
    Address,
}

impl Scope {
    pub const ALL: [Self; 5] = [
        Self::OpenId,
        Self::Profile,
        Self::Email,
        Self::Phone,
        Self::Address,
    ];

    /// The scope's name in requests and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenId => "openid",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Address => "address",
        }
    }

    /// The scope named `name`, if supported.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What the consent screen says the scope gives the app.
    pub fn description(self) -> Msg {
        match self {
            Self::OpenId => Msg::ScopeOpenId,
            Self::Profile => Msg::ScopeProfile,
            Self::Email => Msg::ScopeEmail,
            Self::Phone => Msg::ScopePhone,
            Self::Address => Msg::ScopeAddress,
        }
    }

    /// The supported scopes named in a space-separated `scope` value, in
    /// [`Scope::ALL`] order, each once; unknown names are left out (RFC 6749 §3.3
    /// lets the server grant fewer).
    pub fn list(scope: &str) -> Vec<Self> {
        let names: Vec<&str> = scope.split(' ').collect();
        Self::ALL
            .into_iter()
            .filter(|s| names.contains(&s.as_str()))
            .collect()
    }

    /// `scopes` as a space-separated value.
    pub fn join(scopes: &[Self]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the consent screen shows: which app asks for what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// The client's registered name.
    pub client_name: String,
    /// The scopes asked for, `openid` first.
    pub scopes: Vec<Scope>,
    /// The host the browser goes back to (`console.example.com`).
    pub redirect_host: String,
}

/// An app the account allowed (the account center lists them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantEntry {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<Scope>,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub granted_at: String,
}

/// A registered client as the admin area lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientEntry {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Without a secret: a browser or native app, PKCE required.
    pub public: bool,
    /// The operator's own: no consent screen.
    pub first_party: bool,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub created_at: String,
    pub revoked: bool,
}

/// A client just registered: its secret is shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientCreated {
    pub client_id: String,
    /// 43 base64url characters; `None` for a public client.
    pub client_secret: Option<String>,
}

/// Leaves the secret out (docs/STYLE.md §5).
impl std::fmt::Debug for ClientCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCreated")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "******"),
            )
            .finish()
    }
}

/// Why an authorization request could not go back to its app (the error page's
/// `reason`): each has its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizeProblem {
    /// No `client_id`, or one not registered or revoked.
    UnknownClient,
    /// A `redirect_uri` missing or not exactly one registered for the client.
    BadRedirectUri,
    /// A pending request that expired or was answered already.
    RequestExpired,
}

impl AuthorizeProblem {
    /// The name in `/authorize/error?reason=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownClient => "unknown-client",
            Self::BadRedirectUri => "bad-redirect-uri",
            Self::RequestExpired => "request-expired",
        }
    }

    /// The problem `/authorize/error?reason=` names; an unknown one reads as an
    /// expired request.
    pub fn parse(name: &str) -> Self {
        [Self::UnknownClient, Self::BadRedirectUri]
            .into_iter()
            .find(|p| p.as_str() == name)
            .unwrap_or(Self::RequestExpired)
    }

    /// What the error page says.
    pub fn message(self) -> Msg {
        match self {
            Self::UnknownClient => Msg::OidcUnknownClient,
            Self::BadRedirectUri => Msg::OidcBadRedirectUri,
            Self::RequestExpired => Msg::OidcRequestExpired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_keep_the_supported_ones_in_order_once() {
        assert_eq!(
            Scope::list("phone openid foo phone profile"),
            [Scope::OpenId, Scope::Profile, Scope::Phone]
        );
        assert_eq!(Scope::join(&Scope::list("email openid")), "openid email");
        assert!(Scope::list("").is_empty());
    }

    #[test]
    fn problems_round_trip_and_default_to_expired() {
        for p in [
            AuthorizeProblem::UnknownClient,
            AuthorizeProblem::BadRedirectUri,
            AuthorizeProblem::RequestExpired,
        ] {
            assert_eq!(AuthorizeProblem::parse(p.as_str()), p);
        }
        assert_eq!(
            AuthorizeProblem::parse("<script>"),
            AuthorizeProblem::RequestExpired
        );
    }
}
