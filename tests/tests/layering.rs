//! The layering DESIGN.md §3 promises, checked from the real dependency graph:
//! pure crates (model, rules, roster, duplicates, paperwork) never pull in Automerge, samod, iroh,
//! tokio or egui, nor read files, the environment or the clock; the store never pulls
//! in egui or iroh's network stack (only `iroh-base`, the key types: the device key is
//! the network identity).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dependencies(package: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{lib}",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn assert_free_of(package: &str, forbidden: &[&str]) {
    let deps = dependencies(package);
    assert!(
        deps.len() > 1,
        "cargo tree listed {package}'s dependencies: {deps:?}"
    );
    let found: Vec<_> = deps
        .iter()
        .filter(|d| {
            forbidden
                .iter()
                .any(|f| d.as_str() == *f || (*f != "iroh" && d.starts_with(&format!("{f}_"))))
        })
        .collect();
    assert!(found.is_empty(), "{package} must not depend on {found:?}");
}

const IO_STACK: &[&str] = &[
    "automerge",
    "samod",
    "samod_core",
    "iroh",
    "iroh_base",
    "iroh_relay",
    "tokio",
    "egui",
    "eframe",
];

#[test]
fn pure_crates_stay_pure() {
    for package in [
        "fengqiao-model",
        "fengqiao-rules",
        "fengqiao-roster",
        "fengqiao-paperwork",
        "fengqiao-duplicates",
    ] {
        assert_free_of(package, IO_STACK);
    }
}

#[test]
fn sync_knows_no_ui() {
    assert_free_of("fengqiao-sync", &["egui", "eframe"]);
}

#[test]
fn store_knows_no_ui_or_network() {
    assert_free_of(
        "fengqiao-store",
        &[
            "egui",
            "eframe",
            "iroh",
            "iroh_relay",
            "iroh_tickets",
            "iroh_mdns_address_lookup",
            "noq",
        ],
    );
    assert!(
        dependencies("fengqiao-store").contains("automerge"),
        "the store is where automerge lives"
    );
}

/// Each workspace package's direct normal dependencies, from `cargo metadata`.
fn direct_dependencies() -> Vec<(String, BTreeSet<String>)> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--offline",
            "--locked",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let packages = meta["packages"].as_array().expect("packages");
    assert!(
        packages.len() >= 8,
        "the workspace's packages: {packages:?}"
    );
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

/// Which packages name `dependency` directly.
fn dependents_of(dependency: &str) -> BTreeSet<String> {
    direct_dependencies()
        .into_iter()
        .filter(|(_, deps)| deps.contains(dependency))
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn only_the_store_and_sync_touch_automerge() {
    // The forger in this crate writes hostile changes on purpose; it is test support.
    let allowed: BTreeSet<String> = ["fengqiao-store", "fengqiao-sync", "fengqiao-tests"]
        .map(str::to_owned)
        .into();
    let users = dependents_of("automerge");
    assert!(users.contains("fengqiao-store"), "{users:?}");
    assert!(
        users.is_subset(&allowed),
        "only the store and sync may depend on automerge: {users:?}"
    );
}

#[test]
fn only_sync_and_the_server_depend_on_iroh() {
    // The server names addresses and runs the relay; building endpoints is sync's alone
    // (`only_sync_builds_iroh_endpoints`).
    let users = dependents_of("iroh");
    assert!(users.contains("fengqiao-sync"), "{users:?}");
    let allowed: BTreeSet<String> = ["fengqiao-sync", "fengqiao-sync-server"]
        .map(str::to_owned)
        .into();
    assert!(users.is_subset(&allowed), "iroh users: {users:?}");
}

/// The `.rs` files under the source folders of the workspace, as (path from the root, text).
fn sources(folders: &[&str]) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let root = Path::new(&manifest_dir)
        .parent()
        .expect("the workspace root")
        .to_path_buf();
    let mut files = Vec::new();
    for folder in folders {
        walk(&root.join(folder), &mut files);
    }
    assert!(files.len() > 20, "found the sources: {files:?}");
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, text)
        })
        .collect()
}

/// Every library and binary source folder of the workspace (tests aside).
const SOURCE_FOLDERS: &[&str] = &[
    "crates/model/src",
    "crates/duplicates/src",
    "crates/paperwork/src",
    "crates/rules/src",
    "crates/roster/src",
    "crates/store/src",
    "crates/sync/src",
    "crates/cli/src",
    "app/src",
    "sync-server/src",
];

#[test]
fn pure_crates_read_no_files_or_environment() {
    // Their answers depend on their arguments alone, so every replica computes the same.
    let io = [
        "std::fs",
        "File::open",
        "std::env",
        "std::net",
        "std::process",
    ];
    // The paperwork crate reads a county's font file and nothing else: its own
    // `tests/purity.rs` checks that.
    let pure = [
        "crates/model/src",
        "crates/duplicates/src",
        "crates/rules/src",
        "crates/roster/src",
    ];
    let found: Vec<_> = sources(&pure)
        .into_iter()
        .filter(|(_, text)| io.iter().any(|r| text.contains(r)))
        .map(|(name, _)| name)
        .collect();
    assert!(found.is_empty(), "IO in a pure crate: {found:?}");
}

#[test]
fn only_sync_builds_iroh_endpoints() {
    // One place decides the endpoint's preset (no n0 services), relay and discovery.
    let builds = [
        "Endpoint::builder",
        "Endpoint::empty_builder",
        "Endpoint::bind",
    ];
    let found: Vec<_> = sources(SOURCE_FOLDERS)
        .into_iter()
        .filter(|(_, text)| builds.iter().any(|b| text.contains(b)))
        .map(|(name, _)| name)
        .collect();
    assert!(
        found.iter().any(|n| n.starts_with("crates/sync/src/")),
        "sync builds endpoints: {found:?}"
    );
    let outside: Vec<_> = found
        .iter()
        .filter(|n| !n.starts_with("crates/sync/src/"))
        .collect();
    assert!(
        outside.is_empty(),
        "iroh endpoints built outside sync: {outside:?}"
    );
}

#[test]
fn only_binaries_and_the_store_read_the_clock() {
    // The pure crates take `today` as an argument and sync asks the store; so a test, a
    // replay or a laptop with a wrong clock changes one input, not hidden reads.
    let reads = [
        "Utc::now",
        "Local::now",
        "SystemTime::now",
        "OffsetDateTime::now",
    ];
    let libraries = [
        "crates/model/src",
        "crates/duplicates/src",
        "crates/paperwork/src",
        "crates/rules/src",
        "crates/roster/src",
        "crates/sync/src",
    ];
    let found: Vec<_> = sources(&libraries)
        .into_iter()
        .filter(|(_, text)| reads.iter().any(|r| text.contains(r)))
        .map(|(name, _)| name)
        .collect();
    assert!(found.is_empty(), "clock read outside the store: {found:?}");
    let store: Vec<_> = sources(&["crates/store/src"])
        .into_iter()
        .filter(|(_, text)| reads.iter().any(|r| text.contains(r)))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        store,
        ["crates/store/src/time.rs"],
        "the store reads the clock in time.rs alone"
    );
}
