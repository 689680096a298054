//! The documents the code cites live in the repository and say what is cited.
//!
//! Every `.rs`, `.md` and `.toml` file of the workspace is read; each citation of the form
//! `RULES.md §n` or `DESIGN.md §n` (also `§1–§3`, `§1 and §6`, `§1, §6`, a citation broken
//! across a comment line) must name a section that `docs/RULES.md` or `docs/DESIGN.md` has a
//! heading for, and no file may point into the shared folder beside the checkout, which a
//! fresh clone does not have. A failure names the file and the line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The cited documents: the name a citation uses, and where the document lives.
const DOCUMENTS: &[(&str, &str)] = &[
    ("RULES.md", "docs/RULES.md"),
    ("DESIGN.md", "docs/DESIGN.md"),
];

/// Paths that lead out of the repository (spelled in pieces so this file does not match).
const OUTSIDE: &[&str] = &[concat!("..", "/shared/"), concat!("/work", "/shared")];

/// The file kinds that carry citations: source, documents, data files.
const EXTENSIONS: &[&str] = &["rs", "md", "toml"];

/// Directories that hold no sources of ours.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// One citation found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Citation {
    /// The document's name as cited, e.g. `RULES.md`.
    document: &'static str,
    section: u32,
    line: usize,
}

/// The workspace root: the nearest ancestor of the crate whose `Cargo.toml` declares the
/// workspace. Read at run time, because a test binary may be reused by another checkout.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|e| {
        panic!("CARGO_MANIFEST_DIR is not set ({e}): run this with cargo test")
    });
    let start = PathBuf::from(manifest_dir);
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace Cargo.toml above {}", start.display()))
        .to_path_buf()
}

/// Every file of ours with one of [`EXTENSIONS`], skipping build output, npm packages and
/// hidden directories (`.git`).
fn workspace_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if kind.is_dir() {
                if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                    dirs.push(path);
                }
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext == *e))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Skips spaces, and at most one line break together with the comment leader that starts
/// the next line (`//!`, `///`, `//`, `#`, `*`), so a citation wrapped in a comment is read
/// whole.
fn skip_gap(s: &str) -> &str {
    let s = s.trim_start_matches([' ', '\t']);
    let Some(next) = s.strip_prefix("\r\n").or_else(|| s.strip_prefix('\n')) else {
        return s;
    };
    let next = next.trim_start_matches([' ', '\t']);
    let next = ["//!", "///", "//", "#", "*"]
        .iter()
        .find_map(|leader| next.strip_prefix(leader))
        .unwrap_or(next);
    next.trim_start_matches([' ', '\t'])
}

/// A leading decimal number and the rest.
fn number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..end].parse().ok()?;
    Some((n, &s[end..]))
}

/// Skips a sub-section number (`.2` in `§1.2`): the citation is of section 1.
fn skip_subsection(s: &str) -> &str {
    match s.strip_prefix('.') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            rest.trim_start_matches(|c: char| c.is_ascii_digit())
        }
        _ => s,
    }
}

/// The sections cited at the start of `s`: `§3`, `§1–§3` (every section of the range),
/// `§1–3`, and lists joined by `,`, `、`, `and`, `和` or `or`.
fn cited_sections(mut s: &str) -> Vec<u32> {
    let mut sections = Vec::new();
    while let Some((first, rest)) = s.strip_prefix('§').and_then(number) {
        let mut rest = skip_subsection(rest);
        let mut last = first;
        let dash = rest
            .trim_start_matches(' ')
            .strip_prefix(['–', '—', '-', '~']);
        if let Some(after) = dash {
            let after = after.trim_start_matches(' ');
            let after = after.strip_prefix('§').unwrap_or(after);
            if let Some((end, tail)) = number(after) {
                last = end;
                rest = skip_subsection(tail);
            }
        }
        if last >= first {
            sections.extend(first..=last);
        } else {
            sections.extend([first, last]);
        }
        let gap = skip_gap(rest);
        let joined = [",", "、", "and", "和", "or"]
            .iter()
            .find_map(|sep| gap.strip_prefix(sep))
            .map(skip_gap);
        match joined {
            Some(next) if next.starts_with('§') => s = next,
            _ => break,
        }
    }
    sections
}

/// Every `RULES.md §n` / `DESIGN.md §n` citation in `text`, with its line.
fn citations(text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    for (document, _) in DOCUMENTS {
        for (at, _) in text.match_indices(document) {
            // `XRULES.md` is another file.
            let glued = text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if glued {
                continue;
            }
            let line = 1 + text[..at].matches('\n').count();
            let after = skip_gap(&text[at + document.len()..]);
            for section in cited_sections(after) {
                found.push(Citation {
                    document,
                    section,
                    line,
                });
            }
        }
    }
    found
}

