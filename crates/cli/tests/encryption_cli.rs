//! An encrypted data directory through the `fengqiao` binary: a stolen directory shows no
//! petitioner; without the passphrase nothing opens and nothing is touched; a second
//! person's passphrase opens it; a changed passphrase rewrites no data file; the county
//! office's recovery secret opens a laptop whose user left; a flipped byte is damage
//! named by its file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::json;

const PASS: &str = "港口镇 信访办 口令";
const OTHER: &str = "second person's passphrase";

/// Runs `fengqiao --data-dir DIR ARGS…` with `env` set (and no terminal).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fengqiao"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("FENGQIAO_LOG", "warn")
        .env_remove("FENGQIAO_PASSPHRASE")
        .env_remove("FENGQIAO_PASSPHRASE_FILE")
        .env_remove("FENGQIAO_NEW_PASSPHRASE")
        .env_remove("FENGQIAO_RECOVERY_KEY")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run fengqiao")
}

fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run(dir, args, env);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn refused(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run(dir, args, env);
    assert_eq!(
        out.status.code(),
        Some(2),
        "fengqiao {args:?} should be refused: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8")
}

fn with_pass(pass: &str) -> [(&str, &str); 1] {
    [("FENGQIAO_PASSPHRASE", pass)]
}

/// The office's recovery key pair: (secret file, public key).
fn recovery(work: &Path) -> (PathBuf, String) {
    let secret = work.join("recovery.secret");
    let out = ok(
        work,
        &[
            "keys",
            "recovery-new",
            "--secret-out",
            secret.to_str().expect("utf-8"),
        ],
        &[],
    );
    (secret, out.trim().to_owned())
}

/// An encrypted office laptop in `dir` with `cases` demo cases and one case of ours.
fn encrypted_office(dir: &Path, public: &str, cases: usize) {
    ok(
        dir,
        &[
            "init",
            "--device-name",
            "信访局笔记本",
            "--person",
            "李明",
            "--encrypt",
            "--recovery-key",
            public,
        ],
        &with_pass(PASS),
    );
    if cases > 0 {
        ok(
            dir,
            &["demo", "--cases", &cases.to_string(), "--end", "2026-11-30"],
            &with_pass(PASS),
        );
    }
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).expect("metadata");
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Every file's modification time and bytes: what "nothing was touched" compares.
fn state(dir: &Path) -> BTreeMap<PathBuf, (std::time::SystemTime, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|(p, b)| {
            let m = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .expect("mtime");
            (p, (m, b))
        })
        .collect()
}

/// The values of the cases a directory lists that identify a person.
fn petitioner_values(dir: &Path, env: &[(&str, &str)]) -> Vec<String> {
    let list = json(&ok(dir, &["case", "list", "--json"], env));
    let mut values = Vec::new();
    for case in list.as_array().expect("cases").iter().take(8) {
        let number = case["number"].as_str().expect("number");
        let shown = json(&ok(dir, &["case", "show", number, "--json"], env));
        for p in shown["case"]["petitioners"]
            .as_array()
            .expect("petitioners")
        {
            for field in ["name", "id_number", "phone"] {
                if let Some(v) = p[field].as_str().filter(|v| v.chars().count() >= 2) {
                    values.push(v.to_owned());
                }
            }
        }
    }
    values
}

fn holders<'a>(files: &'a BTreeMap<PathBuf, Vec<u8>>, value: &str) -> Vec<&'a PathBuf> {
    files
        .iter()
        .filter(|(_, bytes)| bytes.windows(value.len()).any(|w| w == value.as_bytes()))
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn a_stolen_encrypted_directory_shows_no_petitioner_in_any_file() {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let dir = work.path().join("laptop");
    encrypted_office(&dir, &public, 40);
    let added = json(&ok(
        &dir,
        &[
            "case",
            "add",
            "--json",
            "--township",
            "港口镇",
            "--name=欧阳秀英",
            "--id-number",
            "340881198805126623",
            "--phone",
            "13905561234",
            "--request=反映宅基地被占用",
            "--accept-warnings",
            "--received-on",
            "2026-11-02",
        ],
        &with_pass(PASS),
    ));
    assert!(added["number"].is_string(), "{added}");
    let mut values = petitioner_values(&dir, &with_pass(PASS));
    values.extend(
        [
            "欧阳秀英",
            "340881198805126623",
            "13905561234",
            "宅基地被占用",
        ]
        .map(String::from),
    );
    assert!(values.len() >= 12, "{values:?}");
    let stolen = files(&dir);
    assert!(stolen.len() > 10, "{:?}", stolen.keys());
    for value in &values {
        let found = holders(&stolen, value);
        assert!(found.is_empty(), "“{value}” readable in {found:?}");
    }
    // The same county, plain: the check finds the names, so it looks where they would be.
    let plain = work.path().join("plain");
    ok(
        &plain,
        &["init", "--device-name", "信访局笔记本", "--person", "李明"],
        &[],
    );
    ok(
        &plain,
        &["demo", "--cases", "40", "--end", "2026-11-30"],
        &[],
    );
    let plain_values = petitioner_values(&plain, &[]);
    let plain_files = files(&plain);
    assert!(
        plain_values
            .iter()
            .any(|v| !holders(&plain_files, v).is_empty()),
        "a plain directory shows none of {plain_values:?}: the check proves nothing"
    );
}

