//! `/admin/settings`: the invitation mode (off, optional, required), stored in
//! the database and in force on every instance within the page-cache window.

use super::{use_refusal, use_watch, AdminFrame, Alert};
use crate::admin::api::{save_settings, settings};
use crate::admin::form::SettingsForm;
use crate::app::{use_lang, Route};
use crate::components::{use_hydrated, Done};
use crate::domain::InvitationMode;
use crate::error::ApiError;
use crate::i18n::Msg;
use dioxus::prelude::*;

#[component]
pub fn AdminSettingsPage() -> Element {
    rsx! {
        AdminFrame { here: Route::AdminSettings {},
            Settings {}
        }
    }
}

fn mode_label(mode: InvitationMode) -> Msg {
    match mode {
        InvitationMode::Off => Msg::ModeOff,
        InvitationMode::Optional => Msg::ModeOptional,
        InvitationMode::Required => Msg::ModeRequired,
    }
}

#[component]
fn Settings() -> Element {
    let lang = use_lang();
    let mut loaded = use_server_future(settings)?;
    use_watch(loaded);
    let mut chosen = use_signal(|| None::<InvitationMode>);
    let mut done = use_signal(|| None::<String>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut refused = use_refusal();
    let hydrated = use_hydrated();
    let l = lang();
    let current = match &*loaded.read() {
        Some(Ok(s)) => s.invitation_mode,
        Some(Err(e)) => {
            return rsx! { Alert { id: "settings-error", error: Some(e.clone()), lang: l } }
        }
        None => return rsx! { p { {Msg::Loading.text(l)} } },
    };
    let picked = chosen().unwrap_or(current);
    let submit = move |e: FormEvent| async move {
        e.prevent_default();
        busy.set(true);
        done.set(None);
        error.set(None);
        match save_settings(SettingsForm {
            invitation_mode: picked,
        })
        .await
        {
            Ok(saved) => {
                done.set(Some(Msg::SettingsSaved.text(lang()).to_owned()));
                loaded.set(Some(Ok(saved)));
                chosen.set(None);
            }
            Err(e) => {
                refused(&e);
                error.set(Some(e));
            }
        }
        busy.set(false);
    };
    rsx! {
        h2 { {Msg::NavSettings.text(l)} }
        form { id: "settings", novalidate: true, onsubmit: submit,
            fieldset {
                legend { {Msg::LabelInvitationMode.text(l)} }
                for mode in InvitationMode::ALL {
                    label { class: "radio",
                        input {
                            r#type: "radio",
                            name: "invitation-mode",
                            id: "mode-{mode.as_str()}",
                            value: mode.as_str(),
                            checked: picked == mode,
                            onchange: move |_| chosen.set(Some(mode)),
                        }
                        {mode_label(mode).text(l)}
                    }
                }
            }
            p { class: "muted small", {Msg::SettingsIntro.text(l)} }
            Alert { id: "settings-error", error: error(), lang: l }
            button {
                id: "settings-submit",
                r#type: "submit",
                class: "primary",
                disabled: !hydrated() || busy() || picked == current,
                {Msg::ProfileSave.text(l)}
            }
            Done { id: "settings-saved", text: done() }
        }
    }
}
