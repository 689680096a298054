//! Keeps `fengqiao-rules` pure (see ARCHITECTURE.md, crates/rules): no CRDT, network, async
//! or GUI dependency, and no file or system-clock access in its source.

use std::path::Path;

const FORBIDDEN_CRATES: &[&str] = &[
    "automerge",
    "autosurgeon",
    "samod",
    "iroh",
    "tokio",
    "egui",
    "eframe",
];

/// Calls that would make the crate depend on the machine it runs on.
const FORBIDDEN_CALLS: &[&str] = &[
    "Local::now",
    "Utc::now",
    "SystemTime",
    "std::fs",
    "File::open",
    "std::env",
];

#[test]
fn dependencies_point_one_way() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let manifest_dir = Path::new(&manifest_dir);
    for manifest in ["Cargo.toml", "../model/Cargo.toml"] {
        let text = std::fs::read_to_string(manifest_dir.join(manifest))
            .unwrap_or_else(|e| panic!("{manifest}: {e}"));
        let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{manifest}: {e}"));
        let deps = doc
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        for name in deps.keys() {
            assert!(
                !FORBIDDEN_CRATES.iter().any(|f| name.starts_with(f)),
                "{manifest} depends on {name}, which the pure core must not"
            );
        }
    }
}

/// Every `.rs` file under `dir`, depth first.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn source_reads_no_files_and_no_clock() {
    let src = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 8, "{files:?}");
    for path in files {
        // Only the library code counts; test modules (inline, or a `tests.rs` of their
        // own) may build fixtures however they like.
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        for call in FORBIDDEN_CALLS {
            assert!(
                !code.contains(call),
                "{} uses {call}; take it as a parameter instead",
                path.display()
            );
        }
    }
}
