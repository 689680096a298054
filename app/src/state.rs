//! The app's state, apart from the views that draw it.
//!
//! [`AppState`] holds the view models the store thread sent, what the user is typing, and an
//! outbox of [`Command`]s the views queued this frame. It never touches a store or a file:
//! [`AppState::apply`] takes an [`Update`], the views push commands with [`AppState::send`],
//! and the app (or a test, or the benchmark) decides where the commands go.

mod attach;
mod fields;
mod import;
mod papers;
mod unlock;
mod visits;
pub use attach::{AttachUi, Dest, Slot};
pub use unlock::UnlockUi;
pub use visits::VisitsState;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use fengqiao_model::{
    CaseId, CaseStatus, Channel, FieldError, Petitioner, Registration, Route, Source,
};
use fengqiao_roster::SlotId;
use fengqiao_rules::Guide;

use crate::backend::{Command, Update};
use crate::i18n::{Key, Lang, tr, trf};
use crate::sync_seam::SyncStatus;
use crate::vm::conflicts::Conflicts;
use crate::vm::{CasePage, CaseRow, ClockIndex, Directory, RosterView, Welcome};
use fengqiao_store::reports::Reports;
pub use import::ImportUi;
pub use papers::PapersState;

/// The views, in the order of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum View {
    Today,
    Cases,
    Register,
    Intake,
    Visits,
    Roster,
    Sync,
    Conflicts,
    Reports,
    Settings,
}

impl View {
    /// Every view, in navigation order.
    pub const ALL: [View; 10] = [
        View::Today,
        View::Cases,
        View::Register,
        View::Intake,
        View::Visits,
        View::Roster,
        View::Sync,
        View::Conflicts,
        View::Reports,
        View::Settings,
    ];

    /// The view's name in the navigation.
    pub fn key(self) -> Key {
        match self {
            View::Today => Key::NavToday,
            View::Cases => Key::NavCases,
            View::Register => Key::NavRegister,
            View::Intake => Key::NavIntake,
            View::Visits => Key::NavVisits,
            View::Roster => Key::NavRoster,
            View::Sync => Key::NavSync,
            View::Conflicts => Key::NavConflicts,
            View::Reports => Key::NavReports,
            View::Settings => Key::NavSettings,
        }
    }
}

/// Where the app stands with its data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the store thread.
    Starting,
    /// The directory is empty: offer the demo county.
    Empty { data_dir: std::path::PathBuf },
    /// Creating the demo county.
    CreatingDemo,
    /// Joining the county with an enrolment ticket.
    Joining { data_dir: std::path::PathBuf },
    /// The directory is encrypted: asking for the passphrase ([`AppState::unlock`]).
    Locked { data_dir: std::path::PathBuf },
    /// The store is open.
    Open,
}

/// What the user keeps between runs (eframe storage).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub lang: Lang,
    pub view: View,
    pub dark: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            lang: Lang::Zh,
            view: View::Today,
            dark: false,
        }
    }
}

/// The status line: the last outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub is_error: bool,
}

/// The case list's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseListFilter {
    pub township: Option<String>,
    pub status: Option<CaseStatus>,
    /// `Some(None)` selects cases not yet routed.
    pub route: Option<Option<Route>>,
    pub overdue_only: bool,
    pub text: String,
}

/// The case list: every row, and the indices the filters keep.
#[derive(Debug, Clone, Default)]
pub struct CaseList {
    pub rows: Arc<Vec<CaseRow>>,
    pub loaded: bool,
    pub filter: CaseListFilter,
    /// Indices into `rows` that pass `filter`, in list order.
    pub shown: Vec<usize>,
    /// The filter `shown` was computed for; `None` forces a recomputation.
    shown_for: Option<CaseListFilter>,
    /// Lower-cased searchable text per row, built once per list.
    haystacks: Vec<String>,
    /// Which characters each haystack holds, as a Bloom filter: most rows are ruled out
    /// without a substring search (CJK text defeats memchr's byte prefilter).
    char_sets: Vec<CharSet>,
    /// Row index by case id.
    pub by_id: HashMap<CaseId, usize>,
    /// Scroll the table to this row on the next frame.
    pub scroll_to: Option<usize>,
}

