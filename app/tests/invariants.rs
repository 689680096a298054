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
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
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
    files.extend(["state.rs", "widgets.rs", "app.rs"].map(|f| src.join(f)));
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
