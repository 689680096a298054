//! Calendar subscriptions end to end, every part a real process on loopback: the office
//! laptop publishes the roster and issues links (`fengqiao roster feed issue`), syncs with
//! the county server (`fengqiao-sync-server` with `[feeds]` on), and the feeds are fetched
//! over HTTP as a phone would. A swap keeps each slot's UID, raises its SEQUENCE in the
//! new holder's feed and leaves it CANCELLED in the old holder's; ETag and Last-Modified
//! give 304s, also after the server restarts; a revoked link and an unknown one both get
//! 404; no token reaches the server's log. Each feed is read with an independent parser
//! (the `icalendar` crate) and imported by a real calendar client, khal (Debian's
//! package, which parses with Python's `icalendar`), into a temporary vdir.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate};
use icalendar::parser::{Component, read_calendar, unfold};
use serde_json::Value;

mod common;

use common::{KilledOnDrop, free_tcp_port, free_udp_port, workspace_bin};

const KHAL: &str = "/usr/bin/khal";
const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/roster/ningguo.toml"
);

struct County {
    tmp: tempfile::TempDir,
    laptop_bin: PathBuf,
    server_bin: PathBuf,
    config: PathBuf,
    data: PathBuf,
    log: PathBuf,
    server: Option<KilledOnDrop>,
    feeds: String,
}

impl County {
    fn start() -> County {
        let tmp = tempfile::tempdir().expect("tempdir");
        let laptop_bin = workspace_bin("fengqiao-cli", "fengqiao");
        let server_bin = workspace_bin("fengqiao-sync-server", "fengqiao-sync-server");
        let data = tmp.path().join("server-data");
        let config = tmp.path().join("server.toml");
        let (sync_port, feeds_port) = (free_udp_port(), free_tcp_port());
        std::fs::write(
            &config,
            format!(
                "data_dir = \"{}\"\n[sync]\nlisten = \"127.0.0.1:{sync_port}\"\n[relay]\nenabled = false\n[admin]\nlisten = \"127.0.0.1:0\"\n[feeds]\nenabled = true\nlisten = \"127.0.0.1:{feeds_port}\"\n",
                data.display()
            ),
        )
        .expect("config");
        let out = Command::new(&server_bin)
            .arg("--config")
            .arg(&config)
            .args([
                "init",
                "--county",
                "宁国市",
                "--townships",
                "港口镇,西津街道",
            ])
            .output()
            .expect("run init");
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut county = County {
            log: tmp.path().join("server.log"),
            tmp,
            laptop_bin,
            server_bin,
            config,
            data,
            server: None,
            feeds: format!("127.0.0.1:{feeds_port}"),
        };
        county.run_server();
        county
    }

