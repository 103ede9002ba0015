//! Many sites in one process (issue 13, docs/adr/0002-many-sites-in-one-process.md): a
//! hosting node's data directory holds its first site at the root and every further one
//! in `sites/<host>/`, each a complete data directory; `serve` opens them all and gives
//! each request to the site its host names. A site added while serving is opened within
//! seconds; a removed one is closed. A site that fails to open is logged and retried
//! when its config changes: it never stops the others. A site being removed
//! (`leaving`: `kentongan site remove`) is served as leaving until its Deletes are sent,
//! then closed and its folder moved to `sites/.removed/`.
//!
//! Entry-level room: it opens sites through `app::Site`, and knows nothing of what a site
//! does inside.

pub mod layout;
pub mod leaving;

use crate::{app::Site, config::Config};
use anyhow::Context;
use axum::{
    Router,
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::{Duration, SystemTime},
};
use tower::ServiceExt;

pub use layout::{SITES_DIR, SiteAddArgs, add, find, list, site_dirs};
pub use leaving::SiteRemoveArgs;

/// How often `serve` looks for sites added or removed.
pub const RESCAN_EVERY: Duration = Duration::from_secs(2);

/// The open sites of a hosting node, shared by the request router and the rescan loop.
#[derive(Clone)]
pub struct Sites {
    /// Host (as configured: `desa.example`, or `localhost:8081` in local mode) → router.
    routes: Arc<RwLock<HashMap<String, Router>>>,
    /// Hosts of sites removed while this process runs: 421 even when one site remains
    /// (which otherwise answers every host).
    retired: Arc<RwLock<HashSet<String>>>,
    open: Arc<tokio::sync::Mutex<Opened>>,
    /// Applied to each site's config as it is opened: nothing for `serve`; the tests let
    /// production-shaped sites reach the loopback names they run on.
    adjust: fn(&mut Config),
}

#[derive(Default)]
struct Opened {
    sites: BTreeMap<PathBuf, Site>,
    /// Directories whose site failed to open, with their config's modification time:
    /// tried again only once the config changed, so a broken site does not flood the log.
    failed: HashMap<PathBuf, Option<SystemTime>>,
}

fn config_mtime(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir.join(crate::config::CONFIG_FILE))
        .and_then(|meta| meta.modified())
        .ok()
}

impl Sites {
    /// Opens every site of `dir`. The first site (the directory itself) must open; any
    /// other that fails is logged and left closed.
    pub async fn open_all(dir: &Path, adjust: fn(&mut Config)) -> anyhow::Result<Self> {
        let sites = Self {
            routes: Default::default(),
            retired: Default::default(),
            open: Default::default(),
            adjust,
        };
        let site = sites.open_one(dir).await?;
        sites.insert(dir.to_path_buf(), site).await;
        sites.rescan(dir).await;
        Ok(sites)
    }

    async fn insert(&self, dir: PathBuf, site: Site) {
        let domain = site.state.config.domain.clone();
        self.set_route(&domain, Some(site.router.clone()));
        self.open.lock().await.sites.insert(dir, site);
    }

    /// Serves `domain` with `router`, or no longer (`None`).
    fn set_route(&self, domain: &str, router: Option<Router>) {
        let mut routes = self
            .routes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match router {
            Some(router) => {
                // A host removed earlier and added again is served again.
                self.retired
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .remove(domain);
                routes.insert(domain.to_string(), router)
            }
            None => routes.remove(domain),
        };
    }

