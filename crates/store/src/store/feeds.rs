//! Calendar subscriptions (日历订阅): who may fetch which roster feed from the county
//! server, as records the office writes and the server reads.
//!
//! A subscription is one record in the `publications` collection of `roster/<year>` (the
//! year it was issued; the collection is in every roster document's genesis), with
//! `kind = "calendar-feed"`, the feed's [`FeedScope`], the SHA-256 of its token, the base
//! URL the link was made from, and when and by whom it was issued and revoked. The office
//! writes it on its laptop; sync brings it to the server like any roster record, and a
//! revocation the same way.
//!
//! Invariants:
//! - The token is shown once, when issued, and stored nowhere: only its hash
//!   ([`hash_feed_token`]). The hash of 256 random bits tells a reader of the roster
//!   document nothing they could fetch a feed with.
//! - Re-issuing a scope's feed revokes every other active subscription of that scope.
//! - A token is looked up in constant time over every subscription ([`find_feed`]): an
//!   unknown token costs what a revoked or an active one does, and no comparison stops
//!   at the first differing byte.

use chrono::{DateTime, Datelike, FixedOffset};
use fengqiao_model::Role;
use fengqiao_roster::FeedScope;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::Store;
use crate::docs::DocName;
use crate::error::StoreError;
use crate::record::{known_form, map_at, to_json, update_record};
use crate::time::now_cst;

/// The roster collection that holds subscriptions.
pub const PUBLICATIONS: &str = "publications";
/// The `kind` of a calendar subscription record.
pub const CALENDAR_FEED: &str = "calendar-feed";
/// Random bytes in a token (hex in the link: 64 characters).
pub const FEED_TOKEN_BYTES: usize = 32;

/// One calendar subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedSubscription {
    pub id: Uuid,
    /// Always [`CALENDAR_FEED`]; other publications may share the collection.
    pub kind: String,
    pub scope: FeedScope,
    /// Hex SHA-256 of the token ([`hash_feed_token`]).
    pub token_sha256: String,
    /// What the link starts with, e.g. `https://rili.example.gov.cn/`.
    pub base_url: String,
    pub issued_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub issued_by: String,
    #[serde(default)]
    pub revoked_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub revoked_by: String,
}

impl FeedSubscription {
    /// Whether the subscription still serves its feed.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    fn doc(&self) -> DocName {
        DocName::Roster {
            year: self.issued_at.year(),
        }
    }
}

/// A subscription just issued, with the only copy of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFeed {
    pub subscription: FeedSubscription,
    pub token: String,
    /// `https://…/<token>.ics` (or `http://`).
    pub url: String,
    /// The same as `webcal://…`, which phones open as a subscription.
    pub webcal: String,
    /// Subscriptions of the same scope this one replaced.
    pub revoked: Vec<Uuid>,
}

/// A new token: 32 random bytes, hex.
pub fn new_feed_token() -> String {
    let mut bytes = [0u8; FEED_TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex SHA-256 that is stored for a token.
pub fn hash_feed_token(token: &str) -> String {
    let digest = Sha256::digest(format!("fengqiao-calendar-feed:{token}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` has the form of a token (64 lower-case hex digits).
pub fn is_feed_token(text: &str) -> bool {
    text.len() == FEED_TOKEN_BYTES * 2
        && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `base_url` checked and ending in `/`: http(s), a host, no query, fragment or spaces.
pub fn normalise_base_url(base_url: &str) -> Result<String, StoreError> {
    let text = base_url.trim();
    let bad = |why: &str| StoreError::BadValue {
        field: "订阅地址".into(),
        value: text.chars().take(200).collect(),
        why: why.into(),
    };
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| {
            bad("应以 https:// 或 http:// 开头（日历服务器经县里的 HTTPS 代理对外的地址）")
        })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("缺少服务器地址"));
    }
    if text.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') {
        return Err(bad("不能含空格、? 或 #"));
    }
    Ok(if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    })
}

/// The link a token's feed is fetched at.
pub fn feed_url(base_url: &str, token: &str) -> String {
    format!("{base_url}{token}.ics")
}

/// The same link as `webcal://`, which phones open as a calendar subscription.
pub fn webcal_url(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// What a token finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedLookup<'a> {
    Active(&'a FeedSubscription),
    Revoked(&'a FeedSubscription),
    Unknown,
}

/// The subscription whose hash is `token`'s, comparing with every subscription in constant
/// time.
pub fn find_feed<'a>(subscriptions: &'a [FeedSubscription], token: &str) -> FeedLookup<'a> {
    find_with(subscriptions, token, |a, b| bool::from(a.ct_eq(b)))
}

/// [`find_feed`] with the comparison given, so a test can count that every subscription is
/// compared whatever the token.
fn find_with<'a>(
    subscriptions: &'a [FeedSubscription],
    token: &str,
    mut equal: impl FnMut(&[u8], &[u8]) -> bool,
) -> FeedLookup<'a> {
    let hash = hash_feed_token(token);
    let mut found = None;
    for subscription in subscriptions {
        // No early exit: the loop's work does not depend on where (or whether) it matches.
        let same = equal(hash.as_bytes(), subscription.token_sha256.as_bytes());
        if same && found.is_none() {
            found = Some(subscription);
        }
    }
    match found {
        Some(s) if s.is_active() => FeedLookup::Active(s),
        Some(s) => FeedLookup::Revoked(s),
        None => FeedLookup::Unknown,
    }
}

