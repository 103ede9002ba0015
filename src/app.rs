//! Builds a running node: opens the store, builds the federation configuration, the
//! router and the workers for the node's role. The only room that knows every other.

use crate::{
    config::Config,
    config::Role,
    federation,
    state::AppState,
    store::{BackendKind, Store},
    web,
};
use activitypub_federation::config::FederationMiddleware;
use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

/// The whole HTTP application, as tests and `serve` use it.
pub async fn app(state: AppState) -> anyhow::Result<(Router, federation::Data)> {
    let federation = federation::federation_config(state.clone()).await?;
    let data = federation.to_request_data();
    let router = web::routes()
        .with_state(state)
        .layer(FederationMiddleware::new(federation))
        .layer(axum::extract::DefaultBodyLimit::max(
            federation::inbox::MAX_ACTIVITY_BYTES,
        ))
        // Pages and JSON gzipped for slow village connections (images are already
        // compressed and are left alone by the default predicate).
        .layer(tower_http::compression::CompressionLayer::new())
        // Every log line of a request names it (method, path, id).
        .layer(axum::middleware::from_fn(web::request_span::span))
        // Outermost, so that every answer carries them, refusals of the layers too.
        .layer(axum::middleware::map_response(web::safety::headers));
    Ok((router, data))
}

/// One site, open: its state, its router and its workers (deliveries, received
/// activities, scheduled posts, retention, and the portal's jobs for a portal). A node
/// serves one site on its listener; a hosting node (`serve` on a directory holding
/// several, docs/adr/0002-many-sites-in-one-process.md) serves many, chosen by `Host`.
pub struct Site {
    pub state: AppState,
    pub router: Router,
    workers: Vec<tokio::task::JoinHandle<()>>,
    /// Held while serving a SQLite site: one server per data directory.
    _lock: Option<std::fs::File>,
}

/// Takes the data directory's server lock (released by the OS when the process dies,
/// even by SIGKILL), so a second `serve` on the same SQLite node refuses to start instead
/// of taking back the first one's work.
fn lock_if_sqlite(config: &Config) -> anyhow::Result<Option<std::fs::File>> {
    match BackendKind::of_url(config.database_url())? {
        BackendKind::Sqlite => lock_data_dir(&config.dir).map(Some),
        BackendKind::Postgres => Ok(None),
    }
}

/// Refuses at once when another `serve` holds the site's directory, before anything is
/// bound or opened: the lock itself is taken again by [`Site::open`].
pub fn refuse_if_served(config: &Config) -> anyhow::Result<()> {
    lock_if_sqlite(config).map(drop)
}

fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("kentongan.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    crate::data_dir::make_private(&path)
        .with_context(|| format!("cannot make {} private", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            anyhow::bail!(
                "another kentongan serve is already running with {}",
                dir.display()
            )
        }
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

impl Site {
    /// Opens the site of `config` (taking its directory's lock on SQLite) and starts its
    /// workers.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        let lock = lock_if_sqlite(&config)?;
        let store = Store::connect(config.database_url()).await?;
        if lock.is_some() {
            // The lock makes this the only server of the file, so every lease is one of
            // a previous run that died: take the work back at once.
            store.release_all_leases().await?;
        }
        if config.role == Role::Village {
            crate::site::ensure_defaults(&store).await?;
        }
        let state = AppState::new(config, store);
        // Nodes made before there were default bios, account pictures and a privacy
        // policy get them now; followers hear of a changed profile through the queue.
        // Cosmetic: a node that cannot do it still serves (and tries again next start).
        if let Err(err) =
            crate::site::profile::ensure(&state.store, &state.urls, state.config.role).await
        {
            tracing::error!(error = %format!("{err:#}"), "could not complete the profile");
        }
        let (router, data) = app(state.clone()).await?;
        let mut workers = Vec::new();
        let worker = federation::delivery::DeliveryWorker::new(state.clone())?;
        workers.push(tokio::spawn(worker.run()));
        if state.config.role == Role::Portal {
            workers.push(tokio::spawn(federation::portal_jobs::run(data.clone())));
        }
        workers.push(tokio::spawn(federation::process::run(data)));
        workers.push(tokio::spawn(crate::retention::run(state.store.clone())));
        workers.push(tokio::spawn(crate::publishing::scheduler::run(
            state.clone(),
        )));
        Ok(Self {
            state,
            router,
            workers,
            _lock: lock,
        })
    }

    /// Stops the workers and closes the database (the lock goes with `self`).
    pub async fn close(self) {
        for task in &self.workers {
            task.abort();
        }
        for task in self.workers {
            let _ = task.await;
        }
        self.state.store.close().await;
    }
}

/// Serves `router` on `listener` until the process ends; the peer address feeds the
/// per-address limits of the website's forms.
pub fn spawn_server(listener: TcpListener, router: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        if let Err(err) = axum::serve(listener, service).await {
            tracing::error!(%err, "the HTTP server stopped");
        }
    })
}

/// A node serving one site on `listener` with its workers, until the process ends (the
/// tests and the demo run nodes in-process through it).
pub struct Node {
    pub state: AppState,
    pub local_addr: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
    site: Site,
}

impl Node {
    pub async fn start(config: Config, listener: TcpListener) -> anyhow::Result<Self> {
        let site = Site::open(config).await?;
        let local_addr = listener
            .local_addr()
            .context("reading the listening address")?;
        let server = spawn_server(listener, site.router.clone());
        tracing::info!(%local_addr, url = %site.state.urls.base(), "kentongan is serving");
        Ok(Self {
            state: site.state.clone(),
            local_addr,
            server,
            site,
        })
    }

    /// Stops the server and workers (for tests; a real node runs until killed).
    pub async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        self.site.close().await;
    }

    /// Runs until the task of the HTTP server ends.
    pub async fn wait(self) {
        let _ = self.server.await;
    }
}

/// Says what in the data directory others can read: it holds private keys and
/// residents' personal data (docs/operating-a-village-node.md, "Backups").
pub fn warn_about_readable_files(dir: &std::path::Path) {
    let found = crate::data_dir::readable_by_others(dir);
    if found.is_empty() {
        return;
    }
    eprintln!(
        "PERINGATAN / WARNING: {} berkas di folder data dapat dibaca pengguna lain / \
         files in the data directory can be read by other users (fix: chmod -R go-rwx {}):",
        found.len(),
        dir.display()
    );
    for line in found.iter().take(10) {
        eprintln!("  {line}");
    }
    tracing::warn!(count = found.len(), first = %found[0], "the data directory is readable by others");
}
