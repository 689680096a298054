//! The online intake form (网上信访) in a real browser: headless Debian chromium driven
//! over WebDriver (`/usr/bin/chromedriver`), against the county server as a process.
//! A petitioner submits the form, keeps the 查询码 and looks the item up; an office
//! laptop syncs and finds the item in its queue, registers it, and the petitioner then
//! sees the registration date. Hostile input (script tags, a 1 MB field) is refused
//! with a Chinese message and a 4xx status, stored nowhere, never echoed unescaped, and
//! the server keeps serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

mod common;

use common::{KilledOnDrop, free_tcp_port, free_udp_port, workspace_bin};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct County {
    tmp: tempfile::TempDir,
    laptop_bin: PathBuf,
    server_bin: PathBuf,
    config: PathBuf,
    data: PathBuf,
    server: KilledOnDrop,
    intake_url: String,
}

impl County {
    /// A county server with the online form on, `per_minute` requests per address.
    fn start(per_minute: u32) -> County {
        let tmp = tempfile::tempdir().expect("tempdir");
        let laptop_bin = workspace_bin("fengqiao-cli", "fengqiao");
        let server_bin = workspace_bin("fengqiao-sync-server", "fengqiao-sync-server");
        let data = tmp.path().join("server-data");
        let config = tmp.path().join("server.toml");
        let (sync_port, intake_port) = (free_udp_port(), free_tcp_port());
        std::fs::write(
            &config,
            format!(
                "data_dir = \"{}\"\n[sync]\nlisten = \"127.0.0.1:{sync_port}\"\n[relay]\nenabled = false\n[admin]\nlisten = \"127.0.0.1:0\"\n[intake]\nenabled = true\nlisten = \"127.0.0.1:{intake_port}\"\nrequests_per_minute = {per_minute}\nmax_body_bytes = 32768\n",
                data.display()
            ),
        )
        .expect("config");
        let out = Command::new(&server_bin)
            .arg("--config")
            .arg(&config)
            .args(["init", "--county", "测试县", "--townships", "港口镇,山城镇"])
            .output()
            .expect("run init");
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = std::fs::File::create(tmp.path().join("server.log")).expect("log");
        let server = KilledOnDrop(
            Command::new(&server_bin)
                .arg("--config")
                .arg(&config)
                .arg("run")
                .env("FENGQIAO_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start the server"),
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while !data.join("server").join("admin.addr").exists()
            || TcpStream::connect(("127.0.0.1", intake_port)).is_err()
        {
            assert!(Instant::now() < deadline, "server did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        County {
            tmp,
            laptop_bin,
            server_bin,
            config,
            data,
            server,
            intake_url: format!("http://127.0.0.1:{intake_port}"),
        }
    }

    fn laptop_ok(&self, dir: &Path, args: &[&str]) -> String {
        common::fengqiao_ok(&self.laptop_bin, dir, args)
    }

    /// An office laptop enrolled with the running server, loopback only.
    fn office_laptop(&self) -> PathBuf {
        common::enrol_office_laptop(
            &self.laptop_bin,
            &self.server_bin,
            &self.config,
            &self.tmp.path().join("office"),
            "王干事",
        )
    }

    fn sync(&self, dir: &Path) {
        common::sync_round(&self.laptop_bin, dir);
    }

    /// SIGTERM the server and wait for its clean exit; then the store can be opened.
    fn stop(&mut self) {
        common::stop(&mut self.server.0, "server");
    }

    /// The server's own queue, read from its data directory after it stopped.
    fn server_queue(&self) -> serde_json::Value {
        let out = self.laptop_ok(&self.data, &["intake", "list", "--json"]);
        serde_json::from_str(&out).expect("queue JSON")
    }
}

/// chromedriver on a free port and a headless chromium session through it.
async fn browser(tmp: &Path) -> (KilledOnDrop, Client) {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is missing: the browser tests need Debian's chromium and \
         chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)"
    );
    let port = free_tcp_port();
    let driver = KilledOnDrop(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = tmp.join("chromium-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");
    (driver, client)
}

async fn fill(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .expect("form field")
        .send_keys(text)
        .await
        .expect("typing");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} on the page: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking #{id}: {e}"));
}

async fn text_of(client: &Client, id: &str) -> String {
    client
        .wait()
        .for_element(Locator::Id(id))
        .await
        .expect("element on the page")
        .text()
        .await
        .expect("element text")
}

async fn look_up(client: &Client, base: &str, code: &str) -> String {
    client
        .goto(&format!("{base}/status"))
        .await
        .expect("status page");
    fill(client, "code", code).await;
    click(client, "lookup").await;
    text_of(client, "progress").await
}

/// One raw HTTP/1.1 POST; returns the status code and the body.
fn post(base: &str, path: &str, body: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer before reading everything; the answer is what matters.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, text)
}

