//! The view models the store thread sends: each one read of the store, then an update.

use std::sync::Arc;

use anyhow::Result;
use chrono::Datelike;
use fengqiao_roster::Period;
use fengqiao_store::CaseFilter;

use super::{Worker, today};
use crate::backend::{Update, roster};
use crate::i18n::Key;
use crate::sync_seam::SyncStatus;
use crate::vm::{DeviceRow, Directory, Township, Welcome, conflicts::Conflicts};

impl Worker {
    pub(super) fn send_welcome(&self) {
        let identity = self.store.identity();
        self.send(Update::Opened(Box::new(Welcome {
            data_dir: self.store.data_dir().to_owned(),
            device_name: identity.device_name.clone(),
            device_code: identity.device_code.clone(),
            device_id: identity.device_id.clone(),
            county: identity.county.clone(),
            role: identity.role,
            scope: identity.scope.clone(),
            person: identity.person.name.clone(),
            // What the directory says, not what this laptop's own files claim.
            may_write_cases: self.store.may_write_cases(),
            may_enrol: self
                .store
                .directory_role()
                .is_ok_and(fengqiao_model::Role::keeps_directory),
        })));
    }

    pub(super) fn send_briefing(&self, slot: fengqiao_roster::SlotId) {
        match roster::briefing(&self.store, &self.calendar, slot, today()) {
            Ok(Some(b)) => self.send(Update::Briefing(Arc::new(b))),
            Ok(None) => self.fail(Key::ActionBriefing, "找不到这次接访安排 (unknown slot)"),
            Err(e) => self.fail(Key::ActionBriefing, format!("{e:#}")),
        }
    }

    pub(super) fn send_directory(&self) {
        let result = (|| -> Result<Directory> {
            let mut townships = Vec::new();
            for t in self.store.townships()? {
                let villages = self.store.villages(&t.name)?;
                townships.push(Township {
                    name: t.name,
                    villages,
                });
            }
            let me = &self.store.identity().device_id;
            let devices = self
                .store
                .devices()?
                .into_iter()
                .map(|d| DeviceRow {
                    is_me: &d.id == me,
                    enrolled: d.enrolled_at.date_naive(),
                    id: d.id,
                    name: d.name,
                    role: d.role,
                    scope: d.scope,
                    revoked: d.revoked,
                })
                .collect();
            let panel_members = self
                .store
                .people()?
                .into_iter()
                .filter(|p| !p.panels.is_empty())
                .map(|p| crate::vm::PanelMember {
                    id: p.id,
                    name: p.name,
                    unit: p.unit,
                    panels: p.panels,
                })
                .collect();
            let units = self
                .store
                .units()?
                .into_iter()
                .filter(|u| u.kind != fengqiao_model::UnitKind::Village)
                .map(|u| crate::vm::UnitRow {
                    organ: u.organ_kind(),
                    name: u.name,
                    kind: u.kind,
                })
                .collect();
            Ok(Directory {
                townships,
                leaders: roster::leaders(&self.store, today())?,
                devices,
                panel_members,
                units,
                extension_from: self.store.law_settings()?.extension_from,
                // Read only where the directory allows it; the store refuses the rest.
                access_trail: if self
                    .store
                    .directory_role()
                    .is_ok_and(fengqiao_model::Role::reads_access_trail)
                {
                    Some(crate::vm::trail::AccessTrailView::of(
                        &self.store.access_trail(None)?,
                    ))
                } else {
                    None
                },
            })
        })();
        match result {
            Ok(directory) => self.send(Update::Directory(Arc::new(directory))),
            Err(e) => self.fail(Key::ActionOpen, format!("{e:#}")),
        }
    }

    pub(super) fn send_cases(&self) {
        match self.store.list_cases(&CaseFilter::default()) {
            Ok(rows) => self.send(Update::Cases(Arc::new(rows))),
            Err(e) => self.fail(Key::ActionLoadCases, e),
        }
    }

    pub(super) fn send_clocks(&self) {
        match self.store.clock_index(&self.calendar, today()) {
            Ok(index) => self.send(Update::Clocks(Arc::new(index))),
            Err(e) => self.fail(Key::ActionLoadCases, e),
        }
    }