    /// Opens the sites that appeared in `dir`, closes the ones that are gone, and follows
    /// the removal of the ones being removed.
    pub async fn rescan(&self, dir: &Path) {
        let dirs = match site_dirs(dir) {
            Ok(dirs) => dirs,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "cannot list the sites");
                return;
            }
        };
        let mut opened = self.open.lock().await;
        let gone: Vec<PathBuf> = opened
            .sites
            .keys()
            .filter(|open| !dirs.contains(open))
            .cloned()
            .collect();
        for site_dir in gone {
            if let Some(site) = opened.sites.remove(&site_dir) {
                let domain = site.state.config.domain.clone();
                self.set_route(&domain, None);
                site.close().await;
                tracing::info!(%domain, "site removed; no longer served");
            }
        }
        for site_dir in dirs {
            if opened.sites.contains_key(&site_dir) {
                continue;
            }
            let mtime = config_mtime(&site_dir);
            if opened.failed.get(&site_dir) == Some(&mtime) {
                continue;
            }
            match self.open_one(&site_dir).await {
                Ok(site) => {
                    opened.failed.remove(&site_dir);
                    let domain = site.state.config.domain.clone();
                    self.set_route(&domain, Some(site.router.clone()));
                    tracing::info!(%domain, url = %site.state.urls.base(), leaving = site.is_leaving(), "site opened");
                    opened.sites.insert(site_dir, site);
                }
                Err(err) => {
                    tracing::error!(dir = %site_dir.display(), error = %format!("{err:#}"), "a site could not be opened; the others are served");
                    opened.failed.insert(site_dir, mtime);
                }
            }
        }
        self.follow_removals(dir, &mut opened).await;
    }

    async fn open_one(&self, site_dir: &Path) -> anyhow::Result<Site> {
        let mut config = Config::load(site_dir)?;
        (self.adjust)(&mut config);
        let taken = self
            .routes
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(&config.domain);
        if taken {
            anyhow::bail!("another site already serves {}", config.domain);
        }
        if leaving::is_leaving(site_dir) {
            Site::open_leaving(config).await
        } else {
            Site::open(config).await
        }
    }

    /// Serves as leaving the open sites marked since they opened, and retires the
    /// leaving ones whose queue is empty.
    async fn follow_removals(&self, dir: &Path, opened: &mut Opened) {
        let mut done = Vec::new();
        for (site_dir, site) in opened.sites.iter_mut() {
            let domain = site.state.config.domain.clone();
            if !site.is_leaving() && leaving::is_leaving(site_dir) {
                match site.leave().await {
                    Ok(()) => {
                        self.set_route(&domain, Some(site.router.clone()));
                        tracing::info!(%domain, "site is being removed: sending the Deletes of its accounts");
                    }
                    Err(err) => {
                        tracing::error!(%domain, error = %format!("{err:#}"), "cannot serve a removed site as leaving; trying again");
                        continue;
                    }
                }
            }
            if !site.is_leaving() {
                continue;
            }
            match site.state.store.count_pending_deliveries().await {
                Ok(0) => done.push(site_dir.clone()),
                Ok(pending) => {
                    tracing::debug!(%domain, pending, "a removed site still has deliveries to make")
                }
                Err(err) => {
                    tracing::warn!(%domain, error = %format!("{err:#}"), "cannot count a removed site's deliveries")
                }
            }
        }
        for site_dir in done {
            let Some(site) = opened.sites.remove(&site_dir) else {
                continue;
            };
            let domain = site.state.config.domain.clone();
            self.set_route(&domain, None);
            self.retired
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(domain.clone());
            match leaving::retire(dir, site).await {
                Ok(target) => {
                    tracing::info!(%domain, folder = %target.display(), "site removed: its Deletes are sent and it is no longer served");
                }
                Err(err) => {
                    // Not opened again until its config changes, so a failure repeats
                    // once, not every rescan.
                    tracing::error!(%domain, dir = %site_dir.display(), error = %format!("{err:#}"), "a removed site could not be put aside; it is no longer served");
                    opened
                        .failed
                        .insert(site_dir.clone(), config_mtime(&site_dir));
                }
            }
        }
    }

    /// Rescans `dir` every [`RESCAN_EVERY`], for as long as the node runs.
    pub async fn watch(&self, dir: &Path) {
        let mut every = tokio::time::interval(RESCAN_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            every.tick().await;
            self.rescan(dir).await;
        }
    }

    /// The state of the open site of `domain`.
    pub async fn state_of(&self, domain: &str) -> Option<crate::state::AppState> {
        self.open
            .lock()
            .await
            .sites
            .values()
            .find(|site| site.state.config.domain == domain)
            .map(|site| site.state.clone())
    }

    /// Every open site's host and address.
    pub async fn addresses(&self) -> Vec<(String, url::Url)> {
        self.open
            .lock()
            .await
            .sites
            .values()
            .map(|site| {
                (
                    site.state.config.domain.clone(),
                    site.state.urls.base().clone(),
                )
            })
            .collect()
    }

    /// The router of the whole node: each request to the site its host names.
    pub fn router(&self) -> Router {
        Router::new().fallback(dispatch).with_state(self.clone())
    }

    /// Stops every site (for tests; a real node runs until killed).
    pub async fn close(&self) {
        let mut opened = self.open.lock().await;
        self.routes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        for (_, site) in std::mem::take(&mut opened.sites) {
            site.close().await;
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
        Self::start_adjusted(dir, listener, |_| {}).await
    }

    /// As [`HostingNode::start`], with `adjust` applied to every site's config as it opens.
    pub async fn start_adjusted(
        dir: &Path,
        listener: tokio::net::TcpListener,
        adjust: fn(&mut Config),
    ) -> anyhow::Result<Self> {
        let local_addr = listener
            .local_addr()
            .context("reading the listening address")?;
        let sites = Sites::open_all(dir, adjust).await?;
        let server = crate::app::spawn_server(listener, sites.router());
        let watcher = tokio::spawn({
            let sites = sites.clone();
            let dir = dir.to_path_buf();
            async move { sites.watch(&dir).await }
        });
        Ok(Self {
            sites,
            local_addr,
            server,
            watcher,
        })
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

/// `kentongan serve --dir DIR`: every site of the directory, on the address the first
/// site's config names, until the process ends.
pub async fn serve(dir: &Path) -> anyhow::Result<()> {
    let config = Config::load(dir)?;
    crate::app::warn_about_readable_files(dir);
    // Said before binding, which would otherwise fail first with "address in use".
    if crate::app::served_now(dir) == Some(true) {
        anyhow::bail!(
            "another kentongan serve is already running with {}",
            dir.display()
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let node = HostingNode::start(dir, listener).await?;
    for (domain, url) in node.sites.addresses().await {
        tracing::info!(%domain, %url, local_addr = %node.local_addr, "kentongan is serving");
        println!(
            "Kentongan berjalan di / is running at {url} (listening on {})",
            node.local_addr
        );
    }
    let _ = node.server.await;
    Ok(())
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

/// Gives the request to its site. A node of one site answers every host as it always
/// did; with several, an unknown host gets 421 (Misdirected Request): the name points at
/// this server, but no site here has it.
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
    let router = {
        let routes = sites
            .routes
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if retired {
            None
        } else if routes.len() == 1 {
            routes.values().next().cloned()
        } else {
            host.and_then(|host| {
                routes.get(&host).cloned().or_else(|| {
                    // `desa.example:443` from a client that writes the default port.
                    let (name, _port) = host.rsplit_once(':')?;
                    routes.get(name).cloned()
                })
            })
        }
    };
    match router {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => {
            let words = crate::strings::UNKNOWN_SITE;
            (
                StatusCode::MISDIRECTED_REQUEST,
                format!("{} / {}\n", words.id, words.en),
            )
                .into_response()
        }
    }
}
