//! Form widgets every page shares: a field's error line, the phone and code inputs
//! with the send-code countdown, the password input with its checklist.

use crate::domain::pow::{self, PowChallenge, PowSolution};
use crate::domain::{OtpPurpose, PasswordChecklist, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::form::{Field, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::register::CodeSent;
use dioxus::prelude::*;
use std::collections::BTreeSet;

/// Copies what the submitted form holds into the fields' signals, by input `name`,
/// before a submit validates.
///
/// A password manager or the browser's autofill sets an input's value without the
/// `input` event a keystroke fires, so the signal behind the input stays empty; and
/// `value` is an attribute Dioxus writes again on every render (`dioxus-html`
/// `elements.rs`, `dioxus-core` `diff/node.rs`), which would wipe the filled value.
/// Every form calls this first in its submit handler (issue 10). A name the form
/// does not render (the code field on the password tab) is left alone.
pub fn take_form_values(e: &FormEvent, fields: &[(&str, Signal<String>)]) {
    for &(name, mut signal) in fields {
        if let Some(dioxus::html::FormValue::Text(value)) = e.get_first(name) {
            if *signal.peek() != value {
                signal.set(value);
            }
        }
    }
}

/// The state a form page keeps besides its values: which fields to judge, the
/// server's field errors, the outcome message, whether a request is running.
/// All signals, so it is `Copy` and closures can share it.
#[derive(Clone, Copy, PartialEq)]
pub struct FormState {
    touched: Signal<BTreeSet<Field>>,
    server_errors: Signal<FieldErrors>,
    /// A message that belongs to no single field.
    pub outcome: Signal<Option<ApiError>>,
    /// A request is in flight: the submit button says "Please wait...".
    pub busy: Signal<bool>,
}

/// The form's client-side field errors: `validate()` (the shared rule, `None` when it
/// passes), recomputed when a value it reads changes and when the common-password
/// list arrives ([`use_common_passwords`]), since the rule's answer changes then.
pub fn use_client_errors(
    mut validate: impl FnMut() -> Option<FieldErrors> + 'static,
) -> Memo<FieldErrors> {
    use_memo(move || {
        COMMON_PASSWORDS_ARRIVED.read();
        validate().unwrap_or_default()
    })
}

pub fn use_form_state() -> FormState {
    use_form_state_showing(None)
}

/// A form state that shows `shown` from the first render, as [`FormState::show`]
/// would: a server's answer the page was rendered with (a sign-in posted before
/// the wasm ran, `login::no_script`).
pub fn use_form_state_showing(shown: Option<ApiError>) -> FormState {
    let (fields, outcome) = match shown {
        Some(e) if !e.field_keys.is_empty() => (e.field_keys, None),
        other => (FieldErrors::default(), other),
    };
    // Inserted one by one: `collect` into a set sorts first, a sort the wasm
    // would carry only for this (about 1 KB brotli).
    let mut judged = BTreeSet::new();
    for field in fields.0.keys() {
        judged.insert(*field);
    }
    FormState {
        touched: use_signal(|| judged),
        server_errors: use_signal(|| fields),
        outcome: use_signal(|| outcome),
        busy: use_signal(|| false),
    }
}

impl FormState {
    /// The message to show under `field`: the server's, else the client rule's once
    /// the user has left the field or tried to submit.
    pub fn error(&self, field: Field, client: &FieldErrors) -> Option<Msg> {
        self.server_errors.read().get(field).or_else(|| {
            if self.touched.read().contains(&field) {
                client.get(field)
            } else {
                None
            }
        })
    }

    /// The user left the field: judge it from now on.
    pub fn touch(mut self, field: Field) {
        self.touched.write().insert(field);
    }

    /// The user changed the field: the server's verdict on it no longer holds.
    pub fn edited(mut self, field: Field) {
        self.server_errors.write().0.remove(&field);
        self.outcome.set(None);
    }

    /// A submit: judge every field, forget the server's last answer.
    pub fn submitted(mut self, fields: &[Field]) {
        self.touched.write().extend(fields.iter().copied());
        self.server_errors.set(FieldErrors::default());
        self.outcome.set(None);
    }

    /// The start every submit handler shares: stops the browser's own submit; reads
    /// what the browser filled ([`take_form_values`]); unless a request is already
    /// running, judges `fields` and, when `valid()` holds, marks the form busy.
    /// Returns whether to send the request (the handler clears `busy` after).
    pub fn begin(
        self,
        e: &FormEvent,
        values: &[(&str, Signal<String>)],
        fields: &[Field],
        valid: impl FnOnce() -> bool,
    ) -> bool {
        e.prevent_default();
        if (self.busy)() {
            return false;
        }
        take_form_values(e, values);
        self.submitted(fields);
        if !valid() {
            return false;
        }
        let mut busy = self.busy;
        busy.set(true);
        true
    }

    /// A request succeeded and the form was emptied: judge nothing until the next
    /// edit or submit.
    pub fn reset(mut self) {
        self.touched.write().clear();
        self.server_errors.set(FieldErrors::default());
        self.outcome.set(None);
    }

    /// Shows a server error: under its fields, or as the form's outcome.
    pub fn show(mut self, e: ApiError) {
        if e.field_keys.is_empty() {
            self.outcome.set(Some(e));
        } else {
            self.touched.write().extend(e.field_keys.0.keys().copied());
            self.server_errors.set(e.field_keys);
        }
    }
}

/// The form's outcome line (`role="alert"`), empty when there is none.
#[component]
pub fn Outcome(state: FormState, lang: Lang, children: Element) -> Element {
    rsx! {
        div { id: "form-outcome", class: "outcome", role: "alert",
            if let Some(e) = (state.outcome)() {
                div { class: "alert",
                    p { {e.text(lang)} }
                    {children}
                }
            }
        }
    }
}

/// The submit button: disabled while a request runs, and until hydrated unless
/// the form `works_without_wasm` (the browser posts it, `login::no_script`).
#[component]
pub fn SubmitButton(
    state: FormState,
    hydrated: Signal<bool>,
    lang: Lang,
    label: Msg,
    #[props(default)] works_without_wasm: bool,
) -> Element {
    rsx! {
        button {
            id: "submit",
            r#type: "submit",
            class: "primary wide",
            disabled: !(hydrated() || works_without_wasm) || (state.busy)(),
            if (state.busy)() { {Msg::PleaseWait.text(lang)} } else { {label.text(lang)} }
        }
    }
}

/// Shown only when scripts are off: sending an SMS code needs the proof of work the
/// wasm solves (docs/DESIGN.md §2), so sign-up, SMS sign-in and reset cannot work.
/// The text is set as inner HTML (a constant of the catalog): with scripts on, a
/// `<noscript>` holds raw text, where the hydration markers of a text child would
/// not be found.
#[component]
pub fn NeedsScripts(lang: Lang, #[props(default = Msg::NeedsScripts)] message: Msg) -> Element {
    rsx! {
        noscript { class: "needs-scripts", dangerous_inner_html: message.text(lang) }
    }
}

/// `true` once the wasm app has hydrated the page (never during server rendering).
pub fn use_hydrated() -> Signal<bool> {
    let mut hydrated = use_signal(|| false);
    use_effect(move || {
        PAGE_HYDRATED.store(true, std::sync::atomic::Ordering::Relaxed);
        hydrated.set(true);
    });
    hydrated
}

/// Whether the button `id` carries a press the page's head script kept before the
/// wasm ran (`data-pressed`, see [`PhoneAndCode`]); the mark is taken off. Read at
/// the page's first render, as [`filled_before_hydration`]; `false` on the server.
fn pressed_before_hydration(id: &str) -> bool {
    #[cfg(feature = "web")]
    {
        if PAGE_HYDRATED.load(std::sync::atomic::Ordering::Relaxed) {
            return false;
        }
        let Some(button) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
        else {
            return false;
        };
        let pressed = button.has_attribute("data-pressed");
        let _ = button.remove_attribute("data-pressed");
        pressed
    }
    #[cfg(not(feature = "web"))]
    {
        let _ = id;
        false
    }
}

/// Set by the first [`use_hydrated`] effect, once the wasm has hydrated the page
/// the browser loaded: from then on, the inputs in the document are the app's own.
static PAGE_HYDRATED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The text field `field`'s signal, starting from `initial()` (the value the server
/// rendered the input with), then set to what the input holds as the wasm hydrates
/// the page, when the visitor changed it.
///
/// On a slow phone the form shows seconds before the wasm runs (docs/DESIGN.md §8,
/// "Typing before the wasm"), and the visitor starts typing. Dioxus writes an
/// input's `value` from its signal on every render after hydration, so a signal
/// left at `initial()` would wipe what was typed. The input is read at the first
/// render, before the app has written anything, and the signal set in an effect
/// after hydration: the first render must match the server's HTML, which hydration
/// adopts without comparing (a checklist judged on the typed password there would
/// never reach the page). Only at the page's hydration: a page reached later
/// through the router must not take the value of another page's input with the
/// same id.
pub fn use_field(field: Field, initial: impl FnOnce() -> String) -> Signal<String> {
    let signal = use_signal(initial);
    restore_after_hydration(field.id(), signal, |input| input.value);
    signal
}

/// [`use_field`] for a checkbox (by element id), unticked at first: ticked after
/// hydration if the visitor ticked it before. Dioxus does not rewrite `checked`,
/// so without this a box ticked early would show ticked while the form reads it
/// unticked.
pub fn use_checkbox(id: &'static str) -> Signal<bool> {
    let signal = use_signal(|| false);
    restore_after_hydration(id, signal, |input| input.checked);
    signal
}

/// Sets `signal` after hydration to `read` of the input `id` as it was at the
/// first render, if that differs from the signal's value then and nothing has set
/// the signal since (a keystroke between hydration and the effect wins). Generic
/// over the value only, so the wasm carries it once for text and once for boxes.
fn restore_after_hydration<T: Clone + PartialEq + 'static>(
    id: &'static str,
    mut signal: Signal<T>,
    read: fn(FilledInput) -> T,
) {
    let (rendered, filled) = use_hook(|| {
        let rendered = signal.peek().clone();
        (rendered, filled_before_hydration(id).map(read))
    });
    use_effect(move || {
        if let Some(filled) = &filled {
            if *signal.peek() == rendered && *filled != rendered {
                signal.set(filled.clone());
            }
        }
    });
}

/// What the visitor left in an `<input>` the server rendered.
#[cfg_attr(not(feature = "web"), allow(dead_code))]
struct FilledInput {
    value: String,
    checked: bool,
}

/// The input with element id `id` as the visitor filled it, while the page is
/// still hydrating; `None` after, outside a browser, or when there is no such input.
fn filled_before_hydration(id: &str) -> Option<FilledInput> {
    #[cfg(feature = "web")]
    {
        use wasm_bindgen::JsCast;
        if PAGE_HYDRATED.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let element = web_sys::window()?.document()?.get_element_by_id(id)?;
        let input = element.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        Some(FilledInput {
            value: input.value(),
            checked: input.checked(),
        })
    }
    #[cfg(not(feature = "web"))]
    {
        let _ = id;
        None
    }
}

/// `aria-invalid="true"` when the field has a message; otherwise no attribute,
/// so before the wasm runs the browser tells assistive technology itself when
/// an input's `pattern` refuses it (docs/DESIGN.md §8, "Before the wasm").
pub fn invalid(msg: Option<Msg>) -> Option<&'static str> {
    msg.map(|_| "true")
}

