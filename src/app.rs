//! Builds a running node: opens the store, builds the federation configuration, the
//! router and the workers for the node's role. The only room that knows every other.

use crate::{
    config::Config,
    config::Role,
    federation::{self, HttpClients},
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
    let state_times = state.request_times.clone();
    // Only the timing is a layer of each route: it names the route matched. The others
    // wrap the router once. `Router::layer` copies a layer into every route (about 240),
    // and a hosting node holds a router per open site: the copies were 6 MiB of 40 sites
    // (docs/benchmarks.md, "Hosting").
    let routed = web::routes()
        .with_state(state)
        // How long each answer took, by route group and status class (`/metrics`).
        .layer(axum::middleware::from_fn_with_state(
            state_times,
            web::metrics::time_requests,
        ));
    let wrapped = tower::ServiceBuilder::new()
        // Outermost, so that every answer carries them, refusals of the layers too.
        .layer(axum::middleware::map_response(web::safety::headers))
        // Every log line of a request names it (method, path, id).
        .layer(axum::middleware::from_fn(web::request_span::span))
        // Pages and JSON gzipped for slow village connections (images are already
        // compressed and are left alone by the default predicate).
        .layer(tower_http::compression::CompressionLayer::new())
        // Inside compression: the tag is of the answer itself, whatever its encoding.
        .layer(axum::middleware::from_fn(web::conditional::answer))
        .layer(axum::extract::DefaultBodyLimit::max(
            federation::inbox::MAX_ACTIVITY_BYTES,
        ))
        .layer(FederationMiddleware::new(federation))
        .layer(axum::middleware::from_fn(web::signed_fetch))
        .service(routed);
    let router = Router::new().fallback_service(wrapped);
    Ok((router, data))
}

/// One site, open: its state, its router and its workers (deliveries, received
/// activities, scheduled posts, retention, and the portal's jobs for a portal). A node
/// serves one site on its listener; a hosting node (`serve` on a directory holding
/// several, docs/adr/0002-many-sites-in-one-process.md) serves many, chosen by `Host`.
///
/// A site being removed (`kentongan site remove`) is *leaving*: it keeps only its
/// delivery worker, to send the Deletes of its accounts, and answers every request with
/// 410 Gone (its accounts' URLs with their tombstones) but `/healthz` and `/metrics`.
pub struct Site {
    pub state: AppState,
    pub router: Router,
    workers: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
    leaving: bool,
    /// Held while serving a SQLite site: one server per data directory.
    _lock: Option<std::fs::File>,
}

/// The names of a site's workers, as `/healthz` reports them.
pub const DELIVERY_WORKER: &str = "delivery";
pub const INBOX_WORKER: &str = "inbox";
pub const PORTAL_WORKER: &str = "portal";
pub const RETENTION_WORKER: &str = "retention";
pub const SCHEDULER_WORKER: &str = "scheduler";

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

/// The file whose lock says a server runs the SQLite site of `dir`.
const LOCK_FILE: &str = "kentongan.lock";

fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(LOCK_FILE);
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

