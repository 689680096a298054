//! `fengqiao`: a thin binary over the `fengqiao_cli` library: parse arguments, set up
//! logging, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use fengqiao_cli::{Cli, is_closed_pipe, run};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FENGQIAO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`fengqiao … | head`) ends quietly: the reader has what it wanted.
            if is_closed_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}