#[test]
fn without_the_passphrase_nothing_opens_and_nothing_is_touched() {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let dir = work.path().join("laptop");
    encrypted_office(&dir, &public, 0);
    let before = state(&dir);
    let started = Instant::now();
    let err = refused(&dir, &["case", "list"], &with_pass("not the passphrase"));
    assert!(err.contains("口令不正确"), "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "a wrong passphrase is refused after a delay"
    );
    let err = refused(&dir, &["case", "list"], &[]);
    assert!(
        err.contains("已加密") && err.contains("FENGQIAO_PASSPHRASE"),
        "{err}"
    );
    refused(&dir, &["verify"], &with_pass("not the passphrase"));
    refused(
        &dir,
        &["keys", "add", "--name", "王芳"],
        &[
            ("FENGQIAO_PASSPHRASE", "not the passphrase"),
            ("FENGQIAO_NEW_PASSPHRASE", OTHER),
        ],
    );
    assert_eq!(state(&dir), before, "a refused open changed the directory");
    // From a file, as a service reads it.
    let file = work.path().join("pass");
    std::fs::write(&file, format!("{PASS}\n")).expect("write");
    ok(
        &dir,
        &["case", "list"],
        &[("FENGQIAO_PASSPHRASE_FILE", file.to_str().expect("utf-8"))],
    );
    ok(&dir, &["verify"], &with_pass(PASS));
}

#[test]
fn a_second_person_opens_and_a_changed_passphrase_rewrites_no_data_file() {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let dir = work.path().join("laptop");
    encrypted_office(&dir, &public, 20);
    ok(
        &dir,
        &["keys", "add", "--name", "王芳"],
        &[
            ("FENGQIAO_PASSPHRASE", PASS),
            ("FENGQIAO_NEW_PASSPHRASE", OTHER),
        ],
    );
    let listed = json(&ok(&dir, &["case", "list", "--json"], &with_pass(OTHER)));
    assert_eq!(listed.as_array().expect("cases").len(), 20);
    let before = state(&dir);
    ok(
        &dir,
        &["keys", "change", "--name", "李明"],
        &[
            ("FENGQIAO_PASSPHRASE", OTHER),
            ("FENGQIAO_NEW_PASSPHRASE", "李明的新口令 2027"),
        ],
    );
    let after = state(&dir);
    let keyring = dir.join("keyring.json");
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(v))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(changed, [&keyring], "a passphrase change rewrote data");
    let err = refused(&dir, &["case", "list"], &with_pass(PASS));
    assert!(err.contains("口令不正确"), "{err}");
    ok(&dir, &["case", "list"], &with_pass("李明的新口令 2027"));
    // Who can open it, without secrets.
    let keys = ok(&dir, &["keys", "list"], &[]);
    assert!(
        keys.contains("李明") && keys.contains("王芳") && keys.contains(&public),
        "{keys}"
    );
    for secret in [PASS, OTHER, "李明的新口令 2027"] {
        assert!(!keys.contains(secret));
        assert!(
            !std::fs::read_to_string(&keyring)
                .expect("keyring")
                .contains(secret)
        );
    }
    ok(
        &dir,
        &["keys", "remove", "--name", "王芳"],
        &with_pass("李明的新口令 2027"),
    );
    let err = refused(&dir, &["case", "list"], &with_pass(OTHER));
    assert!(err.contains("口令不正确"), "{err}");
    let err = refused(
        &dir,
        &["keys", "remove", "--name", "李明"],
        &with_pass("李明的新口令 2027"),
    );
    assert!(err.contains("最后一个口令"), "{err}");
}

