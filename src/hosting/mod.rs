//! Many sites in one process (issue 13, docs/adr/0002-many-sites-in-one-process.md): a
//! hosting node's data directory holds its first site at the root and every further one
//! in `sites/<host>/`, each a complete data directory; `serve` gives each request to the
//! site its host names. The first site and portals are always open; a village's site is
//! opened by a request, by its work falling due or by a wake-up from another process
//! (`kentongan post` on the same directory), and closed again when idle. A site added
//! while serving is served within seconds; a removed one is closed. A site that fails to
//! open is logged and answered 503: it never stops the others. A site being removed
//! (`leaving`: `kentongan site remove`) is kept open and served as leaving until its
//! Deletes are sent, then closed, its host answered 421 and its folder moved to
//! `sites/.removed/`.
//!
//! Entry-level room: it opens sites through `app::Site`, and knows nothing of what a site
//! does inside.

pub mod archive;
pub mod backup;
pub mod doctor;
pub mod layout;
pub mod leaving;
pub mod packed;
pub mod staff;
pub mod wordpress;

use crate::{app::Site, clock::now_ms, config::Config, error::AppError, federation::HttpClients};
use anyhow::Context;
use axum::{
    Router,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::{
        Arc, RwLock,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime},
};
use tower::ServiceExt;

pub use archive::{ExportArgs, ImportArgs, export, import};
pub use backup::{BackupArgs, RestoreArgs, backup, restore};
pub use doctor::{DoctorArgs, doctor};
pub use layout::{SITES_DIR, SiteAddArgs, add, find, list, site_dirs};
pub use leaving::SiteRemoveArgs;

/// How often `serve` looks for sites added or removed, opens the sites whose work fell
/// due and closes the idle ones.
pub const RESCAN_EVERY: Duration = Duration::from_secs(2);

/// A site that answered no request and had no work for this long is closed (its pool,
/// router and workers freed) until a request or its next work opens it again.
pub const IDLE_CLOSE: Duration = Duration::from_secs(120);

/// How a hosting node treats its sites; `Default` is what `serve` does.
#[derive(Clone, Copy)]
pub struct HostingOptions {
    /// Applied to each site's config as it is opened: nothing for `serve`; the tests let
    /// production-shaped sites reach the loopback names they run on.
    pub adjust: fn(&mut Config),
    /// How long a village's site stays open without requests or work.
    pub idle_close: Duration,
    /// The node's router made of its sites' (`Sites::router`): the sites alone, or with
    /// pages in front of them (`crate::node`: the regency's hosting pages), which this room
    /// does not know.
    pub front: Front,
}

/// Makes a hosting node's router of its directory and its sites.
pub type Front =
    for<'a> fn(&'a Path, &'a Sites) -> futures::future::BoxFuture<'a, anyhow::Result<Router>>;

/// The sites alone: [`HostingOptions::front`]'s default.
pub fn sites_alone<'a>(
    _dir: &'a Path,
    sites: &'a Sites,
) -> futures::future::BoxFuture<'a, anyhow::Result<Router>> {
    Box::pin(async move { Ok(sites.router()) })
}

impl Default for HostingOptions {
    fn default() -> Self {
        Self {
            adjust: |_| {},
            idle_close: IDLE_CLOSE,
            front: sites_alone,
        }
    }
}

/// The sites of a hosting node, shared by the request router and the rescan loop. Only
/// the node's first site and portals stay open all the time; a village's site is opened
/// by its first request or when its work falls due, and closed when idle (docs/adr/0002
/// point 4), so that hundreds of sites start at once and cost little while quiet.
#[derive(Clone)]
pub struct Sites {
    /// Host (as configured: `desa.example`, or `localhost:8081` in local mode) → site.
    by_host: Arc<RwLock<HashMap<String, Arc<Entry>>>>,
    /// Hosts of sites removed while this process runs: 421 even when one site remains
    /// (which otherwise answers every host).
    retired: Arc<RwLock<HashSet<String>>>,
    options: HostingOptions,
    /// What every site is opened with.
    opening: Arc<Opening>,
    /// Folders whose config could not be read, with its modification time: tried again
    /// only once the config changed, so a broken site does not flood the log.
    unreadable: Arc<std::sync::Mutex<HashMap<PathBuf, Option<SystemTime>>>>,
}