#[tokio::test(flavor = "current_thread")]
async fn an_online_item_reaches_the_office_and_its_petitioner_sees_the_registration() {
    let county = County::start(30);
    let (_driver, client) = browser(county.tmp.path()).await;
    let base = county.intake_url.clone();

    client.goto(&base).await.expect("the form");
    let viewport = client
        .find(Locator::Css("meta[name=viewport]"))
        .await
        .expect("a mobile viewport");
    assert!(viewport.attr("content").await.expect("attr").is_some());
    fill(&client, "name", "赵大妈").await;
    fill(&client, "phone", "13900002222").await;
    client
        .find(Locator::Id("township"))
        .await
        .expect("township select")
        .select_by_value("港口镇")
        .await
        .expect("choose 港口镇");
    fill(
        &client,
        "description",
        "村道年久失修，雨天无法通行，请求维修",
    )
    .await;
    click(&client, "submit").await;
    let code = text_of(&client, "query-code").await;
    assert_eq!(
        code.len(),
        14,
        "a 12-character code in three groups: {code}"
    );

    let progress = look_up(&client, &base, &code).await;
    assert!(progress.contains("已收到，待登记"), "{progress}");
    assert!(
        !progress.contains("赵大妈") && !progress.contains("村道"),
        "{progress}"
    );

    // The office laptop syncs and finds the item in its queue: channel 网上, the code
    // itself nowhere, only its hash.
    let office = county.office_laptop();
    county.sync(&office);
    let queue: serde_json::Value =
        serde_json::from_str(&county.laptop_ok(&office, &["intake", "list", "--json"]))
            .expect("queue JSON");
    let items = queue.as_array().expect("array");
    assert_eq!(items.len(), 1, "{queue}");
    let item = &items[0]["item"];
    assert_eq!(item["source"], "online");
    assert_eq!(item["name"], "赵大妈");
    assert_eq!(item["township"], "港口镇");
    assert!(items[0]["pickup"].is_null());
    assert!(
        !queue.to_string().contains(&code),
        "the code itself was stored"
    );

    // The clerk registers it and records the pickup; after a sync the petitioner sees
    // the registration, and still nothing of the office's notes.
    let number = common::add_case(&county.laptop_bin, &office, "赵大妈", "村道维修");
    let id = item["id"].as_str().expect("item id").to_owned();
    county.laptop_ok(&office, &["intake", "pickup", &id, &number]);
    county.laptop_ok(
        &office,
        &["case", "note", &number, "内部：联系交通站王站长"],
    );
    county.sync(&office);
    let progress = look_up(&client, &base, &code).await;
    assert!(progress.contains("已登记"), "{progress}");
    assert!(!progress.contains("待登记"), "{progress}");
    assert!(
        !progress.contains("王站长") && !progress.contains(&number),
        "{progress}"
    );

    // A code nobody was given finds nothing.
    client
        .goto(&format!("{base}/status"))
        .await
        .expect("status page");
    fill(&client, "code", "2345-6789-ABCD").await;
    click(&client, "lookup").await;
    assert!(text_of(&client, "errors").await.contains("没有找到"));

    client.close().await.expect("close the browser");
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_input_is_refused_cleanly_and_the_server_keeps_serving() {
    let mut county = County::start(6);
    let (_driver, client) = browser(county.tmp.path()).await;
    let base = county.intake_url.clone();

    // Script tags in every field, the browser's own limits removed as an attacker would.
    client.goto(&base).await.expect("the form");
    let unlock = "for (const e of document.querySelectorAll('input,textarea')) \
                  { e.removeAttribute('required'); e.removeAttribute('maxlength'); }";
    client.execute(unlock, vec![]).await.expect("remove limits");
    fill(&client, "name", "<script>document.title='PWNED'</script>").await;
    fill(&client, "phone", "<script>alert(1)</script>").await;
    fill(
        &client,
        "description",
        "<img src=x onerror=\"document.title='PWNED'\">求助",
    )
    .await;
    click(&client, "submit").await;
    let errors = text_of(&client, "errors").await;
    assert!(errors.contains("联系电话：不是有效的电话号码"), "{errors}");
    assert_eq!(
        client.title().await.expect("title"),
        "网上信访",
        "a script ran"
    );
    let source = client.source().await.expect("page source");
    assert!(
        !source.contains("<script>document.title"),
        "echoed unescaped"
    );
    assert!(!source.contains("<img src=\"x\""), "echoed unescaped");
    assert!(
        source.contains("&lt;script&gt;document.title"),
        "not echoed escaped"
    );

    // A 1 MB description: refused before it is parsed, with a Chinese message.
    client.goto(&base).await.expect("the form");
    client.execute(unlock, vec![]).await.expect("remove limits");
    fill(&client, "name", "张三").await;
    fill(&client, "phone", "13800001111").await;
    client
        .execute(
            "document.getElementById('description').value = '<script>x</script>'.repeat(65536);",
            vec![],
        )
        .await
        .expect("a 1 MB field");
    click(&client, "submit").await;
    let errors = text_of(&client, "errors").await;
    assert!(errors.contains("提交的内容过大"), "{errors}");

    // The same over plain HTTP, for the status code.
    let big = format!(
        "name=a&phone=13800001111&description={}",
        "x".repeat(1 << 20)
    );
    let (status, body) = post(&base, "/submit", big.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("提交的内容过大"));

    // Past the per-address limit: 429 with a Chinese message.
    let mut limited = None;
    for _ in 0..10 {
        let (status, body) = post(&base, "/status", b"code=2345-6789-ABCD");
        if status == 429 {
            limited = Some(body);
            break;
        }
        assert_eq!(status, 404, "{body}");
    }
    let limited = limited.expect("the rate limit never applied");
    assert!(limited.contains("请求过于频繁"), "{limited}");

    // Still serving pages.
    client.goto(&base).await.expect("the form again");
    assert!(client.find(Locator::Id("submit")).await.is_ok());
    client.close().await.expect("close the browser");

    // Nothing was stored, and the refusals were counted.
    let admin =
        std::fs::read_to_string(county.data.join("server").join("admin.addr")).expect("admin.addr");
    let (_, metrics) = get(admin.trim(), "/metrics");
    assert!(
        metrics.contains("fengqiao_intake_submissions_total 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("fengqiao_intake_refused_total{reason=\"too_large\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("fengqiao_intake_refused_total{reason=\"invalid\"} 1"),
        "{metrics}"
    );
    county.stop();
    assert_eq!(county.server_queue(), serde_json::json!([]));
}

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .expect("write");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, response)
}