/// The send-code button's state: the countdown, the notice after a send,
/// whether a send is running, and how far its proof of work is (percent).
#[derive(Clone, Copy, PartialEq)]
pub struct CodeState {
    pub cooldown: Signal<u64>,
    pub notice: Signal<Option<Msg>>,
    pub sending: Signal<bool>,
    pub progress: Signal<Option<u8>>,
}

/// `initial_cooldown`: seconds left from the server (a reload keeps counting).
pub fn use_code_state(initial_cooldown: u64) -> CodeState {
    CodeState {
        cooldown: use_countdown(initial_cooldown),
        notice: use_signal(|| None),
        sending: use_signal(|| false),
        progress: use_signal(|| None),
    }
}

impl CodeState {
    /// Runs a send-code request; on success starts the countdown and shows
    /// `sent_notice`, on refusal shows the error (and the cooldown it reports).
    pub async fn request(
        mut self,
        send: impl std::future::Future<Output = Result<CodeSent, ApiError>>,
        form: FormState,
        sent_notice: Msg,
    ) {
        self.sending.set(true);
        self.notice.set(None);
        form.edited(Field::Code);
        match send.await {
            Ok(sent) => {
                self.cooldown.set(sent.cooldown_secs);
                self.notice.set(Some(sent_notice));
            }
            Err(e) => {
                if e.key == Msg::SendCooldown {
                    self.cooldown.set(e.retry_after.unwrap_or_default());
                }
                form.show(e);
            }
        }
        self.sending.set(false);
    }

