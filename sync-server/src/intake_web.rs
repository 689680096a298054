//! The online intake form (网上信访): a small public web page, served on its own
//! listener, that puts a petitioner's item into the county's intake queue (source 网上)
//! and gives them a 查询码 to look up their own item's progress.
//!
//! What it guards against: every text is HTML-escaped by `maud`, never formatted by hand;
//! a Content-Security-Policy forbids scripts outright; request bodies above
//! `intake.max_body_bytes` are refused before they are parsed; each client address may
//! make `intake.requests_per_minute` submissions and lookups (`governor`); fields are
//! checked by the model's `validate_intake` and nothing invalid is stored. The status
//! page shows dates only (`fengqiao_model::intake::petitioner_milestones`): no names,
//! no units, no notes. The 查询码 is shown once; the queue keeps its SHA-256.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::rejection::RawFormRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawForm, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fengqiao_model::intake::{IntakeId, IntakeItem, petitioner_milestones, validate_intake};
use fengqiao_model::{FieldError, IntakeSource};
use fengqiao_store::{IntakeEntry, Store, hash_query_code, new_query_code, now_cst};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::config::IntakeSection;
use crate::metrics::ServerCounters;

/// Bodies up to this size are read whole before the configured cap is applied, so an
/// oversized form gets its Chinese 413 page instead of a connection reset (a server that
/// answers before reading the body closes a socket with unread data, and the browser may
/// then show its own error). Larger bodies are cut off by axum.
const DRAIN_LIMIT: usize = 4 << 20;

/// The running listener.
pub struct IntakeWeb {
    pub addr: SocketAddr,
    serving: crate::http::HttpTask,
}

struct Web {
    store: Arc<Store>,
    counters: Arc<ServerCounters>,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    max_body_bytes: usize,
}

impl IntakeWeb {
    /// Binds `section.listen` and serves the form until [`IntakeWeb::shutdown`].
    pub async fn start(
        store: Arc<Store>,
        section: &IntakeSection,
        counters: Arc<ServerCounters>,
    ) -> Result<IntakeWeb> {
        let per_minute = NonZeroU32::new(section.requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let web = Arc::new(Web {
            store,
            counters,
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            max_body_bytes: section.max_body_bytes,
        });
        use axum::routing::{get, post};
        let router = axum::Router::new()
            .route("/", get(form_page))
            .route("/submit", post(submit))
            .route("/status", get(status_page).post(status_lookup))
            .layer(DefaultBodyLimit::max(
                DRAIN_LIMIT.max(section.max_body_bytes),
            ))
            .with_state(web);
        let listener = tokio::net::TcpListener::bind(section.listen)
            .await
            .with_context(|| format!("binding {}", section.listen))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            tracing::info!(%addr, "the online intake form listens beyond localhost");
        }
        let serving = crate::http::HttpTask::spawn(listener, router, "online intake form");
        tracing::info!(%addr, "online intake form up");
        Ok(IntakeWeb { addr, serving })
    }

    pub async fn shutdown(self) {
        self.serving.stop().await;
    }
}

// ---- pages ----

const STYLE: &str = "body{font-family:sans-serif;margin:0;padding:1rem;max-width:40rem;\
margin-inline:auto;line-height:1.6;color:#222}h1{font-size:1.4rem}label{display:block;\
margin-top:.8rem;font-weight:bold}input,select,textarea{width:100%;box-sizing:border-box;\
font-size:1rem;padding:.5rem;margin-top:.2rem}textarea{min-height:10rem}button{margin-top:1rem;\
font-size:1.1rem;padding:.6rem 1.5rem}.errors{background:#fdecea;border:1px solid #e0a0a0;\
padding:.5rem 1rem}.code{font-size:1.6rem;font-family:monospace;letter-spacing:.1em;\
background:#eef5ee;padding:.5rem 1rem;display:inline-block}table{border-collapse:collapse}\
td{padding:.3rem .8rem;border-bottom:1px solid #ddd}.note{color:#555;font-size:.9rem}";

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
}

/// An HTML response with the headers every page carries: no scripts at all, no framing,
/// nothing cached (the code page must not stay in a shared cache).
fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// What the form holds; every field optional here, so a missing one is a validation
/// message rather than a parse failure.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SubmitForm {
    name: String,
    phone: String,
    township: String,
    description: String,
}

fn form(townships: &[String], values: &SubmitForm, errors: &[String]) -> Markup {
    html! {
        h1 { "网上信访" }
        p { "请如实填写。提交后会得到一个查询码，凭码可查询办理进度。" }
        @if !errors.is_empty() {
            div.errors role="alert" id="errors" {
                p { "提交未成功，请修改以下内容：" }
                ul { @for e in errors { li { (e) } } }
            }
        }
        form method="post" action="/submit" accept-charset="utf-8" {
            label for="name" { "姓名（必填）" }
            input #name name="name" required maxlength=(fengqiao_model::intake::MAX_INTAKE_NAME_CHARS) value=(values.name) autocomplete="name";
            label for="phone" { "联系电话（必填）" }
            input #phone name="phone" type="tel" required maxlength="30" value=(values.phone) autocomplete="tel";
            label for="township" { "所涉乡镇（街道）" }
            select #township name="township" {
                option value="" { "（不确定）" }
                @for t in townships {
                    option value=(t) selected[*t == values.township] { (t) }
                }
            }
            label for="description" { "信访事项（必填，请写明诉求、事实和理由）" }
            textarea #description name="description" required maxlength=(fengqiao_model::intake::MAX_INTAKE_DESCRIPTION_CHARS) { (values.description) }
            button type="submit" id="submit" { "提交" }
        }
        p { a href="/status" { "已提交过？凭查询码查询办理进度" } }
        p.note { "依照《信访工作条例》，信访人应当如实反映情况，不得捏造、歪曲事实。" }
    }
}

