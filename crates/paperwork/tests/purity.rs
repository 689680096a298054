//! Keeps `fengqiao-paperwork` pure (ARCHITECTURE.md, crates/paperwork): no clock, no
//! environment, and no file access but reading a county's font (`FontData::from_file`).
//! Its dependencies (no automerge, samod, iroh, tokio or egui) are checked by
//! `tests/tests/layering.rs`.

use std::path::{Path, PathBuf};

const FORBIDDEN_CALLS: &[&str] = &[
    "Local::now",
    "Utc::now",
    "SystemTime",
    "Instant::now",
    "now_v7",
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
fn library_source_reads_no_clock_and_no_file_but_a_font() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() >= 8, "found the sources: {files:?}");
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in FORBIDDEN_CALLS {
            assert!(!code.contains(call), "{} uses {call}", path.display());
        }
        let fs_uses = code.matches("std::fs").count();
        let font_reads = if path.ends_with("fonts.rs") {
            code.matches("std::fs::read(").count()
        } else {
            0
        };
        assert_eq!(
            fs_uses,
            font_reads,
            "{} touches files beyond reading a font",
            path.display()
        );
    }
}
