//! The layering DESIGN.md §3 promises, checked from the real dependency graph:
//! pure crates never pull in Automerge, samod, iroh, tokio or egui; the store never pulls
//! in egui or iroh's network stack (only `iroh-base`, the key types: the device key is
//! the network identity).

use std::collections::BTreeSet;
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
