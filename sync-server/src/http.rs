//! One way to run an HTTP listener (admin, WebSocket, intake form, calendar feeds) until
//! the server stops it: served on its own task, stopped gracefully, its failure logged.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A listener being served.
#[derive(Debug)]
pub struct HttpTask {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl HttpTask {
    /// Serves `router` on `listener`, handlers seeing the client's address, until
    /// [`HttpTask::stop`]; `what` names it in the log if serving fails.
    pub fn spawn(listener: TcpListener, router: Router, what: &'static str) -> HttpTask {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, listener = what, "HTTP listener failed");
            }
        });
        HttpTask {
            stop: Some(stop),
            task,
        }
    }

    /// Stops taking new connections; in-flight requests finish (see [`HttpTask::finished`]).
    pub fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits until serving has ended.
    pub async fn finished(self) {
        let _ = self.task.await;
    }

    /// Stops taking connections and waits for in-flight requests.
    pub async fn stop(mut self) {
        self.signal_stop();
        self.finished().await;
    }
}