fn label(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "phone" => "联系电话",
        "description" => "信访事项",
        "township" => "所涉乡镇",
        _ => "其他",
    }
}

/// Field errors in the petitioner's words (the model's own messages carry field codes
/// for staff and scripts).
fn public_message(e: &FieldError) -> String {
    match e {
        FieldError::Required { field } => format!("{}：必填", label(field)),
        FieldError::TooLong { field, len, max } => {
            format!("{}：内容过长（{len} 字，最多 {max} 字）", label(field))
        }
        FieldError::BadPhone { field, .. } => {
            format!("{}：不是有效的电话号码（7 至 20 位数字）", label(field))
        }
        FieldError::UnknownTownship { .. } => "所涉乡镇：请从列表中选择".into(),
        other => other.to_string(),
    }
}

fn refusal(status: StatusCode, message: &str) -> Response {
    respond(
        status,
        page(
            "提交未成功",
            html! {
                h1 { "提交未成功" }
                div.errors role="alert" id="errors" { p { (message) } }
                p { a href="/" { "返回网上信访" } " · " a href="/status" { "查询办理进度" } }
            },
        ),
    )
}

async fn townships(store: &Arc<Store>) -> Vec<String> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || store.townships())
        .await
        .ok()
        .and_then(|r| r.ok())
        .map(|units| units.into_iter().map(|u| u.name).collect())
        .unwrap_or_default()
}

async fn form_page(State(web): State<Arc<Web>>) -> Response {
    let towns = townships(&web.store).await;
    respond(
        StatusCode::OK,
        page("网上信访", form(&towns, &SubmitForm::default(), &[])),
    )
}

/// The rate limit, the size cap and the form's encoding, in that order; `Err` is the
/// refusal page to send.
fn admit(
    web: &Web,
    peer: SocketAddr,
    body: Result<RawForm, RawFormRejection>,
) -> Result<axum::body::Bytes, Box<Response>> {
    if web.limiter.len() > 100_000 {
        web.limiter.retain_recent();
    }
    if web.limiter.check_key(&peer.ip()).is_err() {
        ServerCounters::add(&web.counters.intake_rate_limited, 1);
        tracing::info!(peer = %peer.ip(), "online intake: rate limited");
        return Err(Box::new(refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "请求过于频繁，请稍后再试。",
        )));
    }
    let too_large = || {
        ServerCounters::add(&web.counters.intake_too_large, 1);
        Box::new(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "提交的内容过大（最多 {} KB），未保存。请精简后重新提交。",
                web.max_body_bytes / 1024
            ),
        ))
    };
    match body {
        Ok(RawForm(bytes)) if bytes.len() > web.max_body_bytes => Err(too_large()),
        Ok(RawForm(bytes)) => Ok(bytes),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
        Err(e) => {
            ServerCounters::add(&web.counters.intake_too_large, 1);
            tracing::info!(error = %e, "online intake: unreadable form");
            Err(Box::new(refusal(
                StatusCode::BAD_REQUEST,
                "无法读取提交的表单，请从网上信访页面重新提交。",
            )))
        }
    }
}