    fn run_server(&mut self) {
        let _ = std::fs::remove_file(self.data.join("server").join("admin.addr"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        self.server = Some(KilledOnDrop(
            Command::new(&self.server_bin)
                .arg("--config")
                .arg(&self.config)
                .arg("run")
                // Everything this server's own code and its HTTP stack say about a request.
                .env(
                    "FENGQIAO_LOG",
                    "info,fengqiao_sync_server=trace,fengqiao_store=debug,axum=trace,hyper=debug",
                )
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start the server"),
        ));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.data.join("server").join("admin.addr").exists()
            || TcpStream::connect(&self.feeds).is_err()
        {
            assert!(Instant::now() < deadline, "server did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop_server(&mut self) {
        if let Some(mut server) = self.server.take() {
            common::stop(&mut server.0, "server");
        }
    }

    fn laptop(&self, dir: &Path, args: &[&str]) -> String {
        common::fengqiao_ok(&self.laptop_bin, dir, args)
    }

    fn laptop_json(&self, dir: &Path, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.laptop(dir, &all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
    }

    /// An office laptop enrolled with the running server, loopback only.
    fn office_laptop(&self) -> PathBuf {
        common::enrol_office_laptop(
            &self.laptop_bin,
            &self.server_bin,
            &self.config,
            &self.tmp.path().join("office"),
            "王主任",
        )
    }

    fn sync(&self, dir: &Path) {
        common::sync_round(&self.laptop_bin, dir);
    }
}

/// An HTTP/1.1 answer: status, headers (names lower-case), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One GET over loopback, as a phone's calendar asks.
fn get(addr: &str, path: &str, extra: &[(&str, &str)]) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8(raw).expect("UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The path of a link issued for `base`.
fn path_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("an http link");
    rest[rest.find('/').expect("a path")..].to_owned()
}

/// What the test reads of one VEVENT.
#[derive(Debug)]
struct Seen {
    uid: String,
    sequence: u32,
    status: String,
    start: String,
    tzid: Option<String>,
    alarm: bool,
}

fn events(feed: &str) -> Vec<Seen> {
    let unfolded = unfold(feed);
    let calendar = read_calendar(&unfolded).unwrap_or_else(|e| panic!("{e}\n{feed}"));
    assert!(
        calendar
            .components
            .iter()
            .any(|c| c.name.as_str() == "VTIMEZONE"
                && c.find_prop("TZID").map(|p| p.val.as_str()) == Some("Asia/Shanghai")),
        "the feed carries its VTIMEZONE"
    );
    let prop = |c: &Component<'_>, name: &str| {
        c.find_prop(name)
            .map(|p| p.val.as_str().to_owned())
            .unwrap_or_default()
    };
    calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .map(|c| Seen {
            uid: prop(c, "UID"),
            sequence: prop(c, "SEQUENCE").parse().expect("SEQUENCE"),
            status: prop(c, "STATUS"),
            start: prop(c, "DTSTART"),
            tzid: c.find_prop("DTSTART").and_then(|p| {
                p.params
                    .iter()
                    .find(|x| x.key.as_str() == "TZID")
                    .and_then(|x| x.val.as_ref().map(|v| v.as_str().to_owned()))
            }),
            alarm: c.components.iter().any(|a| a.name.as_str() == "VALARM"),
        })
        .collect()
}

fn event<'a>(seen: &'a [Seen], slot: &str) -> &'a Seen {
    let uid = format!("{slot}@fengqiao");
    seen.iter()
        .find(|e| e.uid == uid)
        .unwrap_or_else(|| panic!("{uid} not in {seen:?}"))
}

/// Imports `feed` into a fresh vdir with khal and lists the day `day`: what a calendar
/// client shows for it, in UTC (so Beijing times show 8 hours earlier only if the client
/// understood the feed's Asia/Shanghai time zone).
fn khal_day(dir: &Path, name: &str, feed: &str, day: NaiveDate) -> String {
    assert!(
        Path::new(KHAL).exists(),
        "{KHAL} is missing: the calendar client test needs Debian's khal \
         (apt-get install khal; .ci/run installs it)"
    );
    let root = dir.join(format!("khal-{name}"));
    let vdir = root.join("calendar");
    std::fs::create_dir_all(&vdir).expect("vdir");
    let ics = root.join("feed.ics");
    std::fs::write(&ics, feed).expect("feed file");
    let config = root.join("config");
    std::fs::write(
        &config,
        format!(
            "[calendars]\n[[roster]]\npath = {}\n[locale]\ndefault_timezone = UTC\nlocal_timezone = UTC\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n[sqlite]\npath = {}\n",
            vdir.display(),
            root.join("khal.db").display()
        ),
    )
    .expect("khal config");
    let run = |args: &[&str]| {
        let out = Command::new(KHAL)
            .arg("-c")
            .arg(&config)
            .args(args)
            .env("TZ", "UTC")
            .env("HOME", &root)
            .output()
            .expect("run khal");
        assert!(
            out.status.success(),
            "khal {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ics_path = ics.to_string_lossy().into_owned();
    run(&["import", "--batch", "-a", "roster", &ics_path]);
    let day = day.format("%Y-%m-%d").to_string();
    run(&[
        "list",
        "--format",
        "{start-time}-{end-time} {status}{title}",
        &day,
        "1d",
    ])
}

#[test]
fn phones_follow_a_swap_and_revocation_over_real_processes() {
    let mut county = County::start();
    let office = county.office_laptop();

    // The office drafts and publishes next month and the month after, then issues links.
    // Real dates around today: the server builds feeds as of its own today.
    let today = fengqiao_store::now_cst().date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .expect("next month");
    let last = first
        .checked_add_months(Months::new(2))
        .and_then(|d| d.pred_opt())
        .expect("end of the month after");
    let (from, to) = (first.to_string(), last.to_string());
    county.laptop(
        &office,
        &[
            "roster", "generate", "--rules", RULES, "--from", &from, "--to", &to,
        ],
    );
    county.laptop(
        &office,
        &["roster", "publish", "--from", &from, "--to", &to],
    );
    let shown = county.laptop_json(&office, &["roster", "show", "--from", &from, "--to", &to]);
    let slot = shown["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| {
            s["rule"] == "city-weekly"
                && s["date"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(&from[..7]))
        })
        .cloned()
        .expect("a city reception next month");
    let (slot_id, old_holder) = (
        slot["id"].as_str().expect("id").to_owned(),
        slot["leader"].as_str().expect("leader").to_owned(),
    );
    let issue = |county: &County, who: &[&str]| {
        let base = format!("http://{}/", county.feeds);
        let mut args = vec!["roster", "feed", "issue", "--base-url", &base];
        args.extend_from_slice(who);
        let issued = county.laptop_json(&office, &args);
        path_of(issued["url"].as_str().expect("url"))
    };
    let old_feed = issue(&county, &["--leader", &old_holder]);
    let office_feed = issue(&county, &["--office"]);
    county.sync(&office);

    // The old holder's phone subscribes: the reception is there, in Beijing time, with its
    // reminder; asking again with the ETag costs a 304.
    let answer = get(&county.feeds, &old_feed, &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let etag = answer.header("etag").expect("ETag").to_owned();
    let modified = answer
        .header("last-modified")
        .expect("Last-Modified")
        .to_owned();
    let before = event(&events(&answer.body), &slot_id).sequence;
    {
        let seen = events(&answer.body);
        let e = event(&seen, &slot_id);
        assert_eq!(
            (e.status.as_str(), e.tzid.as_deref(), e.alarm),
            ("CONFIRMED", Some("Asia/Shanghai"), true)
        );
    }
    let again = get(&county.feeds, &old_feed, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let again = get(
        &county.feeds,
        &old_feed,
        &[("If-Modified-Since", &modified)],
    );
    assert_eq!(again.status, 304);

    // The leader swaps with next month's leader (the office picks the partner).
    let swapped = county.laptop_json(
        &office,
        &["roster", "swap", "--slot", &slot_id, "--reason", "外出学习"],
    );
    // The rows after the swap: the slot with its new holder, the partner with the old.
    let rows = swapped["slots"].as_array().expect("slots");
    let row = |same: bool| {
        rows.iter()
            .find(|s| (s["id"] == slot_id.as_str()) == same)
            .cloned()
            .expect("both slots")
    };
    let new_holder = row(true)["leader"].as_str().expect("leader").to_owned();
    let partner = row(false);
    assert_ne!(new_holder, old_holder);
    assert_eq!(partner["leader"].as_str(), Some(old_holder.as_str()));
    let partner_id = partner["id"].as_str().expect("id").to_owned();
    let new_feed = issue(&county, &["--leader", &new_holder]);
    county.sync(&office);

    // The old holder's feed changed: a 200 for the old ETag, the slot CANCELLED under the
    // same UID with a higher SEQUENCE, the partner's slot now theirs.
    let answer = get(&county.feeds, &old_feed, &[("If-None-Match", &etag)]);
    assert_eq!(answer.status, 200, "the swap must change the feed");
    assert_ne!(answer.header("etag"), Some(etag.as_str()));
    let old_seen = events(&answer.body);
    let cancelled = event(&old_seen, &slot_id);
    assert_eq!(cancelled.status, "CANCELLED");
    assert!(cancelled.sequence > before, "{cancelled:?}");
    assert!(!cancelled.alarm, "no reminder for a slot taken away");
    assert_eq!(event(&old_seen, &partner_id).status, "CONFIRMED");
    // The new holder's feed has the same UID, confirmed, with that SEQUENCE.
    let answer = get(&county.feeds, &new_feed, &[]);
    assert_eq!(answer.status, 200);
    let new_seen = events(&answer.body);
    let taken = event(&new_seen, &slot_id);
    assert_eq!(
        (taken.status.as_str(), taken.sequence, taken.start.as_str()),
        ("CONFIRMED", cancelled.sequence, cancelled.start.as_str())
    );
    assert_eq!(event(&new_seen, &partner_id).status, "CANCELLED");
    // The office feed shows the slot once, with the new holder.
    let office_answer = get(&county.feeds, &office_feed, &[]);
    assert_eq!(office_answer.status, 200);
    assert!(office_answer.body.contains(&format!("{new_holder}（")));

    // A real calendar client imports both feeds: the new holder's reception at its
    // Beijing hours (shown in UTC, 8 hours earlier), the old holder's marked cancelled.
    let day =
        NaiveDate::parse_from_str(slot["date"].as_str().expect("date"), "%Y-%m-%d").expect("date");
    let utc = |key: &str| {
        let local = chrono::NaiveTime::parse_from_str(slot[key].as_str().expect(key), "%H:%M")
            .expect("HH:MM");
        (local - chrono::Duration::hours(8))
            .format("%H:%M")
            .to_string()
    };
    let hours = format!("{}-{}", utc("start"), utc("end"));
    let listed = khal_day(county.tmp.path(), "new", &answer.body, day);
    assert!(
        listed.contains(&hours) && listed.contains(&new_holder),
        "khal shows {hours} for {new_holder}: {listed}"
    );
    let listed = khal_day(
        county.tmp.path(),
        "old",
        &get(&county.feeds, &old_feed, &[]).body,
        day,
    );
    assert!(
        listed.contains("CANCELLED"),
        "khal shows the slot cancelled: {listed}"
    );

    // Restarted, the server gives the same bytes, ETag and Last-Modified: nothing of the
    // feed lived in its memory.
    let current = get(&county.feeds, &new_feed, &[]);
    county.stop_server();
    county.run_server();
    let after_restart = get(&county.feeds, &new_feed, &[]);
    assert_eq!(after_restart.body, current.body);
    assert_eq!(after_restart.header("etag"), current.header("etag"));
    assert_eq!(
        after_restart.header("last-modified"),
        current.header("last-modified")
    );
    let etag = current.header("etag").expect("ETag");
    assert_eq!(
        get(&county.feeds, &new_feed, &[("If-None-Match", etag)]).status,
        304
    );

    // Revoked (re-issuing revokes the old link): 404, like a link nobody was given.
    let id = county
        .laptop_json(&office, &["roster", "feed", "list"])
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["active"] == true && s["scope"]["kind"] == "office")
        .and_then(|s| s["id"].as_str().map(str::to_owned))
        .expect("the office subscription");
    county.laptop(&office, &["roster", "feed", "revoke", &id]);
    let reissued_old = issue(&county, &["--leader", &old_holder]);
    county.sync(&office);
    for path in [&office_feed, &old_feed] {
        let answer = get(&county.feeds, path, &[]);
        assert_eq!(answer.status, 404, "{path}");
        assert!(!answer.body.contains("BEGIN:VCALENDAR"));
    }
    let unknown = format!("/{}.ics", "0".repeat(64));
    let answer = get(&county.feeds, &unknown, &[]);
    assert_eq!(answer.status, 404);
    assert_eq!(get(&county.feeds, &reissued_old, &[]).status, 200);
    assert_eq!(get(&county.feeds, "/", &[]).status, 404);

    county.stop_server();
    let log = std::fs::read_to_string(&county.log).expect("server log");
    assert!(
        log.contains("a revoked link was fetched"),
        "revocations are logged"
    );
    for path in [&old_feed, &office_feed, &new_feed, &reissued_old] {
        let token = path.trim_start_matches('/').trim_end_matches(".ics");
        assert!(!log.contains(token), "a token reached the server log");
    }
}
