//! 日历订阅 on the store thread: list, issue and revoke calendar subscriptions through the
//! store, and answer with the [`FeedsView`]. The link of a new subscription is in that
//! answer and nowhere else: the store keeps only its token's hash.

use anyhow::Result;
use chrono::Datelike;
use fengqiao_roster::{FeedScope, RosterRules};
use fengqiao_store::{FeedSubscription, Store, now_cst};

use super::{Notice, Update};
use crate::i18n::Key;
use crate::vm::feeds::{FeedRow, FeedsView, IssuedLink};

/// What the 订阅 tab asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCommand {
    /// The subscriptions as they stand.
    Load,
    /// Issue a link for `scope` (revoking the scope's old link) under `base_url`.
    Issue { scope: FeedScope, base_url: String },
    /// Revoke one subscription.
    Revoke { id: uuid::Uuid },
}

/// Who changes subscriptions from the app.
const BY: &str = "信访局";

fn label(rules: Option<&RosterRules>, scope: &FeedScope) -> String {
    match (rules, scope) {
        (Some(rules), _) => scope.label(rules),
        (None, FeedScope::Office) => "全部".into(),
        (None, FeedScope::Township { township }) => township.clone(),
        (None, FeedScope::Leader { leader }) => leader.to_string(),
    }
}

fn view(store: &Store, issued: Option<IssuedLink>) -> Result<FeedsView> {
    let year = now_cst().year();
    let rules = store.load_roster(year - 1..=year + 1)?.rules;
    let subscriptions = store.feed_subscriptions()?;
    let row = |s: &FeedSubscription| FeedRow {
        id: s.id,
        label: label(rules.as_ref(), &s.scope),
        issued_at: s.issued_at.format("%Y-%m-%d %H:%M").to_string(),
        issued_by: s.issued_by.clone(),
        revoked_at: s.revoked_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
    };
    Ok(FeedsView {
        loaded: true,
        rows: subscriptions.iter().map(row).collect(),
        base_url: subscriptions
            .last()
            .map(|s| s.base_url.clone())
            .unwrap_or_default(),
        issued,
    })
}

/// Carries out `command`; the updates to send, in order.
pub fn handle(store: &Store, command: FeedCommand) -> Vec<Update> {
    let result = (|| -> Result<(Option<Notice>, FeedsView)> {
        match command {
            FeedCommand::Load => Ok((None, view(store, None)?)),
            FeedCommand::Issue { scope, base_url } => {
                let issued = store.issue_feed(scope, &base_url, BY)?;
                let year = now_cst().year();
                let rules = store.load_roster(year - 1..=year + 1)?.rules;
                let link = IssuedLink {
                    label: label(rules.as_ref(), &issued.subscription.scope),
                    webcal: issued.webcal,
                    url: issued.url,
                };
                let notice = Notice {
                    what: Key::NoticeFeedIssued,
                    detail: link.label.clone(),
                };
                Ok((Some(notice), view(store, Some(link))?))
            }
            FeedCommand::Revoke { id } => {
                let revoked = store.revoke_feed(&id.to_string(), BY)?;
                let notice = Notice {
                    what: Key::NoticeFeedRevoked,
                    detail: revoked.id.to_string(),
                };
                Ok((Some(notice), view(store, None)?))
            }
        }
    })();
    match result {
        Ok((notice, view)) => notice
            .map(Update::Done)
            .into_iter()
            .chain([Update::Feeds(std::sync::Arc::new(view))])
            .collect(),
        Err(e) => vec![Update::Failed {
            action: Key::ActionFeeds,
            reason: format!("{e:#}"),
        }],
    }
}
