//! Keeps `fengqiao-roster` pure (ARCHITECTURE.md, crates/roster): no file, environment or
//! clock access in its library source. The dependency side (no automerge, samod, iroh,
//! tokio or egui) is checked for every pure crate by `tests/tests/layering.rs`.

use std::path::{Path, PathBuf};

/// Calls that would make a roster depend on the machine it is computed on.
const FORBIDDEN_CALLS: &[&str] = &[
    "Local::now",
    "Utc::now",
    "SystemTime",
    "Instant::now",
    "std::fs",
    "File::",
    "std::env",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn library_source_reads_no_files_and_no_clock() {
    let mut files = Vec::new();
    sources(
        &Path::new(
            &std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
        )
        .join("src"),
        &mut files,
    );
    assert!(files.len() > 10, "found the sources: {files:?}");
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Test modules may build fixtures however they like.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in FORBIDDEN_CALLS {
            assert!(
                !code.contains(call),
                "{} uses {call}; take it as a parameter instead",
                path.display()
            );
        }
        // The one clock read: fresh leave and swap ids, made by callers at the edge.
        if !path.ends_with("ids.rs") {
            assert!(
                !code.contains("now_v7"),
                "{} makes a time-based id; take it as a parameter",
                path.display()
            );
        }
    }
}