#[test]
fn the_office_opens_a_laptop_whose_user_left_with_its_recovery_secret() {
    let work = tempfile::tempdir().expect("tmp");
    let (secret, public) = recovery(work.path());
    let dir = work.path().join("laptop");
    encrypted_office(&dir, &public, 5);
    // Another office's secret does not open it.
    let (wrong, _) = {
        let other = work.path().join("other");
        std::fs::create_dir_all(&other).expect("mkdir");
        recovery(&other)
    };
    let err = refused(
        &dir,
        &[
            "keys",
            "recover",
            "--secret-file",
            wrong.to_str().expect("utf-8"),
            "--name",
            "赵强",
        ],
        &[("FENGQIAO_NEW_PASSPHRASE", "赵强的口令 2027")],
    );
    assert!(err.contains("恢复密钥不正确"), "{err}");
    ok(
        &dir,
        &[
            "keys",
            "recover",
            "--secret-file",
            secret.to_str().expect("utf-8"),
            "--name",
            "赵强",
        ],
        &[("FENGQIAO_NEW_PASSPHRASE", "赵强的口令 2027")],
    );
    let listed = json(&ok(
        &dir,
        &["case", "list", "--json"],
        &with_pass("赵强的口令 2027"),
    ));
    assert_eq!(listed.as_array().expect("cases").len(), 5);
}

/// The recovery key is the county's word, from its directory: the office publishes it; a
/// plain laptop encrypted with no key given is wrapped for it, and a different key given
/// is refused; when the office rotates it, the laptop's next open wraps for the new one,
/// and the old secret no longer opens the laptop.
#[test]
fn the_recovery_key_comes_from_the_county_directory_and_follows_its_rotation() {
    let work = tempfile::tempdir().expect("tmp");
    let key_pair = |name: &str| {
        let at = work.path().join(name);
        std::fs::create_dir_all(&at).expect("mkdir");
        recovery(&at)
    };
    let (first_secret, first) = key_pair("first");
    let (_, stranger) = key_pair("stranger");
    let (second_secret, second) = key_pair("second");
    let dir = work.path().join("office");
    ok(
        &dir,
        &["init", "--device-name", "信访局笔记本", "--person", "李明"],
        &[],
    );
    ok(&dir, &["demo", "--cases", "3", "--end", "2026-11-30"], &[]);

    let err = refused(&dir, &["keys", "encrypt"], &with_pass(PASS));
    assert!(err.contains("keys recovery-publish"), "{err}");
    ok(&dir, &["keys", "recovery-publish", &first], &[]);
    let err = refused(
        &dir,
        &["keys", "encrypt", "--recovery-key", &stranger],
        &with_pass(PASS),
    );
    assert!(err.contains("与县目录中登记的"), "{err}");
    assert!(
        !fengqiao_store::Keyring::exists(&dir),
        "a refused encrypt began"
    );
    ok(&dir, &["keys", "encrypt"], &with_pass(PASS));
    let ring = json(&ok(&dir, &["keys", "list", "--json"], &[]));
    assert_eq!(ring["recovery_key"], first.as_str());

    // The office rotates its key; the laptop's next open wraps the data key for it.
    ok(
        &dir,
        &["keys", "recovery-publish", &second],
        &with_pass(PASS),
    );
    ok(&dir, &["case", "list", "--json"], &with_pass(PASS));
    let ring = json(&ok(&dir, &["keys", "list", "--json"], &[]));
    assert_eq!(ring["recovery_key"], second.as_str());
    let recover = |secret: &Path| {
        run(
            &dir,
            &[
                "keys",
                "recover",
                "--secret-file",
                secret.to_str().expect("utf-8"),
                "--name",
                "赵强",
            ],
            &[("FENGQIAO_NEW_PASSPHRASE", "赵强的口令 2027")],
        )
    };
    let old = recover(&first_secret);
    assert_eq!(
        old.status.code(),
        Some(2),
        "the rotated-out secret opened it"
    );
    assert!(String::from_utf8_lossy(&old.stderr).contains("恢复密钥不正确"));
    assert!(recover(&second_secret).status.success());
    let listed = json(&ok(
        &dir,
        &["case", "list", "--json"],
        &with_pass("赵强的口令 2027"),
    ));
    assert_eq!(listed.as_array().expect("cases").len(), 3);
}

#[test]
fn a_flipped_byte_in_a_sealed_file_is_damage_named_by_its_file() {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let dir = work.path().join("laptop");
    encrypted_office(&dir, &public, 10);
    // A document file: the biggest, which holds the cases.
    let (victim, bytes) = files(&dir.join("documents"))
        .into_iter()
        .max_by_key(|(_, b)| b.len())
        .expect("a document file");
    let mut flipped = bytes.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x01;
    std::fs::write(&victim, &flipped).expect("write");
    let name = victim
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let out = run(&dir, &["doctor"], &with_pass(PASS));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(&name) && text.contains("认证失败"), "{text}");
    // The device key, flipped: refused by name, not used.
    let key = dir.join("device.key");
    let mut bytes = std::fs::read(&key).expect("key");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&key, &bytes).expect("write");
    let err = refused(&dir, &["case", "list"], &with_pass(PASS));
    assert!(err.contains("device.key"), "{err}");
}

