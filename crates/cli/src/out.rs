//! Standard output that a closed pipe cannot crash. `println!` panics when stdout is gone
//! (`fengqiao intake list | head`), so every command prints through [`outln!`], which
//! returns the write error instead; `main` ends quietly with exit 0 on a closed pipe
//! (see [`is_closed_pipe`]), as `head` expects of the command before it.

use std::io::Write;

/// `println!` that returns the error (with `?`) instead of panicking.
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""))?
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))?
    };
}

/// Writes one line to standard output.
pub fn line(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")
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
