//! ARCHITECTURE.md's invariants for the app, checked from its source: no Automerge or samod
//! anywhere in the app; views and state never reach the store, files or the network.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the source directory") {
        let path = entry.expect("read a directory entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("src")
}

#[test]
fn the_app_holds_no_automerge_types() {
    for file in sources(&src()) {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in [
            "automerge::",
            "samod::",
            "autosurgeon::",
            "use automerge",
            "use samod",
        ] {
            assert!(!text.contains(word), "{} mentions {word}", file.display());
        }
    }
}

#[test]
fn views_and_state_do_no_io() {
    let src = src();
    let mut files = sources(&src.join("views"));
    files.extend(sources(&src.join("state")));
    files.extend(["state.rs", "widgets.rs", "app.rs", "picker.rs"].map(|f| src.join(f)));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in [
            "Store::",
            "store::Store",
            "std::fs",
            "File::",
            "TcpStream",
            "iroh",
        ] {
            assert!(!text.contains(word), "{} uses {word}", file.display());
        }
    }
}

/// The kiosk's code without its comments (they may name what the code must not use).
fn code_of(file: &Path) -> String {
    std::fs::read_to_string(file)
        .expect("the kiosk's source is readable")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The 导访 kiosk cannot reach case data: none of its modules names the app's store thread,
/// its state or view models, or any store API that reads cases; only the desk names the
/// store, and the only things it calls on it are open, `add_intake_item` and close.
#[test]
fn the_kiosk_never_reaches_case_data() {
    let files = sources(&src().join("kiosk"));
    assert!(files.len() >= 4, "{files:?}");
    for file in &files {
        let code = code_of(file);
        for word in [
            "backend",
            "Backend",
            "AppState",
            "crate::vm",
            "crate::state",
            "crate::views",
            "list_cases",
            "CaseFilter",
            "CaseSummary",
            "CaseRecord",
            "histories",
            ".case(",
            "conflicts(",
            "contradictions(",
            "duplicate_candidates",
            "history(",
            "export_document",
            "catalogue",
            "document_handle",
            "repo()",
            "intake_queue",
            "intake_by_query_hash",
            "visits(",
            "fengqiao_sync",
            "std::fs",
        ] {
            assert!(!code.contains(word), "{} uses {word}", file.display());
        }
        let is_desk = file.file_name().is_some_and(|n| n == "desk.rs");
        if !is_desk {
            assert!(
                !code.contains("Store"),
                "{} names the store; only kiosk/desk.rs may",
                file.display()
            );
            continue;
        }
        // Every call on the store in the desk is one of these.
        let allowed = ["add_intake_item", "close"];
        let mut calls = 0;
        for (at, _) in code.match_indices("store.") {
            let method: String = code[at + "store.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                allowed.contains(&method.as_str()),
                "kiosk/desk.rs calls store.{method}"
            );
            calls += 1;
        }
        assert!(calls >= 2, "the desk adds items and closes the store");
        for (at, _) in code.match_indices("Store::") {
            assert!(
                code[at..].starts_with("Store::open("),
                "kiosk/desk.rs uses {}",
                code[at..].chars().take(20).collect::<String>()
            );
        }
    }
}