/// One site of the node, open or closed.
struct Entry {
    dir: PathBuf,
    domain: String,
    /// The node's first site and portals (their work on villages is periodic) stay open.
    always_open: bool,
    /// The open site's router: requests take it without waiting on anything else.
    router: RwLock<Option<Router>>,
    /// The open site itself; opening and closing happen under this lock.
    site: tokio::sync::Mutex<Option<Site>>,
    /// When a request last came (Unix ms), and how many are being answered now: a site
    /// is closed only with none in flight.
    last_used: AtomicI64,
    in_flight: AtomicUsize,
    /// When a closed site's own work is next due (Unix ms; `i64::MAX` for none;
    /// [`UNPROBED`] until its database has been asked).
    next_work: AtomicI64,
}

/// What every site of the node is opened with.
struct Opening {
    /// The node's data directory, where its first site is.
    node_dir: PathBuf,
    /// [`HostingOptions::adjust`].
    adjust: fn(&mut Config),
    /// One HTTP client for every site whose network settings agree (they do unless an
    /// operator changed one site's): one connection pool and certificate store.
    clients: HttpClients,
    /// The node's first site, named in every site's outgoing `User-Agent`: it is the
    /// operator a remote administrator would contact, and a per-site name would need a
    /// client per site.
    user_agent_url: url::Url,
}

impl Opening {
    fn config(&self, dir: &Path) -> anyhow::Result<Config> {
        layout::refuse_shared_database(&self.node_dir, dir)?;
        let mut config = Config::load(dir)?;
        config.user_agent_url = self.user_agent_url.clone();
        if dir != self.node_dir && config.role == crate::config::Role::Village {
            config.database_connections = Some(HOSTED_VILLAGE_CONNECTIONS);
        }
        (self.adjust)(&mut config);
        Ok(config)
    }
}

/// The database connections of a hosted village's pool. Each SQLite connection is a
/// thread with its own page cache, parsed schema, lookaside and prepared statements:
/// after a request to each of 40 open sites the node held 104 MiB with the pool's usual
/// 8, 75 MiB with 2 and 66 MiB with 1 (docs/benchmarks.md, "Hosting"). A quiet village's
/// requests and workers take turns on one: no code holds a connection while it asks for
/// another (every transaction lives inside one `store` method; the whole test suite
/// passes with every SQLite pool at 1). The node's first site and portals keep the
/// usual pool.
const HOSTED_VILLAGE_CONNECTIONS: u32 = 1;

/// A closed site whose database has not been asked yet when its work is due.
const UNPROBED: i64 = i64::MIN;

fn config_mtime(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir.join(crate::config::CONFIG_FILE))
        .and_then(|meta| meta.modified())
        .ok()
}

impl Entry {
    fn current_router(&self) -> Option<Router> {
        // Noted under the lock that closing takes to write: a close either sees this use
        // or happens before it (and this request then opens the site again).
        let router = self
            .router
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.last_used.store(now_ms(), Ordering::Relaxed);
        router.clone()
    }

    /// The site's router, opening the site first if it is closed.
    async fn open(&self, opening: &Opening) -> anyhow::Result<Router> {
        if let Some(router) = self.current_router() {
            return Ok(router);
        }
        let mut slot = self.site.lock().await;
        if let Some(site) = slot.as_ref() {
            return Ok(site.router.clone());
        }
        let config = opening.config(&self.dir)?;
        let clients = &opening.clients;
        let site = if leaving::is_leaving(&self.dir) {
            Site::open_leaving(config, clients).await?
        } else {
            Site::open(config, clients).await?
        };
        let router = site.router.clone();
        *self
            .router
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(router.clone());
        tracing::info!(domain = %self.domain, "site opened");
        *slot = Some(site);
        Ok(router)
    }

    /// Closes the site if nothing used it for [`IDLE_CLOSE`] and it has no work due
    /// within that time, remembering when its work is next due.
    async fn close_if_idle(&self, now: i64, idle: i64) {
        if self.always_open || now - self.last_used.load(Ordering::Relaxed) < idle {
            return;
        }
        if leaving::is_leaving(&self.dir) {
            // Its Deletes go out first; it is put aside, not closed, once they have.
            return;
        }
        let mut slot = self.site.lock().await;
        let Some(site) = slot.as_ref() else {
            return;
        };
        let next = match site.state.store.next_work_at().await {
            Ok(next) => next.unwrap_or(i64::MAX),
            Err(err) => {
                tracing::warn!(domain = %self.domain, error = %format!("{err:#}"), "cannot tell whether the site is idle; kept open");
                return;
            }
        };
        if next < now + idle {
            return;
        }
        {
            let mut router = self
                .router
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let used_since = now_ms() - self.last_used.load(Ordering::Relaxed) < idle;
            if used_since || self.in_flight.load(Ordering::Acquire) > 0 {
                return;
            }
            *router = None;
        }
        self.next_work.store(next, Ordering::Relaxed);
        if let Some(site) = slot.take() {
            site.close().await;
        }
        tracing::info!(domain = %self.domain, "idle site closed");
    }