impl CaseList {
    /// Replaces the rows.
    pub fn set_rows(&mut self, rows: Arc<Vec<CaseRow>>) {
        self.haystacks = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {}",
                    r.number, r.petitioner, r.village, r.request, r.township
                )
                .to_lowercase()
            })
            .collect();
        self.char_sets = self.haystacks.iter().map(|h| CharSet::of(h)).collect();
        self.by_id = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        self.rows = rows;
        self.loaded = true;
        self.shown_for = None;
    }

    /// Forces the filter to run again (the clocks changed).
    pub fn invalidate(&mut self) {
        self.shown_for = None;
    }

    /// Re-runs the filters if they or the rows changed since the last call.
    pub fn refilter(&mut self, clocks: &ClockIndex) {
        if self.shown_for.as_ref() == Some(&self.filter) {
            return;
        }
        let f = &self.filter;
        let needle = f.text.trim().to_lowercase();
        // Typing narrows the search: when only the text changed and it still contains the
        // last text, only the rows shown now can match.
        let narrowing = self.shown_for.as_ref().is_some_and(|last| {
            let last_needle = last.text.trim().to_lowercase();
            CaseListFilter {
                text: f.text.clone(),
                ..last.clone()
            } == *f
                && needle.contains(&last_needle)
        });
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let needed = CharSet::of(&needle);
        let keep = |i: usize| {
            let r = &self.rows[i];
            f.township.as_ref().is_none_or(|t| &r.township == t)
                && f.status.is_none_or(|s| r.status == s)
                && f.route.is_none_or(|route| r.route == route)
                && (!f.overdue_only || clocks.is_overdue(&r.id))
                && (needle.is_empty()
                    || (self.char_sets[i].holds(&needed)
                        && finder.find(self.haystacks[i].as_bytes()).is_some()))
        };
        self.shown = if narrowing {
            self.shown.iter().copied().filter(|&i| keep(i)).collect()
        } else {
            (0..self.rows.len()).filter(|&i| keep(i)).collect()
        };
        self.shown_for = Some(self.filter.clone());
    }
}

/// A 256-bit Bloom filter of the characters of a text: if a text holds every character of
/// a needle, its set holds the needle's set (the converse may fail: then a real search
/// decides).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CharSet([u64; 4]);

impl CharSet {
    fn of(text: &str) -> CharSet {
        let mut bits = [0u64; 4];
        for c in text.chars() {
            // Fibonacci hashing: the top 8 bits of the product spread neighbouring code
            // points (hanzi are dense in Unicode) over the 256 bits.
            let h = (u32::from(c).wrapping_mul(0x9E37_79B9) >> 24) as usize;
            bits[h / 64] |= 1 << (h % 64);
        }
        CharSet(bits)
    }

    fn holds(&self, other: &CharSet) -> bool {
        let (a, b) = (&self.0, &other.0);
        a[0] & b[0] == b[0] && a[1] & b[1] == b[1] && a[2] & b[2] == b[2] && a[3] & b[3] == b[3]
    }
}

/// An event a clerk records on a case page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventChoice {
    Routed,
    Accepted,
    Acknowledged,
    Forwarded,
    Extended,
    Replied,
    Closed,
    /// 满意度评价 (two ratings).
    Evaluated,
    /// A follow-up task with its due date.
    FollowUpScheduled,
    FollowUp,
    /// A 听证团/评议团 session.
    HearingSession,
}

impl EventChoice {
    /// Every choice, in lifecycle order.
    pub const ALL: [EventChoice; 11] = [
        EventChoice::Routed,
        EventChoice::Accepted,
        EventChoice::Acknowledged,
        EventChoice::Forwarded,
        EventChoice::Extended,
        EventChoice::HearingSession,
        EventChoice::Replied,
        EventChoice::Evaluated,
        EventChoice::Closed,
        EventChoice::FollowUpScheduled,
        EventChoice::FollowUp,
    ];
}

