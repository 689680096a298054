//! `conflicts list|resolve`: field conflicts and lifecycle contradictions, and the
//! clerk's choice between their values.

use anyhow::Result;
use clap::Subcommand;
use fengqiao_store::Store;
use serde_json::json;

use crate::case::print_json;
use crate::complete::{self, Reads};

#[derive(Debug, Subcommand)]
pub enum ConflictCommand {
    /// Every field with concurrent values, with who wrote each and when.
    List,
    /// Choose one value of a conflict, or one option of a contradiction (FIELD is then its
    /// `lifecycle.…` key), numbered from 1 as `list` shows them.
    Resolve {
        case: String,
        field: String,
        #[arg(long)]
        choose: usize,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub fn run_conflicts(store: &Store, cmd: &ConflictCommand, json_out: bool) -> Result<()> {
    match cmd {
        ConflictCommand::List => {
            let conflicts = store.conflicts()?;
            let contradictions = store.contradictions()?;
            let printed = (|| -> Result<()> {
                if json_out {
                    print_json(&json!({
                        "conflicts": conflicts,
                        "contradictions": contradictions,
                    }))?;
                } else {
                    for c in &conflicts {
                        let legal = if c.legally_significant {
                            "（法定事项，须人工裁决）"
                        } else {
                            ""
                        };
                        outln!("{} {}{legal}", c.case_number, c.field);
                        for (i, v) in c.values.iter().enumerate() {
                            outln!(
                                "  [{}] {} —— {} / {}",
                                i + 1,
                                v.value,
                                v.person_name.as_deref().unwrap_or("?"),
                                v.device.as_deref().unwrap_or("?")
                            );
                        }
                    }
                    for c in &contradictions {
                        outln!("{} {}：{}", c.case_number, c.key, c.kind.zh());
                        for item in &c.items {
                            outln!(
                                "  · {} —— {} / {} / {}",
                                item.what,
                                item.person_name.as_deref().unwrap_or("?"),
                                item.device.as_deref().unwrap_or("?"),
                                item.written_at
                                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                                    .unwrap_or_default()
                            );
                        }
                        for (i, o) in c.options.iter().enumerate() {
                            outln!("  [{}] {o}", i + 1);
                        }
                    }
                    outln!(
                        "共 {} 处字段冲突，{} 处办理矛盾",
                        conflicts.len(),
                        contradictions.len()
                    );
                }
                Ok(())
            })();
            complete::after(store, Reads::Cases, printed)?;
        }
        ConflictCommand::Resolve {
            case,
            field,
            choose,
            reason,
        } => {
            // A lifecycle contradiction is resolved by its key, a field conflict by its field.
            let r = if field.starts_with("lifecycle.") {
                store.resolve_contradiction(case, field, *choose, reason)?
            } else {
                store.resolve_conflict(case, field, *choose, reason)?
            };
            if json_out {
                print_json(&r)?;
            } else {
                outln!("已裁决 {}：{}", r.field, r.chosen);
            }
        }
    }
    Ok(())
}
