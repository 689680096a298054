//! `fengqiao roster feed …`: calendar subscriptions (日历订阅) that the county server
//! serves to phones — issue (and re-issue) a link, revoke it, list them.
//!
//! The office issues on its own device: the store writes the subscription (the token's
//! hash, never the token) into the roster, sync takes it to the server, and the link is
//! printed here once. Re-issuing a feed revokes the old link.
//!
//! Also here: `fengqiao roster export --format ics --out-dir`, the one-off `.ics` files.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, Utc};
use fengqiao_roster::export::ics;
use fengqiao_roster::{FeedScope, Period, RosterRules, RosterState, RowFilter, rows};
use fengqiao_store::{FeedSubscription, Store};
use serde_json::json;

use crate::roster::{leader_named, load, print_json};

/// The subscription subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FeedCommand {
    /// Issue a subscription link for a leader's phone (--leader), the office (--office) or a
    /// township (--township); re-issuing a feed revokes its old link
    Issue {
        /// The leader's name: their own feed, with a reminder the day before each reception
        #[arg(long, value_name = "NAME", required_unless_present_any = ["office", "township"], conflicts_with_all = ["office", "township"])]
        leader: Option<String>,
        /// Every published slot of the county
        #[arg(long, conflicts_with = "township")]
        office: bool,
        /// The slots of one township (its name)
        #[arg(long, value_name = "NAME")]
        township: Option<String>,
        /// Where the county's HTTPS proxy publishes the server's calendar listener, e.g.
        /// https://rili.example.gov.cn/ (default: the address of the latest link issued)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Who issues it
        #[arg(long, default_value = "信访局")]
        by: String,
        /// Also print the link as a QR code for the phone's camera
        #[arg(long)]
        qr: bool,
    },
    /// Revoke a subscription by its id (or a unique prefix): its link then answers 404
    Revoke {
        /// The subscription id, from `fengqiao roster feed list`
        id: String,
        #[arg(long, default_value = "信访局")]
        by: String,
    },
    /// Every subscription: whose feed, when issued, active or revoked (links are not kept)
    List,
}

fn scope_label(rules: Option<&RosterRules>, scope: &FeedScope) -> String {
    match (rules, scope) {
        (Some(rules), _) => scope.label(rules),
        (None, FeedScope::Leader { leader }) => format!("领导 {leader}"),
        (None, FeedScope::Office) => "全部".into(),
        (None, FeedScope::Township { township }) => township.clone(),
    }
}

fn subscription_json(rules: Option<&RosterRules>, s: &FeedSubscription) -> serde_json::Value {
    json!({
        "id": s.id,
        "scope": s.scope,
        "for": scope_label(rules, &s.scope),
        "base_url": s.base_url,
        "issued_at": s.issued_at,
        "issued_by": s.issued_by,
        "active": s.is_active(),
        "revoked_at": s.revoked_at,
        "revoked_by": s.revoked_by,
    })
}