    /// Closes the site for good (its folder is gone).
    async fn close(&self) {
        *self
            .router
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        if let Some(site) = self.site.lock().await.take() {
            site.close().await;
        }
    }

    fn is_open(&self) -> bool {
        self.router
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    /// Asks a closed site's database when its work is next due, without opening the
    /// site (no router, no workers).
    async fn probe(&self, opening: &Opening) -> anyhow::Result<i64> {
        let config = opening.config(&self.dir)?;
        let store = crate::store::Store::connect(config.database_url()).await?;
        let next = store.next_work_at().await;
        store.close().await;
        Ok(next?.unwrap_or(i64::MAX))
    }
}

impl Sites {
    /// The sites of `dir`, the first of them open (it must open: it is the node). The
    /// others open as requests or their work come; which of them have work waiting is
    /// learnt in the background, without holding up the serving.
    pub async fn open_all(dir: &Path, options: HostingOptions) -> anyhow::Result<Self> {
        let first = Config::load(dir)?;
        let sites = Self {
            by_host: Default::default(),
            retired: Default::default(),
            options,
            opening: Arc::new(Opening {
                node_dir: dir.to_path_buf(),
                adjust: options.adjust,
                clients: HttpClients::default(),
                user_agent_url: first.base_url.clone(),
            }),
            unreadable: Default::default(),
        };
        let entry = sites.add_entry(dir.to_path_buf(), first.domain.clone(), true);
        let _router = entry.open(&sites.opening).await?;
        sites.follow_folders(dir).await;
        Ok(sites)
    }

    fn entries(&self) -> Vec<Arc<Entry>> {
        self.by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn add_entry(&self, dir: PathBuf, domain: String, always_open: bool) -> Arc<Entry> {
        // A host removed earlier and added again is served again.
        self.retired
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&domain);
        let entry = Arc::new(Entry {
            dir,
            domain: domain.clone(),
            always_open,
            router: RwLock::new(None),
            site: tokio::sync::Mutex::new(None),
            last_used: AtomicI64::new(0),
            in_flight: AtomicUsize::new(0),
            next_work: AtomicI64::new(UNPROBED),
        });
        self.by_host
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(domain, entry.clone());
        entry
    }

    /// Takes in the sites that appeared in `dir` and lets go of the ones that are gone;
    /// opens the closed sites whose work fell due, closes the idle ones.
    pub async fn rescan(&self, dir: &Path) {
        self.follow_folders(dir).await;
        self.tend().await;
        self.follow_removals(dir).await;
    }

    /// Serves as leaving the sites marked since they opened (opening them: their Deletes
    /// must go out), and puts aside the leaving ones whose queue is empty.
    async fn follow_removals(&self, dir: &Path) {
        for entry in self.entries() {
            if !leaving::is_leaving(&entry.dir) {
                continue;
            }
            if let Err(err) = entry.open(&self.opening).await {
                tracing::error!(domain = %entry.domain, error = %format!("{err:#}"), "a removed site could not be opened to send its Deletes");
                continue;
            }
            let mut slot = entry.site.lock().await;
            let Some(site) = slot.as_mut() else {
                continue;
            };
            if !site.is_leaving() {
                match site.leave().await {
                    Ok(()) => {
                        *entry
                            .router
                            .write()
                            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                            Some(site.router.clone());
                        tracing::info!(domain = %entry.domain, "site is being removed: sending the Deletes of its accounts");
                    }
                    Err(err) => {
                        tracing::error!(domain = %entry.domain, error = %format!("{err:#}"), "cannot serve a removed site as leaving; trying again");
                        continue;
                    }
                }
            }
            match site.state.store.count_pending_deliveries().await {
                Ok(0) => {}
                Ok(pending) => {
                    tracing::debug!(domain = %entry.domain, pending, "a removed site still has deliveries to make");
                    continue;
                }
                Err(err) => {
                    tracing::warn!(domain = %entry.domain, error = %format!("{err:#}"), "cannot count a removed site's deliveries");
                    continue;
                }
            }
            let Some(site) = slot.take() else {
                continue;
            };
            *entry
                .router
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
            self.by_host
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&entry.domain);
            self.retired
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(entry.domain.clone());
            match leaving::retire(dir, site).await {
                Ok(target) => {
                    tracing::info!(domain = %entry.domain, folder = %target.display(), "site removed: its Deletes are sent and it is no longer served");
                }
                Err(err) => {
                    // Not taken in again until its config changes, so a failure repeats
                    // once, not every rescan.
                    tracing::error!(domain = %entry.domain, dir = %entry.dir.display(), error = %format!("{err:#}"), "a removed site could not be put aside; it is no longer served");
                    self.unreadable
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .insert(entry.dir.clone(), config_mtime(&entry.dir));
                }
            }
        }
    }