/// The case page and its forms.
#[derive(Debug, Clone)]
pub struct CasePageState {
    pub page: Option<Box<CasePage>>,
    /// The case asked for (number or id), while it loads and after.
    pub open: Option<String>,
    pub event: EventChoice,
    pub event_date: NaiveDate,
    pub event_route: Route,
    pub event_reply: fengqiao_model::ReplyType,
    pub event_text: String,
    pub event_days: u32,
    pub event_remark: String,
    /// 满意度评价: reply quality and timeliness.
    pub event_quality: fengqiao_model::Satisfaction,
    pub event_timeliness: fengqiao_model::Satisfaction,
    /// A follow-up task's due date.
    pub event_due: NaiveDate,
    /// A panel session: which panel, its last day (the first is `event_date`), members
    /// picked from the directory, and the minutes (outcome goes in `event_text`).
    pub event_panel: fengqiao_model::PanelKind,
    pub event_last_day: NaiveDate,
    pub event_members: Vec<fengqiao_model::PersonId>,
    pub event_minutes: String,
    pub note: String,
    /// The 文书 section: the issue form and the preview.
    pub papers: PapersState,
}

/// The registration form.
#[derive(Debug, Clone)]
pub struct RegisterForm {
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub township: String,
    pub village: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub address: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub group: bool,
    pub head_count: u32,
    pub representatives: Vec<Petitioner>,
    pub guide_query: String,
    /// Picked from the guide: (type name, classification).
    pub picked: Option<(String, fengqiao_rules::Classification)>,
    pub route: Option<Route>,
    /// Problems found when the clerk last pressed 登记.
    pub errors: Vec<FieldError>,
    /// Odd ID or phone numbers found when the clerk last pressed 登记: shown until the
    /// clerk corrects them or confirms these very warnings.
    pub warnings: Vec<fengqiao_model::FieldWarning>,
    /// The intake-queue item this form was filled in from: registering picks it up.
    pub intake: Option<fengqiao_store::IntakeEntry>,
}

impl RegisterForm {
    /// An empty form dated `today`.
    pub fn new(today: NaiveDate) -> RegisterForm {
        RegisterForm {
            channel: Channel::Visit,
            received_on: today,
            township: String::new(),
            village: String::new(),
            name: String::new(),
            phone: String::new(),
            id_number: String::new(),
            address: String::new(),
            request: String::new(),
            facts: String::new(),
            reasons: String::new(),
            group: false,
            head_count: 1,
            representatives: Vec::new(),
            guide_query: String::new(),
            picked: None,
            route: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            intake: None,
        }
    }

    /// A form filled in from an intake-queue item: name, phone, the description as the
    /// request, the channel (网上 for the online form, 来访 for the kiosk in the reception
    /// hall), the township if given, and the guide's type and route if the petitioner chose one.
    pub fn from_intake(
        entry: &fengqiao_store::IntakeEntry,
        today: NaiveDate,
        guide: &Guide,
    ) -> RegisterForm {
        let item = &entry.item;
        let mut form = RegisterForm::new(today);
        form.channel = match item.source {
            fengqiao_model::IntakeSource::Online => Channel::Online,
            fengqiao_model::IntakeSource::Kiosk => Channel::Visit,
        };
        form.name = item.name.clone();
        form.phone = item.phone.clone();
        form.request = item.description.clone();
        form.township = item.township.clone().unwrap_or_default();
        if let Some(id) = &item.guide_type {
            form.guide_query = id.clone();
            let list = guide.current(today).or_else(|| guide.latest());
            form.picked = list.and_then(|l| {
                let name = l.get(id)?.name.clone();
                l.classify(id).map(|c| (name, c))
            });
        }
        form.route = form.picked.as_ref().map(|(_, c)| c.route).or(item.route);
        form.intake = Some(entry.clone());
        form
    }