    pub(super) fn send_case(&self, key: &str) {
        match self.store.case(key) {
            Ok(record) => match self.store.law_context() {
                Ok(law) => {
                    let mut page =
                        crate::vm::clocks::case_page(record, &self.calendar, &law, today());
                    match self.store.paperwork_of(key) {
                        Ok((papers, offers)) => (page.papers, page.offers) = (papers, offers),
                        Err(e) => self.fail(Key::ActionPaper, e),
                    }
                    match self.store.attachments(key) {
                        Ok(views) => page.attachments = self.attachment_rows(views),
                        Err(e) => self.fail(Key::ActionAttach, e),
                    }
                    self.send(Update::Case(Box::new(page)));
                }
                Err(e) => self.fail(Key::ActionOpenCase, e),
            },
            Err(e) => self.fail(Key::ActionOpenCase, e),
        }
    }

    pub(super) fn send_conflicts(&self) {
        let all = self.store.conflicts().and_then(|c| {
            let candidates = self.store.duplicate_candidates()?;
            let cases = if candidates.is_empty() {
                Vec::new()
            } else {
                self.store.list_cases(&CaseFilter::default())?
            };
            let contradictions = self.store.contradictions()?;
            Ok(Conflicts::from_parts(
                &c,
                &candidates,
                &cases,
                &contradictions,
            ))
        });
        match all {
            Ok(c) => self.send(Update::Conflicts(Arc::new(c))),
            Err(e) => self.fail(Key::ActionLoadConflicts, e),
        }
    }

    pub(super) fn send_roster(&self, diagnostics: &[fengqiao_roster::Diagnostic]) {
        let period = self
            .roster_period
            .unwrap_or_else(|| Period::week_of(today()));
        match roster::view(&self.store, &self.calendar, period, diagnostics) {
            Ok(view) => self.send(Update::Roster(Arc::new(view))),
            Err(e) => self.fail(Key::ActionRoster, format!("{e:#}")),
        }
    }

    pub(super) fn send_this_week(&self) {
        match roster::view(&self.store, &self.calendar, Period::week_of(today()), &[]) {
            Ok(view) => self.send(Update::RosterThisWeek(Arc::new(view))),
            Err(e) => self.fail(Key::ActionRoster, format!("{e:#}")),
        }
    }

    pub(super) fn send_visits(&self) {
        let year = today().year();
        let result = (|| -> Result<Vec<fengqiao_model::FieldVisit>> {
            let mut all = Vec::new();
            for t in self.store.townships()? {
                if self.store.in_scope(&t.name) {
                    all.extend(self.store.visits(&t.name, year)?);
                }
            }
            all.sort_by_key(|v| (v.date, v.township.clone(), v.village.clone()));
            Ok(all)
        })();
        match result {
            Ok(visits) => self.send(Update::Visits(Arc::new(visits))),
            Err(e) => self.fail(Key::ActionVisit, format!("{e:#}")),
        }
    }

    pub(super) fn send_intake(&self) {
        use fengqiao_model::Role;
        // Only the office and the server hold the queue (it is personal data nobody has
        // registered yet); other devices show it empty.
        let holds_queue = self
            .store
            .directory_role()
            .is_ok_and(Role::keeps_intake_queue);
        if !holds_queue {
            self.send(Update::Intake(Arc::default()));
            return;
        }
        match self.store.intake_queue(None) {
            Ok(queue) => self.send(Update::Intake(Arc::new(queue))),
            Err(e) => self.fail(Key::ActionLoadIntake, e),
        }
    }

    pub(super) fn send_sync(&self) {
        let mut rounds = self.rounds.clone();
        rounds.sort_by_key(|r| std::cmp::Reverse(r.at));
        self.send(Update::Sync(Arc::new(SyncStatus {
            live_available: self.live.available,
            peers: self.live.peers.clone(),
            server: self.live.server.clone(),
            ticket: self.live.ticket.clone(),
            rounds,
            enrolment: self.live.enrolment.clone(),
        })));
    }
}
