use super::{accept_consent, consent_due, decline_consent, DocumentKind};
use crate::app::{use_lang, use_site, Route};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::login::safe_next;
use dioxus::prelude::*;

/// `/consent?next=`: "Agree and Continue" after a material change (docs/DESIGN.md §4).
/// Lists each document due with its new version, date and what changed, linked to
/// the full text. Agreeing records consent and goes on to `next` (a same-site
/// path by [`safe_next`], else `/account`); declining signs out and says how to reach the
/// operator. Without a session it sends the browser to sign in; with nothing due,
/// straight on to `next`.
#[component]
pub fn ConsentPage(next: String) -> Element {
    let lang = use_lang();
    let site = use_site();
    let mut due = use_server_future(consent_due)?;
    let mut busy = use_signal(|| false);
    let mut declined = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let nav = navigator();
    let l = lang();
    let target = safe_next(&next).unwrap_or("/account").to_owned();
    let here = Route::Consent {
        next: target.clone(),
    }
    .to_string();
    {
        let target = target.clone();
        use_effect(move || match &*due.read() {
            Some(Ok(list)) if list.is_empty() && !declined() => {
                crate::app::go_to(&target, true);
            }
            Some(Err(e)) if e.status == 401 => {
                nav.replace(Route::Login { next: here.clone() });
            }
            _ => {}
        });
    }
    if declined() {
        return rsx! {
            section { class: "card narrow consent", id: "consent-declined",
                h1 { {Msg::ConsentDeclinedTitle.text(l)} }
                p { {Msg::ConsentDeclined.format(l, &[("hotline", &site.hotline)])} }
                Link { to: Route::Login { next: target.clone() }, {Msg::LogIn.text(l)} }
            }
        };
    }
    let list = match &*due.read() {
        Some(Ok(list)) => list.clone(),
        Some(Err(e)) => {
            return rsx! {
                section { class: "card narrow consent",
                    p { class: "alert", role: "alert", {e.text(l)} }
                }
            }
        }
        None => return rsx! { section { class: "card narrow", p { {Msg::Loading.text(l)} } } },
    };
    let accepted: Vec<(DocumentKind, u32)> = list.iter().map(|e| (e.kind, e.version)).collect();
    rsx! {
        section { class: "card narrow consent", "aria-labelledby": "consent-title",
            h1 { id: "consent-title", {Msg::ConsentTitle.text(l)} }
            p { {Msg::ConsentIntro.text(l)} }
            ul { class: "versions", id: "consent-documents",
                for entry in list.iter() {
                    li { key: "{entry.kind}",
                        Link {
                            to: Route::LegalVersion { kind: entry.kind, version: entry.version },
                            new_tab: true,
                            {entry.kind.title().text(l)}
                        }
                        " "
                        span { class: "muted",
                            {Msg::LegalVersion.format(l, &[("version", &entry.version.to_string()), ("date", &entry.effective)])}
                        }
                        p { "{entry.summary.get(l)}" }
                    }
                }
            }
            if let Some(e) = error() {
                p { class: "alert", role: "alert", {e.text(l)} }
            }
            div { class: "actions",
                button {
                    r#type: "button",
                    class: "primary",
                    id: "agree",
                    disabled: busy(),
                    onclick: move |_| {
                        let accepted = accepted.clone();
                        let target = target.clone();
                        async move {
                            busy.set(true);
                            match accept_consent(accepted).await {
                                Ok(()) => {
                                    crate::app::go_to(&target, true);
                                }
                                Err(e) => {
                                    // A newer version took effect meanwhile: show it.
                                    if e.status == 409 {
                                        due.restart();
                                    }
                                    error.set(Some(e));
                                    busy.set(false);
                                }
                            }
                        }
                    },
                    if busy() { {Msg::PleaseWait.text(l)} } else { {Msg::AgreeAndContinue.text(l)} }
                }
                button {
                    r#type: "button",
                    class: "secondary",
                    id: "decline",
                    disabled: busy(),
                    onclick: move |_| async move {
                        busy.set(true);
                        match decline_consent().await {
                            Ok(()) => declined.set(true),
                            Err(e) => error.set(Some(e)),
                        }
                        busy.set(false);
                    },
                    {Msg::Decline.text(l)}
                }
            }
        }
    }
}