    /// [`Self::request`] for the public send-code functions (docs/DESIGN.md §2): asks
    /// the server for a challenge for `purpose`, solves it here (the button shows
    /// its progress), then calls `send` with the solution.
    pub async fn request_with_pow<F, Fut>(
        self,
        purpose: OtpPurpose,
        send: F,
        form: FormState,
        sent_notice: Msg,
    ) where
        F: FnOnce(Option<PowSolution>) -> Fut,
        Fut: std::future::Future<Output = Result<CodeSent, ApiError>>,
    {
        let progress = self.progress;
        let paid_send = async move {
            let challenge = crate::register::pow_challenge(purpose).await?;
            let nonce = solve_in_slices(&challenge, progress).await;
            send(Some(PowSolution {
                token: challenge.token,
                nonce,
            }))
            .await
        };
        self.request(paid_send, form, sent_notice).await;
    }
}

/// Searches for the challenge's nonce in turns of about [`TURN_MS`], each made of
/// slices of 1,024 hashes, yielding to the page between turns and setting
/// `progress` to the share of the expected work done (at most 99 %); `None` again
/// when found. Turns, not single slices: a browser delays each `setTimeout(0)` by
/// at least 4 ms, which would otherwise cost more than the hashing.
///
/// The button shows 0 % before the first turn, so the search is always seen to
/// start, even when a lucky nonce is found within it.
async fn solve_in_slices(challenge: &PowChallenge, mut progress: Signal<Option<u8>>) -> u64 {
    const SLICE: u64 = 1_024;
    let expected = pow::expected_tries(challenge.difficulty);
    let mut from = 0;
    progress.set(Some(0));
    yield_to_page().await;
    loop {
        let turn = Turn::start();
        while !turn.over() {
            if let Some(nonce) = pow::search(&challenge.token, challenge.difficulty, from, SLICE) {
                progress.set(None);
                return nonce;
            }
            from += SLICE;
        }
        progress.set(Some((from.saturating_mul(100) / expected).min(99) as u8));
        yield_to_page().await;
    }
}

