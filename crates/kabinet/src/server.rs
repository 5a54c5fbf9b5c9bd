//! Opening the database and running the HTTP server and the worker, with graceful
//! shutdown: requests in flight finish (within `shutdown_grace_secs`), the worker
//! finishes the event in hand, then the pool closes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kabinet_app::notify::{Mailer, SmsGateway, Worker};
use kabinet_app::{App, Clock, Settings};
use kabinet_store::{Dialect, Store, StoreError, StoreOptions, migrate};
use kabinet_web::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why kabinet could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration value is unusable (the message names the key).
    #[error("{0}")]
    Config(String),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database has migrations that were not applied and `migrate_on_start` is off.
    #[error(
        "the database at {target} lacks migrations {pending:?}; run `kabinet migrate` or set KABINET_MIGRATE_ON_START=true"
    )]
    Pending {
        /// The database (password redacted).
        target: String,
        /// Versions not applied.
        pending: Vec<i64>,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr} (KABINET_LISTEN): {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The metrics address could not be bound.
    #[error("cannot listen on {addr} (KABINET_METRICS_LISTEN): {source}")]
    MetricsListen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A directory under `data_dir` could not be created.
    #[error("cannot create {path} (KABINET_DATA_DIR): {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens the database (creating the embedded default's directories), applies or checks
/// migrations, and assembles the application.
pub async fn open(settings: Arc<Settings>, clock: Arc<dyn Clock>) -> Result<App, StartError> {
    if Dialect::from_url(settings.database_url())? == Dialect::Sqlite {
        let mut dirs = vec![settings.data_dir.clone(), settings.files_dir()];
        if let Some(parent) = sqlite_parent(settings.database_url()) {
            dirs.push(parent);
        }
        for dir in dirs {
            std::fs::create_dir_all(&dir).map_err(|source| StartError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    let options = StoreOptions {
        max_connections: settings.database_max_connections,
        ..StoreOptions::default()
    };
    let store = Store::connect(settings.database_url(), &options).await?;
    if settings.migrate_on_start {
        let report = migrate::run(&store).await?;
        if !report.applied.is_empty() {
            tracing::info!(applied = ?report.applied, "migrations applied");
        }
        if !report.unknown.is_empty() {
            tracing::warn!(unknown = ?report.unknown, "the database was migrated by a newer release");
        }
    } else {
        let pending = migrate::pending(&store).await?;
        if !pending.is_empty() {
            return Err(StartError::Pending {
                target: settings.database_target(),
                pending,
            });
        }
    }
    let app = App::new(store, settings, clock).map_err(StartError::Config)?;
    if app.settings.demo {
        match kabinet_app::demo::load(&app).await {
            Ok(n) if n > 0 => tracing::info!(
                login = kabinet_app::demo::DEMO_LOGIN,
                password = kabinet_app::demo::DEMO_PASSWORD,
                "demo account created"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "demo data not loaded"),
        }
    }
    Ok(app)
}

fn sqlite_parent(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
}

/// The delivery channels configured in the settings.
pub fn channels(settings: &Settings) -> Result<(Mailer, SmsGateway), StartError> {
    let mailer = Mailer::from_settings(settings).map_err(StartError::Config)?;
    let sms = SmsGateway::from_settings(settings).map_err(StartError::Config)?;
    if matches!(mailer, Mailer::Log) || matches!(sms, SmsGateway::Log) {
        tracing::warn!(
            "mail or SMS is printed to the log (KABINET_SMTP_URL / KABINET_SMS_GATEWAY_URL unset): for development only"
        );
    }
    Ok((mailer, sms))
}

/// Binds the configured address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })
}

/// A running server (and its worker, when enabled).
pub struct Server {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    shutdown: Arc<watch::Sender<bool>>,
    done: JoinHandle<()>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The separate metrics address (`metrics.listen`), when configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Stops accepting, lets requests in flight and the worker's current event finish,
    /// closes the database pool.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.done.await;
    }
}

/// Starts serving `app` on `listener`; the worker runs in process when enabled.
pub async fn start(app: App, listener: TcpListener) -> Result<Server, StartError> {
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: app.settings.listen,
        source,
    })?;
    let state = AppState::new(app.clone()).map_err(StartError::Config)?;
    let (shutdown, stop) = watch::channel(false);
    let metrics_addr = match app.settings.metrics_listen {
        Some(addr) => Some(serve_metrics(addr, state.clone(), stop.clone()).await?),
        None => None,
    };
    let router = kabinet_web::router(state);
    let shutdown = Arc::new(shutdown);
    let stop_all = Arc::clone(&shutdown);
    let worker = if app.settings.worker {
        let (mailer, sms) = channels(&app.settings)?;
        let worker = Worker::new(app.clone(), mailer, sms);
        Some(tokio::spawn(worker.run(stop.clone())))
    } else {
        None
    };
    let grace = Duration::from_secs(app.settings.shutdown_grace_secs);
    let done = tokio::spawn(async move {
        let mut stop_serving = stop.clone();
        let serve = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop_serving.wait_for(|s| *s).await;
        });
        let mut stop_grace = stop.clone();
        let deadline = async move {
            let _ = stop_grace.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            result = serve.into_future() => {
                if let Err(e) = result {
                    tracing::error!(error = %e, "the HTTP server failed");
                }
            }
            _ = deadline => tracing::warn!("requests still running after the grace period; stopping anyway"),
        }
        // Also when the server ended on its own: the worker must not run on alone.
        stop_all.send_replace(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        app.store.close().await;
        tracing::info!("stopped");
    });
    Ok(Server {
        addr,
        metrics_addr,
        shutdown,
        done,
    })
}

/// Serves `GET /metrics` without a token on `addr` (`metrics.listen`) until `stop`.
async fn serve_metrics(
    addr: SocketAddr,
    state: AppState,
    mut stop: watch::Receiver<bool>,
) -> Result<SocketAddr, StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::MetricsListen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::MetricsListen { addr, source })?;
    let router = kabinet_web::metrics_router(state);
    tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    tracing::info!(address = %bound, "metrics served without a token (metrics.listen)");
    Ok(bound)
}
