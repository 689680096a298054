//! Calendar subscriptions (日历订阅): the roster feeds phones subscribe to, served on their
//! own listener (`[feeds]`), behind the county's TLS reverse proxy like the intake form.
//!
//! `GET /<token>.ics` answers the feed of the subscription whose token hash matches
//! (`fengqiao_store::find_feed`, constant time over every subscription): the leader's own,
//! the office's or a township's, built by `fengqiao_roster::feed` from the replicated
//! roster as of today (Beijing time). An unknown or revoked token gets the same bare 404;
//! a revoked one is logged by its subscription id. Tokens are never logged.
//!
//! Phones poll, so answers carry validators: the `ETag` is a hash of the body, which is
//! the same bytes for the same roster (after a restart too); `Last-Modified` is when this
//! server first served that body, kept per subscription in `server/feed-validators.json`
//! so it never goes back even when office clocks do. `If-None-Match` (or, without it,
//! `If-Modified-Since`) that still holds gets `304 Not Modified`. Bodies are cached per
//! subscription until a roster document changes or the day turns.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Utc};
use fengqiao_store::{DocName, FeedLookup, Store, find_feed, is_feed_token, now_cst};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::FeedsSection;
use crate::metrics::ServerCounters;

/// The running listener.
pub struct FeedsWeb {
    pub addr: SocketAddr,
    serving: crate::http::HttpTask,
}

/// What a feed answer needs besides its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Validator {
    etag: String,
    /// When this server first served the body with that ETag (whole seconds).
    since: DateTime<Utc>,
}

/// A body built for one subscription, and what it was built from.
struct Cached {
    /// The heads of the roster documents it read, and the day it was built for.
    key: (Vec<Option<Vec<String>>>, NaiveDate),
    body: Arc<String>,
    etag: String,
}

struct Web {
    store: Arc<Store>,
    counters: Arc<ServerCounters>,
    validators_path: PathBuf,
    validators: Mutex<HashMap<Uuid, Validator>>,
    cache: Mutex<HashMap<Uuid, Cached>>,
}

/// What a token got.
enum Answer {
    Feed {
        body: Arc<String>,
        etag: String,
        last_modified: DateTime<Utc>,
    },
    NotFound,
    /// The roster's rules have not reached the server yet.
    NoRules,
}

/// Where the validators are kept.
pub fn validators_path(data_dir: &Path) -> PathBuf {
    crate::ops::server_dir(data_dir).join("feed-validators.json")
}

impl FeedsWeb {
    /// Binds `section.listen` and serves feeds until [`FeedsWeb::shutdown`].
    pub async fn start(
        store: Arc<Store>,
        data_dir: &Path,
        section: &FeedsSection,
        counters: Arc<ServerCounters>,
    ) -> Result<FeedsWeb> {
        let validators_path = validators_path(data_dir);
        let validators = match std::fs::read(&validators_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %validators_path.display(), error = %e, "calendar feed validators unreadable; starting afresh");
                HashMap::new()
            }),
            Err(_) => HashMap::new(),
        };
        let web = Arc::new(Web {
            store,
            counters,
            validators_path,
            validators: Mutex::new(validators),
            cache: Mutex::new(HashMap::new()),
        });
        let router = axum::Router::new()
            .route("/{file}", axum::routing::get(feed))
            .fallback(|| async { not_found() })
            .with_state(web);
        let listener = tokio::net::TcpListener::bind(section.listen)
            .await
            .with_context(|| format!("binding {}", section.listen))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            tracing::info!(%addr, "calendar feeds listen beyond localhost");
        }
        let serving = crate::http::HttpTask::spawn(listener, router, "calendar feeds");
        tracing::info!(%addr, "calendar feeds up");
        Ok(FeedsWeb { addr, serving })
    }

    pub async fn shutdown(self) {
        self.serving.stop().await;
    }
}

/// The same bare answer for an unknown and a revoked link: it says nothing about which.
fn not_found() -> Response {
    let mut response = (StatusCode::NOT_FOUND, "没有这个日历订阅\n").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client's copy (its `If-None-Match`, else its `If-Modified-Since`) is the
/// current one (RFC 9110 §13.1.2, §13.1.3; weak comparison for `If-None-Match`).
fn still_current(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let Ok(tags) = tags.to_str() else {
            return false;
        };
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified <= since.to_utc())
}

