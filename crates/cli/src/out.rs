//! The command's terminal: standard output that a closed pipe cannot crash, standard error,
//! standard input and the paths the user typed.
//!
//! `println!` panics when stdout is gone (`fengqiao intake list | head`), so every command
//! prints through [`outln!`] or [`stdout`], which return the write error instead; `main`
//! ends quietly with exit 0 on a closed pipe (see [`is_closed_pipe`]), as `head` expects of
//! the command before it.
//!
//! A command forwarded to the running `fengqiao serve` (see `control.rs`) runs on a thread
//! of that process: [`captured`] collects what it prints, gives it the caller's standard
//! input, and resolves the paths it was given against the caller's working directory
//! ([`user_path`]), so the command behaves as if it ran in the caller's terminal.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `println!` that returns the error (with `?`) instead of panicking.
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""))?
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))?
    };
}

/// `eprintln!` that goes where the command's standard error is (the caller's, when the
/// command was forwarded to the running service).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!($($arg)*))
    };
}

/// What a forwarded command printed, and what it was given.
#[derive(Debug, Default)]
pub struct Capture {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The caller's standard input, when the command reads it (`case add --file -`).
    stdin: Option<Vec<u8>>,
    /// The caller's working directory: relative paths are resolved against it.
    cwd: PathBuf,
}

thread_local! {
    static CAPTURE: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread with its output captured, `stdin` as its standard input and
/// relative paths resolved against `cwd`.
pub fn captured<T>(cwd: &Path, stdin: Option<Vec<u8>>, f: impl FnOnce() -> T) -> (T, Capture) {
    CAPTURE.with(|c| {
        *c.borrow_mut() = Some(Capture {
            stdin,
            cwd: cwd.to_owned(),
            ..Capture::default()
        })
    });
    let result = f();
    let capture = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, capture)
}

fn capturing() -> bool {
    CAPTURE.with(|c| c.borrow().is_some())
}

/// The command's standard output.
pub enum Stdout {
    Terminal(std::io::StdoutLock<'static>),
    Captured,
}

/// The command's standard output (locked while the value lives).
pub fn stdout() -> Stdout {
    if capturing() {
        Stdout::Captured
    } else {
        Stdout::Terminal(std::io::stdout().lock())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stdout::Terminal(out) => out.write(buf),
            Stdout::Captured => {
                CAPTURE.with(|c| {
                    if let Some(c) = c.borrow_mut().as_mut() {
                        c.stdout.extend_from_slice(buf);
                    }
                });
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stdout::Terminal(out) => out.flush(),
            Stdout::Captured => Ok(()),
        }
    }
}

/// Whether this thread's output is captured (a command forwarded to `fengqiao serve`):
/// progress bars would be drawn in the service's terminal, not the caller's.
pub fn is_captured() -> bool {
    CAPTURE.with(|c| c.borrow().is_some())
}

/// Writes one line to standard output.
pub fn line(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = stdout();
    out.write_fmt(args)?;
    out.write_all(b"\n")
}

/// Writes one line to standard error (a failing terminal is ignored, as `eprintln!` would
/// panic on it).
pub fn err_line(args: std::fmt::Arguments<'_>) {
    let text = format!("{args}\n");
    let captured = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(c) => {
            c.stderr.extend_from_slice(text.as_bytes());
            true
        }
        None => false,
    });
    if !captured {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// All of standard input.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    if let Some(given) = CAPTURE.with(|c| c.borrow().as_ref().map(|c| c.stdin.clone())) {
        return given.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "没有读到标准输入 (no standard input was passed on)",
            )
        });
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)?;
    Ok(bytes)
}

/// A path argument as the user meant it: relative to their working directory (the
/// caller's, for a forwarded command). `-` (standard input or output) stays as it is.
pub fn user_path(text: &str) -> Result<PathBuf, std::convert::Infallible> {
    let path = PathBuf::from(text);
    if text == "-" || path.is_absolute() {
        return Ok(path);
    }
    Ok(CAPTURE
        .with(|c| c.borrow().as_ref().map(|c| c.cwd.join(&path)))
        .unwrap_or(path))
}

/// Whether an error is (caused by) writing to a closed standard output.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<csv::Error>().is_some_and(|c| {
                matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}
