//! Running the `fengqiao` binary from the CLI's tests: each test file uses what it needs.
#![allow(dead_code)]

pub mod serve;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `fengqiao --data-dir DIR ARGS…`.
pub fn fengqiao(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fengqiao"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("FENGQIAO_LOG", "warn")
        .output()
        .expect("run fengqiao")
}

/// Runs a command that must succeed; returns standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = fengqiao(dir, args);
    assert!(
        out.status.success(),
        "fengqiao {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs a command that must fail (any code); returns standard error.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = fengqiao(dir, args);
    assert!(
        !out.status.success(),
        "fengqiao {args:?} should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8")
}

/// Runs a command that must fail with exit code 2; returns (stdout, stderr).
pub fn fails_2(dir: &Path, args: &[&str]) -> (String, String) {
    let out = fengqiao(dir, args);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(
        out.status.code(),
        Some(2),
        "fengqiao {args:?} should exit 2; stdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

/// Runs a command that must be refused with exit code 2; returns standard error.
pub fn refused(dir: &Path, args: &[&str]) -> String {
    fails_2(dir, args).1
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