    /// The registration the form describes.
    pub fn registration(&self) -> Registration {
        let mut reg = Registration::new(
            self.channel,
            self.received_on,
            self.township.trim(),
            self.request.trim(),
        );
        reg.source = Source::Own;
        reg.village = self.village.trim().to_owned();
        reg.content.facts = self.facts.trim().to_owned();
        reg.content.reasons = self.reasons.trim().to_owned();
        let main = Petitioner {
            name: self.name.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
            address: self.address.trim().to_owned(),
            id_number: self.id_number.trim().to_owned(),
            ..Petitioner::default()
        };
        if self.group {
            reg.flags.group = true;
            reg.representatives = self
                .representatives
                .iter()
                .map(|p| Petitioner {
                    name: p.name.trim().to_owned(),
                    phone: p.phone.trim().to_owned(),
                    ..p.clone()
                })
                .collect();
            if !main.name.is_empty() {
                reg.petitioners = vec![main];
            }
            reg.head_count = self.head_count.max(1);
        } else {
            reg.petitioners = vec![main];
            reg.head_count = 1;
        }
        match &self.picked {
            Some((_, c)) => {
                reg.route = Some(c.route);
                reg.content_type = Some(c.content_type);
                reg.complaint_type = c.complaint_type.clone();
                reg.route_list_version = c.list_version.clone();
            }
            None => reg.route = self.route,
        }
        if let (Some(picked), Some(route)) = (&self.picked, self.route)
            && picked.1.route != route
        {
            // The clerk overrode the guide's route: the override stands.
            reg.route = Some(route);
        }
        reg
    }

    /// The messages for a form field (`township`, `content.request`, `petitioners.name`…).
    pub fn errors_for(&self, fields: &[&str]) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| fields.contains(&error_field(e)))
            .map(ToString::to_string)
            .collect()
    }

    /// The messages for a form field as shown under it: without the field's machine name
    /// the model puts first for scripts (the row names the field).
    pub fn field_messages(&self, fields: &[&str]) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| fields.contains(&error_field(e)))
            .map(|e| {
                let text = e.to_string();
                text.strip_prefix(&format!("{}：", error_field(e)))
                    .map(str::to_owned)
                    .unwrap_or(text)
            })
            .collect()
    }
}

pub use fields::error_field;

/// Week or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterSpan {
    Week,
    Month,
}

/// The roster view's state.
#[derive(Debug, Clone)]
pub struct RosterUi {
    pub span: RosterSpan,
    /// Any day of the period shown.
    pub anchor: NaiveDate,
    /// Show only this leader's slots.
    pub leader: Option<fengqiao_model::LeaderId>,
    pub selected: Option<SlotId>,
    pub swap_reason: String,
    pub leave_leader: Option<fengqiao_model::LeaderId>,
    pub leave_from: NaiveDate,
    pub leave_to: NaiveDate,
    pub leave_reason: String,
    /// Booking a visitor onto the selected slot.
    pub book_name: String,
    pub book_phone: String,
    pub book_case: String,
    pub book_note: String,
    /// The period last asked of the store thread.
    pub requested: Option<(NaiveDate, NaiveDate)>,
    /// The 订阅 tab (calendar subscriptions).
    pub feeds: crate::views::roster_feeds::FeedsUi,
}

impl RosterUi {
    /// The period shown.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        use chrono::Datelike;
        match self.span {
            RosterSpan::Week => {
                let p = fengqiao_roster::Period::week_of(self.anchor);
                (p.from, p.to)
            }
            RosterSpan::Month => {
                let first = self.anchor.with_day(1).unwrap_or(self.anchor);
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                (first, next.pred_opt().unwrap_or(first))
            }
        }
    }
}

/// The sync view's file fields.
#[derive(Debug, Clone)]
pub struct SyncUi {
    pub bundle_path: String,
    pub state_path: String,
}

