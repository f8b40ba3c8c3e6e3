use super::{legal_document, DocumentKind, LegalDocument};
use crate::app::use_lang;
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;

/// `/legal/agreement` and `/legal/privacy`: the version in force, full page.
#[component]
pub fn LegalPage(kind: DocumentKind) -> Element {
    let lang = use_lang();
    let doc = use_server_future(move || legal_document(kind, lang()))?;
    let l = lang();
    rsx! {
        article { class: "card legal",
            match &*doc.read() {
                Some(Ok(doc)) => rsx! { DocumentBody { doc: doc.clone(), lang: l, heading_id: "legal-title" } },
                Some(Err(e)) => rsx! { p { class: "alert", role: "alert", {e.text(l)} } },
                None => rsx! { p { {Msg::Loading.text(l)} } },
            }
        }
    }
}

#[component]
fn DocumentBody(doc: LegalDocument, lang: Lang, heading_id: String) -> Element {
    let version = doc.version.to_string();
    rsx! {
        h1 { id: "{heading_id}", "{doc.title}" }
        p { class: "muted",
            {Msg::LegalVersion.format(lang, &[("version", &version), ("date", &doc.effective)])}
        }
        div { class: "legal-body", dangerous_inner_html: "{doc.html}" }
    }
}

/// The document in a modal dialog over the sign-up form; Escape or Close shuts it.
#[component]
pub fn LegalDialog(kind: DocumentKind, on_close: EventHandler<()>) -> Element {
    let lang = use_lang();
    let doc = use_resource(move || legal_document(kind, lang()));
    let l = lang();
    rsx! {
        div {
            class: "dialog-backdrop",
            onclick: move |_| on_close.call(()),
            div {
                class: "dialog",
                role: "dialog",
                "aria-modal": "true",
                "aria-labelledby": "dialog-title",
                tabindex: "-1",
                onclick: move |e| e.stop_propagation(),
                onkeydown: move |e| {
                    if e.key() == Key::Escape {
                        on_close.call(());
                    }
                },
                onmounted: move |e| async move {
                    let _ = e.set_focus(true).await;
                },
                div { class: "dialog-scroll",
                    match &*doc.read() {
                        Some(Ok(doc)) => rsx! { DocumentBody { doc: doc.clone(), lang: l, heading_id: "dialog-title" } },
                        Some(Err(e)) => rsx! { p { class: "alert", role: "alert", {e.text(l)} } },
                        None => rsx! { p { id: "dialog-title", {Msg::Loading.text(l)} } },
                    }
                }
                div { class: "dialog-actions",
                    button {
                        r#type: "button",
                        class: "primary",
                        onclick: move |_| on_close.call(()),
                        {Msg::Close.text(l)}
                    }
                }
            }
        }
    }
}