    /// Takes in the sites that appeared in `dir` (reading their configs only) and lets go
    /// of the ones that are gone.
    async fn follow_folders(&self, dir: &Path) {
        let dirs = match site_dirs(dir) {
            Ok(dirs) => dirs,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "cannot list the sites");
                return;
            }
        };
        for entry in self.entries() {
            if !dirs.contains(&entry.dir) {
                self.by_host
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .remove(&entry.domain);
                // Its host is answered 421 from now on, even when one site remains.
                self.retired
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(entry.domain.clone());
                entry.close().await;
                tracing::info!(domain = %entry.domain, "site removed; no longer served");
            }
        }
        let known: Vec<PathBuf> = self.entries().iter().map(|e| e.dir.clone()).collect();
        for site_dir in dirs.iter().filter(|dir| !known.contains(dir)) {
            let mtime = config_mtime(site_dir);
            let failed_before = self
                .unreadable
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(site_dir)
                == Some(&mtime);
            if failed_before {
                continue;
            }
            match self.take_in(site_dir) {
                Ok(()) => {
                    self.unreadable
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .remove(site_dir);
                }
                Err(err) => {
                    tracing::error!(dir = %site_dir.display(), error = %format!("{err:#}"), "a site could not be read; the others are served");
                    self.unreadable
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .insert(site_dir.clone(), mtime);
                }
            }
        }
    }

    /// Opens the closed sites whose work fell due (asking each new one's database when
    /// that is), closes the idle ones.
    async fn tend(&self) {
        let idle = self.options.idle_close.as_millis() as i64;
        for entry in self.entries() {
            let now = now_ms();
            if entry.is_open() {
                entry.close_if_idle(now, idle).await;
                continue;
            }
            if entry.always_open {
                // A portal found by a rescan: open from the start.
                if let Err(err) = entry.open(&self.opening).await {
                    tracing::error!(domain = %entry.domain, error = %format!("{err:#}"), "a portal site could not be opened");
                }
                continue;
            }
            let mut next = entry.next_work.load(Ordering::Relaxed);
            if next == UNPROBED {
                next = match entry.probe(&self.opening).await {
                    Ok(next) => next,
                    Err(err) => {
                        tracing::error!(domain = %entry.domain, error = %format!("{err:#}"), "a site's database could not be read; asked again later");
                        now + idle
                    }
                };
                entry.next_work.store(next, Ordering::Relaxed);
            }
            if next <= now {
                // Its work is due: open it so its workers run; it closes again once idle.
                if let Err(err) = entry.open(&self.opening).await {
                    tracing::error!(domain = %entry.domain, error = %format!("{err:#}"), "a site with work due could not be opened");
                    entry.next_work.store(now + idle, Ordering::Relaxed);
                }
            }
        }
    }

    /// A new folder: its config read, the site known by its host, not opened yet.
    fn take_in(&self, site_dir: &Path) -> anyhow::Result<()> {
        let config = Config::load(site_dir)?;
        let taken = self
            .by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(&config.domain);
        if taken {
            anyhow::bail!("another site already serves {}", config.domain);
        }
        let always_open = config.role == crate::config::Role::Portal;
        self.add_entry(site_dir.to_path_buf(), config.domain.clone(), always_open);
        tracing::info!(domain = %config.domain, url = %config.base_url, "site found");
        Ok(())
    }

    /// Rescans `dir` every [`RESCAN_EVERY`], for as long as the node runs.
    pub async fn watch(&self, dir: &Path) {
        let mut every = tokio::time::interval(RESCAN_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // The first tick is at once: the sites taken in at start are tended now.
            every.tick().await;
            self.rescan(dir).await;
        }
    }

    /// Wakes the workers of the site of `domain` (opening it if it is closed): another
    /// process wrote work for it.
    pub async fn wake(&self, domain: &str) {
        let Some(entry) = self
            .by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(domain)
            .cloned()
        else {
            return;
        };
        if let Err(err) = entry.open(&self.opening).await {
            tracing::error!(domain, error = %format!("{err:#}"), "a site woken could not be opened");
            return;
        }
        if let Some(site) = entry.site.lock().await.as_ref() {
            site.state.wake_delivery.notify_one();
            site.state.wake_inbox.notify_one();
            site.state.wake_portal.notify_one();
            site.state.wake_scheduler.notify_one();
        }
    }

    /// The state of the site of `domain`, opening it if it is closed.
    pub async fn state_of(&self, domain: &str) -> Option<crate::state::AppState> {
        let entry = self
            .by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(domain)
            .cloned()?;
        let _router = entry.open(&self.opening).await.ok()?;
        entry
            .site
            .lock()
            .await
            .as_ref()
            .map(|site| site.state.clone())
    }

    /// Whether the site of `domain` is open now.
    pub fn is_open(&self, domain: &str) -> bool {
        self.by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(domain)
            .is_some_and(|entry| entry.is_open())
    }

    /// Every site's host and address, open or not.
    pub async fn addresses(&self) -> Vec<(String, url::Url)> {
        let mut found = Vec::new();
        for entry in self.entries() {
            if let Ok(config) = Config::load(&entry.dir) {
                found.push((entry.domain.clone(), config.base_url));
            }
        }
        found.sort();
        found
    }

    /// The router of the whole node: each request to the site its host names.
    pub fn router(&self) -> Router {
        Router::new().fallback(dispatch).with_state(self.clone())
    }

    /// Stops every site (for tests; a real node runs until killed).
    pub async fn close(&self) {
        let entries: Vec<Arc<Entry>> = self
            .by_host
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain()
            .map(|(_, entry)| entry)
            .collect();
        for entry in entries {
            entry.close().await;
        }
    }
}

