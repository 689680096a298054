//! The `fengqiao` binary end to end: round trips in Chinese, and bad input.

use std::path::Path;
use std::process::Command;

use fengqiao_model::{Device, Role};

mod common;
use common::{fails, fengqiao, json, ok};

fn init(dir: &Path) {
    ok(
        dir,
        &[
            "init",
            "--device-name",
            "港口镇笔记本",
            "--role",
            "township",
            "--scope",
            "港口镇",
            "--person",
            "李四",
        ],
    );
}

/// Registers a case in 港口镇 and returns it as the CLI prints it.
fn add_case(dir: &Path, name: &str, request: &str) -> serde_json::Value {
    json(&ok(
        dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            name,
            "--request",
            request,
        ],
    ))
}

#[test]
fn chinese_case_survives_a_restart_intact() {
    let dir = tempfile::tempdir().expect("tmp");
    init(dir.path());
    let added = json(&ok(
        dir.path(),
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--village",
            "西村",
            "--name",
            "张三",
            "--request",
            "反映宅基地纠纷",
            "--received-on",
            "2026-11-02",
        ],
    ));
    let id = added["id"].as_str().expect("id").to_owned();
    // Each command is a new process: the data came back from disk.
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["township"], "港口镇");
    assert_eq!(rows[0]["village"], "西村");
    assert_eq!(rows[0]["petitioner"], "张三");
    assert_eq!(rows[0]["request"], "反映宅基地纠纷");
    let shown = json(&ok(dir.path(), &["case", "show", &id, "--json"]));
    assert_eq!(shown["case"]["petitioners"][0]["name"], "张三");
    assert_eq!(shown["case"]["content"]["request"], "反映宅基地纠纷");
    assert_eq!(shown["case"]["township"], "港口镇");
    assert_eq!(shown["case"], added, "shown case equals the one added");
    // The case number works as a key too, and clocks are part of `show`.
    let number = added["number"].as_str().expect("number");
    let by_number = json(&ok(dir.path(), &["case", "show", number, "--json"]));
    assert_eq!(by_number["case"]["id"], id.as_str());
    // Registered on a township's laptop: received by the township government, which
    // owes written notice (第二十三条第二款), not a 信访部门's T1 — and no address was
    // taken down, so not even that (the 但书), which the clocks say.
    assert_eq!(by_number["clocks"]["office"], "other-organ");
    assert_eq!(by_number["clocks"]["clocks"], serde_json::json!([]));
    assert!(
        by_number["clocks"]["diagnostics"][0]
            .as_str()
            .is_some_and(|d| d.contains("不适用第二十三条第二款书面告知")),
        "{by_number}"
    );

    ok(
        dir.path(),
        &[
            "case",
            "event",
            &id,
            "routed",
            "--route",
            "矛盾纠纷",
            "--date",
            "2026-11-03",
        ],
    );
    ok(
        dir.path(),
        &["case", "note", &id, "已约谈邻居，双方同意调解"],
    );
    ok(
        dir.path(),
        &["case", "set", &id, "lead_unit", "港口镇司法所"],
    );
    let shown = json(&ok(dir.path(), &["case", "show", &id, "--json"]));
    assert_eq!(shown["status"], "routed");
    assert_eq!(shown["notes"][0]["text"], "已约谈邻居，双方同意调解");
    assert_eq!(shown["notes"][0]["author_name"], "李四");
    assert_eq!(shown["case"]["lead_unit"], "港口镇司法所");
    let filtered = json(&ok(
        dir.path(),
        &[
            "case",
            "list",
            "--json",
            "--status",
            "已分流",
            "--text",
            "宅基地",
        ],
    ));
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    let none = json(&ok(
        dir.path(),
        &["case", "list", "--json", "--route", "纪检举报"],
    ));
    assert_eq!(none.as_array().map(Vec::len), Some(0));
}