async fn feed(
    State(web): State<Arc<Web>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| is_feed_token(t)) else {
        ServerCounters::add(&web.counters.feeds_unknown, 1);
        return not_found();
    };
    let token = token.to_owned();
    let answer = {
        let web = web.clone();
        tokio::task::spawn_blocking(move || answer(&web, &token)).await
    };
    let (body, etag, last_modified) = match answer {
        Ok(Ok(Answer::Feed {
            body,
            etag,
            last_modified,
        })) => (body, etag, last_modified),
        Ok(Ok(Answer::NotFound)) => return not_found(),
        Ok(Ok(Answer::NoRules)) => {
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                "排班规则尚未同步到服务器，请稍后再试\n",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
            return response;
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "calendar feed: cannot read the roster");
            return (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取接访安排\n").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "calendar feed: task failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取接访安排\n").into_response();
        }
    };
    let fresh = still_current(&headers, &etag, last_modified);
    let mut response = if fresh {
        ServerCounters::add(&web.counters.feeds_not_modified, 1);
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ServerCounters::add(&web.counters.feeds_served, 1);
        (StatusCode::OK, body.as_str().to_owned()).into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_TYPE,
            "text/calendar; charset=utf-8".to_owned(),
        ),
        (header::ETAG, etag),
        (header::LAST_MODIFIED, http_date(last_modified)),
        // Private to its holder: no shared cache keeps it; phones ask again each time.
        (header::CACHE_CONTROL, "private, no-cache".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::REFERRER_POLICY, "no-referrer".to_owned()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// Looks the token up and builds (or reuses) its feed; runs on a blocking thread.
fn answer(web: &Web, token: &str) -> Result<Answer> {
    let subscriptions = web.store.feed_subscriptions()?;
    let subscription = match find_feed(&subscriptions, token) {
        FeedLookup::Active(s) => s,
        FeedLookup::Revoked(s) => {
            ServerCounters::add(&web.counters.feeds_revoked, 1);
            tracing::info!(subscription = %s.id, "calendar feed: a revoked link was fetched");
            return Ok(Answer::NotFound);
        }
        FeedLookup::Unknown => {
            ServerCounters::add(&web.counters.feeds_unknown, 1);
            return Ok(Answer::NotFound);
        }
    };
    let today = now_cst().date_naive();
    // A year back (the feed's history) and the next year (swaps reach into it).
    let years: Vec<i32> = (today.year() - 1..=today.year() + 1).collect();
    let heads = years
        .iter()
        .map(|&year| web.store.document_heads(&DocName::Roster { year }))
        .collect::<Result<Vec<_>, _>>()?;
    let key = (heads, today);
    let cached = web
        .cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&subscription.id)
        .filter(|c| c.key == key)
        .map(|c| (c.body.clone(), c.etag.clone()));
    let (body, etag) = match cached {
        Some(hit) => hit,
        None => {
            let roster = web.store.load_roster(years.iter().copied())?;
            for e in &roster.unreadable {
                tracing::warn!(error = %e, "calendar feed: a roster record could not be read");
            }
            let Some(rules) = roster.rules else {
                return Ok(Answer::NoRules);
            };
            let body = Arc::new(fengqiao_roster::feed_text(
                &rules,
                &roster.state,
                &subscription.scope,
                today,
            ));
            let digest = Sha256::digest(body.as_bytes());
            let etag = format!("\"{}\"", data_encoding::HEXLOWER.encode(&digest[..16]));
            web.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(
                subscription.id,
                Cached {
                    key,
                    body: body.clone(),
                    etag: etag.clone(),
                },
            );
            (body, etag)
        }
    };
    let last_modified = web.last_modified(subscription.id, &etag);
    Ok(Answer::Feed {
        body,
        etag,
        last_modified,
    })
}

impl Web {
    /// When this body was first served: kept while the ETag stays, renewed (and written
    /// down) when it changes.
    fn last_modified(&self, id: Uuid, etag: &str) -> DateTime<Utc> {
        let mut validators = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = validators.get(&id).filter(|v| v.etag == etag) {
            return v.since;
        }
        let now = Utc::now().trunc_subsecs(0);
        // Never earlier than what a client was told before, whatever the clock did.
        let since = validators
            .get(&id)
            .map_or(now, |v| now.max(v.since + chrono::Duration::seconds(1)));
        validators.insert(
            id,
            Validator {
                etag: etag.to_owned(),
                since,
            },
        );
        if let Err(e) = write_file(&self.validators_path, &validators) {
            // Only cheaper polling is lost: the ETag still answers 304s.
            tracing::warn!(path = %self.validators_path.display(), error = %e, "calendar feed validators not saved");
        }
        since
    }
}

/// Writes beside the target and renames, so a crash leaves the old file or the new one.
fn write_file(path: &Path, validators: &HashMap<Uuid, Validator>) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(validators)?)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).expect("header"));
        }
        map
    }

    #[test]
    fn conditional_requests_follow_rfc_9110() {
        let etag = "\"abc\"";
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .expect("time")
            .to_utc();
        let cases: &[(&[(header::HeaderName, &str)], bool)] = &[
            (&[], false),
            (&[(header::IF_NONE_MATCH, "\"abc\"")], true),
            (&[(header::IF_NONE_MATCH, "W/\"abc\"")], true),
            (&[(header::IF_NONE_MATCH, "\"old\", \"abc\"")], true),
            (&[(header::IF_NONE_MATCH, "*")], true),
            (&[(header::IF_NONE_MATCH, "\"old\"")], false),
            (
                &[(header::IF_MODIFIED_SINCE, "Tue, 01 Dec 2026 08:00:00 GMT")],
                true,
            ),
            (
                &[(header::IF_MODIFIED_SINCE, "Tue, 01 Dec 2026 07:59:59 GMT")],
                false,
            ),
            (&[(header::IF_MODIFIED_SINCE, "yesterday")], false),
            // If-None-Match decides when both are sent.
            (
                &[
                    (header::IF_NONE_MATCH, "\"old\""),
                    (header::IF_MODIFIED_SINCE, "Tue, 01 Dec 2026 09:00:00 GMT"),
                ],
                false,
            ),
        ];
        for (sent, fresh) in cases {
            assert_eq!(still_current(&headers(sent), etag, at), *fresh, "{sent:?}");
        }
        assert_eq!(http_date(at), "Tue, 01 Dec 2026 08:00:00 GMT");
    }
}
