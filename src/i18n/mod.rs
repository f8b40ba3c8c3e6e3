//! Every user-facing string, in Chinese (the default) and English (docs/DESIGN.md §8).
//!
//! Pages and server responses name a [`Msg`]; the catalogs `zh.rs` and `en.rs` hold
//! the text. A text may carry `{name}` placeholders filled by [`Msg::format`].

mod en;
mod zh;

use serde::{Deserialize, Serialize};

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Name of the cookie that remembers the visitor's choice (value `zh` or `en`,
    /// one year, `SameSite=Lax`).
    pub const COOKIE: &'static str = "gatehouse_lang";

    /// The cookie value and `?lang=` form of the language.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// Parses a cookie value (`zh` or `en`, any case).
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the language for a first visit from an `Accept-Language` header
    /// (RFC 9110 §12.5.4): the supported language the browser prefers most
    /// (`zh*` → Chinese, `en*` → English); Chinese when it names neither.
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranges: Vec<(f32, usize, Option<Self>)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                let lang = if tag.starts_with("zh") {
                    Some(Self::Zh)
                } else if tag.starts_with("en") {
                    Some(Self::En)
                } else {
                    None
                };
                (quality > 0.0).then_some((quality, position, lang))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .find_map(|(_, _, lang)| lang)
            .unwrap_or_default()
    }

    /// The language of a request: the [`Lang::COOKIE`] cookie's value if it names
    /// one, else `Accept-Language`, else Chinese.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        cookie
            .and_then(Self::from_code)
            .or_else(|| accept_language.map(Self::from_accept_language))
            .unwrap_or_default()
    }
}

/// Declares [`Msg`] with [`Msg::ALL`] and [`Msg::name`], so (de)serializing a key
/// is one lookup in one table of names rather than serde's derived matcher, which
/// is generated once per format the browser decodes (JSON, CBOR) and made the
/// largest items of the wasm (issue 16).
macro_rules! messages {
    ($(#[$meta:meta])* pub enum Msg { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        pub enum Msg { $($(#[$vmeta])* $variant,)* }

        impl Msg {
            /// Every message key, in declaration order.
            pub const ALL: &'static [Msg] = &[$(Msg::$variant,)*];

            /// The key's name on the wire (`"PhoneEmpty"`), as API clients read it.
            pub fn name(self) -> &'static str {
                match self { $(Msg::$variant => stringify!($variant),)* }
            }
        }
    };
}

