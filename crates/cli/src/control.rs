//! Commands while `fengqiao serve` runs: the service holds the data directory (its lock),
//! so another `fengqiao` process cannot open it. The service listens on a local socket in
//! the data directory, `fengqiao.sock`, and runs the commands it is sent on its own open
//! store, on a thread of its own; the caller prints what the command printed and exits
//! with its code.
//!
//! Why this and not two processes on one directory: the store keeps its invariants only
//! as the one writer of its directory (one lock, one samod repo per directory, one
//! sequence of case numbers, one case index), and a running service would neither see
//! nor sync a change another process wrote beside it. Forwarded, a clerk's `case add`
//! is the service's own write: durable before it is acknowledged, and on its way to the
//! connected peers at once.
//!
//! Who may send: only whoever may open the socket, which is created readable and writable
//! by its owner only, inside the data directory — the same people who could read the data
//! directory itself.
//!
//! Protocol (one request per connection): the request is a 4-byte big-endian length and a
//! JSON [`Request`]; the answer is frames of a 1-byte kind (1 standard output, 2 standard
//! error, 3 exit code) and a 4-byte length, then the bytes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fengqiao_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// The socket's file name in the data directory.
pub const SOCKET: &str = "fengqiao.sock";

const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const EXIT: u8 = 3;

/// A request is a command line and what it needs of the caller's terminal; bigger ones are
/// refused (a registration file is a few kilobytes).
const MAX_REQUEST: u32 = 16 * 1024 * 1024;

/// A command line for the service to run.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    /// The arguments after the program's name, as the caller typed them.
    args: Vec<String>,
    /// The caller's working directory: relative paths in `args` are relative to it.
    cwd: PathBuf,
    /// The caller's standard input, for a command that reads it.
    stdin: Option<String>,
}

/// Whether `e` says the data directory is locked by another process.
pub fn is_locked(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| matches!(c.downcast_ref::<StoreError>(), Some(StoreError::Locked(_))))
}

#[cfg(unix)]
pub use unix::{Service, forward};

#[cfg(not(unix))]
pub use elsewhere::{Service, forward};

#[cfg(unix)]
mod unix {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixListener;
    use tokio::task::JoinSet;

    use super::*;