/// Whether a server holds the SQLite site of `dir` (its lock taken): `Some(true)` or
/// `Some(false)`; `None` when that cannot be told (no lock file yet, or it cannot be
/// opened). A PostgreSQL site takes no lock: its caller asks otherwise.
pub fn served_now(dir: &std::path::Path) -> Option<bool> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join(LOCK_FILE))
        .ok()?;
    match file.try_lock() {
        // Released when `file` is dropped, at once.
        Ok(()) => Some(false),
        Err(std::fs::TryLockError::WouldBlock) => Some(true),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

impl Site {
    /// Opens the site of `config` (taking its directory's lock on SQLite) and starts its
    /// workers; its outgoing requests use the client `clients` holds for its settings.
    pub async fn open(config: Config, clients: &HttpClients) -> anyhow::Result<Self> {
        Self::open_as(config, clients, false).await
    }

    /// Opens a site that is being removed: its delivery worker only, and the answers of
    /// [`leaving_router`].
    pub async fn open_leaving(config: Config, clients: &HttpClients) -> anyhow::Result<Self> {
        Self::open_as(config, clients, true).await
    }

    async fn open_as(config: Config, clients: &HttpClients, leaving: bool) -> anyhow::Result<Self> {
        let http = clients.for_config(&config)?;
        let lock = lock_if_sqlite(&config)?;
        let store = Store::connect_with(config.database_url(), config.database_connections).await?;
        if lock.is_some() {
            // The lock makes this the only server of the file, so every lease is one of
            // a previous run that died: take the work back at once.
            store.release_all_leases().await?;
        }
        if config.role == Role::Village && !leaving {
            crate::site::ensure_defaults(&store).await?;
        }
        let state = AppState::new(config, store, http);
        let mut site = Self {
            router: Router::new(),
            state: state.clone(),
            workers: Vec::new(),
            leaving,
            _lock: lock,
        };
        let worker = federation::delivery::DeliveryWorker::new(state.clone())?;
        site.spawn(DELIVERY_WORKER, worker.run());
        if leaving {
            site.router = leaving_router(&state).await?;
            return Ok(site);
        }
        // Nodes made before there were default bios, account pictures and a privacy
        // policy get them now; followers hear of a changed profile through the queue.
        // Cosmetic: a node that cannot do it still serves (and tries again next start).
        if let Err(err) =
            crate::site::profile::ensure(&state.store, &state.urls, state.config.role).await
        {
            tracing::error!(error = %format!("{err:#}"), "could not complete the profile");
        }
        let (router, data) = app(state.clone()).await?;
        site.router = router;
        if state.config.role == Role::Portal {
            site.spawn(PORTAL_WORKER, federation::portal_jobs::run(data.clone()));
        }
        site.spawn(INBOX_WORKER, federation::process::run(data));
        site.spawn(RETENTION_WORKER, crate::retention::run(state.store.clone()));
        site.spawn(
            SCHEDULER_WORKER,
            crate::publishing::scheduler::run(state.clone()),
        );
        Ok(site)
    }

    /// Starts a worker, watched by `/healthz`.
    fn spawn(
        &mut self,
        name: &'static str,
        work: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let task = tokio::spawn(work);
        self.state.workers.watch(name, &task);
        self.workers.push((name, task));
    }

    /// Whether the site is being removed.
    pub fn is_leaving(&self) -> bool {
        self.leaving
    }

    /// Turns an open site into a leaving one: every worker but the deliveries' stops
    /// (nothing new is published, accepted or followed), and its router becomes
    /// [`leaving_router`]'s.
    pub async fn leave(&mut self) -> anyhow::Result<()> {
        self.router = leaving_router(&self.state).await?;
        self.leaving = true;
        let (kept, stopped): (Vec<_>, Vec<_>) = std::mem::take(&mut self.workers)
            .into_iter()
            .partition(|(name, _)| *name == DELIVERY_WORKER);
        self.state.workers.keep_only(&[DELIVERY_WORKER]);
        for (_, task) in &stopped {
            task.abort();
        }
        for (_, task) in stopped {
            let _ = task.await;
        }
        self.workers = kept;
        Ok(())
    }

    /// Stops the workers, leaving the database open (a removed site's schema is set
    /// aside between the two).
    pub async fn stop_workers(&mut self) {
        for (_, task) in &self.workers {
            task.abort();
        }
        for (_, task) in std::mem::take(&mut self.workers) {
            let _ = task.await;
        }
    }

    /// Stops the workers and closes the database (the lock goes with `self`).
    pub async fn close(mut self) {
        self.stop_workers().await;
        self.state.store.close().await;
    }
}

/// What a leaving site answers: each of its accounts' URLs 410 Gone with the account's
/// tombstone (`federation::render::actor_tombstone`, rendered once here), `/healthz` and
/// `/metrics` as ever, anything else 410 Gone with a line saying why.
pub async fn leaving_router(state: &AppState) -> anyhow::Result<Router> {
    let deleted: std::collections::HashMap<i64, i64> =
        state.store.actor_deletes().await?.into_iter().collect();
    let mut gone = std::collections::HashMap::new();
    for actor in crate::actors::publishing_actors(&state.store).await? {
        let at = deleted
            .get(&actor.id)
            .copied()
            .unwrap_or_else(crate::clock::now_ms);
        let path = url::Url::parse(&actor.ap_id)
            .with_context(|| format!("reading the account URL {}", actor.ap_id))?
            .path()
            .to_string();
        let body = federation::render::actor_tombstone(&actor, at).to_string();
        gone.insert(path, body);
    }
    let gone = std::sync::Arc::new(gone);
    let router = Router::new()
        .merge(web::health::routes())
        .merge(web::metrics::routes())
        .with_state(state.clone())
        .fallback(move |request: axum::extract::Request| {
            let gone = gone.clone();
            async move { gone_answer(&gone, &request) }
        })
        .layer(axum::middleware::from_fn_with_state(
            state.request_times.clone(),
            web::metrics::time_requests,
        ))
        .layer(axum::middleware::from_fn(web::request_span::span))
        .layer(axum::middleware::map_response(web::safety::headers));
    Ok(router)
}

fn gone_answer(
    gone: &std::collections::HashMap<String, String>,
    request: &axum::extract::Request,
) -> axum::response::Response {
    use axum::{http::StatusCode, response::IntoResponse};
    match gone.get(request.uri().path()) {
        Some(tombstone) => (
            StatusCode::GONE,
            [("content-type", "application/activity+json")],
            tombstone.clone(),
        )
            .into_response(),
        None => {
            let words = crate::strings::SITE_LEAVING;
            (
                StatusCode::GONE,
                [("content-type", "text/plain; charset=utf-8")],
                format!("{} / {}\n", words.id, words.en),
            )
                .into_response()
        }
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
        let site = Site::open(config, &HttpClients::default()).await?;
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