messages! {
/// The key of a user-facing message. The text lives in the catalogs. It crosses
/// the wire as its name (`"PhoneEmpty"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Msg {
    // Field rules (docs/DESIGN.md §1).
    PhoneEmpty,
    PhoneInvalid,
    CodeInvalid,
    PasswordEmpty,
    PasswordRule,
    PasswordCommon,
    PasswordHasPhone,
    InvitationIncorrect,
    ConsentRequired,
    // Outcomes the server reports (docs/DESIGN.md §1–2).
    CodeWrong,
    CodeExpired,
    CodeDead,
    CodeGuessBudget,
    SendCooldown,
    SendHourlyCap,
    SendDailyCap,
    SendIpCap,
    SendGlobalCap,
    PhoneTaken,
    SmsFailed,
    PowFailed,
    /// The SMS provider said the number cannot receive messages (invalid, or on a
    /// do-not-disturb list).
    SmsNumberRejected,
    CodeSent,
    SmsText,
    NoticePasswordChanged,
    NoticePhoneChanged,
    NoticeNewBrowser,
    SessionRequired,
    /// The admin area (`/admin`, `/api/admin/`) refused a non-admin.
    AdminRequired,
    Unexpected,
    NetworkError,
    // The HTTP surface refusing a request (issue 10).
    CrossSiteRefused,
    UnsupportedBody,
    BodyTooLarge,
    BadRequest,
    // Page text.
    RegisterTitle,
    HaveAccount,
    LogIn,
    ResetPassword,
    LabelPhone,
    PlaceholderPhone,
    LabelCode,
    PlaceholderCode,
    SendCode,
    ResendIn,
    Sending,
    PowSolving,
    NeedsScripts,
    /// The sign-in page with scripts off: password sign-in still works.
    NeedsScriptsForCode,
    /// The link on the page a sign-in without the wasm moves on from.
    ContinueToApp,
    LabelPassword,
    PlaceholderPassword,
    ShowPassword,
    HidePassword,
    CheckLength,
    CheckKinds,
    CheckCharset,
    CheckUncommon,
    LabelInvitation,
    InvitationOptional,
    PlaceholderInvitation,
    ConsentPrefix,
    ConsentAnd,
    AgreementTitle,
    PrivacyTitle,
    MarketingOptIn,
    Submit,
    PleaseWait,
    EnterpriseHelp,
    Copyright,
    Icp,
    Hotline,
    Close,
    AccountTitle,
    AccountPhone,
    SignOut,
    SigningOut,
    SwitchLanguage,
    NotFound,
    BackHome,
    LegalVersion,
    Loading,
    ErrorSummary,
    LoginTitle,
    TabPassword,
    TabCode,
    ForgotPassword,
    NoAccount,
    SignUpLink,
    LabelLoginPassword,
    LoginSubmit,
    LoginFailed,
    LoginThrottled,
    LoginIpThrottled,
    CodeSentIfAccount,
    NotRegistered,
    AccountSuspended,
    ResetTitle,
    LabelNewPassword,
    ResetSubmit,
    BackToLogin,
    HistoryTitle,
    HistoryTime,
    HistoryIp,
    HistoryBrowser,
    HistoryMethod,
    HistoryResult,
    MethodPassword,
    MethodSms,
    MethodSignUp,
    MethodReset,
    OutcomeSuccess,
    OutcomeWrongPassword,
    OutcomeWrongCode,
    OutcomeThrottled,
    OutcomeSuspended,
    OutcomeOther,
    // Documents and consent (docs/DESIGN.md §4).
    ReconsentRequired,
    DocumentNotFound,
    DocumentsChanged,
    VersionUpcoming,
    VersionInForce,
    VersionSuperseded,
    VersionHistory,
    NoticeTitle,
    NoticeUpdated,
    NoticeDismiss,
    ConsentTitle,
    ConsentIntro,
    AgreeAndContinue,
    Decline,
    ConsentDeclinedTitle,
    ConsentDeclined,
    ConsentsTitle,
    ConsentDocument,
    ConsentVersion,
    MethodReconsent,
    // The account center (docs/DESIGN.md §5).
    RealNameTooLong,
    CompanyTooLong,
    AddressTooLong,
    EmailInvalid,
    ProfileControlCharacters,
    CurrentPasswordWrong,
    NewPhoneSame,
    ReportTooLong,
    SessionNotFound,
    NavOverview,
    NavSecurity,
    NavSessions,
    NavDelete,
    AccountCreated,
    AccountStatus,
    StatusActive,
    ProfileTitle,
    ProfileIntro,
    LabelRealName,
    LabelCompany,
    LabelAddress,
    LabelEmail,
    ProfileSave,
    ProfileSaved,
    NotGiven,
    MessagesTitle,
    MarketingOnSince,
    MarketingOff,
    MarketingSaveOn,
    MarketingSaveOff,
    MarketingTurnedOn,
    MarketingTurnedOff,
    DownloadTitle,
    DownloadIntro,
    DownloadButton,
    ChangePasswordTitle,
    LabelCurrentPassword,
    ChangePasswordSubmit,
    PasswordChanged,
    ChangePhoneTitle,
    ChangePhoneIntro,
    LabelCurrentCode,
    LabelNewPhone,
    LabelNewCode,
    ChangePhoneSubmit,
    PhoneChanged,
    SessionsTitle,
    SessionSignedIn,
    SessionLastActive,
    ThisDevice,
    EndOtherSessions,
    SessionEnded,
    OtherSessionsEnded,
    NoOtherSessions,
    ReportActivity,
    ReportTitle,
    ReportAbout,
    ReportIntro,
    LabelReport,
    ReportSubmit,
    ReportSent,
    ReportOther,
    DeleteTitle,
    DeleteIntro,
    DeleteErases,
    DeleteEndsSessions,
    DeleteKeepsConsents,
    DeleteFinal,
    DeleteCodeLabel,
    DeleteSubmit,
    AccountDeleted,
    AccountDeletedBody,
    MethodAccountCenter,
    MethodPhoneChange,
    // The admin area (docs/DESIGN.md §6).
    AdminConfirmRequired,
    InvitationModeChanged,
    AccountIdInvalid,
    AccountIsDeleted,
    AccountNotFound,
    ActionUnknown,
    DateInvalid,
    ReasonEmpty,
    ShortTextTooLong,
    QuotaInvalid,
    ExpiryInvalid,
    ExpiryPast,
    InvitationNotFound,
    ReportNotFound,
    DocumentTitleMissing,
    DocumentTooLong,
    SummaryEmpty,
    EffectiveInvalid,
    EffectivePast,
    EffectiveBeforeLatest,
    VersionTaken,
    AdminTitle,
    NavAccounts,
    NavInvitations,
    NavDocuments,
    NavSettings,
    NavAudit,
    AdminConfirmTitle,
    AdminConfirmIntro,
    AdminConfirmSubmit,
    AdminConfirmByCode,
    AdminConfirmByPassword,
    FindAccountTitle,
    FindAccountIntro,
    FindAccountSubmit,
    ReportsTitle,
    NoReports,
    ColAccount,
    ColAbout,
    ColNote,
    ColTime,
    ColActor,
    ColAction,
    ColDetails,
    ColUses,
    ColLeft,
    ColExpires,
    MarkHandled,
    ReportHandledAt,
    AdminAccountTitle,
    AdminBadge,
    StatusSuspended,
    StatusDeleted,
    NoSessions,
    AuditEventsTitle,
    ActionTitle,
    ActionSuspend,
    ActionReinstate,
    ActionEndSessions,
    ActionCancel,
    ActionCancelWarning,
    LabelReason,
    ActionDone,
    CreateInvitationTitle,
    LabelQuota,
    LabelExpiry,
    LabelNote,
    CreateInvitationSubmit,
    InvitationCreated,
    InvitationsTitle,
    InvitationWithdrawnBadge,
    InvitationExpiredBadge,
    ShowUses,
    Withdraw,
    UsesTitle,
    PublishTitle,
    PublishIntro,
    LabelDocument,
    LabelTextZh,
    LabelTextEn,
    LabelEffective,
    LabelMaterial,
    LabelSummaryZh,
    LabelSummaryEn,
    PreviewSubmit,
    PublishSubmit,
    DocumentPublished,
    LabelInvitationMode,
    ModeOff,
    ModeOptional,
    ModeRequired,
    SettingsIntro,
    SettingsSaved,
    VerifyChain,
    ChainWhole,
    ChainBroken,
    FilterAccount,
    FilterActor,
    FilterFrom,
    FilterTo,
    FilterAny,
    FilterSubmit,
    NoEvents,
    OlderPage,
    NewestPage,
    // OpenID Connect (docs/DESIGN.md §11).
    ScopeOpenId,
    ScopeProfile,
    ScopeEmail,
    ScopePhone,
    ScopeAddress,
    OidcConsentTitle,
    OidcConsentIntro,
    OidcConsentReturn,
    OidcAllow,
    OidcDeny,
    OidcErrorTitle,
    OidcUnknownClient,
    OidcBadRedirectUri,
    OidcRequestExpired,
    AppsTitle,
    AppsNone,
    AppsGrantedAt,
    AppsRevoke,
    AppsRevoked,
    // The admin area's OpenID Connect clients (docs/DESIGN.md §6, §11).
    NavClients,
    ClientsIntro,
    RegisterClientTitle,
    LabelClientName,
    LabelRedirectUris,
    LabelPostLogoutUris,
    LabelPublicClient,
    LabelFirstParty,
    RegisterClientSubmit,
    ClientRegistered,
    ClientIdLabel,
    ClientSecretLabel,
    ClientSecretOnce,
    ClientPublicNoSecret,
    HideSecret,
    ClientsTitle,
    NoClients,
    ColName,
    ColRedirectUris,
    ColClientType,
    ColClientOwner,
    ColRegistered,
    ClientPublic,
    ClientConfidential,
    ClientFirstParty,
    ClientThirdParty,
    ClientRevokedBadge,
    AfterSignOut,
    RevokeClient,
    RevokeClientConfirm,
    RevokeClientSubmit,
    CancelButton,
    ClientRevoked,
    ClientNameInvalid,
    RedirectUrisEmpty,
    RedirectUriInvalid,
    RedirectUriRefused,
    ClientNotFound,
}
}

impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Msg {
    /// Errors: a name that is no message key.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Msg::ALL
            .iter()
            .copied()
            .find(|m| m.name() == name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &[]))
    }
}

impl Msg {
    /// The text in `lang`, placeholders unfilled.
    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => zh::text(self),
            Lang::En => en::text(self),
        }
    }

    /// The text in `lang` with each `{name}` replaced by its value.
    pub fn format(self, lang: Lang, args: &[(&str, &str)]) -> String {
        args.iter()
            .fold(self.text(lang).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_crosses_the_wire_as_its_name_and_back() {
        let mut names = std::collections::BTreeSet::new();
        for &msg in Msg::ALL {
            assert!(names.insert(msg.name()), "{} twice", msg.name());
            let json = serde_json::to_string(&msg).unwrap();
            assert_eq!(json, format!("\"{msg:?}\""));
            assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), msg);
        }
        assert!(serde_json::from_str::<Msg>("\"NoSuchKey\"").is_err());
        assert!(serde_json::from_str::<Msg>("3").is_err());
    }

    #[test]
    fn accept_language_follows_the_preferred_supported_language() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-TW"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("en-GB;q=0.5,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("de-DE,fr;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("de-DE,en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
        assert_eq!(Lang::from_accept_language("en;q=0,zh;q=0.1"), Lang::Zh);
    }

    #[test]
    fn the_cookie_wins_over_accept_language() {
        assert_eq!(Lang::negotiate(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::Zh);
    }

    #[test]
    fn design_messages_read_as_specified() {
        assert_eq!(
            Msg::PhoneEmpty.text(Lang::En),
            "Please enter the cell phone number"
        );
        assert_eq!(
            Msg::PhoneInvalid.text(Lang::En),
            "Please enter 11-digit cell phone number"
        );
        assert_eq!(
            Msg::PasswordRule.text(Lang::En),
            "Please enter a password of 8~16 characters containing at least two of number/letter/symbol"
        );
        assert_eq!(
            Msg::ResendIn.format(Lang::En, &[("n", "59")]),
            "Resend in 59 s"
        );
    }

    #[test]
    fn every_message_has_text_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for msg in [
                Msg::PhoneEmpty,
                Msg::ErrorSummary,
                Msg::SmsText,
                Msg::Copyright,
            ] {
                assert!(!msg.text(lang).is_empty());
            }
        }
        assert_ne!(Msg::Submit.text(Lang::Zh), Msg::Submit.text(Lang::En));
    }
}
