//! Accusations kept apart (issue 23, 第三十条第三款) between real processes on loopback:
//! a township laptop registers an accusation offline, syncs with the county office's
//! `fengqiao serve` and hands the accuser over; afterwards neither it, nor another laptop
//! of the township, nor its bundle holds the accuser's name or the accusation's text. The
//! office device with the confidential grant shows them; an office device without it
//! does not, until the office grants it.

use std::path::Path;

mod common;
use common::serve::{Serve, free_udp_port};
use common::{fengqiao, json, ok};

const ACCUSER: &str = "欧阳检举";
const ACCUSATION: &str = "检举村主任侵占集体土地补偿款";

fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .unwrap_or_default()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

fn enrol_ticket(office: &Path, addr: &str, role: &str, name: &str) -> String {
    let mut args = vec![
        "ticket", "--enrol", "--role", role, "--name", name, "--addr", addr,
    ];
    if role == "township" {
        args.extend(["--scope", "港口镇"]);
    }
    ok(office, &args).trim().to_owned()
}

fn sync(dir: &Path, ticket: &str) -> String {
    ok(dir, &["sync", "--peer", ticket, "--discover-ms", "0"])
}

#[test]
fn an_accusation_is_handed_over_and_leaves_no_trace_on_township_laptops() {
    let tmp = tempfile::tempdir().expect("tmp");
    let at = |n: &str| tmp.path().join(n);
    let (office, lisi, zhaoliu, clerk) = (at("office"), at("lisi"), at("zhaoliu"), at("clerk"));
    ok(
        &office,
        &[
            "init",
            "--device-name",
            "信访局台式机",
            "--person",
            "王主任",
        ],
    );
    let addr = format!("127.0.0.1:{}", free_udp_port());
    let tickets = [
        (
            &lisi,
            enrol_ticket(&office, &addr, "township", "港口镇笔记本一"),
            "李四",
        ),
        (
            &zhaoliu,
            enrol_ticket(&office, &addr, "township", "港口镇笔记本二"),
            "赵六",
        ),
        (
            &clerk,
            enrol_ticket(&office, &addr, "office", "信访局二号机"),
            "孙八",
        ),
    ];
    let (server, ticket) = Serve::start(&office, &addr, &at("office.ticket"));
    for (dir, enrol, person) in &tickets {
        ok(dir, &["enrol", enrol, "--person", person]);
    }

    // Registered in a village with no network.
    let added = json(&ok(
        &lisi,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name",
            ACCUSER,
            "--phone",
            "13905561234",
            "--request",
            ACCUSATION,
            "--content-type",
            "检举控告类",
        ],
    ));
    let number = added["number"].as_str().expect("number").to_owned();
    let shown = ok(&lisi, &["case", "show", &number]);
    assert!(
        shown.contains(ACCUSER) && shown.contains("下次与县信访局或县服务器同步时移交"),
        "{shown}"
    );

    // The accuser's letter: a material of the accusation, kept apart with it.
    let letter_text = format!("{ACCUSER}的检举信：{ACCUSATION}。").repeat(30);
    let letter = at("检举信.txt");
    std::fs::write(&letter, &letter_text).expect("write");
    ok(&lisi, &["attach", &number, letter.to_str().expect("path")]);
    let listed = json(&ok(&lisi, &["attachments", &number, "--json"]));
    let hash = listed[0]["hash"].as_str().expect("hash").to_owned();
    let letter_copy = at("letter-outside-the-data-dirs");
    std::fs::rename(&letter, &letter_copy).expect("move the source file out of the way");

    // A second accusation whose outbox file the disk then damages: `doctor` names it, it
    // stays where it is, and it holds nothing else up.
    let outbox = lisi.join("confidential/outbox");
    let before: Vec<_> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .flatten()
        .map(|e| e.path())
        .collect();
    ok(
        &lisi,
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "王某某",
            "--phone",
            "13905561235",
            "--request",
            "另一件检举",
            "--content-type",
            "检举控告类",
        ],
    );
    let damaged = std::fs::read_dir(&outbox)
        .expect("outbox")
        .flatten()
        .map(|e| e.path())
        .find(|p| !before.contains(p))
        .expect("the second accusation's outbox file");
    std::fs::write(&damaged, b"\x00\x00 damaged").expect("damage");
    let checked = fengqiao(&lisi, &["doctor"]);
    let said = String::from_utf8_lossy(&checked.stdout);
    let name = damaged
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        said.contains("无法读取") && said.contains(&name) && said.contains("1 件检举材料待移交"),
        "{said}"
    );

    let round = sync(&lisi, &ticket);
    assert!(round.contains("移交检举材料 1 件"), "{round}");
    assert!(
        damaged.exists(),
        "the damaged file is left for a person to look at"
    );
    let bundle = at("lisi.fqb");
    ok(&lisi, &["bundle", "export", bundle.to_str().expect("path")]);
    sync(&zhaoliu, &ticket);
    sync(&clerk, &ticket);

    // The township's laptops: the case, never the accuser or the accusation.
    let there = ok(&zhaoliu, &["case", "show", &number]);
    assert!(
        there.contains("本机无权查看") && !there.contains(ACCUSER),
        "{there}"
    );
    // Every export a township makes shows the case without the accuser.
    let exported = at("exports");
    std::fs::create_dir_all(&exported).expect("mkdir");
    for format in ["csv", "json"] {
        let out = exported.join(format!("港口镇.{format}"));
        ok(
            &zhaoliu,
            &[
                "export",
                "--format",
                format,
                "--out",
                out.to_str().expect("path"),
            ],
        );
        let text = std::fs::read_to_string(&out).expect("export");
        assert!(text.contains(&number), "the case is exported: {text}");
    }
    for dir in [&lisi, &zhaoliu, &bundle, &clerk, &exported] {
        for secret in [ACCUSER, ACCUSATION] {
            let found = files_holding(dir, secret);
            assert!(found.is_empty(), "{secret} in {found:?}");
        }
    }
    let after = ok(&lisi, &["case", "show", &number]);
    assert!(
        after.contains("本机无权查看") && !after.contains(ACCUSER),
        "{after}"
    );
    let more = common::fails(
        &lisi,
        &["attach", &number, letter_copy.to_str().expect("path")],
    );
    assert!(more.contains("已移交县信访局"), "{more}");
    let listed = json(&ok(&zhaoliu, &["attachments", &number, "--json"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");

    // The granted office device shows them (the command runs in its `serve`).
    let office_view = ok(&office, &["case", "show", &number]);
    assert!(
        office_view.contains(ACCUSER) && office_view.contains(ACCUSATION),
        "{office_view}"
    );
    let back = at("back/取回.txt");
    std::fs::create_dir_all(at("back")).expect("mkdir");
    ok(
        &office,
        &[
            "attachment",
            "get",
            &hash,
            "--out",
            back.to_str().expect("path"),
        ],
    );
    assert_eq!(std::fs::read_to_string(&back).expect("read"), letter_text);
    let clerk_view = ok(&clerk, &["case", "show", &number]);
    assert!(!clerk_view.contains(ACCUSER), "{clerk_view}");

    // The office grants the second office device; from its next sync it shows them.
    ok(&office, &["devices", "grant-confidential", "信访局二号机"]);
    sync(&clerk, &ticket);
    sync(&clerk, &ticket);
    let granted = ok(&clerk, &["case", "show", &number]);
    assert!(granted.contains(ACCUSER), "{granted}");
    drop(server);
}
