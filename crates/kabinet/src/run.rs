//! The long-running commands: `kabinet serve` and `kabinet worker`, stopping gracefully
//! on Ctrl+C or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use kabinet_app::notify::Worker;
use kabinet_app::{Settings, SystemClock};

use crate::cli::start_failure;
use crate::server;

/// Waits for Ctrl+C or SIGTERM. The handlers are installed when this is called (not
/// when it is first awaited), so a signal that comes right after start-up is not lost
/// to the default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => Some((term, int)),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT");
                None
            }
        }
    };
    async move {
        #[cfg(unix)]
        match streams {
            Some((mut term, mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

pub(crate) async fn serve(settings: Arc<Settings>) -> ExitCode {
    let app = match server::open(Arc::clone(&settings), Arc::new(SystemClock)).await {
        Ok(app) => app,
        Err(e) => return start_failure(e),
    };
    if settings.demo {
        tracing::info!("demo mode is on (KABINET_DEMO)");
    }
    let listener = match server::bind(settings.listen).await {
        Ok(l) => l,
        Err(e) => return start_failure(e),
    };
    let server = match server::start(app, listener).await {
        Ok(s) => s,
        Err(e) => return start_failure(e),
    };
    let url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", server.addr()));
    let stop = shutdown_signal();
    tracing::info!(%url, database = %settings.database_target(), "kabinet is ready");
    println!("kabinet is running at {url}/ (stop with Ctrl+C)");
    stop.await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

pub(crate) async fn worker(settings: Arc<Settings>) -> ExitCode {
    let app = match server::open(Arc::clone(&settings), Arc::new(SystemClock)).await {
        Ok(app) => app,
        Err(e) => return start_failure(e),
    };
    let (mailer, sms) = match server::channels(&settings) {
        Ok(c) => c,
        Err(e) => return start_failure(e),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(Worker::new(app.clone(), mailer, sms).run(stop_rx));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = task.await;
    app.store.close().await;
    ExitCode::SUCCESS
}