/// Lets the browser render and handle events (a `setTimeout(0)`); nothing outside
/// a browser.
async fn yield_to_page() {
    #[cfg(feature = "web")]
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// How long the proof of work computes before it lets the page draw, in ms.
const TURN_MS: f64 = 12.0;

/// One turn of [`solve_in_slices`], timed with the page's clock.
struct Turn(f64);

impl Turn {
    fn start() -> Self {
        Self(Self::now_ms())
    }

    /// Whether [`TURN_MS`] have passed; always without a clock (outside a
    /// browser, where no search runs: then one slice per turn).
    fn over(&self) -> bool {
        let elapsed = Self::now_ms() - self.0;
        elapsed.is_nan() || elapsed >= TURN_MS
    }

    #[cfg(feature = "web")]
    fn now_ms() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(f64::INFINITY, |p| p.now())
    }

    #[cfg(not(feature = "web"))]
    fn now_ms() -> f64 {
        f64::INFINITY
    }
}

/// The phone number and SMS code fields, tied to the form's state; `on_send` runs
/// the page's send-code request.
///
/// Before the wasm runs the page, the send button is enabled and marked
/// `data-early-press="phone"`: a press the page's head script keeps (the number's
/// `pattern` accepting what is typed) is carried out as the page hydrates, once
/// the typed number is in `phone` (docs/DESIGN.md §8, "Before the wasm").
#[component]
pub fn PhoneAndCode(
    phone: Signal<String>,
    code: Signal<String>,
    phone_error: Option<Msg>,
    code_error: Option<Msg>,
    lang: Lang,
    form: FormState,
    codes: CodeState,
    hydrated: Signal<bool>,
    on_send: EventHandler<()>,
) -> Element {
    // `CodeInput`'s send button for `Field::Code`.
    let pressed_early =
        use_hook(|| pressed_before_hydration(&format!("send-{}", Field::Code.id())));
    use_effect(move || {
        // `hydrated` turns true in an effect after the page's first, where the
        // fields were restored (`use_field`): `phone` holds what was typed. The
        // send runs as a task, so this effect does not follow what it reads, and
        // before the browser gets control back, so no click falls in between.
        if pressed_early && hydrated() {
            spawn(async move {
                let idle = !*codes.sending.peek() && *codes.cooldown.peek() == 0;
                if PhoneNumber::parse(&phone.peek()).is_ok() && idle {
                    on_send.call(());
                } else {
                    // The number was changed since: the app says what is wrong.
                    form.touch(Field::Phone);
                }
            });
        }
    });
    rsx! {
        PhoneInput {
            value: phone,
            error: phone_error,
            lang,
            on_edit: move |_| form.edited(Field::Phone),
            on_leave: move |_| form.touch(Field::Phone),
        }
        CodeInput {
            value: code,
            error: code_error,
            lang,
            cooldown: codes.cooldown,
            can_send: !hydrated() || PhoneNumber::parse(&phone()).is_ok(),
            early_press: (!hydrated()).then_some(Field::Phone.id()),
            sending: (codes.sending)(),
            progress: (codes.progress)(),
            notice: (codes.notice)(),
            on_send,
            on_edit: move |_| form.edited(Field::Code),
            on_leave: move |_| form.touch(Field::Code),
        }
    }
}