/// A hosting node serving every site of its directory on one listener, rescanning the
/// directory for sites added or removed (`serve`, and the tests in-process).
pub struct HostingNode {
    pub sites: Sites,
    pub local_addr: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
}

impl HostingNode {
    pub async fn start(dir: &Path, listener: tokio::net::TcpListener) -> anyhow::Result<Self> {
        Self::start_with(dir, listener, HostingOptions::default()).await
    }

    /// As [`HostingNode::start`], treating the sites as `options` say.
    pub async fn start_with(
        dir: &Path,
        listener: tokio::net::TcpListener,
        options: HostingOptions,
    ) -> anyhow::Result<Self> {
        let local_addr = listener
            .local_addr()
            .context("reading the listening address")?;
        let sites = Sites::open_all(dir, options).await?;
        let router = (options.front)(dir, &sites).await?;
        let server = crate::app::spawn_server(listener, router);
        let wakes = listen_for_wakes(dir, sites.clone())?;
        let watcher = tokio::spawn({
            let sites = sites.clone();
            let dir = dir.to_path_buf();
            async move {
                tokio::join!(sites.watch(&dir), wakes);
            }
        });
        Ok(Self {
            sites,
            local_addr,
            server,
            watcher,
        })
    }

    /// Runs until the task of the HTTP server ends.
    pub async fn wait(self) {
        let _ = self.server.await;
    }

    /// Stops the server, the rescans and every site (for tests).
    pub async fn stop(self) {
        self.watcher.abort();
        self.server.abort();
        let _ = self.watcher.await;
        let _ = self.server.await;
        self.sites.close().await;
    }
}

/// The socket in a node's directory where other processes (the command line) say which
/// site they wrote work for, so that it leaves at once: a datagram holding the host.
pub const WAKE_SOCKET: &str = "kentongan.wake";

/// Binds the wake socket of `dir` (a stale one from a process that died is replaced: the
/// data directory's lock makes this the only server) and answers each datagram.
fn listen_for_wakes(
    dir: &Path,
    sites: Sites,
) -> anyhow::Result<impl std::future::Future<Output = ()> + use<>> {
    let path = dir.join(WAKE_SOCKET);
    match std::fs::remove_file(&path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).with_context(|| format!("removing the stale {}", path.display()));
        }
        _ => {}
    }
    let socket = tokio::net::UnixDatagram::bind(&path)
        .with_context(|| format!("binding {}", path.display()))?;
    crate::data_dir::make_private(&path)
        .with_context(|| format!("making {} private", path.display()))?;
    Ok(async move {
        let mut buffer = [0u8; 512];
        loop {
            match socket.recv(&mut buffer).await {
                Ok(length) => {
                    let host = String::from_utf8_lossy(&buffer[..length])
                        .trim()
                        .to_string();
                    sites.wake(&host).await;
                }
                Err(err) => {
                    tracing::warn!(%err, "the wake socket failed; work written by other processes is found by polling");
                    return;
                }
            }
        }
    })
}