/// Runs one subscription subcommand.
pub fn run_feed(cmd: &FeedCommand, store: &Store, json: bool) -> Result<()> {
    let this_year = fengqiao_store::now_cst().year();
    match cmd {
        FeedCommand::Issue {
            leader,
            office,
            township,
            base_url,
            by,
            qr,
        } => {
            let (rules, _) = load(store, this_year - 1..=this_year + 1)?;
            let scope = match (leader, township) {
                (Some(name), _) => FeedScope::Leader {
                    leader: leader_named(&rules, name)?,
                },
                (None, Some(name)) => {
                    let known: Vec<String> =
                        store.townships()?.into_iter().map(|u| u.name).collect();
                    if !known.iter().any(|t| t == name.trim()) {
                        bail!(
                            "县目录中没有乡镇“{name}”；可选：{} (unknown township)",
                            known.join("、")
                        );
                    }
                    FeedScope::Township {
                        township: name.trim().to_owned(),
                    }
                }
                (None, None) if *office => FeedScope::Office,
                (None, None) => bail!("请用 --leader、--office 或 --township 指定订阅谁的接访安排"),
            };
            let base_url = match base_url {
                Some(url) => url.clone(),
                None => store
                    .feed_subscriptions()?
                    .last()
                    .map(|s| s.base_url.clone())
                    .context(
                        "首次签发请用 --base-url 指定日历服务的对外地址（县 HTTPS 代理上的地址） (no base URL yet)",
                    )?,
            };
            let issued = store
                .issue_feed(scope, &base_url, by)
                .context("签发日历订阅")?;
            let label = scope_label(Some(&rules), &issued.subscription.scope);
            if json {
                return print_json(&json!({
                    "subscription": subscription_json(Some(&rules), &issued.subscription),
                    "url": issued.url,
                    "webcal": issued.webcal,
                    "revoked": issued.revoked,
                }));
            }
            outln!(
                "已签发 {label} 的日历订阅（编号 {}）",
                issued.subscription.id
            );
            outln!("订阅链接（只显示这一次，请立即发给本人）：");
            outln!("{}", issued.webcal);
            outln!("不支持 webcal:// 的日历应用请用：{}", issued.url);
            if !issued.revoked.is_empty() {
                outln!("原有 {} 个链接已撤销", issued.revoked.len());
            }
            outln!("同步到县服务器后生效。");
            if issued.url.starts_with("http://") {
                outln!(
                    "注意：此链接用 http://，其中的密钥在网络上明文传输；正式使用请经县里的 HTTPS 代理签发 (plain HTTP link)"
                );
            }
            if *qr {
                let code = qrcode::QrCode::new(issued.webcal.as_bytes())
                    .context("链接过长，无法生成二维码")?;
                outln!(
                    "{}",
                    code.render::<qrcode::render::unicode::Dense1x2>()
                        .quiet_zone(true)
                        .build()
                );
            }
            Ok(())
        }
        FeedCommand::Revoke { id, by } => {
            let revoked = store.revoke_feed(id, by).context("撤销日历订阅")?;
            let rules = store.load_roster(this_year - 1..=this_year + 1)?.rules;
            if json {
                return print_json(&subscription_json(rules.as_ref(), &revoked));
            }
            outln!(
                "已撤销 {} 的日历订阅（编号 {}）；同步到县服务器后，该链接返回 404",
                scope_label(rules.as_ref(), &revoked.scope),
                revoked.id
            );
            Ok(())
        }
        FeedCommand::List => {
            let subscriptions = store.feed_subscriptions()?;
            let rules = store.load_roster(this_year - 1..=this_year + 1)?.rules;
            if json {
                let all: Vec<_> = subscriptions
                    .iter()
                    .map(|s| subscription_json(rules.as_ref(), s))
                    .collect();
                return print_json(&all);
            }
            if subscriptions.is_empty() {
                outln!("尚未签发日历订阅");
            }
            for s in &subscriptions {
                let state = match s.revoked_at {
                    Some(at) => format!("已撤销 {}", at.format("%Y-%m-%d %H:%M")),
                    None => "有效".into(),
                };
                outln!(
                    "{} {} 签发于 {}（{}） {} [{state}]",
                    s.id,
                    scope_label(rules.as_ref(), &s.scope),
                    s.issued_at.format("%Y-%m-%d %H:%M"),
                    s.issued_by,
                    s.base_url
                );
            }
            Ok(())
        }
    }
}

/// The office feed and one feed per leader with slots in the period.
pub(crate) fn export_feeds(
    rules: &RosterRules,
    state: &RosterState,
    period: Period,
    published_only: bool,
    dir: &Path,
    stamp: chrono::DateTime<Utc>,
    json: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("创建目录 {}", dir.display()))?;
    let mut files = Vec::new();
    let all = rows(
        rules,
        state,
        RowFilter {
            period: Some(period),
            leader: None,
            published_only,
        },
    );
    let office = dir.join("office.ics");
    std::fs::write(
        &office,
        ics::to_ics(&all, &format!("{}领导接访安排", rules.name), stamp),
    )
    .with_context(|| format!("写入 {}", office.display()))?;
    files.push(office);
    for leader in &rules.leaders {
        let own = rows(
            rules,
            state,
            RowFilter {
                period: Some(period),
                leader: Some(leader.id),
                published_only,
            },
        );
        if own.is_empty() {
            continue;
        }
        let path = dir.join(format!("{}.ics", leader.name));
        std::fs::write(
            &path,
            ics::to_ics(
                &own,
                &format!("{}接访安排（{}）", rules.name, leader.name),
                stamp,
            ),
        )
        .with_context(|| format!("写入 {}", path.display()))?;
        files.push(path);
    }
    if json {
        return print_json(&json!({ "files": files }));
    }
    outln!("已导出 {} 个日历文件到 {}", files.len(), dir.display());
    Ok(())
}