/// Seconds left before another code may be requested, counting down once a second
/// in the browser; starts from the server's figure.
fn use_countdown(initial: u64) -> Signal<u64> {
    #[allow(unused_mut)]
    let mut left = use_signal(|| initial);
    #[cfg(feature = "web")]
    use_future(move || async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            if left() > 0 {
                left.with_mut(|s| *s -= 1);
            }
        }
    });
    left
}

/// A field's error line: always present (so screen readers announce changes), tied
/// to its input by `aria-describedby="{field}-error"`.
///
/// `early` is the message for an input its `pattern` attribute refuses (the
/// domain type's `html_pattern()`): the stylesheet shows it, with no script, once
/// the visitor has edited and left the field, until the wasm runs the page and its
/// own messages take over (docs/DESIGN.md §8, "Before the wasm").
#[component]
pub fn FieldMessage(
    field: Field,
    msg: Option<Msg>,
    lang: Lang,
    #[props(default)] early: Option<Msg>,
) -> Element {
    rsx! {
        p { id: "{field.id()}-error", class: "field-error", "aria-live": "polite",
            if let Some(m) = msg { {m.text(lang)} }
        }
        if let Some(m) = early {
            p { id: "{field.id()}-early", class: "field-early", {m.text(lang)} }
        }
    }
}

/// An input's `pattern` attribute, made by a rule type's `html_pattern()`, for the
/// browser's own check before the wasm runs (docs/DESIGN.md §8, "Before the wasm").
/// Only the server's render needs it: once the wasm runs a page, its `validate()`
/// speaks and the stylesheet ignores the pattern. So the browser build carries no
/// pattern code (about 1.3 KB of brotli wasm) and renders none: the attribute the
/// server rendered stays in the page (hydration writes no attribute), unread.
pub fn pattern(make: fn() -> String) -> Option<String> {
    cfg!(feature = "server").then(make)
}

