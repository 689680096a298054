//! The attack suite: what a hostile or clumsy user did to v1 (ARCHITECTURE.md, "Threat
//! model"), replayed over real `fengqiao` processes on loopback, mDNS off. Each test is
//! one scenario of the review that found it, and fails on the code before the fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

fn bin() -> PathBuf {
    common::workspace_bin("fengqiao-cli", "fengqiao")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    common::fengqiao(&bin(), dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::fengqiao_ok(&bin(), dir, args)
}

/// Runs `args`, expecting exit code 2; returns standard error.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "fengqiao {args:?} was not refused: {}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Syncing never looks beyond loopback: no mDNS, a loopback listener.
fn loopback_only(dir: &Path) {
    let sync = dir.join("sync");
    std::fs::create_dir_all(&sync).expect("sync dir");
    std::fs::write(
        sync.join("settings.toml"),
        "listen = \"127.0.0.1:0\"\nmdns = false\n",
    )
    .expect("settings");
}

/// A running `fengqiao serve`, its pairing ticket and its log (standard error).
struct Serving {
    child: common::KilledOnDrop,
    ticket: String,
    log: PathBuf,
}

impl Serving {
    fn start(dir: &Path, listen: &str) -> Serving {
        let ticket_file = dir.with_extension("ticket");
        let log = dir.with_extension(format!("serve-{}.log", rand_suffix()));
        let _ = std::fs::remove_file(&ticket_file);
        let child = Command::new(bin())
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--no-mdns", "--listen", listen, "--ticket-file"])
            .arg(&ticket_file)
            .env("FENGQIAO_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start fengqiao serve");
        let child = common::KilledOnDrop(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        let ticket = loop {
            if let Ok(t) = std::fs::read_to_string(&ticket_file)
                && !t.trim().is_empty()
            {
                break t.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "serve wrote no ticket");
            std::thread::sleep(Duration::from_millis(50));
        };
        Serving { child, ticket, log }
    }

    /// Stops it (SIGTERM, a clean exit) and returns its log.
    fn stop(mut self) -> String {
        let pid = self.child.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.0.wait().expect("wait for serve");
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(status.success(), "serve exited with {status}: {log}");
        log
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

/// The county office's laptop and where it serves.
struct County {
    tmp: tempfile::TempDir,
    office: PathBuf,
    addr: String,
}

impl County {
    fn new() -> County {
        let tmp = tempfile::tempdir().expect("tempdir");
        let office = tmp.path().join("office");
        ok(
            &office,
            &["init", "--device-name", "县信访局", "--person", "王主任"],
        );
        loopback_only(&office);
        let addr = format!("127.0.0.1:{}", common::free_udp_port());
        County { tmp, office, addr }
    }

    fn serve(&self) -> Serving {
        Serving::start(&self.office, &self.addr)
    }

    /// Enrols a 港口镇 laptop by ticket (the office serves meanwhile).
    fn enrol(&self, name: &str, person: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        let ticket = ok(
            &self.office,
            &[
                "ticket",
                "--enrol",
                "--role",
                "township",
                "--scope",
                "港口镇",
                "--name",
                name,
                "--addr",
                &self.addr,
            ],
        );
        let serving = self.serve();
        ok(&dir, &["enrol", ticket.trim(), "--person", person]);
        serving.stop();
        loopback_only(&dir);
        dir
    }

    /// `laptop` syncs with the office (which serves for the round); returns the sync's
    /// output and the office's log.
    fn sync(&self, laptop: &Path) -> (Output, String) {
        self.sync_within(laptop, 30)
    }

    fn sync_within(&self, laptop: &Path, seconds: u32) -> (Output, String) {
        let serving = self.serve();
        let out = sync_with(laptop, &serving.ticket, seconds);
        (out, serving.stop())
    }
}

fn sync_with(laptop: &Path, ticket: &str, seconds: u32) -> Output {
    run(
        laptop,
        &[
            "sync",
            "--peer",
            ticket,
            "--discover-ms",
            "0",
            "--timeout",
            &seconds.to_string(),
        ],
    )
}

fn device_id(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("device.json")).expect("device.json");
    let v: Value = serde_json::from_str(&text).expect("device.json is JSON");
    v["device_id"].as_str().expect("device_id").to_owned()
}

/// The office's record of a device.
fn device_record(office: &Path, id: &str) -> Value {
    let list: Value =
        serde_json::from_str(&ok(office, &["devices", "list", "--json"])).expect("devices JSON");
    list.as_array()
        .expect("array")
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("device {id} not in {list}"))
}

fn case_numbers(dir: &Path) -> Vec<String> {
    let rows: Value =
        serde_json::from_str(&ok(dir, &["case", "list", "--json"])).expect("case list JSON");
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| r["number"].as_str().expect("number").to_owned())
        .collect()
}

fn add_case(dir: &Path, township: &str, name: &str) -> Output {
    run(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            township,
            "--name",
            name,
            "--request",
            "反映宅基地纠纷",
        ],
    )
}