/// Bytes the storage holds (documents and journal).
fn stored_bytes(dir: &Path) -> u64 {
    files(dir)
        .iter()
        .filter(|(p, _)| {
            p.starts_with(dir.join("documents")) || p.starts_with(dir.join("documents.journal"))
        })
        .map(|(_, b)| b.len() as u64)
        .sum()
}

#[test]
fn an_import_killed_with_sigkill_in_an_encrypted_directory_leaves_nothing_plain_and_runs_again_to_the_end()
 {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    // The county's cases, exported from a plain laptop.
    let plain = work.path().join("plain");
    ok(
        &plain,
        &["init", "--device-name", "信访局笔记本", "--person", "李明"],
        &[],
    );
    ok(
        &plain,
        &["demo", "--cases", "600", "--end", "2026-11-30"],
        &[],
    );
    let file = work.path().join("cases.csv");
    ok(
        &plain,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            file.to_str().expect("utf-8"),
        ],
        &[],
    );
    let values = petitioner_values(&plain, &[]);
    let mut partial = 0;
    for (i, written) in [1u64, 32 << 10, 256 << 10].into_iter().enumerate() {
        let dir = work.path().join(format!("laptop{i}"));
        encrypted_office(&dir, &public, 0);
        let before = stored_bytes(&dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(&dir)
            .args(["import", "cases", file.to_str().expect("utf-8"), "--json"])
            .env("FENGQIAO_PASSPHRASE", PASS)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let started = Instant::now();
        while stored_bytes(&dir) < before + written
            && child.try_wait().expect("poll").is_none()
            && started.elapsed() < Duration::from_secs(120)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // What the kill left (a journal with sealed frames, files half renamed) shows none
        // of the petitioners.
        let left = files(&dir);
        for value in &values {
            let found = holders(&left, value);
            assert!(
                found.is_empty(),
                "“{value}” readable after the kill in {found:?}"
            );
        }
        let cut = json(&ok(&dir, &["case", "list", "--json"], &with_pass(PASS)))
            .as_array()
            .expect("cases")
            .len();
        if cut < 600 {
            partial += 1;
        }
        ok(
            &dir,
            &["import", "cases", file.to_str().expect("utf-8"), "--json"],
            &with_pass(PASS),
        );
        let listed = json(&ok(&dir, &["case", "list", "--json"], &with_pass(PASS)));
        let numbers: std::collections::BTreeSet<&str> = listed
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["source_number"].as_str())
            .collect();
        assert_eq!(
            numbers.len(),
            600,
            "killed after {cut} cases: every case once"
        );
        assert_eq!(listed.as_array().expect("cases").len(), 600);
        ok(&dir, &["doctor"], &with_pass(PASS));
    }
    assert!(partial > 0, "no kill landed before the import ended");
}

/// Copies a directory tree (a pristine plain laptop for each kill).
fn copy_tree(from: &Path, to: &Path) {
    for (path, bytes) in files(from) {
        let target = to.join(path.strip_prefix(from).expect("under"));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(&target, bytes).expect("copy");
    }
}

