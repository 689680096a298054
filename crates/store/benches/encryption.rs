//! Encryption at rest against a plain directory (issue 23, "costs measured"): the same
//! 10,000-case demo county built twice, plain and encrypted (`Store::init_sealed` under a
//! keyring with the real Argon2id cost, as `fengqiao init --encrypt` makes it), then
//! measured in alternation, plain then encrypted then plain…, so both meet the same load:
//!
//! - opening the store and listing all its cases (then closing it), as `bench store`'s
//!   `open_and_list_all` does; the encrypted one opens with the data key already unlocked;
//! - registering one case until it is durable (`add_case` returns after the fsync), on
//!   a store held open.
//!
//! Unlocking (reading `keyring.json` and deriving the passphrase's key with Argon2id,
//! 64 MiB and 3 passes) is a cost per session — the app asks once at start, each CLI
//! command once — not per file or per open of the data, so it is measured on its own.
//!
//! `cargo bench -p fengqiao-store --bench encryption`
//! (pairs: `ENC_OPEN_RUNS`, default 15; `ENC_ADD_RUNS`, default 60; `ENC_UNLOCK_RUNS`,
//! default 5; cases: `ENC_CASES`, default 10,000). Figures: docs/PERFORMANCE.md,
//! "Encryption at rest".

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fengqiao_model::{Channel, Registration, Role};
use fengqiao_store::{CaseFilter, DataKey, InitOptions, KdfParams, Keyring, Store, demo};

const PASS: &str = "港口镇信访办的口令";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn options() -> InitOptions {
    InitOptions {
        device_name: "基准测试机".into(),
        county: demo::DEMO_COUNTY.into(),
        role: Role::Office,
        scope: vec![],
        person_name: "基准".into(),
        townships: demo::demo_townships(),
        directory: None,
    }
}

/// The demo county of `cases` cases in `dir`: plain, or sealed under `key`.
fn build_county(dir: &Path, cases: usize, key: Option<&DataKey>) {
    let started = Instant::now();
    let store = match key {
        Some(key) => Store::init_sealed(dir, options(), key),
        None => Store::init(dir, options()),
    }
    .expect("init");
    let end = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    store
        .import_cases(
            demo::generate(demo::DemoOptions {
                cases,
                seed: 7,
                end,
            }),
            |_| {},
        )
        .expect("demo");
    store.close();
    eprintln!(
        "{}: {cases} cases generated in {:.1?}, {:.2} MB on disk",
        if key.is_some() { "encrypted" } else { "plain" },
        started.elapsed(),
        dir_bytes(dir) as f64 / 1e6
    );
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn open(dir: &Path, key: Option<&DataKey>) -> Store {
    match key {
        Some(key) => Store::open_sealed(dir, key),
        None => Store::open(dir),
    }
    .expect("open")
}

fn open_and_list(dir: &Path, key: Option<&DataKey>, cases: usize) -> Duration {
    let started = Instant::now();
    let store = open(dir, key);
    let listed = store.list_cases(&CaseFilter::default()).expect("list");
    assert_eq!(listed.len(), cases);
    store.close();
    started.elapsed()
}

fn add_one_case(store: &Store, n: usize) -> Duration {
    let received_on = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let reg = Registration::new(Channel::Visit, received_on, "港口镇", "反映宅基地纠纷")
        .with_petitioner(&format!("基准{n}"), "");
    let started = Instant::now();
    store.add_case(reg).expect("add");
    started.elapsed()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `plain` and `sealed` `runs` times each, alternated (the first of each pair swaps
/// every run), and prints both medians and their ratio.
fn compare(
    what: &str,
    runs: usize,
    mut plain: impl FnMut(usize) -> Duration,
    mut sealed: impl FnMut(usize) -> Duration,
) {
    let (mut p, mut s) = (Vec::new(), Vec::new());
    for run in 0..runs {
        if run % 2 == 0 {
            p.push(plain(run));
            s.push(sealed(run));
        } else {
            s.push(sealed(run));
            p.push(plain(run));
        }
    }
    let range = |xs: &[Duration]| {
        let lo = xs.iter().min().copied().unwrap_or_default();
        let hi = xs.iter().max().copied().unwrap_or_default();
        format!("{:.1}–{:.1}", ms(lo), ms(hi))
    };
    let (rp, rs) = (range(&p), range(&s));
    let (mp, ms_) = (median(p), median(s));
    println!(
        "{what} ({runs} pairs): plain median {:.2} ms (runs {rp}), encrypted median {:.2} ms \
         (runs {rs}), encrypted/plain {:.2}",
        ms(mp),
        ms(ms_),
        ms_.as_secs_f64() / mp.as_secs_f64()
    );
}

fn main() {
    let cases = env_or("ENC_CASES", 10_000);
    let open_runs = env_or("ENC_OPEN_RUNS", 15);
    let add_runs = env_or("ENC_ADD_RUNS", 60);
    let unlock_runs = env_or("ENC_UNLOCK_RUNS", 5);

    let plain_dir = tempfile::tempdir().expect("tmp");
    let sealed_dir = tempfile::tempdir().expect("tmp");
    let key = DataKey::generate();
    Keyring::new(&key, "李明", PASS, None, KdfParams::default())
        .expect("keyring")
        .save(sealed_dir.path())
        .expect("save keyring");
    build_county(plain_dir.path(), cases, None);
    build_county(sealed_dir.path(), cases, Some(&key));
    let (p, s) = (plain_dir.path(), sealed_dir.path());

    // Per session: the passphrase to the data key (what the CLI's `unlock` does).
    // The key the passphrase unlocks (checked against the keyring's `check`) is the one
    // the directory is opened with below.
    let mut unlocks = Vec::new();
    let mut key = key;
    for _ in 0..unlock_runs.max(1) {
        let started = Instant::now();
        let ring = Keyring::load(s).expect("load").expect("encrypted");
        let (unlocked, _) = ring.unlock(s, PASS).expect("unlock");
        unlocks.push(started.elapsed());
        key = unlocked;
    }
    println!(
        "unlock (keyring.json + Argon2id {:?}), per session, {} runs: median {:.1} ms",
        KdfParams::default(),
        unlocks.len(),
        ms(median(unlocks))
    );

    // One open of each first: whatever the first open after the import does (index
    // files written, a checkpoint) is not counted against either.
    open_and_list(p, None, cases);
    open_and_list(s, Some(&key), cases);
    compare(
        "open + list all + close",
        open_runs,
        |_| open_and_list(p, None, cases),
        |_| open_and_list(s, Some(&key), cases),
    );

    let plain_store = open(p, None);
    let sealed_store = open(s, Some(&key));
    // Warm both: the first write to a document reads it.
    add_one_case(&plain_store, usize::MAX);
    add_one_case(&sealed_store, usize::MAX);
    compare(
        "add one case durably",
        add_runs,
        |n| add_one_case(&plain_store, n),
        |n| add_one_case(&sealed_store, n),
    );
    plain_store.close();
    sealed_store.close();
}