fn number_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "case add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("case JSON");
    v["number"].as_str().expect("number").to_owned()
}

fn forge(dir: &Path, what: &str) {
    let status = Command::new(common::workspace_bin("fengqiao-tests", "forge"))
        .arg(dir)
        .arg(what)
        .env("FENGQIAO_LOG", "warn")
        .status()
        .expect("run forge");
    assert!(status.success(), "forge {what} failed");
}

/// Review P1: a 港口镇 laptop edited its `device.json` to say "office", revoked an office
/// laptop and wrote in another township; the office took it all over the network.
#[test]
fn a_township_laptop_that_edits_its_files_cannot_act_as_the_county_office() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let colleague = county.enrol("港口镇二号机", "钱干事");
    let colleague_id = device_id(&colleague);
    // The laptop learns of its colleague from the office.
    assert!(county.sync(&laptop).0.status.success());

    // What the real binary does with an edited device.json: nothing. Rights come from
    // the county's directory.
    let path = laptop.join("device.json");
    let mut identity: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    identity["role"] = "office".into();
    identity["scope"] = Value::Array(Vec::new());
    std::fs::write(&path, identity.to_string()).expect("write");
    let why = refused(&laptop, &["devices", "revoke", &colleague_id]);
    assert!(why.contains("县目录"), "{why}");
    let why = refused(
        &laptop,
        &[
            "case",
            "add",
            "--township",
            "青龙乡",
            "--name",
            "越权",
            "--request",
            "越权登记",
        ],
    );
    assert!(why.contains("青龙乡"), "{why}");

    // A patched build writes its own directory copy anyway; then its own checks pass.
    forge(&laptop, "promote");
    ok(&laptop, &["devices", "revoke", &colleague_id]);
    let foreign = number_of(&add_case(&laptop, "青龙乡", "越权登记人"));
    let own = number_of(&add_case(&laptop, "港口镇", "正常登记人"));

    // The office refuses what the laptop may not write, so the laptop's round cannot
    // finish: it is told so, not that its changes went out.
    let (out, _) = county.sync_within(&laptop, 10);
    let told = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{told}");
    assert!(told.contains("directory"), "{told}");

    // The office took the laptop's own-township case, and nothing else.
    let office_cases = case_numbers(&county.office);
    assert!(office_cases.contains(&own), "{office_cases:?}");
    assert!(!office_cases.contains(&foreign), "{office_cases:?}");
    assert_eq!(
        device_record(&county.office, &colleague_id)["revoked"],
        false
    );
    let me = device_record(&county.office, &device_id(&laptop));
    assert_eq!(me["role"], "township", "{me}");
}

