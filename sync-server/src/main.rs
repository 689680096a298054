//! `fengqiao-sync-server`: the command line over the library (see `lib.rs`).

fn main() -> std::process::ExitCode {
    fengqiao_sync_server::cli::main()
}