/// The phone number input with its `+86` prefix; `field` names it (`phone`, or
/// `new-phone` for a number to move to).
#[component]
pub fn PhoneInput(
    value: Signal<String>,
    error: Option<Msg>,
    lang: Lang,
    on_edit: EventHandler<()>,
    on_leave: EventHandler<()>,
    #[props(default = Field::Phone)] field: Field,
    #[props(default = Msg::LabelPhone)] label: Msg,
) -> Element {
    let id = field.id();
    rsx! {
        div { class: "field",
            label { r#for: id, {label.text(lang)} }
            div { class: "input-group",
                span { class: "prefix", "aria-hidden": "true", "+86" }
                input {
                    id,
                    name: id,
                    r#type: "tel",
                    inputmode: "numeric",
                    autocomplete: "tel-national",
                    pattern: pattern(PhoneNumber::html_pattern),
                    placeholder: Msg::PlaceholderPhone.text(lang),
                    value: value(),
                    "aria-invalid": invalid(error),
                    "aria-describedby": "{id}-error",
                    oninput: move |e| {
                        value.set(e.value());
                        on_edit.call(());
                    },
                    onblur: move |_| on_leave.call(()),
                }
            }
            FieldMessage { field, msg: error, lang, early: Msg::PhoneInvalid }
        }
    }
}

/// The SMS code input with its send button; the button counts down `cooldown`.
/// `field` names it (`code`, or `new-code` for a second code), its send button is
/// `send-{field}`; `label` replaces "SMS verification code".
#[component]
pub fn CodeInput(
    value: Signal<String>,
    error: Option<Msg>,
    lang: Lang,
    cooldown: Signal<u64>,
    /// Whether a code may be requested now (valid number, hydrated, not sending).
    can_send: bool,
    sending: bool,
    /// The proof of work's progress while a public send is being paid for.
    #[props(default)]
    progress: Option<u8>,
    notice: Option<Msg>,
    on_send: EventHandler<()>,
    on_edit: EventHandler<()>,
    on_leave: EventHandler<()>,
    #[props(default = Field::Code)] field: Field,
    #[props(default)] label: Option<String>,
    /// Before the wasm runs: the id of the input whose `pattern` must accept what is
    /// typed for a press to be kept ([`PhoneAndCode`]).
    #[props(default)]
    early_press: Option<&'static str>,
) -> Element {
    let id = field.id();
    let field_label = label.unwrap_or_else(|| Msg::LabelCode.text(lang).to_owned());
    let label = if let (true, Some(p)) = (sending, progress) {
        Msg::PowSolving.format(lang, &[("p", &p.to_string())])
    } else if sending {
        Msg::Sending.text(lang).to_owned()
    } else if cooldown() > 0 {
        Msg::ResendIn.format(lang, &[("n", &cooldown().to_string())])
    } else {
        Msg::SendCode.text(lang).to_owned()
    };
    rsx! {
        div { class: "field",
            label { r#for: id, "{field_label}" }
            div { class: "input-group",
                input {
                    id,
                    name: id,
                    r#type: "text",
                    inputmode: "numeric",
                    autocomplete: "one-time-code",
                    pattern: pattern(SmsCode::html_pattern),
                    placeholder: Msg::PlaceholderCode.text(lang),
                    value: value(),
                    "aria-invalid": invalid(error),
                    "aria-describedby": "{id}-error {id}-notice",
                    oninput: move |e| {
                        value.set(e.value());
                        on_edit.call(());
                    },
                    onblur: move |_| on_leave.call(()),
                }
                button {
                    id: "send-{id}",
                    r#type: "button",
                    class: "secondary",
                    disabled: !can_send || sending || cooldown() > 0,
                    "data-early-press": early_press,
                    "data-pressed-label": early_press.map(|_| Msg::Sending.text(lang)),
                    onclick: move |_| on_send.call(()),
                    "{label}"
                }
            }
            p { id: "{id}-notice", class: "notice", "aria-live": "polite",
                if let Some(n) = notice { {n.text(lang)} }
            }
            FieldMessage { field, msg: error, lang, early: Msg::CodeInvalid }
        }
    }
}

/// A password input with a show/hide toggle; `new_password` adds the live
/// checklist of the rule and `autocomplete="new-password"`. `phone` is what was
/// typed in the form's number field, for the rule against carrying it.
#[component]
pub fn PasswordInput(
    value: Signal<String>,
    error: Option<Msg>,
    lang: Lang,
    label: Msg,
    new_password: bool,
    on_edit: EventHandler<()>,
    on_leave: EventHandler<()>,
    #[props(default = Field::Password)] field: Field,
    #[props(default)] phone: Option<String>,
) -> Element {
    let mut shown = use_signal(|| false);
    // Re-rendered, and the checklist judged again, when the list arrives.
    use_common_passwords(new_password);
    let phone = phone.and_then(|p| PhoneNumber::parse(&p).ok());
    let checklist = PasswordChecklist::of(&value(), phone.as_ref());
    let id = field.id();
    let described = if new_password {
        format!("{id}-error {id}-rules")
    } else {
        format!("{id}-error")
    };
    rsx! {
        div { class: "field",
            label { r#for: id, {label.text(lang)} }
            div { class: "input-group",
                input {
                    id,
                    name: id,
                    r#type: if shown() { "text" } else { "password" },
                    autocomplete: if new_password { "new-password" } else { "current-password" },
                    placeholder: if new_password { Msg::PlaceholderPassword.text(lang) } else { "" },
                    pattern: if new_password { pattern(PasswordChecklist::html_pattern) } else { None },
                    value: value(),
                    "aria-invalid": invalid(error),
                    "aria-describedby": described,
                    oninput: move |e| {
                        value.set(e.value());
                        on_edit.call(());
                    },
                    onblur: move |_| on_leave.call(()),
                }
                button {
                    r#type: "button",
                    class: "ghost",
                    "aria-pressed": if shown() { "true" } else { "false" },
                    "aria-controls": id,
                    onclick: move |_| shown.toggle(),
                    if shown() { {Msg::HidePassword.text(lang)} } else { {Msg::ShowPassword.text(lang)} }
                }
            }
            if new_password {
                ul { id: "{id}-rules", class: "checklist",
                    Check { ok: checklist.length, text: Msg::CheckLength.text(lang) }
                    Check { ok: checklist.kinds, text: Msg::CheckKinds.text(lang) }
                    Check { ok: checklist.charset && !value().is_empty(), text: Msg::CheckCharset.text(lang) }
                    Check { ok: checklist.uncommon, text: Msg::CheckUncommon.text(lang) }
                }
            }
            FieldMessage {
                field,
                msg: error,
                lang,
                early: new_password.then_some(Msg::PasswordRule),
            }
        }
    }
}

/// The common-password list as an asset: the file the server compiles in
/// (`src/domain/common_passwords.txt`), served hashed and pre-compressed.
#[cfg(all(feature = "web", not(feature = "server")))]
const COMMON_PASSWORDS: Asset = asset!("/src/domain/common_passwords.txt");

/// Whether the common-password list is at hand ([`is_common_password`]
/// (crate::domain::is_common_password) can find a password common): always on the
/// server; in the browser once the asset has been downloaded, which the first call
/// with `needed` (a field for a new password) starts, once per page load
/// (docs/DESIGN.md §8 "Page weight"). A component that calls it renders again when
/// the list arrives. A failed download leaves the check to the server.
pub fn use_common_passwords(needed: bool) -> bool {
    #[cfg(not(all(feature = "web", not(feature = "server"))))]
    let _ = needed;
    #[cfg(all(feature = "web", not(feature = "server")))]
    use_hook(|| {
        if !needed {
            return;
        }
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            dioxus::core::spawn_forever(async {
                if let Some(list) = fetch_text(&COMMON_PASSWORDS.to_string()).await {
                    crate::domain::set_common_passwords(list);
                    *COMMON_PASSWORDS_ARRIVED.write() = true;
                }
            });
        });
    });
    COMMON_PASSWORDS_ARRIVED()
}

/// Whether [`use_common_passwords`] has the list (see there).
static COMMON_PASSWORDS_ARRIVED: GlobalSignal<bool> = Signal::global(|| cfg!(feature = "server"));

/// The body of a same-site `GET url` as text, or `None` on any failure.
#[cfg(all(feature = "web", not(feature = "server")))]
async fn fetch_text(url: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let response = JsFuture::from(web_sys::window()?.fetch_with_str(url))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

#[component]
fn Check(ok: bool, text: &'static str) -> Element {
    rsx! {
        li { class: if ok { "ok" } else { "todo" },
            span { class: "mark", "aria-hidden": "true", if ok { "✓" } else { "·" } }
            "{text}"
        }
    }
}

/// A success line under a form (`role="status"`), empty when there is none.
#[component]
pub fn Done(id: &'static str, text: Option<String>) -> Element {
    rsx! {
        p { id, class: "done", role: "status",
            if let Some(t) = text { "{t}" }
        }
    }
}