impl Store {
    /// Every calendar subscription in the roster documents this device holds, oldest first.
    pub fn feed_subscriptions(&self) -> Result<Vec<FeedSubscription>, StoreError> {
        let mut out: Vec<FeedSubscription> = Vec::new();
        for name in self.catalogue()? {
            if !matches!(name, DocName::Roster { .. }) {
                continue;
            }
            for (key, value) in self.collection_records(&name, PUBLICATIONS)? {
                if value.get("kind").and_then(|k| k.as_str()) != Some(CALENDAR_FEED) {
                    continue;
                }
                match serde_json::from_value::<FeedSubscription>(value) {
                    Ok(s) => out.push(s),
                    Err(e) => {
                        tracing::warn!(doc = %name, %key, error = %e, "skipping a damaged calendar subscription")
                    }
                }
            }
        }
        out.sort_by_key(|s| (s.issued_at, s.id));
        Ok(out)
    }

    /// Issues a feed for `scope` with a new token and revokes the scope's other active
    /// subscriptions. Office devices only. The token is in the answer and nowhere else.
    pub fn issue_feed(
        &self,
        scope: FeedScope,
        base_url: &str,
        by: &str,
    ) -> Result<IssuedFeed, StoreError> {
        self.require_role(Role::publishes_roster, "签发日历订阅")?;
        let base_url = normalise_base_url(base_url)?;
        let token = new_feed_token();
        let subscription = FeedSubscription {
            id: Uuid::now_v7(),
            kind: CALENDAR_FEED.into(),
            scope,
            token_sha256: hash_feed_token(&token),
            base_url: base_url.clone(),
            issued_at: now_cst(),
            issued_by: by.to_owned(),
            revoked_at: None,
            revoked_by: String::new(),
        };
        // The new one first: a crash between the writes leaves two valid links, not none.
        self.put_subscription(&subscription)?;
        let mut revoked = Vec::new();
        for old in self.feed_subscriptions()? {
            if old.is_active() && old.scope == subscription.scope && old.id != subscription.id {
                self.revoke_feed(&old.id.to_string(), by)?;
                revoked.push(old.id);
            }
        }
        let url = feed_url(&base_url, &token);
        tracing::info!(subscription = %subscription.id, "calendar subscription issued");
        Ok(IssuedFeed {
            webcal: webcal_url(&url),
            url,
            token,
            subscription,
            revoked,
        })
    }