/// 设置's device administration and the first-start join form.
#[derive(Debug, Clone)]
pub struct DevicesUi {
    /// The first-start form: ticket, this laptop's name, its user.
    pub join: crate::sync_seam::JoinRequest,
    /// The enrolment form: the new laptop's name, role and townships.
    pub enrol_name: String,
    pub enrol_role: fengqiao_model::Role,
    pub enrol_scope: std::collections::BTreeSet<String>,
    /// Why the enrolment form was not sent (shown next to it).
    pub enrol_error: Option<Key>,
    /// The device whose revocation awaits confirmation (its id).
    pub confirm_revoke: Option<String>,
}

impl Default for DevicesUi {
    fn default() -> Self {
        DevicesUi {
            join: Default::default(),
            enrol_name: String::new(),
            enrol_role: fengqiao_model::Role::Township,
            enrol_scope: Default::default(),
            enrol_error: None,
            confirm_revoke: None,
        }
    }
}

impl DevicesUi {
    /// The enrolment the form asks for, or why it cannot be sent.
    pub fn enrolment(&self) -> Result<crate::sync_seam::EnrolmentRequest, Key> {
        let name = self.enrol_name.trim();
        if name.is_empty() {
            return Err(Key::EnrolNeedsName);
        }
        let scope: Vec<String> = if self.enrol_role == fengqiao_model::Role::Township {
            self.enrol_scope.iter().cloned().collect()
        } else {
            Vec::new()
        };
        if self.enrol_role == fengqiao_model::Role::Township && scope.is_empty() {
            return Err(Key::EnrolNeedsTownship);
        }
        Ok(crate::sync_seam::EnrolmentRequest {
            device_name: name.to_owned(),
            role: self.enrol_role,
            scope,
        })
    }

