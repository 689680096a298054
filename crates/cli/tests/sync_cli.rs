//! `fengqiao sync` against a real `fengqiao serve` on loopback: an unfinished round fails
//! and names its documents; a revoked laptop is told it was revoked.

use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::serve::{Serve, free_udp_port};
use common::{fengqiao, ok};

/// A new county office in `office`, and a one-time enrolment ticket for a 港口镇 laptop
/// that will find the office at the loopback address returned with it.
fn office_with_ticket(office: &Path) -> (String, String) {
    ok(
        office,
        &[
            "init",
            "--device-name",
            "信访局台式机",
            "--person",
            "王主任",
        ],
    );
    let addr = format!("127.0.0.1:{}", free_udp_port());
    let enrol = ok(
        office,
        &[
            "ticket",
            "--enrol",
            "--role",
            "township",
            "--scope",
            "港口镇",
            "--name",
            "港口镇笔记本",
            "--addr",
            &addr,
        ],
    )
    .trim()
    .to_owned();
    (addr, enrol)
}

#[test]
fn an_unfinished_round_fails_and_a_revoked_laptop_is_told_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (office, laptop) = (tmp.path().join("office"), tmp.path().join("laptop"));
    let (addr, enrol) = office_with_ticket(&office);
    let ticket_file = tmp.path().join("office.ticket");
    let (server, ticket) = Serve::start(&office, &addr, &ticket_file);
    ok(&laptop, &["enrol", &enrol, "--person", "李干事"]);
    ok(
        &laptop,
        &[
            "case",
            "add",
            "--township",
            "港口镇",
            "--name",
            "李四",
            "--request",
            "低保评定不公",
        ],
    );

    // No time for the round: nothing is acknowledged, so nothing is "sent", and the
    // command fails naming what did not finish.
    let out = fengqiao(
        &laptop,
        &[
            "sync",
            "--peer",
            &ticket,
            "--timeout",
            "0",
            "--discover-ms",
            "0",
        ],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("同步未完成"), "{stderr}");
    assert!(stderr.contains("cases/"), "names the documents: {stderr}");
    assert!(stdout.contains("发出 0 项更改"), "{stdout}");
    // With time, the same round finishes.
    let done = ok(&laptop, &["sync", "--peer", &ticket, "--discover-ms", "0"]);
    assert!(!done.contains("未完成"), "{done}");
    drop(server);

    // The office revokes the laptop; the laptop hears it was revoked, not "not enrolled".
    let devices = ok(&office, &["devices", "list"]);
    assert!(devices.contains("港口镇笔记本"), "{devices}");
    ok(&office, &["devices", "revoke", "港口镇笔记本"]);
    let (server, ticket) = Serve::start(&office, &addr, &ticket_file);
    let out = fengqiao(
        &laptop,
        &[
            "sync",
            "--peer",
            &ticket,
            "--timeout",
            "10",
            "--discover-ms",
            "0",
        ],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("本设备已被县信访局吊销"), "{said}");
    drop(server);
}

/// A laptop enrolled encrypted with no recovery key given takes the one its county's
/// directory names: after `enrol --encrypt`, its keyring wraps the data key for the key the
/// office published, and the office's secret opens it.
#[test]
fn an_encrypted_enrolment_wraps_for_the_recovery_key_the_directory_names() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (office, laptop) = (tmp.path().join("office"), tmp.path().join("laptop"));
    let (addr, enrol) = office_with_ticket(&office);
    let secret = tmp.path().join("recovery.secret");
    let public = ok(
        tmp.path(),
        &[
            "keys",
            "recovery-new",
            "--secret-out",
            secret.to_str().expect("utf-8"),
        ],
    )
    .trim()
    .to_owned();
    ok(&office, &["keys", "recovery-publish", &public]);
    let (_server, _) = Serve::start(&office, &addr, &tmp.path().join("office.ticket"));
    let run = |args: &[&str], env: (&str, &str)| {
        Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(&laptop)
            .args(args)
            .env("FENGQIAO_LOG", "warn")
            .env_remove("FENGQIAO_RECOVERY_KEY")
            .env(env.0, env.1)
            .stdin(Stdio::null())
            .output()
            .expect("run fengqiao")
    };
    let enrolled = run(
        &["enrol", &enrol, "--person", "李干事", "--encrypt"],
        ("FENGQIAO_PASSPHRASE", "港口镇 信访办 口令 2026"),
    );
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let ring: serde_json::Value =
        serde_json::from_str(&ok(&laptop, &["--json", "keys", "list"])).expect("json");
    assert_eq!(ring["recovery_key"], public.as_str());
    let recovered = run(
        &[
            "keys",
            "recover",
            "--secret-file",
            secret.to_str().expect("utf-8"),
            "--name",
            "赵强",
        ],
        ("FENGQIAO_NEW_PASSPHRASE", "赵强的口令 2027 春"),
    );
    assert!(
        recovered.status.success(),
        "{}",
        String::from_utf8_lossy(&recovered.stderr)
    );
}