#[test]
fn encrypting_in_place_killed_at_any_point_leaves_a_directory_that_opens_whole() {
    use std::io::{BufRead, BufReader};
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let pristine = work.path().join("pristine");
    ok(
        &pristine,
        &["init", "--device-name", "信访局笔记本", "--person", "李明"],
        &[],
    );
    ok(
        &pristine,
        &["demo", "--cases", "300", "--end", "2026-11-30"],
        &[],
    );
    let values = petitioner_values(&pristine, &[]);
    let mut mid_conversion = 0;
    // Killed before the keyring is written (0), and after 1, 40 and 150 files are sealed.
    for (round, after) in [0usize, 1, 40, 150].into_iter().enumerate() {
        let dir = work.path().join(format!("laptop{round}"));
        copy_tree(&pristine, &dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_fengqiao"))
            .arg("--data-dir")
            .arg(&dir)
            .args(["keys", "encrypt", "--recovery-key", &public])
            .env("FENGQIAO_PASSPHRASE", PASS)
            .env("FENGQIAO_LOG", "fengqiao_store::encrypt=info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let mut sealed = 0;
        if after > 0 {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("sealed") {
                    sealed += 1;
                    if sealed >= after {
                        break;
                    }
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let ring = dir.join("keyring.json");
        let converting = std::fs::read_to_string(&ring)
            .ok()
            .map(|t| json(&t)["converting"].as_bool().expect("converting"));
        if converting == Some(true) {
            mid_conversion += 1;
        }
        // It opens, plain or encrypted, with every case.
        let env: &[(&str, &str)] = if converting.is_some() {
            &with_pass(PASS)
        } else {
            &[]
        };
        let listed = json(&ok(&dir, &["case", "list", "--json"], env));
        assert_eq!(
            listed.as_array().expect("cases").len(),
            300,
            "round {round} (killed after {sealed} files, keyring: {converting:?})"
        );
        ok(&dir, &["doctor"], env);
        // Finished, by the open or by running the command again: nothing plain is left.
        if converting.is_none() {
            ok(
                &dir,
                &["keys", "encrypt", "--recovery-key", &public],
                &with_pass(PASS),
            );
        }
        let ring = json(&std::fs::read_to_string(&ring).expect("keyring"));
        assert_eq!(ring["converting"], false, "round {round}");
        let left = files(&dir);
        for value in &values {
            let found = holders(&left, value);
            assert!(
                found.is_empty(),
                "round {round}: “{value}” readable in {found:?}"
            );
        }
        let listed = json(&ok(&dir, &["case", "list", "--json"], &with_pass(PASS)));
        assert_eq!(listed.as_array().expect("cases").len(), 300);
        ok(&dir, &["verify"], &with_pass(PASS));
    }
    assert!(
        mid_conversion >= 2,
        "only {mid_conversion} kills landed in the middle of the conversion"
    );
}

/// Attachments are the most sensitive bytes a laptop holds (an accusation letter, an ID
/// copy): sealed when attached to an encrypted directory, and sealed by an encryption in
/// place, including one that happens to begin like a sealed file.
#[test]
fn attachments_are_sealed_when_attached_and_by_an_encryption_in_place() {
    let work = tempfile::tempdir().expect("tmp");
    let (_, public) = recovery(work.path());
    let letter_text = "检举信：欧阳秀英反映村主任侵占集体土地补偿款".repeat(50);
    let letter = work.path().join("来信.txt");
    std::fs::write(&letter, &letter_text).expect("write");
    // Bytes a petitioner's file may hold: the start of a sealed file, then the text.
    let lookalike = work.path().join("扫描.bin");
    std::fs::write(&lookalike, format!("FQS1{letter_text}")).expect("write");
    let attach_both = |dir: &Path, env: &[(&str, &str)]| {
        let case = json(&ok(
            dir,
            &[
                "case",
                "add",
                "--json",
                "--township",
                "港口镇",
                "--name=欧阳秀英",
                "--request=反映土地补偿款被侵占",
            ],
            env,
        ))["number"]
            .as_str()
            .expect("number")
            .to_owned();
        for file in [&letter, &lookalike] {
            ok(dir, &["attach", &case, file.to_str().expect("path")], env);
        }
        case
    };
    let leaks = |dir: &Path| holders(&files(dir), "侵占集体土地").len();

    let encrypted = work.path().join("encrypted");
    encrypted_office(&encrypted, &public, 0);
    attach_both(&encrypted, &with_pass(PASS));
    assert_eq!(leaks(&encrypted), 0, "attached to an encrypted directory");

    let plain = work.path().join("plain");
    ok(
        &plain,
        &["init", "--device-name", "信访局笔记本", "--person", "李明"],
        &[],
    );
    let case = attach_both(&plain, &[]);
    assert_eq!(leaks(&plain), 2, "the check looks where the bytes are");
    ok(
        &plain,
        &["keys", "encrypt", "--recovery-key", &public],
        &with_pass(PASS),
    );
    assert_eq!(leaks(&plain), 0, "encrypted in place");
    let listed = json(&ok(
        &plain,
        &["attachments", &case, "--json"],
        &with_pass(PASS),
    ));
    for a in listed.as_array().expect("list") {
        let out = work.path().join("back");
        ok(
            &plain,
            &[
                "attachment",
                "get",
                a["hash"].as_str().expect("hash"),
                "--out",
                out.to_str().expect("path"),
            ],
            &with_pass(PASS),
        );
        let back = std::fs::read_to_string(&out).expect("read");
        assert!(
            back.ends_with(&letter_text),
            "{} reads back",
            a["file_name"]
        );
    }
}
