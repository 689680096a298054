//! The law through the `fengqiao` binary, as a new clerk would meet it: impossible entries
//! refused with the rule and its article (exit 2, nothing written), a 分流 that sets the
//! case's route, the receiving unit's kind deciding the clocks, machine-readable clock
//! states, ID and phone warnings, and the county's T6 reading.

use std::path::Path;

mod common;
use common::{json, ok, refused};

/// A county office laptop (the demo county's townships).
fn office(dir: &Path) {
    ok(
        dir,
        &[
            "init",
            "--device-name",
            "县信访局笔记本",
            "--person",
            "王五",
        ],
    );
}

/// Registers a case received on 2026-11-02 in 港口镇; returns its id.
fn add_case(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "case",
        "add",
        "--json",
        "--township",
        "港口镇",
        "--name",
        "张三",
        "--address",
        "港口镇西村3组",
        "--request",
        "反映宅基地界址纠纷",
        "--received-on",
        "2026-11-02",
    ];
    args.extend_from_slice(extra);
    let added = json(&ok(dir, &args));
    added["id"].as_str().expect("id").to_owned()
}

fn show(dir: &Path, id: &str) -> serde_json::Value {
    json(&ok(dir, &["case", "show", id, "--json"]))
}

fn event_count(dir: &Path, id: &str) -> usize {
    show(dir, id)["events"].as_array().expect("events").len()
}

