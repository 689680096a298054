//! The kiosk's state: which screen is shown, what the visitor typed, and the idle timer.
//! No IO: pre-registrations go to an outbox the app hands to the [`super::desk`].

use std::time::Duration;

use chrono::NaiveDate;
use fengqiao_model::intake::IntakeId;
use fengqiao_model::{FieldError, IntakeItem, IntakeSource, Route, validate_intake};
use fengqiao_rules::{Guide, GuideList};

use super::clock::Clock;
use super::desk::DeskReply;
use crate::i18n::{Key, Lang, tr, trf};

/// How long the kiosk waits without input before it returns to the start and clears
/// everything, unless told otherwise (`--kiosk-idle SECONDS`).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The kiosk's screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Search field and the common categories.
    Start,
    /// Types matching the search words.
    Results,
    /// The types of one category (its index in the list's categories).
    Category(usize),
    /// One complaint type: route, competent body, law, what to bring.
    Route(String),
    /// Name, phone, a short description.
    Register,
    /// Saved; please wait at the window.
    Done,
}

/// A field of the pre-registration form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Phone,
    Description,
}

/// What the visitor types on the pre-registration screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KioskForm {
    pub name: String,
    pub phone: String,
    pub description: String,
}

/// Everything the kiosk screens draw and edit.
pub struct KioskState {
    pub lang: Lang,
    pub guide: Guide,
    pub today: NaiveDate,
    pub screen: Screen,
    /// The search words.
    pub query: String,
    /// The complaint type chosen, if any (kept from the route screen into the form).
    pub chosen: Option<String>,
    pub form: KioskForm,
    pub errors: Vec<(Field, String)>,
    /// Whether the desk can take pre-registrations; `None` until it says.
    pub accepting: Option<bool>,
    /// A pre-registration is on its way.
    pub sending: bool,
    /// Why the last submission failed.
    pub failure: Option<String>,
    pub idle_timeout: Duration,
    clock: Box<dyn Clock>,
    last_input: Duration,
    outbox: Vec<IntakeItem>,
}

impl KioskState {
    /// The start screen, Chinese, with the embedded guide.
    pub fn new(today: NaiveDate, clock: Box<dyn Clock>, idle_timeout: Duration) -> KioskState {
        let last_input = clock.now();
        KioskState {
            lang: Lang::Zh,
            guide: Guide::embedded(),
            today,
            screen: Screen::Start,
            query: String::new(),
            chosen: None,
            form: KioskForm::default(),
            errors: Vec::new(),
            accepting: None,
            sending: false,
            failure: None,
            idle_timeout,
            clock,
            last_input,
            outbox: Vec::new(),
        }
    }