#[test]
fn csv_export_is_excel_ready_utf8_with_bom() {
    let dir = tempfile::tempdir().expect("tmp");
    init(dir.path());
    add_case(dir.path(), "张三", "反映宅基地纠纷");
    let out = dir.path().join("cases.csv");
    ok(
        dir.path(),
        &[
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().expect("path"),
        ],
    );
    let bytes = std::fs::read(&out).expect("read csv");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM first");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert!(text.starts_with("案件编号,"), "{text}");
    assert!(text.contains("张三") && text.contains("反映宅基地纠纷"));
    let exported = json(&ok(dir.path(), &["export", "--format", "json"]));
    assert_eq!(exported.as_array().map(Vec::len), Some(1));
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_saved_data_stays() {
    let dir = tempfile::tempdir().expect("tmp");
    init(dir.path());
    add_case(dir.path(), "张三", "原有案件");

    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "{\"township\": \"港口镇\", ").expect("write");
    let err = fails(
        dir.path(),
        &["case", "add", "--file", bad_json.to_str().expect("path")],
    );
    assert!(err.contains("JSON") && err.contains("bad.json"), "{err}");

    let missing = dir.path().join("missing.json");
    std::fs::write(&missing, r#"{"channel":"来访","received_on":"2026-11-02","petitioners":[{"name":"张三"}],"content":{"request":"x"}}"#).expect("write");
    let err = fails(
        dir.path(),
        &["case", "add", "--file", missing.to_str().expect("path")],
    );
    assert!(err.contains("township"), "names the missing field: {err}");

    let six = [
        "--representative",
        "甲",
        "--representative",
        "乙",
        "--representative",
        "丙",
        "--representative",
        "丁",
        "--representative",
        "戊",
        "--representative",
        "己",
    ];
    let mut args = vec![
        "case",
        "add",
        "--township",
        "港口镇",
        "--request",
        "集体反映征地补偿",
        "--head-count",
        "30",
    ];
    args.extend(six);
    let err = fails(dir.path(), &args);
    assert!(
        err.contains("representatives") && err.contains("第二十条第三款") && err.contains('6'),
        "{err}"
    );

    let err = fails(
        dir.path(),
        &[
            "case",
            "add",
            "--township",
            "火星镇",
            "--name",
            "张三",
            "--request",
            "x",
        ],
    );
    assert!(
        err.contains("火星镇") && err.contains("港口镇"),
        "names the township and the choices: {err}"
    );

    let err = fails(
        dir.path(),
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "张三",
            "--request",
            "  ",
        ],
    );
    assert!(err.contains("content.request"), "{err}");

    let err = fails(
        dir.path(),
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "张三",
            "--request",
            "x",
            "--received-on",
            "2099-01-01",
        ],
    );
    assert!(err.contains("received_on"), "{err}");

    let err = fails(dir.path(), &["case", "list", "--status", "飞走了"]);
    assert!(err.contains("飞走了") && err.contains("办理中"), "{err}");

    // Nothing saved was lost or altered.
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["request"], "原有案件");
    ok(dir.path(), &["doctor"]);
}

