//! `fengqiao`: a thin binary over the `fengqiao_cli` library: parse arguments, set up
//! logging, run (or, while `fengqiao serve` holds the data directory, have it run the
//! command), map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use fengqiao_cli::{Cli, control, is_closed_pipe, run_here};

/// Logging: warnings a user can act on by default, more with `-v`/`-vv`; `FENGQIAO_LOG` or
/// `RUST_LOG`, when set, choose exactly.
///
/// By default other crates show only their errors, and two not even those: automerge logs
/// a failed load as an error though it returns the error to us, and we decide (a sync
/// message that is not a document is read as changes); samod logs a connection that
/// failed, which sync rounds report to the user in their own words, and which a laptop
/// closing its lid causes daily.
fn init_logging(verbose: u8) {
    let chosen = ["FENGQIAO_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok());
    let filter = chosen.unwrap_or_else(|| {
        tracing_subscriber::EnvFilter::new(match verbose {
            0 => "error,automerge=off,samod=off,fengqiao=warn",
            1 => "warn,automerge=error,fengqiao=info",
            2 => "info,fengqiao=debug",
            _ => "debug,fengqiao=trace",
        })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The exit code of a finished command, having printed its error.
fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`fengqiao … | head`) ends quietly: the reader has what it wanted.
        Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run_here(&cli) {
        // The store is opened before anything else happens: when the running `fengqiao
        // serve` holds the directory, it runs the command instead.
        Err(e) if control::is_locked(&e) => {
            let forwarded = cli
                .data_dir()
                .and_then(|dir| control::forward(&dir, cli.command.reads_stdin()));
            match forwarded {
                Ok(Some(code)) => ExitCode::from(code),
                // Nothing answers: the desktop app (or another command) has the directory.
                Ok(None) => finish(Err(e.context(
                    "另一个 Fengqiao 进程（桌面应用或正在执行的命令）正在使用数据目录；请稍后再试，或关闭桌面应用后再运行此命令",
                ))),
                Err(forward_error) => finish(Err(forward_error)),
            }
        }
        result => finish(result),
    }
}
