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
    // At run time: a test binary reused from another checkout reads this one.
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

#[test]
fn source_reads_no_files_and_no_clock() {
    let src = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("src");
    let entries = std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{e}"));
    for entry in entries.flatten() {
        let path = entry.path();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Only the library code counts; test modules may build fixtures however they like.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in FORBIDDEN_CALLS {
            assert!(
                !code.contains(call),
                "{} uses {call}; take it as a parameter instead",
                path.display()
            );
        }
    }
}