/// Review P2: bundles brought in an unenrolled laptop (which then synced the county) and
/// whatever a township laptop wrote beyond its rights.
#[test]
fn a_bundle_brings_only_what_its_signer_may_write_and_an_unknown_signer_nothing() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let colleague_id = device_id(&county.enrol("港口镇二号机", "钱干事"));
    assert!(county.sync(&laptop).0.status.success());
    forge(&laptop, "promote");
    ok(&laptop, &["devices", "revoke", &colleague_id]);
    let foreign = number_of(&add_case(&laptop, "青龙乡", "越权登记人"));
    let own = number_of(&add_case(&laptop, "港口镇", "正常登记人"));
    let file = county.tmp.path().join("laptop.fqb");
    ok(
        &laptop,
        &["bundle", "export", file.to_str().expect("utf-8")],
    );
    ok(
        &county.office,
        &["bundle", "import", file.to_str().expect("utf-8")],
    );
    let office_cases = case_numbers(&county.office);
    assert!(office_cases.contains(&own), "{office_cases:?}");
    assert!(!office_cases.contains(&foreign), "{office_cases:?}");
    assert_eq!(
        device_record(&county.office, &colleague_id)["revoked"],
        false
    );

    // A laptop nobody enrolled, of the same county name: refused by name, nothing
    // written.
    let stranger = county.tmp.path().join("stranger");
    ok(
        &stranger,
        &["init", "--device-name", "冒充机", "--role", "office"],
    );
    number_of(&add_case(&stranger, "港口镇", "冒充注入"));
    let file = county.tmp.path().join("stranger.fqb");
    ok(
        &stranger,
        &["bundle", "export", file.to_str().expect("utf-8")],
    );
    let before = tree_digest(&county.office.join("documents"));
    let why = refused(
        &county.office,
        &["bundle", "import", file.to_str().expect("utf-8")],
    );
    let stranger_id = device_id(&stranger);
    assert!(
        why.contains(&stranger_id[..10]) && why.contains("冒充机"),
        "the refusal does not name the signer: {why}"
    );
    assert_eq!(before, tree_digest(&county.office.join("documents")));
    assert!(
        !String::from_utf8_lossy(&run(&county.office, &["devices", "list"]).stdout)
            .contains("冒充机")
    );
}

