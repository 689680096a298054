//! The store thread's loop: open (or offer the demo county), then serve commands.

mod attachments;
mod import;
mod papers;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use fengqiao_roster::Period;
use fengqiao_rules::HolidayCalendar;
use fengqiao_store::local::DataDir;
use fengqiao_store::{Store, demo, now_cst};
use fengqiao_sync::bundle;

use super::dirty::{Changed, Dirty, Heads, View};
use super::{Command, Notice, Owner, Update, roster};
use crate::i18n::Key;
use crate::sync_seam::{LIVE_SYNC_POLL, LiveSync, RoundKind, SyncRound};

/// How many cases the demo county starts with.
pub const DEMO_CASES: usize = demo::DEMO_CASES;

struct Worker {
    store: Arc<Store>,
    calendar: HolidayCalendar,
    live_sync: Box<dyn LiveSync>,
    updates: Sender<Update>,
    repaint: Box<dyn Fn() + Send>,
    /// What the live sync last reported (its rounds moved to `rounds`).
    live: crate::sync_seam::LiveSyncReport,
    /// Rounds of this session (bundles and live), newest first.
    rounds: Vec<SyncRound>,
    /// The roster period the roster view shows.
    roster_period: Option<Period>,
    /// The case page open, to refresh after a write.
    open_case: Option<String>,
    /// The views to send again.
    dirty: Dirty,
    /// Every document's heads when the views were last brought up to date: a round or a
    /// bundle is compared with them to know what it changed.
    heads: Heads,
    /// What the last roster command found, shown once with the roster.
    roster_diagnostics: Vec<fengqiao_roster::Diagnostic>,
    /// Thumbnails, the visit whose attachments are shown, the viewer's directory.
    attach: attachments::AttachState,
}

fn today() -> NaiveDate {
    now_cst().date_naive()
}

fn send(updates: &Sender<Update>, repaint: &dyn Fn(), update: Update) {
    // The UI went away: the loop ends at the next receive.
    let _ = updates.send(update);
    repaint();
}

