//! An encrypted data directory: the app asks for the passphrase before anything else; a
//! wrong one is refused with a message after a delay and nothing in the directory is
//! touched; the right one opens the county.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::app::{assert_shown, harness, opened};
use common::{click_button, wait_for};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fengqiao_app::FengqiaoApp;
use fengqiao_app::state::Phase;
use fengqiao_store::{DataKey, InitOptions, KdfParams, Keyring, Store, demo};

const PASS: &str = "港口镇信访办的口令";

/// An encrypted office laptop of the demo county with `cases` cases.
fn encrypted_county(dir: &Path, cases: usize) {
    let key = DataKey::generate();
    Keyring::new(&key, "李明", PASS, None, KdfParams::cheap_for_tests())
        .expect("keyring")
        .save(dir)
        .expect("save");
    let store = Store::init_sealed(
        dir,
        InitOptions {
            device_name: "信访局笔记本".into(),
            county: demo::DEMO_COUNTY.into(),
            role: fengqiao_model::Role::Office,
            scope: Vec::new(),
            person_name: "李明".into(),
            townships: demo::demo_townships(),
            directory: None,
        },
        &key,
    )
    .expect("init");
    let end = fengqiao_store::now_cst().date_naive();
    store
        .import_cases(
            demo::generate(demo::DemoOptions {
                cases,
                seed: 3,
                end,
            }),
            |_| {},
        )
        .expect("cases");
    store.close();
}

/// Types into the passphrase field, as a user would.
fn type_passphrase(h: &mut Harness<'_, FengqiaoApp>, text: &str) {
    let field = h.get_by_role_and_label(Role::PasswordInput, "口令");
    field.focus();
    field.type_text(text);
    h.run_steps(2);
}

/// Every file's modification time and bytes.
fn state(dir: &Path) -> BTreeMap<PathBuf, (std::time::SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                out.insert(p.clone(), (m, std::fs::read(&p).expect("read")));
            }
        }
    }
    out
}

#[test]
fn an_encrypted_directory_asks_for_the_passphrase_and_refuses_a_wrong_one_touching_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    encrypted_county(dir.path(), 6);
    let before = state(dir.path());
    let mut h = harness(dir.path());
    wait_for(&mut h, "the passphrase dialog", |a| {
        matches!(a.state.phase, Phase::Locked { .. })
    });
    assert_shown(&h, "数据目录已加密");
    assert_shown(&h, "李明");
    type_passphrase(&mut h, "not the passphrase");
    let started = Instant::now();
    click_button(&mut h, "打开");
    wait_for(&mut h, "the refusal", |a| a.state.unlock.refused.is_some());
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "a wrong passphrase is refused after a delay"
    );
    assert_shown(&h, "口令不正确");
    assert!(
        matches!(h.state().state.phase, Phase::Locked { .. }),
        "still locked"
    );
    assert!(
        h.state().state.unlock.passphrase.is_empty(),
        "the typed passphrase is not kept"
    );
    assert_eq!(
        state(dir.path()),
        before,
        "a refused passphrase changed the directory"
    );
    type_passphrase(&mut h, PASS);
    click_button(&mut h, "打开");
    opened(&mut h);
    assert_eq!(h.state().state.cases.rows.len(), 6);
}
