use super::{legal_document, legal_notices, notice_id, DocumentKind, LegalDocument, NOTICE_COOKIE};
use crate::app::{use_lang, Route};
use crate::hydration::AsJson;
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;

/// `/legal/{kind}` (the version in force, `version` None) and `/legal/{kind}/{n}`:
/// the document with its number, date and status, and every version of it.
#[component]
pub fn LegalPage(kind: DocumentKind, version: Option<u32>) -> Element {
    let lang = use_lang();
    // Reactive props: following a link to another version re-renders this page
    // with new props rather than mounting a new one.
    let doc = use_server_future(use_reactive!(|kind, version| AsJson::wrap(legal_document(
        kind,
        version,
        lang()
    ))))?;
    let l = lang();
    rsx! {
        article { class: "card legal",
            match &*doc.read() {
                Some(AsJson(Ok(doc))) => rsx! {
                    DocumentBody { doc: doc.clone(), lang: l, heading_id: "legal-title" }
                    h2 { {Msg::VersionHistory.text(l)} }
                    ul { class: "versions", id: "versions",
                        for entry in doc.history.iter() {
                            li { key: "{entry.version}",
                                Link {
                                    to: Route::LegalVersion { kind, version: entry.version },
                                    {version_label(l, entry.version, &entry.effective)}
                                }
                                " · "
                                span { class: "muted", {entry.status.label().text(l)} }
                                if entry.version > 1 {
                                    " · {entry.summary.get(l)}"
                                }
                            }
                        }
                    }
                },
                Some(AsJson(Err(e))) => rsx! { p { class: "alert", role: "alert", {e.text(l)} } },
                None => rsx! { p { {Msg::Loading.text(l)} } },
            }
        }
    }
}

fn version_label(lang: Lang, version: u32, effective: &str) -> String {
    Msg::LegalVersion.format(
        lang,
        &[("version", &version.to_string()), ("date", effective)],
    )
}

/// A document version's title, number, date and status, and its body: what
/// `/legal/{kind}` shows, and the admin area's preview.
#[component]
pub fn DocumentBody(doc: LegalDocument, lang: Lang, heading_id: String) -> Element {
    let entry = &doc.entry;
    rsx! {
        h1 { id: "{heading_id}", "{doc.title}" }
        p { class: "muted", id: "legal-version",
            {version_label(lang, entry.version, &entry.effective)}
            " · "
            {entry.status.label().text(lang)}
        }
        div { class: "legal-body", dangerous_inner_html: "{doc.html}" }
    }
}

/// The document in force in a modal dialog over the sign-up form: the browser's
/// own `<dialog>`, opened with `showModal()`, so the page behind is inert and
/// focus stays inside (WAI-ARIA APG, "Dialog (Modal)"). Escape (the dialog's
/// `cancel` event), Close, or a click on the backdrop shuts it, with `close()`
/// first, which gives focus back to the button that opened it.
#[component]
pub fn LegalDialog(kind: DocumentKind, on_close: EventHandler<()>) -> Element {
    let lang = use_lang();
    let doc = use_resource(move || legal_document(kind, None, lang()));
    let mut element = use_signal(|| None::<std::rc::Rc<MountedData>>);
    let close = move || {
        if let Some(mounted) = element.peek().as_ref() {
            modal(mounted, false);
        }
        on_close.call(());
    };
    let l = lang();
    rsx! {
        dialog {
            class: "dialog",
            "aria-labelledby": "dialog-title",
            // Focus on the dialog itself, not on the first link of the text.
            tabindex: "-1",
            autofocus: true,
            oncancel: move |e| {
                e.prevent_default();
                close();
            },
            // The content fills the dialog: a click that reaches it is on the backdrop.
            onclick: move |_| close(),
            onmounted: move |e| {
                modal(&e.data(), true);
                element.set(Some(e.data()));
            },
            div { class: "dialog-box", onclick: move |e| e.stop_propagation(),
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
                        onclick: move |_| close(),
                        {Msg::Close.text(l)}
                    }
                }
            }
        }
    }
}

/// Opens the mounted `<dialog>` as a modal (`open`), or closes it (nothing
/// outside a browser). Direct DOM calls: `document::eval` needs `unsafe-eval`,
/// which the Content-Security-Policy refuses.
fn modal(mounted: &MountedData, open: bool) {
    #[cfg(feature = "web")]
    {
        use dioxus::web::WebEventExt;
        use wasm_bindgen::JsCast;
        if let Some(dialog) = mounted
            .try_as_web_event()
            .and_then(|element| element.dyn_into::<web_sys::HtmlDialogElement>().ok())
        {
            if open {
                // Fails only if it is open already or not in the document.
                let _ = dialog.show_modal();
            } else {
                dialog.close();
            }
        }
    }
    #[cfg(not(feature = "web"))]
    let _ = (mounted, open);
}

/// The banner on every page announcing document versions that took effect in the
/// last `GATEHOUSE_LEGAL_NOTICE_DAYS` days, each linked to its text with what
/// changed. Dismissing it remembers every shown notice in a cookie for a year, so
/// the server leaves them out of later pages.
#[component]
pub fn NoticeBanner() -> Element {
    let lang = use_lang();
    let notices = use_server_future(|| AsJson::wrap(legal_notices()))?;
    let mut dismissed = use_signal(|| false);
    let l = lang();
    let shown = match &*notices.read() {
        Some(AsJson(Ok(list))) if !list.is_empty() && !dismissed() => list.clone(),
        _ => return rsx! {},
    };
    let ids: Vec<String> = shown.iter().map(|n| notice_id(n.kind, n.version)).collect();
    rsx! {
        aside { class: "legal-notice", id: "legal-notice", "aria-label": Msg::NoticeTitle.text(l),
            div { class: "notice-text",
                strong { {Msg::NoticeTitle.text(l)} }
                for n in shown.iter() {
                    p { key: "{n.kind}-{n.version}",
                        Link { to: Route::LegalVersion { kind: n.kind, version: n.version },
                            {Msg::NoticeUpdated.format(l, &[
                                ("document", n.kind.title().text(l)),
                                ("version", &n.version.to_string()),
                                ("date", &n.effective),
                            ])}
                        }
                        " {n.summary.get(l)}"
                    }
                }
            }
            button {
                r#type: "button",
                class: "ghost",
                id: "dismiss-notice",
                onclick: move |_| {
                    remember_dismissed(&ids);
                    dismissed.set(true);
                },
                {Msg::NoticeDismiss.text(l)}
            }
        }
    }
}

/// Adds `ids` to the dismissal cookie (one year).
fn remember_dismissed(ids: &[String]) {
    #[cfg(feature = "web")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        else {
            return;
        };
        let all = crate::form::sorted_unique(
            super::dismissed_notices(&document.cookie().unwrap_or_default())
                .into_iter()
                .chain(ids.iter().cloned()),
        );
        let _ = document.set_cookie(&format!(
            "{NOTICE_COOKIE}={}; path=/; max-age=31536000; samesite=lax",
            all.join(".")
        ));
    }
    #[cfg(not(feature = "web"))]
    let _ = (ids, NOTICE_COOKIE);
}
