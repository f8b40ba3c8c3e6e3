//! Security notices (docs/DESIGN.md §2, §3): a short SMS to the account's number
//! when its password is changed or reset, when its number is changed (to the old
//! number), and when it signs in from a browser it has not used before. They go
//! through whichever provider is configured (the Aliyun and Tencent providers skip
//! a notice whose template is not configured), after the answer: a notice never
//! delays or fails the request that caused it; a failure is logged.

use crate::domain::PhoneNumber;
use crate::i18n::{Lang, Msg};
use crate::server::db::accounts::AccountId;
use crate::server::db::known_browsers::{self, Seen};
use crate::server::otp::message_id;
use crate::server::sms::SmsMessage;
use crate::server::state::AppState;

/// What a notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The password was changed in the account center or reset by SMS.
    PasswordChanged,
    /// The account moved to another number; sent to the old one.
    PhoneChanged,
    /// A sign-in from a browser the account has not used before.
    NewBrowser,
}

impl Notice {
    /// The template name (`crate::server::sms::NOTICE_PURPOSES`).
    pub fn purpose(self) -> &'static str {
        match self {
            Self::PasswordChanged => "password-changed",
            Self::PhoneChanged => "phone-changed",
            Self::NewBrowser => "new-browser",
        }
    }

    fn text(self) -> Msg {
        match self {
            Self::PasswordChanged => Msg::NoticePasswordChanged,
            Self::PhoneChanged => Msg::NoticePhoneChanged,
            Self::NewBrowser => Msg::NoticeNewBrowser,
        }
    }
}

/// Sends `notice` to `to` in `lang` in the background (graceful shutdown waits
/// for it); returns at once.
pub fn send(state: &AppState, to: &PhoneNumber, notice: Notice, lang: Lang) {
    let settings = &state.settings;
    let message = SmsMessage {
        id: message_id(),
        to: to.as_str().to_owned(),
        purpose: notice.purpose(),
        code: None,
        params: Vec::new(),
        text: notice.text().format(
            lang,
            &[("brand", &settings.brand), ("hotline", &settings.hotline)],
        ),
        sent_at: state.clock.now().to_rfc3339(),
    };
    let state = state.clone();
    state.clone().background.spawn(async move {
        if let Err(e) = state.sms.send(&message).await {
            tracing::warn!(error = %e, notice = notice.purpose(), "security notice not sent");
        }
    });
}

/// After a sign-in of `account` (number `phone`) from the browser whose
/// User-Agent is `browser` (as the sign-in history records it): records the
/// browser and, when the account knew other browsers but not this one and `tell`
/// is set, sends [`Notice::NewBrowser`]. The first browser an account is seen with
/// (its sign-up) gets no notice. Browsers are told apart by their User-Agent, not
/// by a cookie of their own: the Privacy Policy (v1 §2) names two cookies only.
///
/// Errors: storage failures.
pub async fn signed_in_from(
    state: &AppState,
    account: AccountId,
    phone: &PhoneNumber,
    browser: &str,
    tell: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    let index = state.keys.blind_index("browser", browser);
    let mut tx = state.db.write(&[]).await?;
    let seen = known_browsers::remember(&mut tx, account, &index, state.clock.unix()).await?;
    tx.commit().await?;
    if tell && seen == Seen::New {
        send(state, phone, Notice::NewBrowser, lang);
    }
    Ok(())
}
