//! An attachment whose bytes arrive with a sync round: no document changes (the record came
//! earlier), yet the open case page stops saying "在县服务器" and offers 打开.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{app_on, wait_for};
use fengqiao_app::state::Phase;
use fengqiao_app::sync_seam::{LiveSync, LiveSyncReport, RoundKind, SyncRound};
use fengqiao_model::AttachedTo;
use fengqiao_store::{CaseFilter, Store};

/// A live sync whose one round, once `arrived` is set, says it brought one attachment.
struct BytesArrive {
    arrived: Arc<AtomicBool>,
    told: bool,
}

impl LiveSync for BytesArrive {
    fn report(&mut self, _store: &Store) -> LiveSyncReport {
        let mut report = LiveSyncReport {
            available: true,
            ..LiveSyncReport::default()
        };
        if self.arrived.load(Ordering::SeqCst) && !self.told {
            self.told = true;
            report.rounds.push(SyncRound {
                at: fengqiao_store::now_cst(),
                with: "县服务器".into(),
                kind: RoundKind::Live,
                documents: 0,
                attachments: 1,
                bytes: 1,
                note: String::new(),
                failure: None,
            });
        }
        report
    }
}

#[test]
fn bytes_that_arrive_without_a_document_refresh_the_open_case() {
    let dir = tempfile::tempdir().expect("tmp");
    fengqiao_app::backend::create_demo_county(dir.path(), 5)
        .expect("demo")
        .close();
    let (number, stored, bytes) = {
        let store = Store::open(dir.path()).expect("open");
        let number = store.list_cases(&CaseFilter::default()).expect("cases")[0]
            .number
            .clone();
        let a = store
            .attach(
                &number,
                AttachedTo::Case,
                "来信.pdf",
                b"%PDF-1.7 letter",
                "",
            )
            .expect("attach")
            .attachment;
        let stored = dir.path().join("blobs").join(&a.hash[..2]).join(&a.hash);
        let bytes = std::fs::read(&stored).expect("blob");
        // As on a laptop that has the record and not yet the bytes.
        std::fs::remove_file(&stored).expect("remove");
        store.close();
        (number, stored, bytes)
    };
    let arrived = Arc::new(AtomicBool::new(false));
    let flag = arrived.clone();
    let mut h = app_on(dir.path(), egui::vec2(1280.0, 1400.0), 5, move || {
        Box::new(BytesArrive {
            arrived: flag.clone(),
            told: false,
        })
    });
    wait_for(&mut h, "the store to open", |a| {
        a.state.phase == Phase::Open
    });
    h.state_mut().state.open_case(number.clone());
    let present = |a: &fengqiao_app::FengqiaoApp| {
        a.state
            .case_page
            .page
            .as_ref()
            .and_then(|p| p.attachments.first().map(|r| r.present))
    };
    wait_for(&mut h, "the page, bytes absent", |a| {
        present(a) == Some(false)
    });

    // The round puts the bytes in place and says so.
    std::fs::write(&stored, bytes).expect("the bytes arrive");
    arrived.store(true, Ordering::SeqCst);
    wait_for(&mut h, "the page, bytes here", |a| present(a) == Some(true));
}