/// The store thread's body.
pub fn run(
    data_dir: PathBuf,
    demo_cases: usize,
    mut live_sync: Box<dyn LiveSync>,
    commands: Receiver<Command>,
    updates: Sender<Update>,
    repaint: impl Fn() + Send + 'static,
) {
    let Some(store) = open_or_start(
        &data_dir,
        demo_cases,
        live_sync.as_mut(),
        &commands,
        &updates,
        &repaint,
    ) else {
        return;
    };
    let calendar = match store.holiday_calendar() {
        Ok(c) => c,
        Err(e) => {
            send(
                &updates,
                &repaint,
                Update::Failed {
                    action: Key::ActionOpen,
                    reason: e.to_string(),
                },
            );
            HolidayCalendar::embedded()
        }
    };
    let mut worker = Worker {
        store: Arc::new(store),
        calendar,
        live_sync,
        updates,
        repaint: Box::new(repaint),
        live: Default::default(),
        rounds: Vec::new(),
        roster_period: None,
        open_case: None,
        dirty: Dirty::default(),
        heads: Heads::default(),
        roster_diagnostics: Vec::new(),
        attach: Default::default(),
    };
    // Creating the demo county showed the busy indicator; the store is open now.
    worker.send(Update::Busy(false));
    worker.poll_live_sync();
    worker.refresh();
    loop {
        match commands.recv_timeout(LIVE_SYNC_POLL) {
            Ok(command) => {
                worker.send(Update::Busy(true));
                worker.handle(command);
                worker.flush();
                worker.send(Update::Busy(false));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let (changed, moved) = worker.poll_live_sync();
        if moved {
            // Documents came in from a peer: the views of what they changed.
            worker.documents_arrived();
        }
        if changed {
            worker.dirty.mark(View::Sync);
        }
        worker.flush();
    }
    if let Ok(store) = Arc::try_unwrap(worker.store) {
        store.close();
    }
}

/// Opens the data directory; when it is empty, offers the demo county or joining the county
/// with an enrolment ticket, and waits for the user's choice.
fn open_or_start(
    data_dir: &Path,
    demo_cases: usize,
    live_sync: &mut dyn LiveSync,
    commands: &Receiver<Command>,
    updates: &Sender<Update>,
    repaint: &dyn Fn(),
) -> Option<Store> {
    let fail = |action, e: &dyn std::fmt::Display| {
        send(
            updates,
            repaint,
            Update::Failed {
                action,
                reason: format!("{e:#}"),
            },
        );
    };
    if !DataDir::new(data_dir).is_initialised() {
        send(
            updates,
            repaint,
            Update::Empty {
                data_dir: data_dir.to_owned(),
            },
        );
        loop {
            match commands.recv() {
                Ok(Command::CreateDemoCounty) => {
                    send(updates, repaint, Update::Busy(true));
                    let progress = |step| send(updates, repaint, Update::DemoProgress(Some(step)));
                    match create_demo_county_with(data_dir, demo_cases, progress) {
                        Ok(store) => {
                            // Made: what is left is opening it (the lists and clocks).
                            send(updates, repaint, Update::DemoProgress(None));
                            return Some(store);
                        }
                        Err(e) => fail(Key::ActionCreateDemo, &format!("{e:#}")),
                    }
                }
                Ok(Command::JoinCounty(request)) => {
                    send(updates, repaint, Update::Busy(true));
                    match live_sync.join(data_dir, &request) {
                        Ok(store) => return Some(store),
                        Err(failure) => {
                            send(updates, repaint, Update::Busy(false));
                            send(
                                updates,
                                repaint,
                                Update::SyncFailed {
                                    action: Key::ActionJoin,
                                    failure,
                                },
                            );
                        }
                    }
                }
                // Nothing else can be done without a store; the UI offers only these two.
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
    match fengqiao_store::Keyring::load(data_dir) {
        Ok(Some(ring)) => {
            let send = |update| send(updates, repaint, update);
            return super::unlock::open_encrypted(data_dir, &ring, commands, &send);
        }
        Ok(None) => {}
        Err(e) => {
            fail(Key::ActionOpen, &format!("{} ({})", e, data_dir.display()));
            return None;
        }
    }
    match Store::open(data_dir) {
        Ok(store) => Some(store),
        Err(e) => {
            fail(Key::ActionOpen, &format!("{} ({})", e, data_dir.display()));
            None
        }
    }
}

/// Creates the demo county (the same as `fengqiao demo` makes): directory, a year of
/// cases, the roster with this month published and next month drafted, the desk and two
/// booked visitors.
pub fn create_demo_county(dir: &Path, case_count: usize) -> Result<Store> {
    create_demo_county_with(dir, case_count, |_| {})
}

/// [`create_demo_county`], telling `progress` each step as it begins.
pub fn create_demo_county_with(
    dir: &Path,
    case_count: usize,
    progress: impl FnMut(demo::DemoStep),
) -> Result<Store> {
    demo::create_county(
        dir,
        demo::DemoOptions {
            cases: case_count,
            seed: 1,
            end: today(),
        },
        progress,
    )
    .context("创建演示县")
}

impl Worker {
    fn send(&self, update: Update) {
        send(&self.updates, &*self.repaint, update);
    }

    fn fail(&self, action: Key, e: impl std::fmt::Display) {
        tracing::warn!("{action:?}: {e}");
        self.send(Update::Failed {
            action,
            reason: e.to_string(),
        });
    }

    fn done(&self, what: Key, detail: impl Into<String>) {
        self.send(Update::Done(Notice {
            what,
            detail: detail.into(),
        }));
    }

    fn handle(&mut self, command: Command) {
        let today = today();
        match command {
            Command::CreateDemoCounty | Command::JoinCounty(_) | Command::Unlock(_) => {}
            Command::OfferEnrolment(request) => {
                if let Err(failure) = self.live_sync.offer_enrolment(&self.store, &request) {
                    self.send(Update::SyncFailed {
                        action: Key::ActionEnrol,
                        failure,
                    });
                }
                self.poll_live_sync();
                self.dirty.mark(View::Sync);
            }
            Command::CancelEnrolment => {
                self.live_sync.cancel_enrolment();
                self.poll_live_sync();
                self.dirty.mark(View::Sync);
            }
            Command::RevokeDevice { id } => {
                let name = self
                    .store
                    .devices()
                    .ok()
                    .and_then(|all| all.into_iter().find(|d| d.id == id))
                    .map(|d| d.name)
                    .unwrap_or_else(|| id.clone());
                match self.store.revoke_device(&id) {
                    Ok(()) => {
                        self.done(Key::NoticeRevoked, name);
                        self.dirty.changed(Changed::Directory);
                    }
                    Err(e) => self.fail(Key::ActionRevoke, e),
                }
            }
            Command::Refresh => self.refresh(),
            // Opening a confidential case is recorded in this device's access trail; a
            // case whose opening cannot be recorded is not shown.
            Command::OpenCase(key) => match self.store.open_case(&key) {
                Ok(record) => {
                    if record.case.registration.flags.confidential {
                        self.dirty.changed(Changed::AccessTrail);
                    }
                    self.open_case = Some(key);
                    self.dirty.mark(View::OpenCase);
                }
                Err(e) => self.fail(Key::ActionOpenCase, e),
            },
            Command::Register(registration) => match self.store.add_case(*registration) {
                Ok(case) => {
                    let number = case.number.to_string();
                    self.send(Update::Registered {
                        number: number.clone(),
                    });
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionRegister, e),
            },
            Command::RegisterIntake {
                registration,
                intake,
            } => match self.store.add_case(*registration) {
                Ok(case) => {
                    let by = self.store.identity().person.name.clone();
                    // The case is saved either way; a failed pickup leaves the item in the
                    // queue, visibly not picked up, and says why.
                    if let Err(e) = self.store.pick_up_intake(intake, case.id, &by) {
                        self.fail(Key::ActionPickUp, e);
                    }
                    self.send(Update::Registered {
                        number: case.number.to_string(),
                    });
                    self.dirty.changed(Changed::Intake);
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionRegister, e),
            },
            Command::AddEvent {
                case,
                kind,
                date,
                remark,
                files,
            } => match self.store.add_event(&case, kind, date, &remark) {
                Ok(event) => {
                    self.done(Key::NoticeEventAdded, event.kind.zh());
                    let on = fengqiao_model::AttachedTo::Event(event.id);
                    self.attach_files(
                        &Owner::Case {
                            case: case.clone(),
                            on,
                        },
                        files,
                    );
                    self.open_case = Some(case);
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionAddEvent, e),
            },
            Command::AddNote { case, text, files } => match self.store.add_note(&case, &text) {
                Ok(note) => {
                    self.done(Key::NoticeNoteAdded, "");
                    let on = fengqiao_model::AttachedTo::Note(note.id);
                    self.attach_files(
                        &Owner::Case {
                            case: case.clone(),
                            on,
                        },
                        files,
                    );
                    // Only the case page shows notes: no list, clock or duplicate reads them.
                    self.open_case = Some(case);
                    self.dirty.mark(View::OpenCase);
                }
                Err(e) => self.fail(Key::ActionAddNote, e),
            },
            Command::MergeCases {
                survivor,
                absorbed,
                reason,
            } => match self.store.merge_cases(&survivor, &absorbed, &reason) {
                Ok(_) => {
                    self.done(Key::NoticeMerged, format!("{absorbed} → {survivor}"));
                    self.dirty.changed(Changed::Decisions);
                }
                Err(e) => self.fail(Key::ActionMerge, e),
            },
            Command::DismissDuplicate { a, b, reason } => {
                match self.store.dismiss_duplicate(&a, &b, &reason) {
                    Ok(_) => {
                        self.done(Key::NoticeDismissed, format!("{a}、{b}"));
                        self.dirty.changed(Changed::Decisions);
                    }
                    Err(e) => self.fail(Key::ActionDismiss, e),
                }
            }
            Command::ResolveContradiction {
                case,
                key,
                choice,
                reason,
            } => match self
                .store
                .resolve_contradiction(&case, &key, choice, &reason)
            {
                Ok(_) => {
                    self.done(Key::NoticeContradictionResolved, case);
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionResolveContradiction, e),
            },
            Command::ResolveConflict {
                case,
                field,
                choice,
                reason,
            } => match self.store.resolve_conflict(&case, &field, choice, &reason) {
                Ok(resolution) => {
                    self.done(
                        Key::NoticeConflictResolved,
                        format!(
                            "{field} = {}",
                            crate::vm::conflicts::value_text(&resolution.chosen)
                        ),
                    );
                    self.dirty.changed(Changed::Cases);
                }
                Err(e) => self.fail(Key::ActionResolve, e),
            },
            Command::LoadRoster { from, to } => match Period::new(from, to) {
                Ok(period) => {
                    self.roster_period = Some(period);
                    self.dirty.mark(View::Roster);
                }
                Err(e) => self.fail(Key::ActionRoster, e),
            },
            Command::GenerateRoster { from, to } => {
                let result = Period::new(from, to)
                    .map_err(anyhow::Error::from)
                    .and_then(|p| {
                        self.roster_period = Some(p);
                        roster::generate_period(&self.store, &self.calendar, p)
                    });
                match result {
                    Ok(diagnostics) => {
                        self.done(Key::NoticeRosterGenerated, "");
                        self.roster_diagnostics = diagnostics;
                        self.dirty.changed(Changed::Roster);
                    }
                    Err(e) => self.fail(Key::ActionGenerate, format!("{e:#}")),
                }
            }
            Command::PublishRoster { from, to } => {
                let result = Period::new(from, to)
                    .map_err(anyhow::Error::from)
                    .and_then(|p| roster::publish(&self.store, &self.calendar, p, today));
                match result {
                    Ok(n) => {
                        self.done(Key::NoticeRosterPublished, n.to_string());
                        self.dirty.changed(Changed::Roster);
                    }
                    Err(e) => self.fail(Key::ActionPublish, format!("{e:#}")),
                }
            }
            Command::SwapSlot { slot, reason } => {
                match roster::swap(&self.store, slot, &reason, today) {
                    Ok(diagnostics) => {
                        self.done(Key::NoticeSwapped, "");
                        self.roster_diagnostics = diagnostics;
                        self.dirty.changed(Changed::Roster);
                    }
                    Err(e) => self.fail(Key::ActionSwap, format!("{e:#}")),
                }
            }
            Command::ReportLeave {
                leader,
                from,
                to,
                reason,
            } => {
                let result = Period::new(from, to)
                    .map_err(anyhow::Error::from)
                    .and_then(|p| {
                        roster::leave(&self.store, &self.calendar, (leader, p, reason), today)
                    });
                match result {
                    Ok(diagnostics) => {
                        self.done(Key::NoticeLeaveReported, "");
                        self.roster_diagnostics = diagnostics;
                        self.dirty.changed(Changed::Roster);
                    }
                    Err(e) => self.fail(Key::ActionLeave, format!("{e:#}")),
                }
            }
            Command::ExportRoster {
                format,
                from,
                to,
                path,
            } => {
                let result = Period::new(from, to)
                    .map_err(anyhow::Error::from)
                    .and_then(|p| roster::export(&self.store, format, p, &path, today));
                match result {
                    Ok(n) => self.done(Key::NoticeExported, format!("{}（{n}）", path.display())),
                    Err(e) => self.fail(Key::ActionExport, format!("{e:#}")),
                }
            }
            Command::Book(form) => match roster::book(&self.store, &form, today) {
                Ok(name) => {
                    self.done(Key::NoticeBooked, name);
                    self.send_briefing(form.slot);
                }
                Err(e) => self.fail(Key::ActionBook, format!("{e:#}")),
            },
            Command::CancelBooking { slot, booking } => {
                match roster::cancel_booking(&self.store, booking, today) {
                    Ok(()) => {
                        self.done(Key::NoticeBookingCancelled, "");
                        self.send_briefing(slot);
                    }
                    Err(e) => self.fail(Key::ActionBook, format!("{e:#}")),
                }
            }
            Command::LoadBriefing { slot } => self.send_briefing(slot),
            Command::SetUnitOrgan { unit, organ } => {
                match self.store.set_unit_organ(&unit, organ) {
                    Ok(_) => {
                        self.done(Key::NoticeLawSaved, format!("{unit}：{}", organ.zh()));
                        self.dirty.changed(Changed::Directory);
                    }
                    Err(e) => self.fail(Key::ActionLawSettings, e),
                }
            }
            Command::SetExtensionFrom(extension_from) => {
                let settings = fengqiao_rules::LawSettings { extension_from };
                match self.store.put_law_settings(settings) {
                    Ok(()) => {
                        self.done(Key::NoticeLawSaved, extension_from.zh());
                        self.dirty.changed(Changed::Directory);
                    }
                    Err(e) => self.fail(Key::ActionLawSettings, e),
                }
            }
            Command::Feeds(command) => {
                for update in super::feeds::handle(&self.store, command) {
                    self.send(update);
                }
            }
            Command::SaveBriefing { slot, path } => {
                match roster::save_briefing(&self.store, &self.calendar, slot, &path, today) {
                    Ok(()) => self.done(Key::NoticeBriefingSaved, path.display().to_string()),
                    Err(e) => self.fail(Key::ActionBriefing, format!("{e:#}")),
                }
            }
            Command::PutVisit(visit) => match self.store.put_visit(&visit) {
                Ok(()) => {
                    self.done(Key::NoticeVisitSaved, visit.village.clone());
                    self.dirty.changed(Changed::Visits);
                }
                Err(e) => self.fail(Key::ActionVisit, e),
            },
            Command::Paper(command) => self.paper(command),
            Command::Import(command) => self.import(command),
            Command::Attach(command) => self.attachment(command),
            Command::ExportBundle { path, peer_state } => self.export_bundle(&path, peer_state),
            Command::ImportBundle { path } => self.import_bundle(&path),
            Command::SyncNow => self.live_sync.sync_now(&self.store),
            Command::ExportPeerState { path } => {
                let result = bundle::peer_state(&self.store)
                    .map_err(anyhow::Error::from)
                    .and_then(|state| Ok(serde_json::to_vec_pretty(&state)?))
                    .and_then(|bytes| {
                        std::fs::write(&path, &bytes)
                            .with_context(|| format!("写入 {}", path.display()))?;
                        Ok(bytes.len())
                    });
                match result {
                    Ok(bytes) => {
                        self.round(&path, RoundKind::PeerStateSaved, 0, bytes);
                        self.done(Key::NoticePeerStateSaved, path.display().to_string());
                    }
                    Err(e) => self.fail(Key::ActionPeerState, format!("{e:#}")),
                }
            }
        }
    }

    fn round(&mut self, path: &Path, kind: RoundKind, documents: usize, bytes: usize) {
        self.rounds.insert(
            0,
            SyncRound {
                at: now_cst(),
                with: path.display().to_string(),
                kind,
                documents,
                attachments: 0,
                bytes,
                note: String::new(),
                failure: None,
            },
        );
        self.dirty.mark(View::Sync);
    }

    fn export_bundle(&mut self, path: &Path, peer_state: Option<PathBuf>) {
        let result = (|| -> Result<(usize, usize)> {
            let since = match &peer_state {
                Some(file) => {
                    let text = std::fs::read(file)
                        .with_context(|| format!("读取对方状态 {}", file.display()))?;
                    Some(
                        serde_json::from_slice::<bundle::PeerState>(&text)
                            .with_context(|| format!("对方状态文件 {} 格式不对", file.display()))?,
                    )
                }
                None => None,
            };
            let exported =
                bundle::export_to(&self.store, since.as_ref(), &bundle::Recipients::County)?;
            let bytes = exported.bytes;
            std::fs::write(path, &bytes).with_context(|| format!("写入 {}", path.display()))?;
            Ok((exported.documents.len(), bytes.len()))
        })();
        match result {
            Ok((documents, bytes)) => {
                self.round(path, RoundKind::BundleExported, documents, bytes);
                self.done(Key::NoticeBundleExported, path.display().to_string());
            }
            Err(e) => self.fail(Key::ActionBundleExport, format!("{e:#}")),
        }
    }

    fn import_bundle(&mut self, path: &Path) {
        let result = std::fs::read(path)
            .with_context(|| format!("读取 {}", path.display()))
            .and_then(|bytes| Ok(bundle::import(&self.store, &bytes)?));
        match result {
            Ok(report) => {
                self.round(
                    path,
                    RoundKind::BundleImported,
                    report.documents,
                    report.bytes,
                );
                self.done(Key::NoticeBundleImported, report.from_device_name);
                self.documents_arrived();
                if report.blobs > 0 {
                    self.dirty.mark(View::OpenCase);
                    self.dirty.mark(View::Visits);
                }
            }
            Err(e) => self.fail(Key::ActionBundleImport, format!("{e:#}")),
        }
    }

    /// Sends every view model, the quick ones first.
    fn refresh(&mut self) {
        self.dirty.all();
        self.remember_heads();
        self.flush();
    }

    /// Notes every document's heads, so the next round can say what it changed.
    fn remember_heads(&mut self) {
        match Heads::of(&self.store) {
            Ok(heads) => self.heads = heads,
            Err(e) => tracing::warn!("cannot read the documents' heads: {e}"),
        }
    }

    /// A round or a bundle brought documents: marks the views of the data they changed.
    fn documents_arrived(&mut self) {
        match Heads::of(&self.store) {
            Ok(now) => {
                let changed = now.changed_since(&self.heads);
                if changed.contains(&Changed::Directory) {
                    self.reload_calendar();
                }
                for data in changed {
                    self.dirty.changed(data);
                }
                self.heads = now;
            }
            Err(e) => {
                // Not knowing what changed, show everything again.
                tracing::warn!("cannot read the documents' heads: {e}");
                self.dirty.all();
            }
        }
    }

    /// The holiday notices live in the directory: a peer may have brought a new year.
    fn reload_calendar(&mut self) {
        match self.store.holiday_calendar() {
            Ok(calendar) => self.calendar = calendar,
            Err(e) => self.fail(Key::ActionOpen, e),
        }
    }

    /// Sends each dirty view once, in order.
    fn flush(&mut self) {
        for view in self.dirty.take() {
            match view {
                View::Welcome => self.send_welcome(),
                View::Directory => self.send_directory(),
                View::Cases => self.send_cases(),
                View::Conflicts => self.send_conflicts(),
                View::ThisWeek => self.send_this_week(),
                View::Roster => {
                    let diagnostics = std::mem::take(&mut self.roster_diagnostics);
                    self.send_roster(&diagnostics);
                }
                View::Visits => {
                    self.send_visits();
                    self.send_visit_attachments();
                }
                View::Intake => self.send_intake(),
                View::Sync => self.send_sync(),
                View::Clocks => self.send_clocks(),
                View::OpenCase => {
                    if let Some(case) = self.open_case.clone() {
                        self.send_case(&case);
                    }
                }
            }
        }
    }

    /// Asks the live sync for news; returns (anything changed, documents moved).
    fn poll_live_sync(&mut self) -> (bool, bool) {
        let mut report = self.live_sync.report(&self.store);
        let new_rounds = std::mem::take(&mut report.rounds);
        // A laptop that joined is a new device in the directory: refresh like a round.
        let joined = report
            .enrolment
            .as_ref()
            .is_some_and(|o| o.state == crate::sync_seam::EnrolmentState::Joined)
            && self.live.enrolment.as_ref().map(|o| &o.state)
                != Some(&crate::sync_seam::EnrolmentState::Joined);
        let moved = joined || new_rounds.iter().any(|r| r.documents > 0);
        // Bytes change no document's heads: the pages that list attachments say
        // "在县服务器" until told again.
        if new_rounds.iter().any(|r| r.attachments > 0) {
            self.dirty.mark(View::OpenCase);
            self.dirty.mark(View::Visits);
        }
        let changed = report != self.live || !new_rounds.is_empty();
        self.rounds.extend(new_rounds);
        self.live = report;
        (changed, moved)
    }
}