/// Tells the node serving `node_dir`, if one runs, that the site of `domain` has new work
/// (the command line calls it after writing). Without a node nothing happens: the work is
/// found when one starts.
pub fn wake(node_dir: &Path, domain: &str) {
    let Ok(socket) = std::os::unix::net::UnixDatagram::unbound() else {
        return;
    };
    let _ = socket.send_to(domain.as_bytes(), node_dir.join(WAKE_SOCKET));
}

/// The node's router with some pages in front (the regency's hosting pages, put there by
/// `node`): a request to `domain` goes to `pages`, every other to `sites`. The village
/// sites never see that host, and the pages never see a village's.
pub fn in_front(domain: &str, pages: Router, sites: Router) -> Router {
    let domain = domain.to_string();
    Router::new().fallback(move |request: Request| {
        let is_front = host_of(&request).is_some_and(|host| {
            host == domain
                || host
                    .rsplit_once(':')
                    .is_some_and(|(name, _port)| name == domain)
        });
        let router = if is_front {
            pages.clone()
        } else {
            sites.clone()
        };
        async move {
            let response: Response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            response
        }
    })
}

/// The host a request is addressed to: HTTP/2's `:authority`, else `Host`, lower-cased,
/// without a trailing dot.
fn host_of(request: &Request) -> Option<String> {
    let host = request
        .uri()
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| {
            request
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|value| value.to_str().ok())
        })?;
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// `localhost:PORT` for a request to `127.0.0.1:PORT` or `[::1]:PORT`: a site in local
/// mode is named `localhost:PORT` in its ids, and a browser on the same machine may be
/// given either address (`kentongan demo` prints the numeric one). No site in production
/// has such a name, so this matches nothing there.
fn loopback_alias(host: &str) -> Option<String> {
    let port = host
        .strip_prefix("127.0.0.1:")
        .or_else(|| host.strip_prefix("[::1]:"))?;
    port.parse::<u16>().ok()?;
    Some(format!("localhost:{port}"))
}

/// Counts a request as in flight at its site for as long as it lives.
struct InFlight(Arc<Entry>);

impl InFlight {
    fn new(entry: &Arc<Entry>) -> Self {
        entry.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(entry.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // Quiet is counted from the end of the last answer, not its start.
        self.0.last_used.store(now_ms(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Gives the request to its site, opening it if it is closed. A node of one site
/// answers every host as it always did; with several, an unknown host gets 421
/// (Misdirected Request): the name points at this server, but no site here has it.
async fn dispatch(State(sites): State<Sites>, request: Request) -> Response {
    let host = host_of(&request);
    let retired = host.as_ref().is_some_and(|host| {
        let retired = sites
            .retired
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        !retired.is_empty()
            && (retired.contains(host)
                || host
                    .rsplit_once(':')
                    .is_some_and(|(name, _)| retired.contains(name)))
    });
    let entry = {
        let by_host = sites
            .by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if retired {
            None
        } else if by_host.len() == 1 {
            by_host.values().next().cloned()
        } else {
            host.and_then(|host| {
                by_host
                    .get(&host)
                    .cloned()
                    .or_else(|| {
                        // `desa.example:443` from a client that writes the default port.
                        let (name, _port) = host.rsplit_once(':')?;
                        by_host.get(name).cloned()
                    })
                    .or_else(|| by_host.get(&loopback_alias(&host)?).cloned())
            })
        }
    };
    let Some(entry) = entry else {
        let words = crate::strings::UNKNOWN_SITE;
        return (
            StatusCode::MISDIRECTED_REQUEST,
            format!("{} / {}\n", words.id, words.en),
        )
            .into_response();
    };
    let _answering = InFlight::new(&entry);
    match entry.open(&sites.opening).await {
        Ok(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        Err(err) => {
            AppError::Unavailable(err.context(format!("opening the site {}", entry.domain)))
                .into_response()
        }
    }
}