#[test]
fn a_damaged_document_file_is_reported_and_the_rest_still_opens() {
    let dir = tempfile::tempdir().expect("tmp");
    init(dir.path());
    let first = add_case(dir.path(), "张三", "第一件");
    let second = add_case(dir.path(), "李四", "第二件");
    // Truncate the newest change file of the cases document (the second registration).
    let mut files: Vec<_> = walk(&dir.path().join("documents"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("incremental"))
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let victim = files.last().expect("a change file").clone();
    let bytes = std::fs::read(&victim).expect("read");
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).expect("truncate");

    let err = fails(dir.path(), &["doctor"]);
    assert!(err.contains("数据检查发现问题"), "{err}");
    let report = json(
        &String::from_utf8(fengqiao(dir.path(), &["doctor", "--json"]).stdout).expect("utf-8"),
    );
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report}");
    let reason = problems[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("损坏"), "{reason}");
    // The first case still opens; the damaged change was quarantined, not silently
    // dropped, and the list says it is incomplete (exit 2, the document named).
    let out = fengqiao(dir.path(), &["case", "list", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("结果不完整") && stderr.contains("cases/"),
        "{stderr}"
    );
    let list = json(&String::from_utf8(out.stdout).expect("utf-8"));
    let ids: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert!(ids.contains(&first["id"]), "{ids:?}");
    assert!(!ids.contains(&second["id"]) || ids.len() == 2);
    assert!(
        dir.path()
            .join("quarantine")
            .read_dir()
            .expect("quarantine dir")
            .next()
            .is_some()
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

#[test]
fn the_offices_holiday_notice_for_a_new_year_reaches_deadlines() {
    let dir = tempfile::tempdir().expect("tmp");
    ok(dir.path(), &["init", "--device-name", "信访局"]);
    let before = json(&ok(dir.path(), &["deadline", "T4", "2027-01-29", "--json"]));
    assert_eq!(before["certain"], false, "2027 is not loaded yet: {before}");
    // A made-up 2027 notice: 1–7 Feb off, Sun 31 Jan a make-up working day.
    let notice = dir.path().join("2027.toml");
    std::fs::write(
        &notice,
        "year = 2027\nnotice = \"测试通知\"\n\n[[holidays]]\nname = \"春节\"\nstart = 2027-02-01\nend = 2027-02-07\nmakeup_workdays = [2027-01-31]\n",
    )
    .expect("write");
    ok(
        dir.path(),
        &["calendar", "add", notice.to_str().expect("path")],
    );
    let after = json(&ok(dir.path(), &["deadline", "T4", "2027-01-29", "--json"]));
    assert_eq!(after["certain"], true, "{after}");
    // Fri 29 Jan: Sun 31 (make-up) is day 1, then the holiday; Mon 8, Tue 9, Wed 10, Thu 11.
    assert_eq!(after["due"], "2027-02-11");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "year = 2028\n[[holidays]]\nname = \"春节\"\nstart = 2028-02-10\n",
    )
    .expect("write");
    let err = fails(
        dir.path(),
        &["calendar", "add", bad.to_str().expect("path")],
    );
    assert!(err.contains("bad.toml"), "{err}");
}

#[test]
fn init_refuses_an_unknown_scope_and_leaves_the_directory_usable() {
    let dir = tempfile::tempdir().expect("tmp");
    let err = fails(
        dir.path(),
        &[
            "init",
            "--device-name",
            "笔记本",
            "--role",
            "township",
            "--scope",
            "火星镇",
        ],
    );
    assert!(err.contains("火星镇") && err.contains("港口镇"), "{err}");
    init(dir.path());
    ok(dir.path(), &["doctor"]);
}

#[test]
fn a_registration_can_come_as_json_on_standard_input() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tmp");
    init(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["case", "add", "--file", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let registration = r#"{"channel":"来信","received_on":"2026-11-20","petitioners":[{"name":"王五","phone":"13900002222"}],"township":"港口镇","village":"西村","content":{"request":"反映拖欠工资"},"route":"信访诉求"}"#;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(registration.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let added = json(&String::from_utf8(out.stdout).expect("utf-8"));
    assert_eq!(added["channel"], "letter");
    assert_eq!(
        added["route"], "petition-request",
        "Chinese names are stored as codes"
    );
    let shown = json(&ok(
        dir.path(),
        &["case", "show", added["id"].as_str().expect("id"), "--json"],
    ));
    assert_eq!(shown["case"]["petitioners"][0]["name"], "王五");
}

#[test]
fn a_bundle_from_a_laptop_the_receiver_never_enrolled_is_refused() {
    // Two laptops each made with `fengqiao init`: neither is in the other's directory.
    let (a, b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    init(a.path());
    init(b.path());
    add_case(a.path(), "张三", "反映宅基地纠纷");
    let stick = a.path().join("u盘.fqb");
    let out = ok(
        a.path(),
        &["bundle", "export", stick.to_str().expect("path")],
    );
    assert!(out.contains("已签名"), "{out}");
    let err = fails(
        b.path(),
        &["bundle", "import", stick.to_str().expect("path")],
    );
    assert!(err.contains("未登记") && err.contains("未经核实"), "{err}");
    let listed = json(&ok(b.path(), &["case", "list", "--json"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");
}

/// The county office and laptops it enrolled, made with the library (enrolment needs the
/// network in the CLI); each store is closed before the binary runs. Returns their ids.
fn county(office_dir: &Path, laptops: &[(&Path, &str, Role, &[&str])]) -> Vec<String> {
    use fengqiao_store::local::{DataDir, device_code_for};
    use fengqiao_store::{DocName, InitOptions, Store, TownshipSpec};
    let townships = vec![TownshipSpec {
        name: "港口镇".into(),
        code: "gangkou".into(),
        villages: vec!["港口村".into()],
    }];
    let office = Store::init(
        office_dir,
        InitOptions {
            device_name: "信访局台式机".into(),
            county: "宁国市".into(),
            role: Role::Office,
            scope: vec![],
            person_name: "王主任".into(),
            townships,
            directory: None,
        },
    )
    .expect("office");
    let mut ids = vec![office.identity().device_id.clone()];
    for (dir, name, role, scope) in laptops {
        let (key, _) = DataDir::new(dir).load_or_create_key().expect("key");
        let scope: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
        office
            .enrol_device(&Device {
                id: key.public().to_string(),
                name: (*name).into(),
                code: device_code_for(&key.public()),
                role: *role,
                scope: scope.clone(),
                enrolled_at: fengqiao_store::now_cst(),
                revoked: false,
                confidential: false,
            })
            .expect("enrol");
        let directory = office
            .export_document(&DocName::Directory)
            .expect("export")
            .expect("directory");
        let laptop = Store::init(
            dir,
            InitOptions {
                device_name: (*name).into(),
                county: "宁国市".into(),
                role: *role,
                scope,
                person_name: format!("{name}的使用人"),
                townships: vec![],
                directory: Some(directory),
            },
        )
        .expect("laptop");
        ids.push(laptop.identity().device_id.clone());
        laptop.close();
    }
    office.close();
    ids
}

#[test]
fn an_enrolled_laptops_bundle_is_sealed_for_its_county_and_read_only_by_recipients() {
    let (o, t, x) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let ids = county(
        o.path(),
        &[
            (t.path(), "港口镇笔记本", Role::Township, &["港口镇"]),
            (x.path(), "另一台笔记本", Role::Office, &[]),
        ],
    );
    let added = add_case(t.path(), "欧阳明月", "反映宅基地纠纷");
    let stick = t.path().join("u盘.fqb");
    ok(
        t.path(),
        &["bundle", "export", stick.to_str().expect("path")],
    );
    let bytes = std::fs::read(&stick).expect("read");
    for secret in ["欧阳明月", "宅基地", "cases/gangkou"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in the clear"
        );
    }
    let mut damaged = bytes.clone();
    let at = damaged.len() - 150;
    damaged[at] ^= 0xff;
    let bad = t.path().join("damaged.fqb");
    std::fs::write(&bad, damaged).expect("write");
    let err = fails(o.path(), &["bundle", "import", bad.to_str().expect("path")]);
    assert!(err.contains("校验"), "{err}");
    let out = ok(
        o.path(),
        &["bundle", "import", stick.to_str().expect("path")],
    );
    let expected = format!("已导入来自 港口镇笔记本（{}）的", &ids[1][..10]);
    assert!(out.contains(&expected), "{out}");
    let shown = json(&ok(
        o.path(),
        &["case", "show", added["id"].as_str().expect("id"), "--json"],
    ));
    assert_eq!(shown["case"]["content"]["request"], "反映宅基地纠纷");

    // `--for` a peer met over the network: sealed for that one device.
    let peers = serde_json::json!({"peers": {ids[0].clone(): {"name": "信访局台式机"}}});
    std::fs::create_dir_all(t.path().join("sync")).expect("mkdir");
    std::fs::write(
        t.path().join("sync").join("peers.json"),
        serde_json::to_vec(&peers).expect("json"),
    )
    .expect("write");
    add_case(t.path(), "赵六", "拖欠工资");
    let for_office = t.path().join("给信访局.fqb");
    ok(
        t.path(),
        &[
            "bundle",
            "export",
            for_office.to_str().expect("path"),
            "--for",
            "信访局台式机",
        ],
    );
    let err = fails(
        x.path(),
        &["bundle", "import", for_office.to_str().expect("path")],
    );
    assert!(err.contains("本机不是该同步包的收件设备"), "{err}");
    ok(
        o.path(),
        &["bundle", "import", for_office.to_str().expect("path")],
    );
}
