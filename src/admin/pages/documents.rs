//! `/admin/documents`: publish a new version of the agreement or the privacy
//! policy (the service and refusals of `gatehouse docs publish`), with a preview
//! rendered by the same code and page parts users see.

use super::{use_refusal, AdminFrame, Alert, TextField};
use crate::admin::api::{preview_document, publish_document};
use crate::admin::form::PublishForm;
use crate::app::{use_lang, Route};
use crate::components::{use_client_errors, use_form_state, use_hydrated, Done};
use crate::domain::DocumentKind;
use crate::form::Field;
use crate::i18n::Msg;
use crate::legal::{DocumentBody, LegalDocument};
use dioxus::prelude::*;

#[component]
pub fn AdminDocumentsPage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminDocuments {},
            Publish {}
        }
    }
}

const FIELDS: [Field; 5] = [
    Field::TextZh,
    Field::TextEn,
    Field::Effective,
    Field::SummaryZh,
    Field::SummaryEn,
];

#[component]
fn Publish() -> Element {
    let lang = use_lang();
    let mut kind = use_signal(|| DocumentKind::Agreement);
    let zh = use_signal(String::new);
    let en = use_signal(String::new);
    let effective = use_signal(String::new);
    let mut material = use_signal(|| false);
    let summary_zh = use_signal(String::new);
    let summary_en = use_signal(String::new);
    let mut preview = use_signal(|| None::<Vec<LegalDocument>>);
    let mut done = use_signal(|| None::<String>);
    let state = use_form_state();
    let hydrated = use_hydrated();
    let mut refused = use_refusal();
    let form = move || PublishForm {
        kind: kind(),
        zh: zh(),
        en: en(),
        effective: effective(),
        material: material(),
        summary_zh: summary_zh(),
        summary_en: summary_en(),
    };
    let client_errors = use_client_errors(move || form().validate().err());
    let error_of = move |field: Field| state.error(field, &client_errors.read());
    let values = [
        ("text-zh", zh),
        ("text-en", en),
        ("effective", effective),
        ("summary-zh", summary_zh),
        ("summary-en", summary_en),
    ];
    let submit = move |e: FormEvent| async move {
        done.set(None);
        if !state.begin(&e, &values, &FIELDS, || form().validate().is_ok()) {
            return;
        }
        let mut busy = state.busy;
        let published = publish_document(form()).await;
        busy.set(false);
        match published {
            Ok(p) => {
                let what = p.kind.title().text(lang());
                let version = p.version.to_string();
                let text = Msg::DocumentPublished
                    .format(lang(), &[("document", what), ("version", &version)]);
                done.set(Some(text));
                preview.set(None);
                state.reset();
            }
            Err(e) => {
                refused(&e);
                state.show(e);
            }
        }
    };
    let show_preview = move |_| async move {
        done.set(None);
        state.submitted(&FIELDS);
        if (state.busy)() || form().validate().is_err() {
            return;
        }
        let mut busy = state.busy;
        busy.set(true);
        let shown = preview_document(form()).await;
        busy.set(false);
        match shown {
            Ok(p) => preview.set(Some(p.documents)),
            Err(e) => {
                refused(&e);
                preview.set(None);
                state.show(e);
            }
        }
    };
    let l = lang();
    let busy = (state.busy)();
    rsx! {
        h2 { {Msg::PublishTitle.text(l)} }
        p { class: "muted", {Msg::PublishIntro.text(l)} }
        form { id: "publish", novalidate: true, onsubmit: submit,
            div { class: "field",
                label { r#for: "kind", {Msg::LabelDocument.text(l)} }
                select {
                    id: "kind",
                    name: "kind",
                    onchange: move |e| {
                        kind.set(e.value().parse().unwrap_or(DocumentKind::Agreement));
                        preview.set(None);
                    },
                    for k in DocumentKind::ALL {
                        option { value: k.as_str(), selected: kind() == k, {k.title().text(l)} }
                    }
                }
            }
            TextField {
                field: Field::TextZh, value: zh, error: error_of(Field::TextZh), lang: l,
                label: Msg::LabelTextZh, rows: 12,
                on_edit: move |_| state.edited(Field::TextZh),
                on_leave: move |_| state.touch(Field::TextZh),
            }
            TextField {
                field: Field::TextEn, value: en, error: error_of(Field::TextEn), lang: l,
                label: Msg::LabelTextEn, rows: 12,
                on_edit: move |_| state.edited(Field::TextEn),
                on_leave: move |_| state.touch(Field::TextEn),
            }
            TextField {
                field: Field::Effective, value: effective, error: error_of(Field::Effective), lang: l,
                label: Msg::LabelEffective, kind: "date", placeholder: "YYYY-MM-DD",
                on_edit: move |_| state.edited(Field::Effective),
                on_leave: move |_| state.touch(Field::Effective),
            }
            label { class: "checkbox",
                input {
                    r#type: "checkbox",
                    id: "material",
                    name: "material",
                    checked: material(),
                    onchange: move |e| material.set(e.checked()),
                }
                {Msg::LabelMaterial.text(l)}
            }
            TextField {
                field: Field::SummaryZh, value: summary_zh, error: error_of(Field::SummaryZh), lang: l,
                label: Msg::LabelSummaryZh,
                on_edit: move |_| state.edited(Field::SummaryZh),
                on_leave: move |_| state.touch(Field::SummaryZh),
            }
            TextField {
                field: Field::SummaryEn, value: summary_en, error: error_of(Field::SummaryEn), lang: l,
                label: Msg::LabelSummaryEn,
                on_edit: move |_| state.edited(Field::SummaryEn),
                on_leave: move |_| state.touch(Field::SummaryEn),
            }
            Alert { id: "publish-error", error: (state.outcome)(), lang: l }
            div { class: "actions",
                button {
                    id: "preview-submit",
                    r#type: "button",
                    class: "secondary",
                    disabled: !hydrated() || busy,
                    onclick: show_preview,
                    {Msg::PreviewSubmit.text(l)}
                }
                button {
                    id: "publish-submit",
                    r#type: "submit",
                    class: "primary",
                    disabled: !hydrated() || busy || preview().is_none(),
                    if busy { {Msg::PleaseWait.text(l)} } else { {Msg::PublishSubmit.text(l)} }
                }
            }
            Done { id: "published", text: done() }
        }
        if let Some(documents) = preview() {
            div { id: "preview", class: "preview",
                for (i, doc) in documents.into_iter().enumerate() {
                    article { class: "legal", lang: if i == 0 { "zh-CN" } else { "en" },
                        DocumentBody { doc, lang: if i == 0 { crate::i18n::Lang::Zh } else { crate::i18n::Lang::En }, heading_id: format!("preview-title-{i}") }
                    }
                }
            }
        }
    }
}