#[test]
fn impossible_entries_are_refused_naming_the_rule_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tmp");
    office(dir.path());
    let id = add_case(dir.path(), &[]);
    let event = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["case".to_owned(), "event".to_owned(), id.clone()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    };
    let refuse = |args: &[&str], expect: &[&str]| {
        let before = event_count(dir.path(), &id);
        let args = event(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = refused(dir.path(), &args);
        for e in expect {
            assert!(err.contains(e), "{args:?}: want {e} in {err}");
        }
        assert_eq!(
            event_count(dir.path(), &id),
            before,
            "{args:?} wrote something"
        );
    };
    // A 办结 three weeks before the item was received.
    refuse(
        &["closed", "--date", "2026-10-12"],
        &["不能记录办结", "事件不能早于收到信访事项之日", "2026-11-02"],
    );
    // An event dated after today.
    refuse(
        &["accepted", "--date", "2099-01-01"],
        &["事件日期不能晚于今天"],
    );
    // A 答复 with no 受理 before it.
    refuse(
        &["replied", "--reply", "支持", "--date", "2026-11-10"],
        &["答复（信访处理意见书）须在受理或简易办理之后", "第三十二条"],
    );
    // A 请求复查 with no 答复; a 请求复核 with no 复查意见.
    refuse(
        &["review-requested", "--date", "2026-11-10"],
        &["请求复查须在书面答复之后", "第三十五条"],
    );
    refuse(
        &["re-review-requested", "--date", "2026-11-10"],
        &["请求复核须在复查意见之后", "第三十六条"],
    );
    // An extension before the item is accepted (no T5 running).
    refuse(
        &[
            "extended",
            "--days",
            "10",
            "--approved-by",
            "局长",
            "--reason",
            "情况复杂",
            "--date",
            "2026-11-10",
        ],
        &["延期只能在第三十四条的办理期限内", "没有受理记录"],
    );
    // A closing with no reply, diversion or non-acceptance.
    refuse(
        &["closed", "--date", "2026-11-10"],
        &[
            "办结须在答复、导入法定程序、调解协议或不予受理之后",
            "第三十一条至第三十三条",
        ],
    );
    // The same history made possible: accepted, then an extension, then too long a one.
    let accept = event(&["accepted", "--date", "2026-11-03"]);
    ok(
        dir.path(),
        &accept.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    // T5 needs a route under 第三十一条第（六）项.
    let route = event(&["routed", "--route", "信访诉求", "--date", "2026-11-03"]);
    ok(
        dir.path(),
        &route.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let extend = |days: &str| {
        event(&[
            "extended",
            "--days",
            days,
            "--approved-by",
            "局长",
            "--reason",
            "情况复杂",
            "--date",
            "2026-11-20",
        ])
    };
    ok(
        dir.path(),
        &extend("20").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    refuse(
        &[
            "extended",
            "--days",
            "11",
            "--approved-by",
            "局长",
            "--reason",
            "情况复杂",
            "--date",
            "2026-11-21",
        ],
        &[
            "延长期限合计不得超过30日",
            "第三十四条",
            "已批准 20 日，本次 11 日",
        ],
    );
    // A reply now stands, and so does the closing after it.
    let reply = event(&["replied", "--reply", "解释说明", "--date", "2026-11-25"]);
    ok(
        dir.path(),
        &reply.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let close = event(&["closed", "--date", "2026-11-26"]);
    ok(
        dir.path(),
        &close.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(show(dir.path(), &id)["status"], "closed");
}

#[test]
fn routed_sets_the_route_shown_by_case_list_and_case_show() {
    let dir = tempfile::tempdir().expect("tmp");
    office(dir.path());
    let id = add_case(dir.path(), &[]);
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    assert_eq!(list[0]["route"], serde_json::Value::Null);
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
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    assert_eq!(list[0]["route"], "dispute");
    assert_eq!(list[0]["status"], "routed");
    let shown = show(dir.path(), &id);
    assert_eq!(shown["case"]["route"], "dispute");
    assert_eq!(shown["clocks"]["route"], "dispute");
    let text = ok(dir.path(), &["case", "show", &id]);
    assert!(text.contains("途径：矛盾纠纷"), "{text}");
    let text = ok(dir.path(), &["case", "list"]);
    assert!(
        text.contains("矛盾纠纷") && !text.contains("未分流"),
        "{text}"
    );
    let filtered = json(&ok(
        dir.path(),
        &["case", "list", "--route", "矛盾纠纷", "--json"],
    ));
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    // Routed again: the latest 分流 wins.
    ok(
        dir.path(),
        &[
            "case",
            "event",
            &id,
            "routed",
            "--route",
            "仲裁",
            "--date",
            "2026-11-04",
        ],
    );
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    assert_eq!(list[0]["route"], "arbitration");
    // The registration's route cannot be set once a 分流 decides it.
    let err = refused(dir.path(), &["case", "set", &id, "route", "信访诉求"]);
    assert!(err.contains("分流途径以最新的分流为准"), "{err}");
}

#[test]
fn the_receiving_units_kind_decides_the_clocks_and_their_states_are_machine_readable() {
    let dir = tempfile::tempdir().expect("tmp");
    office(dir.path());
    // The office's own registration: received by the 信访局, 第二十二条's T1 only.
    let id = add_case(dir.path(), &[]);
    let shown = show(dir.path(), &id);
    assert_eq!(shown["case"]["received_by"], "宁国市信访局");
    assert_eq!(shown["clocks"]["office"], "petition-office");
    let clocks = shown["clocks"]["clocks"].as_array().expect("clocks");
    assert_eq!(clocks.len(), 1, "{clocks:?}");
    let t1 = &clocks[0];
    assert_eq!(t1["clock"], "T1");
    assert_eq!(t1["due"], "2026-11-17");
    // T1 was due long before today: running and overdue, with negative days left.
    assert_eq!(t1["state_code"], "running");
    assert_eq!(t1["due_status"], "overdue");
    let days_left = t1["days_left"].as_i64().expect("days_left");
    assert!(days_left < 0, "{t1}");
    assert!(
        t1["state"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("已超期{}天", -days_left))),
        "{t1}"
    );
    let warning = &shown["clocks"]["warnings"][0];
    assert_eq!(warning["article"], "第四十三条");
    assert_eq!(warning["clock"], "T1");
    // Received by the township government: 第二十三条第二款's T2 instead.
    let id = add_case(dir.path(), &["--received-by", "港口镇"]);
    let shown = show(dir.path(), &id);
    assert_eq!(shown["clocks"]["office"], "other-organ");
    assert_eq!(shown["clocks"]["clocks"][0]["clock"], "T2");
    assert_eq!(shown["clocks"]["warnings"][0]["article"], "第四十四条");
    // Met clocks carry no days left.
    ok(
        dir.path(),
        &["case", "event", &id, "acknowledged", "--date", "2026-11-05"],
    );
    let t2 = &show(dir.path(), &id)["clocks"]["clocks"][0];
    assert_eq!(t2["state_code"], "met");
    assert_eq!(t2["days_left"], serde_json::Value::Null);
    // The office marks the township as a 信访部门 (say, by mistake): T1 again.
    ok(dir.path(), &["law", "unit-kind", "港口镇", "信访部门"]);
    let shown = show(dir.path(), &id);
    assert_eq!(shown["clocks"]["clocks"][0]["clock"], "T1");
    let law = json(&ok(dir.path(), &["law", "show", "--json"]));
    let units = law["units"].as_array().expect("units");
    assert!(
        units
            .iter()
            .any(|u| u["name"] == "港口镇" && u["organ"] == "petition-office")
    );
    let err = refused(dir.path(), &["law", "unit-kind", "港口镇", "随便"]);
    assert!(err.contains("不是有效的单位性质"), "{err}");
}

#[test]
fn odd_id_and_phone_numbers_are_warnings_the_clerk_can_override() {
    let dir = tempfile::tempdir().expect("tmp");
    office(dir.path());
    let bad = [
        "case",
        "add",
        "--township",
        "港口镇",
        "--name",
        "张三",
        "--request",
        "修路",
        "--id-number",
        "342501198001011234",
        "--phone",
        "1390563881",
    ];
    let err = refused(dir.path(), &bad);
    assert!(err.contains("petitioners.id_number（张三）"), "{err}");
    assert!(err.contains("校验位应为 9，实为 4（GB 11643）"), "{err}");
    assert!(err.contains("petitioners.phone（张三）"), "{err}");
    assert!(err.contains("--accept-warnings"), "{err}");
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing registered");
    let mut confirmed = bad.to_vec();
    confirmed.push("--accept-warnings");
    ok(dir.path(), &confirmed);
    let list = json(&ok(dir.path(), &["case", "list", "--json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // A correct number needs no confirmation.
    ok(
        dir.path(),
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "李四",
            "--request",
            "修路",
            "--id-number",
            "342501198001011239",
            "--phone",
            "0563-4012345",
        ],
    );
}

#[test]
fn the_county_chooses_where_t6_is_counted_from() {
    let dir = tempfile::tempdir().expect("tmp");
    office(dir.path());
    let due = |dir: &Path| {
        let v = json(&ok(
            dir,
            &[
                "deadline",
                "T6",
                "2026-01-06",
                "--extension-days",
                "26",
                "--json",
            ],
        ));
        v["due"].as_str().expect("due").to_owned()
    };
    // From T5's 60th day (Sat 03-07): + 26 = Thu 04-02.
    assert_eq!(due(dir.path()), "2026-04-02");
    ok(dir.path(), &["law", "extension-from", "rolled-end"]);
    // From T5's rolled due date (Mon 03-09): + 26 = Sat 04-04 (清明) → Tue 04-07.
    assert_eq!(due(dir.path()), "2026-04-07");
    let law = json(&ok(dir.path(), &["law", "show", "--json"]));
    assert_eq!(law["extension_from"], "rolled-end");
    let err = refused(dir.path(), &["law", "extension-from", "whenever"]);
    assert!(err.contains("不是有效的起算方式"), "{err}");
}