    /// Sends this process's command line to the service running on `data_dir` and copies
    /// its output here. `None` when no service answers there.
    pub fn forward(data_dir: &Path, reads_stdin: bool) -> Result<Option<u8>> {
        let socket = data_dir.join(SOCKET);
        let mut stream = match UnixStream::connect(&socket) {
            Ok(s) => s,
            // No socket, or one left by a service that is gone.
            Err(_) => return Ok(None),
        };
        let args = std::env::args_os()
            .skip(1)
            .map(|a| {
                a.into_string().map_err(|a| {
                    anyhow::anyhow!("参数 {a:?} 不是 UTF-8 文本 (argument is not UTF-8)")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let stdin = if reads_stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("读取标准输入")?;
            Some(text)
        } else {
            None
        };
        let request = serde_json::to_vec(&Request {
            args,
            cwd: std::env::current_dir().context("读取当前目录")?,
            stdin,
        })?;
        let mut sending = || -> std::io::Result<()> {
            stream.write_all(
                &u32::try_from(request.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes(),
            )?;
            stream.write_all(&request)
        };
        sending().with_context(|| format!("向同步服务发送命令（{}）", socket.display()))?;
        let lost = || {
            format!(
                "同步服务（{}）未执行完命令就断开了；命令可能已执行，请用 fengqiao case list 等核对",
                socket.display()
            )
        };
        let mut stdout = std::io::stdout().lock();
        let mut stdout_open = true;
        loop {
            let mut head = [0u8; 5];
            stream.read_exact(&mut head).with_context(lost)?;
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut body = vec![0u8; len];
            stream.read_exact(&mut body).with_context(lost)?;
            match head[0] {
                // A closed pipe here (`| head`) is the reader's choice: keep reading, so
                // the command's exit code still comes back.
                STDOUT if stdout_open => stdout_open = stdout.write_all(&body).is_ok(),
                STDOUT => {}
                STDERR => {
                    let _ = std::io::stderr().lock().write_all(&body);
                }
                EXIT => {
                    let _ = stdout.flush();
                    return Ok(Some(body.first().copied().unwrap_or(2)));
                }
                other => anyhow::bail!("同步服务的回答无法识别（类型 {other}）"),
            }
        }
    }

    /// The running service's end: accepts commands until [`Service::stop`].
    pub struct Service {
        socket: PathBuf,
        accepting: tokio::task::JoinHandle<()>,
        running: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    }

    impl Service {
        /// Listens on the data directory's socket; the commands run on `store`.
        pub fn start(store: Arc<Store>) -> Result<Service> {
            let socket = store.data_dir().join(SOCKET);
            // We hold the directory's lock, so no other service listens here: a socket
            // file is one a stopped service left.
            let _ = std::fs::remove_file(&socket);
            let listener = UnixListener::bind(&socket)
                .with_context(|| format!("无法在 {} 接收命令", socket.display()))?;
            std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("设置 {} 的权限", socket.display()))?;
            let running = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
            let tasks = running.clone();
            let accepting = tokio::spawn(async move {
                loop {
                    let stream = match listener.accept().await {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            // Out of file descriptors, typically: try again shortly.
                            tracing::warn!(error = %e, "could not accept a command");
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                            continue;
                        }
                    };
                    let mut tasks = tasks.lock().await;
                    while tasks.try_join_next().is_some() {}
                    tasks.spawn(answer(stream, store.clone()));
                }
            });
            Ok(Service {
                socket,
                accepting,
                running,
            })
        }

        /// Stops accepting, waits for the commands already running, removes the socket.
        pub async fn stop(self) {
            self.accepting.abort();
            let _ = self.accepting.await;
            let mut running = self.running.lock().await;
            while running.join_next().await.is_some() {}
            let _ = std::fs::remove_file(&self.socket);
        }
    }

    async fn answer(mut stream: tokio::net::UnixStream, store: Arc<Store>) {
        let request = async {
            let len = stream.read_u32().await?;
            if len > MAX_REQUEST {
                return Err(std::io::Error::other("request too large"));
            }
            let mut body = vec![0u8; len as usize];
            stream.read_exact(&mut body).await?;
            serde_json::from_slice::<Request>(&body).map_err(std::io::Error::other)
        };
        let request = match request.await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "a command sent to the service could not be read");
                return;
            }
        };
        // On a thread of its own, outside the runtime: a command may block on the disk or
        // run its own runtime (`ticket` probes this machine's addresses).
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let outcome = run_request(&store, request);
            drop(store);
            let _ = done.send(outcome);
        });
        let Ok((code, capture)) = result.await else {
            return;
        };
        let frames = [
            (STDOUT, capture.stdout),
            (STDERR, capture.stderr),
            (EXIT, vec![code]),
        ];
        for (kind, body) in frames {
            if body.is_empty() && kind != EXIT {
                continue;
            }
            let mut head = vec![kind];
            head.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
            if stream.write_all(&head).await.is_err() || stream.write_all(&body).await.is_err() {
                // The caller went away; the command ran and its writes are saved.
                return;
            }
        }
        let _ = stream.shutdown().await;
    }
}

/// Runs a forwarded command on `store` as `main` would: its output captured, its error
/// printed to its standard error, exit code 2 on failure.
#[cfg_attr(not(unix), allow(dead_code))]
fn run_request(store: &Store, request: Request) -> (u8, crate::out::Capture) {
    let args = std::iter::once("fengqiao".to_owned()).chain(request.args);
    crate::out::captured(&request.cwd, request.stdin.map(String::into_bytes), || {
        let result = match <crate::Cli as clap::Parser>::try_parse_from(args) {
            Ok(cli) => crate::run_on(store, &cli),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        match result {
            Ok(()) => 0,
            Err(e) if crate::out::is_closed_pipe(&e) => 0,
            Err(e) => {
                errln!("错误：{e:#}");
                2
            }
        }
    })
}

#[cfg(not(unix))]
mod elsewhere {
    use std::sync::Arc;

    use super::*;

    /// Without Unix sockets, commands are not forwarded: the lock's message stands.
    pub fn forward(_data_dir: &Path, _reads_stdin: bool) -> Result<Option<u8>> {
        Ok(None)
    }

    /// Nothing listens: other commands wait until the service stops.
    pub struct Service;

    impl Service {
        pub fn start(_store: Arc<Store>) -> Result<Service> {
            Ok(Service)
        }

        pub async fn stop(self) {}
    }
}
