use super::{account_summary, sign_out};
use crate::app::{use_lang, Route};
use crate::i18n::Msg;
use dioxus::prelude::*;

/// `/account`: who is signed in, and Sign out.
#[component]
pub fn AccountPage() -> Element {
    let lang = use_lang();
    let summary = use_server_future(account_summary)?;
    let mut signing_out = use_signal(|| false);
    let nav = navigator();
    let l = lang();
    // Without a session, the browser signs in and comes back; with a document
    // version due, it agrees first (docs/DESIGN.md §4).
    use_effect(move || match &*summary.read() {
        Some(Err(e)) if e.key == Msg::ReconsentRequired => {
            nav.replace(Route::Consent {
                next: "/account".into(),
            });
        }
        Some(Err(_)) => {
            nav.replace(Route::Login {
                next: "/account".into(),
            });
        }
        _ => {}
    });
    rsx! {
        section { class: "card narrow account",
            h1 { {Msg::AccountTitle.text(l)} }
            match &*summary.read() {
                Some(Ok(s)) => rsx! {
                    dl { class: "facts",
                        dt { {Msg::AccountPhone.text(l)} }
                        dd { id: "masked-phone", "{s.masked_phone}" }
                    }
                    h2 { {Msg::HistoryTitle.text(l)} }
                    div { class: "table-scroll",
                        table { id: "sign-ins",
                            thead {
                                tr {
                                    th { scope: "col", {Msg::HistoryTime.text(l)} }
                                    th { scope: "col", {Msg::HistoryMethod.text(l)} }
                                    th { scope: "col", {Msg::HistoryResult.text(l)} }
                                    th { scope: "col", {Msg::HistoryIp.text(l)} }
                                    th { scope: "col", {Msg::HistoryBrowser.text(l)} }
                                }
                            }
                            tbody {
                                for entry in s.sign_ins.iter() {
                                    tr {
                                        td { "{entry.at}" }
                                        td { {entry.method.text(l)} }
                                        td { {entry.outcome.text(l)} }
                                        td { "{entry.ip}" }
                                        td { "{entry.browser}" }
                                    }
                                }
                            }
                        }
                    }
                    h2 { {Msg::ConsentsTitle.text(l)} }
                    div { class: "table-scroll",
                        table { id: "consents",
                            thead {
                                tr {
                                    th { scope: "col", {Msg::ConsentDocument.text(l)} }
                                    th { scope: "col", {Msg::ConsentVersion.text(l)} }
                                    th { scope: "col", {Msg::HistoryTime.text(l)} }
                                    th { scope: "col", {Msg::HistoryMethod.text(l)} }
                                }
                            }
                            tbody {
                                for c in s.consents.iter() {
                                    tr {
                                        td {
                                            Link { to: Route::LegalVersion { kind: c.kind, version: c.version },
                                                {c.kind.title().text(l)}
                                            }
                                        }
                                        td { "{c.version}" }
                                        td { "{c.at}" }
                                        td { {c.method.text(l)} }
                                    }
                                }
                            }
                        }
                    }
                    button {
                        r#type: "button",
                        class: "secondary",
                        id: "sign-out",
                        disabled: signing_out(),
                        onclick: move |_| async move {
                            signing_out.set(true);
                            let _ = sign_out().await;
                            nav.replace(Route::Register {});
                        },
                        if signing_out() { {Msg::SigningOut.text(l)} } else { {Msg::SignOut.text(l)} }
                    }
                },
                Some(Err(e)) if e.key == Msg::ReconsentRequired => rsx! {
                    p { class: "alert", role: "alert", {e.text(l)} }
                    Link { to: Route::Consent { next: "/account".to_string() }, {Msg::ConsentTitle.text(l)} }
                },
                Some(Err(e)) => rsx! {
                    p { class: "alert", role: "alert", {e.text(l)} }
                    Link { to: Route::Login { next: "/account".to_string() }, {Msg::LogIn.text(l)} }
                },
                None => rsx! { p { {Msg::Loading.text(l)} } },
            }
        }
    }
}