/// The section numbers a document has headings for: `## §3 …` gives 3.
fn heading_sections(text: &str) -> BTreeSet<u32> {
    text.lines()
        .filter(|line| line.trim_start().starts_with('#'))
        .flat_map(|line| {
            line.match_indices('§')
                .filter_map(|(at, _)| number(&line[at + '§'.len_utf8()..]))
                .filter(|(_, rest)| skip_subsection(rest) == *rest)
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What is wrong in one file: citations of missing sections and paths out of the repository.
fn problems_in(
    file: &str,
    text: &str,
    headings: &[(&'static str, &str, BTreeSet<u32>)],
) -> Vec<String> {
    let mut problems = Vec::new();
    for citation in citations(text) {
        let Some((_, path, sections)) = headings.iter().find(|(d, _, _)| *d == citation.document)
        else {
            continue;
        };
        if !sections.contains(&citation.section) {
            problems.push(format!(
                "{file}:{}: cites {} §{}, but {path} has no heading for §{}",
                citation.line, citation.document, citation.section, citation.section
            ));
        }
    }
    for (n, line) in text.lines().enumerate() {
        for outside in OUTSIDE {
            if line.contains(outside) {
                problems.push(format!(
                    "{file}:{}: points outside the repository (“{outside}”): cite docs/ instead",
                    n + 1
                ));
            }
        }
    }
    problems
}

#[test]
fn every_cited_section_has_a_heading_and_nothing_points_outside_the_repository() {
    let root = workspace_root();
    let headings: Vec<(&'static str, &str, BTreeSet<u32>)> = DOCUMENTS
        .iter()
        .map(|(document, path)| {
            let text = std::fs::read_to_string(root.join(path))
                .unwrap_or_else(|e| panic!("{path}: {e} (the cited document must be in docs/)"));
            let sections = heading_sections(&text);
            assert!(!sections.is_empty(), "{path} has no “## §n” headings");
            (*document, *path, sections)
        })
        .collect();

    let files = workspace_files(&root);
    let mut cited = 0;
    let mut problems = Vec::new();
    for path in &files {
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{shown}: {e}"));
        cited += citations(&text).len();
        problems.extend(problems_in(&shown, &text, &headings));
    }
    // The walk must have seen the crates, or an empty pass would prove nothing.
    assert!(
        files
            .iter()
            .any(|p| p.ends_with("crates/rules/src/clock.rs")),
        "the walk from {} did not reach crates/rules/src/clock.rs",
        root.display()
    );
    let checked = files.len();
    assert!(cited > 0, "no citations found in {checked} files");
    assert!(
        problems.is_empty(),
        "{} problem(s) in {checked} files:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The checker itself, on text made up for it: it must find what the real pass relies on.
#[test]
fn the_checker_finds_missing_sections_and_outside_paths() {
    let rules = concat!("RULES", ".md");
    let design = concat!("DESIGN", ".md");
    let doc = "# Title\n\n## §1 Clocks\n\n### 1.1 sub\n\n## §2 Lifecycle\n\n## §3 Routes\n## §6 Holidays\n";
    let sections = heading_sections(doc);
    assert_eq!(sections, BTreeSet::from([1, 2, 3, 6]));
    let headings = [
        ("RULES.md", "docs/RULES.md", sections),
        ("DESIGN.md", "docs/DESIGN.md", BTreeSet::from([4])),
    ];

    let text = format!(
        "//! clocks ({rules} §1–§3, §6) and {rules} §2's table\n\
         /// wrapped: the lifecycle of {rules}\n\
         /// §2 and {rules} §1.2\n\
         fn f() {{}} // {rules} §4 and §9; {design} §4, {design} §5\n\
         # XRULES.md §7 is another file\n\
         see `{}docs/x.md`\n",
        OUTSIDE[0]
    );
    let found: Vec<(u32, usize)> = citations(&text)
        .iter()
        .filter(|c| c.document == "RULES.md")
        .map(|c| (c.section, c.line))
        .collect();
    assert_eq!(
        found,
        [
            (1, 1),
            (2, 1),
            (3, 1),
            (6, 1),
            (2, 1),
            (2, 2),
            (1, 3),
            (4, 4),
            (9, 4)
        ]
    );

    let problems = problems_in("x.rs", &text, &headings);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let expected = [
        format!("x.rs:4: cites {rules} §4,"),
        format!("x.rs:4: cites {rules} §9,"),
        format!("x.rs:4: cites {design} §5,"),
        "x.rs:6: points outside".to_owned(),
    ];
    for (problem, expected) in problems.iter().zip(&expected) {
        assert!(problem.starts_with(expected.as_str()), "{problem}");
    }
}