async fn submit(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<RawForm, RawFormRejection>,
) -> Response {
    let bytes = match admit(&web, peer, body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    let Ok(values) = serde_urlencoded::from_bytes::<SubmitForm>(&bytes) else {
        ServerCounters::add(&web.counters.intake_invalid, 1);
        return refusal(
            StatusCode::BAD_REQUEST,
            "无法读取提交的表单，请从网上信访页面重新提交。",
        );
    };
    let towns = townships(&web.store).await;
    let township = values.township.trim().to_owned();
    let code = new_query_code();
    let item = IntakeItem {
        id: IntakeId::generate(),
        source: IntakeSource::Online,
        received_at: now_cst(),
        name: values.name.trim().to_owned(),
        phone: values.phone.trim().to_owned(),
        description: values.description.trim().to_owned(),
        guide_type: None,
        route: None,
        township: (!township.is_empty()).then(|| township.clone()),
        query_code_hash: Some(hash_query_code(&code)),
    };
    let mut errors: Vec<FieldError> = validate_intake(&item).err().unwrap_or_default();
    if !township.is_empty() && !towns.contains(&township) {
        errors.push(FieldError::UnknownTownship {
            name: String::new(),
            known: String::new(),
        });
    }
    if !errors.is_empty() {
        ServerCounters::add(&web.counters.intake_invalid, 1);
        let messages: Vec<String> = errors.iter().map(public_message).collect();
        // Echo only what fits the form's own limits; maud escapes it.
        let echoed = SubmitForm {
            name: values.name.chars().take(100).collect(),
            phone: values.phone.chars().take(40).collect(),
            township: if towns.contains(&township) {
                township
            } else {
                String::new()
            },
            description: values.description.chars().take(4000).collect(),
        };
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page("网上信访", form(&towns, &echoed, &messages)),
        );
    }
    let store = web.store.clone();
    let stored = {
        let item = item.clone();
        tokio::task::spawn_blocking(move || store.add_intake_item(&item)).await
    };
    match stored {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, "online intake: could not store an item");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "系统暂时无法保存，请稍后再试。您填写的内容未保存。",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "online intake: store task failed");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "系统暂时无法保存，请稍后再试。您填写的内容未保存。",
            );
        }
    }
    ServerCounters::add(&web.counters.intake_submitted, 1);
    tracing::info!(item = %item.id, "online intake: item received");
    let received = item.received_at.format("%Y年%m月%d日 %H:%M").to_string();
    respond(
        StatusCode::CREATED,
        page(
            "已收到",
            html! {
                h1 { "已收到您的信访事项" }
                p { "收到时间：" span #received { (received) } }
                p { "您的查询码：" }
                p { span.code #query-code { (code) } }
                p { strong { "请抄写或截图保存查询码。它只显示这一次，丢失后无法找回。" } }
                p { "工作人员登记后，您可凭查询码查询登记、转送、告知和答复的日期。" }
                p { a href="/status" { "查询办理进度" } }
            },
        ),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LookupForm {
    code: String,
}

fn lookup_form(message: Option<&str>) -> Markup {
    html! {
        h1 { "查询办理进度" }
        @if let Some(m) = message {
            div.errors role="alert" id="errors" { p { (m) } }
        }
        form method="post" action="/status" accept-charset="utf-8" {
            label for="code" { "查询码" }
            input #code name="code" required maxlength="20" autocomplete="off" placeholder="XXXX-XXXX-XXXX";
            button type="submit" id="lookup" { "查询" }
        }
        p { a href="/" { "返回网上信访" } }
    }
}

async fn status_page() -> Response {
    respond(StatusCode::OK, page("查询办理进度", lookup_form(None)))
}

/// The rows a petitioner sees: when it arrived, and once a clerk registered it, the
/// dates the law owes them.
async fn progress_rows(store: &Arc<Store>, entry: &IntakeEntry) -> Vec<(String, &'static str)> {
    let received = fengqiao_store::received_date(&entry.item.received_at);
    let mut rows = vec![(received.to_string(), "已收到")];
    let Some(pickup) = &entry.pickup else {
        rows[0].1 = "已收到，待登记";
        return rows;
    };
    let store = store.clone();
    let case = pickup.case.to_string();
    let events = tokio::task::spawn_blocking(move || store.case(&case).map(|r| r.events))
        .await
        .ok()
        .and_then(|r| r.ok());
    match events {
        Some(events) => rows.extend(
            petitioner_milestones(&events)
                .into_iter()
                .map(|m| (m.date.to_string(), m.what)),
        ),
        // The case's document has not reached the server yet: the pickup is enough to
        // say it was registered.
        None => rows.push((
            fengqiao_store::received_date(&pickup.at).to_string(),
            "已登记",
        )),
    }
    rows
}

async fn status_lookup(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<RawForm, RawFormRejection>,
) -> Response {
    let bytes = match admit(&web, peer, body) {
        Ok(b) => b,
        Err(refused) => return *refused,
    };
    ServerCounters::add(&web.counters.intake_lookups, 1);
    let code = serde_urlencoded::from_bytes::<LookupForm>(&bytes)
        .map(|f| f.code)
        .unwrap_or_default();
    let well_formed = {
        let c: Vec<char> = code
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        c.len() == fengqiao_store::QUERY_CODE_LEN && c.iter().all(char::is_ascii_alphanumeric)
    };
    if !well_formed {
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                "查询办理进度",
                lookup_form(Some("查询码应为 12 位字母和数字，请核对后重试。")),
            ),
        );
    }
    let hash = hash_query_code(&code);
    let store = web.store.clone();
    let found = tokio::task::spawn_blocking(move || store.intake_by_query_hash(&hash))
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten();
    let Some(entry) = found else {
        return respond(
            StatusCode::NOT_FOUND,
            page(
                "查询办理进度",
                lookup_form(Some("没有找到这个查询码对应的事项，请核对后重试。")),
            ),
        );
    };
    let rows = progress_rows(&web.store, &entry).await;
    respond(
        StatusCode::OK,
        page(
            "办理进度",
            html! {
                h1 { "办理进度" }
                table #progress {
                    @for (date, what) in &rows {
                        tr { td { (date) } td.what { (what) } }
                    }
                }
                p.note { "此处只显示登记、转送、交办、告知和答复的日期。具体内容以书面告知和意见书为准。" }
                p { a href="/status" { "查询其他事项" } " · " a href="/" { "返回网上信访" } }
            },
        ),
    )
}