    /// Revokes a subscription (by its id or a unique prefix of it): its link answers 404
    /// once the server has the revocation. Office devices only.
    pub fn revoke_feed(&self, id: &str, by: &str) -> Result<FeedSubscription, StoreError> {
        self.require_role(Role::publishes_roster, "撤销日历订阅")?;
        let wanted = id.trim().to_ascii_lowercase();
        let all = self.feed_subscriptions()?;
        let matches: Vec<&FeedSubscription> = all
            .iter()
            .filter(|s| !wanted.is_empty() && s.id.to_string().starts_with(&wanted))
            .collect();
        let mut subscription = match matches.as_slice() {
            [one] => (*one).clone(),
            [] => return Err(StoreError::NoSuchFeed(id.to_owned())),
            _ => {
                return Err(StoreError::BadValue {
                    field: "订阅编号".into(),
                    value: id.to_owned(),
                    why: format!("对应 {} 个订阅，请写长一些", matches.len()),
                });
            }
        };
        if subscription.is_active() {
            subscription.revoked_at = Some(now_cst());
            subscription.revoked_by = by.to_owned();
            self.put_subscription(&subscription)?;
            tracing::info!(subscription = %subscription.id, "calendar subscription revoked");
        }
        Ok(subscription)
    }

    fn put_subscription(&self, subscription: &FeedSubscription) -> Result<(), StoreError> {
        let key = subscription.id.to_string();
        let value = to_json(subscription)?;
        self.write(&subscription.doc(), move |tx| {
            let map = map_at(tx, PUBLICATIONS)?;
            update_record(tx, &map, &key, &value, known_form::<FeedSubscription>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(token: &str, revoked: bool) -> FeedSubscription {
        FeedSubscription {
            id: Uuid::now_v7(),
            kind: CALENDAR_FEED.into(),
            scope: FeedScope::Office,
            token_sha256: hash_feed_token(token),
            base_url: "https://rili.example.gov.cn/".into(),
            issued_at: now_cst(),
            issued_by: "王主任".into(),
            revoked_at: revoked.then(now_cst),
            revoked_by: String::new(),
        }
    }

    #[test]
    fn every_subscription_is_compared_whatever_the_token() {
        let tokens: Vec<String> = (0..20).map(|_| new_feed_token()).collect();
        let subs: Vec<FeedSubscription> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| subscription(t, i == 19))
            .collect();
        // A near miss: the first token with its last digit changed.
        let mut near = tokens[0].clone();
        let last = if near.ends_with('0') { "1" } else { "0" };
        near.replace_range(63.., last);
        for (token, expected) in [
            (tokens[0].as_str(), FeedLookup::Active(&subs[0])),
            (tokens[10].as_str(), FeedLookup::Active(&subs[10])),
            (tokens[19].as_str(), FeedLookup::Revoked(&subs[19])),
            (near.as_str(), FeedLookup::Unknown),
            ("not-a-token", FeedLookup::Unknown),
        ] {
            let mut compared = 0;
            let found = find_with(&subs, token, |a, b| {
                compared += 1;
                bool::from(a.ct_eq(b))
            });
            assert_eq!(found, expected);
            assert_eq!(
                compared,
                subs.len(),
                "every subscription compared for {token}"
            );
        }
        assert_eq!(find_feed(&subs, &tokens[3]), FeedLookup::Active(&subs[3]));
    }

    #[test]
    fn tokens_are_random_hex_and_only_their_hash_is_kept() {
        let (a, b) = (new_feed_token(), new_feed_token());
        assert!(is_feed_token(&a) && is_feed_token(&b));
        assert_ne!(a, b);
        assert_ne!(hash_feed_token(&a), a);
        assert_eq!(hash_feed_token(&a), hash_feed_token(&a));
        assert!(!is_feed_token("not-a-token") && !is_feed_token(&a[..63]));
    }

    #[test]
    fn base_urls_are_checked_and_links_made_from_them() {
        for (typed, expected) in [
            (
                "https://rili.example.gov.cn",
                Some("https://rili.example.gov.cn/"),
            ),
            (
                " http://10.0.0.5:8080/feeds/ ",
                Some("http://10.0.0.5:8080/feeds/"),
            ),
            ("rili.example.gov.cn", None),
            ("ftp://rili.example.gov.cn/", None),
            ("https://", None),
            ("https://rili.example.gov.cn/?a=1", None),
            ("https://rili example.gov.cn/", None),
        ] {
            assert_eq!(
                normalise_base_url(typed).ok().as_deref(),
                expected,
                "{typed:?}"
            );
        }
        let url = feed_url("https://rili.example.gov.cn/", "ab12");
        assert_eq!(url, "https://rili.example.gov.cn/ab12.ics");
        assert_eq!(webcal_url(&url), "webcal://rili.example.gov.cn/ab12.ics");
    }
}