    /// The first-start fields still empty, by their labels.
    pub fn join_missing(&self) -> Vec<Key> {
        let j = &self.join;
        [
            (Key::JoinTicket, &j.ticket),
            (Key::JoinDeviceName, &j.device_name),
            (Key::JoinPerson, &j.person),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

/// Everything the views draw and edit.
pub struct AppState {
    pub prefs: Prefs,
    pub today: NaiveDate,
    pub phase: Phase,
    /// The empty data directory, once the store thread has looked (for the welcome screen
    /// to come back to if making the demo county fails).
    pub empty_dir: Option<std::path::PathBuf>,
    /// How far making the demo county has got (`Some(None)`: made, opening).
    pub demo_progress: Option<Option<fengqiao_store::demo::DemoStep>>,
    /// Put the keyboard focus in the case search on the next frame (Ctrl+F).
    pub focus_search: bool,
    pub welcome: Option<Welcome>,
    pub directory: Arc<Directory>,
    pub cases: CaseList,
    pub clocks: Arc<ClockIndex>,
    pub case_page: CasePageState,
    pub register: RegisterForm,
    /// The county's intake queue (kiosk and online), newest first.
    pub intake: Arc<Vec<fengqiao_store::IntakeEntry>>,
    pub visits: VisitsState,
    pub roster_ui: RosterUi,
    pub roster: Arc<RosterView>,
    pub roster_week: Arc<RosterView>,
    /// The briefing pack (接访准备) of the slot last asked for.
    pub briefing: Option<Arc<fengqiao_roster::Briefing>>,
    pub conflicts: Arc<Conflicts>,
    pub conflict_reason: String,
    /// The reason typed for merging / dismissing a duplicate pair.
    pub dup_reason: String,
    pub sync: Arc<SyncStatus>,
    pub sync_ui: SyncUi,
    pub devices_ui: DevicesUi,
    pub reports: Reports,
    reports_stale: bool,
    pub busy: bool,
    /// 设置 → 导入.
    pub import: ImportUi,
    pub status: Option<StatusLine>,
    pub guide: Guide,
    pub unlock: UnlockUi,
    /// The 附件 sections of the case page and the visit page.
    pub attach: AttachUi,
    outbox: Vec<Command>,
}

impl AppState {
    /// A fresh state for `today`; `home` seeds the file fields of the sync view.
    pub fn new(prefs: Prefs, today: NaiveDate, home: &std::path::Path) -> AppState {
        AppState {
            prefs,
            today,
            phase: Phase::Starting,
            empty_dir: None,
            demo_progress: None,
            focus_search: false,
            welcome: None,
            directory: Arc::default(),
            cases: CaseList::default(),
            clocks: Arc::default(),
            case_page: CasePageState {
                page: None,
                open: None,
                event: EventChoice::Routed,
                event_date: today,
                event_route: Route::Dispute,
                event_reply: fengqiao_model::ReplyType::Support,
                event_text: String::new(),
                event_days: 30,
                event_remark: String::new(),
                event_quality: fengqiao_model::Satisfaction::Satisfied,
                event_timeliness: fengqiao_model::Satisfaction::Satisfied,
                event_due: today + chrono::Days::new(15),
                event_panel: fengqiao_model::PanelKind::Hearing,
                event_last_day: today,
                event_members: Vec::new(),
                event_minutes: String::new(),
                note: String::new(),
                papers: PapersState::new(today),
            },
            register: RegisterForm::new(today),
            intake: Arc::default(),
            visits: VisitsState {
                visits: Arc::default(),
                editing: None,
                link_number: String::new(),
                link_error: None,
                staff_text: String::new(),
            },
            roster_ui: RosterUi {
                span: RosterSpan::Week,
                anchor: today,
                leader: None,
                selected: None,
                swap_reason: String::new(),
                leave_leader: None,
                leave_from: today,
                leave_to: today,
                leave_reason: String::new(),
                book_name: String::new(),
                book_phone: String::new(),
                book_case: String::new(),
                book_note: String::new(),
                requested: None,
                feeds: Default::default(),
            },
            briefing: None,
            roster: Arc::default(),
            roster_week: Arc::default(),
            conflicts: Arc::default(),
            conflict_reason: String::new(),
            dup_reason: String::new(),
            sync: Arc::default(),
            devices_ui: DevicesUi::default(),
            sync_ui: SyncUi {
                bundle_path: home
                    .join(format!("fengqiao-{today}.fqb"))
                    .display()
                    .to_string(),
                state_path: home.join("fengqiao-state.json").display().to_string(),
            },
            reports: Reports::default(),
            reports_stale: true,
            busy: false,
            import: ImportUi::default(),
            status: None,
            guide: Guide::embedded(),
            unlock: UnlockUi::default(),
            attach: AttachUi::default(),
            outbox: Vec::new(),
        }
    }

    /// The UI language.
    pub fn lang(&self) -> Lang {
        self.prefs.lang
    }

    /// `key` in the UI language.
    pub fn t(&self, key: Key) -> &'static str {
        tr(self.prefs.lang, key)
    }

    /// `key` in the UI language with its placeholders filled.
    pub fn tf(&self, key: Key, args: &[&dyn std::fmt::Display]) -> String {
        trf(self.prefs.lang, key, args)
    }

    /// Queues a command for the store thread.
    pub fn send(&mut self, command: Command) {
        self.outbox.push(command);
    }

    /// The commands queued since the last call.
    pub fn take_outbox(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    /// Opens a case page (by number or id) and switches to the cases view.
    pub fn open_case(&mut self, key: String) {
        self.prefs.view = View::Cases;
        if self.case_page.open.as_deref() != Some(key.as_str()) {
            self.case_page.page = None;
        }
        self.case_page.open = Some(key.clone());
        self.send(Command::OpenCase(key));
    }

    /// Takes in what the store thread sent.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Empty { data_dir } => {
                self.empty_dir = Some(data_dir.clone());
                // Asked for already (the first start makes the demo county without asking):
                // the welcome screen would only stand in the way.
                if !matches!(self.phase, Phase::CreatingDemo | Phase::Joining { .. }) {
                    self.phase = Phase::Empty { data_dir };
                }
            }
            u @ (Update::Locked { .. } | Update::UnlockRefused(_)) => self.apply_unlock(u),
            Update::DemoProgress(step) => self.demo_progress = Some(step),
            Update::Opened(welcome) => {
                self.phase = Phase::Open;
                self.demo_progress = None;
                self.welcome = Some(*welcome);
            }
            Update::Directory(d) => self.directory = d,
            Update::Cases(rows) => {
                self.cases.set_rows(rows);
                self.reports_stale = true;
            }
            Update::Clocks(c) => {
                self.clocks = c;
                self.cases.invalidate();
                self.reports_stale = true;
            }
            Update::Case(page) => {
                let wanted = self.case_page.open.as_deref();
                let number = page.record.case.number.to_string();
                let id = page.record.case.id.to_string();
                if wanted.is_none_or(|w| w == number || w == id) {
                    self.case_page.page = Some(page);
                }
            }
            Update::Conflicts(c) => self.conflicts = c,
            Update::Roster(r) => self.roster = r,
            Update::RosterThisWeek(r) => self.roster_week = r,
            Update::Visits(v) => self.visits.visits = v,
            Update::Intake(queue) => self.intake = queue,
            Update::Briefing(b) => self.briefing = Some(b),
            Update::Document(preview) => self.case_page.papers.show(preview),
            Update::Feeds(f) => self.roster_ui.feeds.view = f,
            Update::Sync(s) => self.sync = s,
            Update::Registered { number } => {
                self.status = Some(StatusLine {
                    text: self.tf(Key::NoticeRegistered, &[&number]),
                    is_error: false,
                });
                self.register = RegisterForm::new(self.today);
            }
            Update::Done(notice) => {
                let text = if notice.detail.is_empty() {
                    self.t(notice.what).replace("：{}", "").replace(": {}", "")
                } else {
                    self.tf(notice.what, &[&notice.detail])
                };
                self.status = Some(StatusLine {
                    text,
                    is_error: false,
                });
            }
            Update::SyncFailed { action, failure } => {
                if let Phase::Joining { data_dir } = &self.phase {
                    self.phase = Phase::Empty {
                        data_dir: data_dir.clone(),
                    };
                }
                let why = if failure.detail.is_empty() {
                    self.t(failure.why).to_owned()
                } else {
                    format!("{}（{}）", self.t(failure.why), failure.detail)
                };
                self.status = Some(StatusLine {
                    text: self.tf(Key::ActionFailed, &[&self.t(action), &why]),
                    is_error: true,
                });
            }
            Update::Failed { action, reason } => {
                if self.phase == Phase::CreatingDemo {
                    self.demo_progress = None;
                    self.phase = match &self.empty_dir {
                        // Back to the choice: try again, or join the county instead.
                        Some(data_dir) => Phase::Empty {
                            data_dir: data_dir.clone(),
                        },
                        None => Phase::Starting,
                    };
                }
                self.status = Some(StatusLine {
                    text: self.tf(Key::ActionFailed, &[&self.t(action), &reason]),
                    is_error: true,
                });
            }
            Update::Busy(b) => self.busy = b,
            Update::ImportProgress { done, total } => self.import.progress = Some((done, total)),
            Update::Import(report) => self.import.finished(report),
            Update::Attach(update) => self.attach.apply(update),
        }
    }

    /// Work done once per frame before drawing: filters and reports follow their data.
    pub fn prepare(&mut self) {
        let picked = self.attach.poll();
        self.outbox.extend(picked);
        self.cases.refilter(&self.clocks);
        if self.reports_stale && self.prefs.view == View::Reports {
            self.reports = Reports::build(&self.cases.rows, &self.clocks);
            self.reports_stale = false;
        }
    }

    /// Marks the reports for rebuilding (the language changed).
    pub fn invalidate_reports(&mut self) {
        self.reports_stale = true;
    }
}

#[cfg(test)]
mod tests;