    /// `key` in the kiosk's language.
    pub fn t(&self, key: Key) -> &'static str {
        tr(self.lang, key)
    }

    /// `key` with its placeholders filled.
    pub fn tf(&self, key: Key, args: &[&dyn std::fmt::Display]) -> String {
        trf(self.lang, key, args)
    }

    /// The list in force today.
    pub fn list(&self) -> Option<&GuideList> {
        self.guide
            .current(self.today)
            .or_else(|| self.guide.latest())
    }

    /// The visitor touched or typed something: the idle timer starts again.
    pub fn touched(&mut self) {
        self.last_input = self.clock.now();
    }

    /// Returns to the start and clears every field once the visitor has been idle for the
    /// timeout; otherwise says how long until then.
    pub fn tick(&mut self) -> Duration {
        let idle = self.clock.now().saturating_sub(self.last_input);
        if idle >= self.idle_timeout {
            self.reset();
            self.touched();
            return self.idle_timeout;
        }
        self.idle_timeout - idle
    }

    /// The start screen with nothing typed: the next visitor sees nothing of the last.
    pub fn reset(&mut self) {
        self.screen = Screen::Start;
        self.query.clear();
        self.chosen = None;
        self.form = KioskForm::default();
        self.errors.clear();
        self.failure = None;
    }

    /// Whether anything a visitor typed or chose is still held.
    pub fn holds_input(&self) -> bool {
        !self.query.is_empty()
            || self.chosen.is_some()
            || self.form != KioskForm::default()
            || !self.errors.is_empty()
    }

    /// Opens a complaint type's route screen.
    pub fn choose(&mut self, type_id: &str) {
        self.chosen = Some(type_id.to_owned());
        self.screen = Screen::Route(type_id.to_owned());
    }

    /// The chosen type's name and route.
    pub fn chosen_type(&self) -> Option<(String, Route)> {
        let id = self.chosen.as_deref()?;
        self.list()?.get(id).map(|t| (t.name.clone(), t.route))
    }

    /// Checks the form with the intake queue's own rules (the online form uses the same);
    /// on success queues the item for the desk.
    pub fn submit(&mut self) {
        let chosen = self.chosen_type();
        let f = &self.form;
        let item = IntakeItem {
            id: IntakeId::generate(),
            source: IntakeSource::Kiosk,
            received_at: fengqiao_store::now_cst(),
            name: f.name.trim().to_owned(),
            phone: f.phone.trim().to_owned(),
            description: f.description.trim().to_owned(),
            guide_type: chosen.as_ref().and(self.chosen.clone()),
            route: chosen.map(|(_, route)| route),
            township: None,
            query_code_hash: None,
        };
        self.errors = match validate_intake(&item) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(|e| self.message(e)).collect(),
        };
        if !self.errors.is_empty() {
            return;
        }
        self.failure = None;
        self.sending = true;
        self.outbox.push(item);
    }

    /// A validation error in the visitor's words, under its field.
    fn message(&self, e: &FieldError) -> (Field, String) {
        let (field, label) = match e {
            FieldError::Required { field }
            | FieldError::TooLong { field, .. }
            | FieldError::BadPhone { field, .. }
            | FieldError::BadDate { field, .. } => match *field {
                "name" => (Field::Name, Key::KioskName),
                "phone" => (Field::Phone, Key::KioskPhone),
                _ => (Field::Description, Key::KioskDescription),
            },
            _ => (Field::Description, Key::KioskDescription),
        };
        let text = match e {
            FieldError::Required { .. } => self.tf(Key::KioskErrRequired, &[&self.t(label)]),
            FieldError::TooLong { max, .. } => {
                self.tf(Key::KioskErrTooLong, &[&self.t(label), max])
            }
            FieldError::BadPhone { .. } => self.t(Key::KioskErrPhone).to_owned(),
            other => other.to_string(),
        };
        (field, text)
    }

    /// The messages for one field.
    pub fn errors_for(&self, field: Field) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The pre-registrations queued since the last call.
    pub fn take_outbox(&mut self) -> Vec<IntakeItem> {
        std::mem::take(&mut self.outbox)
    }

    /// Takes in what the desk said.
    pub fn apply(&mut self, reply: DeskReply) {
        match reply {
            DeskReply::Ready { accepting } => self.accepting = Some(accepting),
            DeskReply::Saved => {
                self.sending = false;
                // Nothing the visitor typed stays on screen for the next one.
                self.reset();
                self.screen = Screen::Done;
            }
            DeskReply::Failed(why) => {
                self.sending = false;
                self.failure = Some(why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kiosk::clock::ManualClock;

    fn state() -> (KioskState, ManualClock) {
        let clock = ManualClock::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let s = KioskState::new(today, Box::new(clock.clone()), DEFAULT_IDLE_TIMEOUT);
        (s, clock)
    }

    #[test]
    fn the_form_names_every_problem_and_sends_nothing_until_it_is_right() {
        let (mut s, _) = state();
        s.screen = Screen::Register;
        s.form.phone = "12345".into();
        s.form.name = "字".repeat(fengqiao_model::intake::MAX_INTAKE_NAME_CHARS + 1);
        s.submit();
        assert!(s.take_outbox().is_empty());
        assert_eq!(s.errors_for(Field::Name), vec!["姓名太长了，最多 50 个字"]);
        assert_eq!(s.errors_for(Field::Phone).len(), 1);
        assert_eq!(s.errors_for(Field::Description), vec!["请填写简要说明"]);

        s.choose("wage-arrears");
        s.screen = Screen::Register;
        s.form = KioskForm {
            name: " 汪堃 ".into(),
            phone: "13800001111".into(),
            description: "工地拖欠工资三个月".into(),
        };
        s.submit();
        assert!(s.errors.is_empty());
        let sent = s.take_outbox();
        assert_eq!(sent.len(), 1);
        let item = &sent[0];
        assert_eq!(item.source, IntakeSource::Kiosk);
        assert_eq!(
            (
                item.name.as_str(),
                item.phone.as_str(),
                item.description.as_str()
            ),
            ("汪堃", "13800001111", "工地拖欠工资三个月")
        );
        assert_eq!(item.guide_type.as_deref(), Some("wage-arrears"));
        assert_eq!(item.route, Some(Route::AdministrativeDuty));
        assert_eq!(item.query_code_hash, None);
        s.apply(DeskReply::Saved);
        assert_eq!(s.screen, Screen::Done);
        assert!(!s.holds_input(), "nothing of the visitor stays");
    }

    #[test]
    fn idle_for_the_timeout_returns_to_the_start_and_clears_everything() {
        let (mut s, clock) = state();
        s.query = "工资".into();
        s.choose("wage-arrears");
        s.screen = Screen::Register;
        s.form.name = "汪堃".into();
        clock.advance(Duration::from_secs(60));
        s.touched();
        clock.advance(Duration::from_secs(89));
        assert_eq!(s.tick(), Duration::from_secs(1));
        assert_eq!(
            s.screen,
            Screen::Register,
            "input 89 s ago keeps the screen"
        );
        clock.advance(Duration::from_secs(1));
        s.tick();
        assert_eq!(s.screen, Screen::Start);
        assert!(!s.holds_input());
    }
}