/// Every file under `dir` with its bytes, sorted: equal digests mean nothing changed.
fn tree_digest(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// Review §4 (b'): a revoked laptop's new case, carried to the office by a colleague who
/// had not heard of the revocation.
#[test]
fn a_revoked_laptops_work_relayed_by_a_colleague_stays_out() {
    let county = County::new();
    let colleague = county.enrol("港口镇一号机", "孙干事");
    let revoked = county.enrol("港口镇二号机", "钱干事");
    // The colleague learns of the second laptop; then the office revokes it.
    assert!(county.sync(&colleague).0.status.success());
    ok(&county.office, &["devices", "revoke", &device_id(&revoked)]);
    let after_revocation = number_of(&add_case(&revoked, "港口镇", "吊销后登记"));

    // The colleague, not yet told, takes the revoked laptop's work over the LAN.
    let colleague_addr = format!("127.0.0.1:{}", common::free_udp_port());
    let serving = Serving::start(&colleague, &colleague_addr);
    let out = sync_with(&revoked, &serving.ticket, 30);
    serving.stop();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(case_numbers(&colleague).contains(&after_revocation));

    // The colleague's own work, in another quarter's document: work built on the
    // revoked laptop's change in the same document would be refused with it (a change
    // applies only after the changes it builds on).
    let own = number_of(&run(
        &colleague,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            "同事登记",
            "--request",
            "反映宅基地纠纷",
            "--received-on",
            "2026-08-03",
        ],
    ));
    let (out, office_log) = county.sync(&colleague);
    assert!(
        out.status.success(),
        "the colleague's round did not finish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let office_cases = case_numbers(&county.office);
    assert!(office_cases.contains(&own), "{office_cases:?}");
    assert!(
        !office_cases.contains(&after_revocation),
        "the revoked laptop's case reached the office: {office_cases:?}"
    );
    assert!(office_log.contains("已被吊销"), "{office_log}");
}

/// Review P3/P5: a laptop restored from a backup reused its actor's sequence numbers, so
/// every round with the document failed to its timeout, and it handed out case numbers
/// that already existed.
#[test]
fn a_laptop_restored_from_a_backup_syncs_at_once_and_numbers_new_cases() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let first = number_of(&add_case(&laptop, "港口镇", "备份前"));
    assert!(county.sync(&laptop).0.status.success());
    let backup = county.tmp.path().join("backup");
    copy_dir(&laptop, &backup);
    let second = number_of(&add_case(&laptop, "港口镇", "备份后"));
    assert!(county.sync(&laptop).0.status.success());

    std::fs::remove_dir_all(&laptop).expect("lose the laptop");
    copy_dir(&backup, &laptop);
    let (out, office_log) = county.sync(&laptop);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("未完成"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for log in [office_log.as_str(), &stderr] {
        assert!(
            !log.contains("DuplicateSeq") && !log.contains("duplicate seq"),
            "{log}"
        );
    }
    let third = number_of(&add_case(&laptop, "港口镇", "恢复后"));
    assert!(
        third != first && third != second,
        "a restored laptop reissued {third}"
    );
    assert!(county.sync(&laptop).0.status.success());
    let office_cases = case_numbers(&county.office);
    for n in [&first, &second, &third] {
        assert!(office_cases.contains(n), "{n} missing: {office_cases:?}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}

/// Review P3 (b3): four bytes flipped in the directory left a laptop answering "0 cases"
/// with exit 0, and no bundle or sync could mend it.
#[test]
fn a_damaged_directory_is_refused_until_repaired_from_the_office() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let number = number_of(&add_case(&laptop, "港口镇", "损坏前"));
    assert!(county.sync(&laptop).0.status.success());

    let report: Value =
        serde_json::from_slice(&run(&laptop, &["doctor", "--json"]).stdout).expect("doctor JSON");
    let id = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["name"] == "directory")
        .and_then(|d| d["document_id"].as_str())
        .expect("the directory's id")
        .to_owned();
    let dir = laptop.join("documents").join(&id[..2]).join(&id[2..]);
    for (path, mut bytes) in tree_digest(&dir) {
        let (middle, len) = (bytes.len() / 2, bytes.len());
        for b in &mut bytes[middle..(middle + 4).min(len)] {
            *b ^= 0xff;
        }
        std::fs::write(&path, bytes).expect("damage");
    }

    let why = refused(&laptop, &["case", "list"]);
    assert!(why.contains("fengqiao repair"), "{why}");

    let serving = county.serve();
    let out = run(&laptop, &["repair", "--peer", &serving.ticket]);
    serving.stop();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(case_numbers(&laptop).contains(&number));
    let again = number_of(&add_case(&laptop, "港口镇", "修复后"));
    assert!(county.sync(&laptop).0.status.success());
    assert!(case_numbers(&county.office).contains(&again));
}

/// The folder of a document on a laptop, by the start of its name (`cases/`).
fn document_dir(laptop: &Path, name: &str) -> PathBuf {
    let report: Value =
        serde_json::from_slice(&run(laptop, &["doctor", "--json"]).stdout).expect("doctor JSON");
    let id = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .and_then(|d| d["document_id"].as_str())
        .unwrap_or_else(|| panic!("no document {name} in {report}"))
        .to_owned();
    laptop.join("documents").join(&id[..2]).join(&id[2..])
}

fn repaired_from(laptop: &Path, ticket: &str) -> String {
    let out = run(laptop, &["repair", "--peer", ticket]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Issue 17 §3: a laptop with a damaged case document fetches it whole from a peer that
/// holds it — every file damaged (all quarantined), then its first change lost (nothing
/// of it loads) — and works and syncs on afterwards.
#[test]
fn a_damaged_case_document_is_repaired_whole_from_the_office() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let first = number_of(&add_case(&laptop, "港口镇", "损坏前一"));
    let second = number_of(&add_case(&laptop, "港口镇", "损坏前二"));
    assert!(county.sync(&laptop).0.status.success());

    let cases = document_dir(&laptop, "cases/");
    for (path, mut bytes) in tree_digest(&cases) {
        let (middle, len) = (bytes.len() / 2, bytes.len());
        for b in &mut bytes[middle..(middle + 4).min(len)] {
            *b ^= 0xff;
        }
        std::fs::write(&path, bytes).expect("damage");
    }
    // File names are unchanged, so the case index answers until something loads the
    // document; `doctor` does, and finds the damage.
    assert_eq!(run(&laptop, &["doctor"]).status.code(), Some(2));
    let why = refused(&laptop, &["case", "list"]);
    assert!(
        why.contains("cases/") && why.contains("结果不完整"),
        "{why}"
    );

    let serving = county.serve();
    let said = repaired_from(&laptop, &serving.ticket);
    assert!(said.contains("已从") && said.contains("cases/"), "{said}");
    assert!(said.contains("隔离的文件"), "names the files kept: {said}");
    let numbers = case_numbers(&laptop);
    assert!(
        numbers.contains(&first) && numbers.contains(&second),
        "{numbers:?}"
    );
    let doctor = run(&laptop, &["doctor"]);
    assert!(
        doctor.status.success(),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );

    // Now its first change (the genesis, which everything depends on) is lost.
    let mut changes: Vec<PathBuf> = std::fs::read_dir(cases.join("incremental"))
        .expect("incrementals")
        .flatten()
        .map(|e| e.path())
        .collect();
    changes.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    std::fs::remove_file(&changes[0]).expect("lose the first change");
    let why = refused(&laptop, &["case", "list"]);
    assert!(why.contains("缺少"), "{why}");
    let said = repaired_from(&laptop, &serving.ticket);
    assert!(said.contains("cases/"), "{said}");
    let numbers = case_numbers(&laptop);
    assert!(
        numbers.contains(&first) && numbers.contains(&second),
        "{numbers:?}"
    );
    // Nothing left to repair, and it says so.
    let said = repaired_from(&laptop, &serving.ticket);
    assert!(said.contains("无需修复"), "{said}");
    serving.stop();

    let third = number_of(&add_case(&laptop, "港口镇", "修复后"));
    assert!(county.sync(&laptop).0.status.success());
    assert!(case_numbers(&county.office).contains(&third));
}

/// Issue 18 (accountability): every change names the person and device behind it. A
/// clerk on an enrolled laptop and the office edit one field offline; after a round, the
/// office's `conflicts list` and `history` name both people, not `?`.
#[test]
fn conflicts_and_history_name_the_person_on_an_enrolled_laptop() {
    let county = County::new();
    let laptop = county.enrol("港口镇一号机", "孙干事");
    let number = number_of(&add_case(&laptop, "港口镇", "张三"));
    assert!(county.sync(&laptop).0.status.success());
    ok(
        &laptop,
        &["case", "set", &number, "request", "村道硬化（港口镇记录）"],
    );
    ok(
        &county.office,
        &["case", "set", &number, "request", "村道硬化（信访局记录）"],
    );
    assert!(county.sync(&laptop).0.status.success());

    let conflicts: Value =
        serde_json::from_str(&ok(&county.office, &["conflicts", "list", "--json"]))
            .expect("conflicts JSON");
    let text = conflicts.to_string();
    assert!(text.contains("孙干事"), "the laptop's clerk: {text}");
    assert!(text.contains("王主任"), "the office's clerk: {text}");
    assert!(text.contains("港口镇一号机"), "the laptop by name: {text}");

    let history = ok(&county.office, &["history", &number]);
    assert!(history.contains("孙干事"), "{history}");
    assert!(
        !history.contains('?'),
        "every change names its person: {history}"
    );
}
