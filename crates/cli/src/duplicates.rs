//! `duplicates list|merge|unmerge|dismiss|merges`, `history`, `attest` and `verify`: what the
//! office does with what laptops bring back, and the audit trail.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fengqiao_store::duplicates::{Candidate, MatchKind, RegistrationMatch};
use fengqiao_store::{Store, verify_data_dir};

use crate::case::print_json;
use crate::complete::{self, Reads};

#[derive(Debug, Subcommand)]
pub enum DuplicatesCommand {
    /// Candidate duplicate pairs across laptops, best first (same matter; with --all also
    /// the same petitioner with another matter).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Merge ABSORBED into SURVIVOR (ids or case numbers); both histories are kept and the
    /// merge can be undone.
    Merge {
        survivor: String,
        absorbed: String,
        /// Why (recorded with your name and the time).
        #[arg(long)]
        reason: String,
    },
    /// Undo a merge: CASE is the absorbed case (id or number) or the merge id.
    Unmerge {
        case: String,
        #[arg(long)]
        reason: String,
    },
    /// Record that two cases are not duplicates; the pair is no longer offered.
    Dismiss {
        a: String,
        b: String,
        #[arg(long)]
        reason: String,
    },
    /// Every merge decision with its status.
    Merges,
}

fn evidence(c: &Candidate) -> String {
    c.evidence
        .iter()
        .map(|e| e.zh())
        .collect::<Vec<_>>()
        .join("，")
}

pub fn run_duplicates(store: &Store, cmd: &DuplicatesCommand, json_out: bool) -> Result<()> {
    let result = duplicates(store, cmd, json_out);
    match cmd {
        // Pairs within a damaged document cannot be found: say the list is short.
        DuplicatesCommand::List { .. } => complete::after(store, Reads::Cases, result),
        _ => result,
    }
}

fn duplicates(store: &Store, cmd: &DuplicatesCommand, json_out: bool) -> Result<()> {
    match cmd {
        DuplicatesCommand::List { all } => {
            let found: Vec<Candidate> = store
                .duplicate_candidates()?
                .into_iter()
                .filter(|c| *all || c.kind == MatchKind::SameCase)
                .collect();
            if json_out {
                return print_json(&found);
            }
            let mut out = crate::out::stdout();
            for c in &found {
                writeln!(
                    out,
                    "{} ↔ {}  {} {:.2}  {}",
                    c.a_number,
                    c.b_number,
                    c.kind.zh(),
                    c.score,
                    evidence(c)
                )?;
            }
            writeln!(out, "共 {} 对", found.len())?;
        }
        DuplicatesCommand::Merge {
            survivor,
            absorbed,
            reason,
        } => {
            let m = store.merge_cases(survivor, absorbed, reason)?;
            if json_out {
                return print_json(&m);
            }
            outln!(
                "已将 {} 并入 {}（合并记录 {}；可用 `fengqiao duplicates unmerge {}` 撤销）",
                m.absorbed_number,
                m.survivor_number,
                m.id,
                m.absorbed_number
            );
        }
        DuplicatesCommand::Unmerge { case, reason } => {
            let u = store.unmerge_case(case, reason)?;
            if json_out {
                return print_json(&u);
            }
            outln!("已拆分（合并记录 {}），两个案件恢复原状", u.merge);
        }
        DuplicatesCommand::Dismiss { a, b, reason } => {
            let d = store.dismiss_duplicate(a, b, reason)?;
            if json_out {
                return print_json(&d);
            }
            outln!("已记录 {} 与 {} 不是重复案件", d.a_number, d.b_number);
        }
        DuplicatesCommand::Merges => {
            let merges = store.merges()?;
            if json_out {
                return print_json(&merges);
            }
            for v in &merges {
                let m = &v.merge;
                outln!(
                    "{} {} 并入 {}  {}  {} {}：{}",
                    m.id,
                    m.absorbed_number,
                    m.survivor_number,
                    v.status.zh(),
                    m.decided.at.format("%Y-%m-%d %H:%M"),
                    m.decided.by_name,
                    m.decided.reason
                );
            }
            outln!("共 {} 条合并记录", merges.len());
        }
    }
    Ok(())
}

/// The warning lines `case add` prints for what a new registration matches.
pub fn registration_warnings(matches: &[RegistrationMatch]) -> Vec<String> {
    matches
        .iter()
        .map(|m| {
            format!(
                "注意：{}——{}（{}，{}，相似度 {:.2}：{}）",
                m.flag.zh(),
                m.case_number,
                m.received_on,
                m.status.zh(),
                m.candidate.score,
                evidence(&m.candidate)
            )
        })
        .collect()
}

pub fn history(store: &Store, case: &str, json_out: bool) -> Result<()> {
    let entries = store.history(case);
    let gaps = complete::gaps(store, Reads::Cases)?;
    let entries = match entries {
        Ok(entries) => entries,
        // The case may be in a damaged document: say that rather than only "not found".
        Err(e) => {
            complete::fail_on(&gaps).with_context(|| e.to_string())?;
            return Err(e.into());
        }
    };
    if json_out {
        print_json(&entries)?;
        return complete::fail_on(&gaps);
    }
    let mut out = crate::out::stdout();
    for h in &entries {
        let who = format!(
            "{} / {}",
            h.person_name.as_deref().unwrap_or("?"),
            h.device
                .as_deref()
                .or(h.device_id.as_deref())
                .unwrap_or("?")
        );
        let at =
            h.at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default();
        for e in &h.edits {
            writeln!(out, "{at}  {who}  {}", e.summary)?;
        }
    }
    complete::fail_on(&gaps)
}

pub fn attest(store: &Store, json_out: bool) -> Result<()> {
    let n = store.attest_heads()?;
    if json_out {
        print_json(&serde_json::json!({ "attested": n }))
    } else {
        outln!("已签名 {n} 个文档的当前状态");
        Ok(())
    }
}

/// Verifies the data directory from its files; fails (exit code 2) naming every document
/// with a problem.
pub fn verify(data_dir: &Path, json_out: bool) -> Result<()> {
    let report = if fengqiao_store::Keyring::exists(data_dir) {
        let key = crate::keys::unlock(data_dir)?;
        fengqiao_store::verify_sealed_data_dir(data_dir, &key)?
    } else {
        verify_data_dir(data_dir)?
    };
    if json_out {
        print_json(&report)?;
    } else {
        for d in &report.documents {
            let mark = if d.problems.is_empty() { "✓" } else { "✗" };
            outln!(
                "{mark} {}：{} 个文件，{} 个变更，{} 个签名已核验",
                d.document,
                d.files,
                d.changes,
                d.attestations_verified
            );
            for p in &d.problems {
                outln!("    {}", p.zh());
            }
        }
    }
    let bad: Vec<&str> = report
        .documents
        .iter()
        .filter(|d| !d.problems.is_empty())
        .map(|d| d.document.as_str())
        .collect();
    if !bad.is_empty() {
        bail!("校验未通过：{}", bad.join("、"));
    }
    Ok(())
}
