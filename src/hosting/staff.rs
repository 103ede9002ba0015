//! The regency's hosting staff's desk over this node's sites (docs/adr/0002 decision 7):
//! [`SitesDesk`] does what `regency_staff::Desk` names with the sites `Sites` holds, their
//! folders (`layout`) and their leaving marks (`leaving`). The rules and the values the
//! pages show are `regency_staff`'s; the pages are `web::hosting`'s, and `node` hands
//! them this desk, so that the web room never reaches the hosting runtime.
//!
//! Reading a site never keeps it open: an open site's figures come from its own store,
//! a closed one's from a store opened for the reading and closed after it, as the
//! rescan's probe does.

use super::{Entry, Sites, layout, leaving};
use crate::{
    config::Config,
    regency_staff::{self, CreatedSite, Desk, NewSite, SiteHealth, SiteState, StaffError},
    store::{HostingStore, Store, UserRecord},
    strings,
};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};
use url::Url;

/// The hosting node's desk: its directory, its sites and the hosting store.
pub struct SitesDesk {
    dir: PathBuf,
    sites: Sites,
    store: HostingStore,
    domain: String,
    base_url: Url,
    insecure_local: bool,
}

impl SitesDesk {
    /// The desk of the node in `dir`, when its first site's config names a hosting host
    /// (`[hosting] domain`); `None` without.
    pub async fn open(dir: &Path, sites: &Sites) -> anyhow::Result<Option<Arc<Self>>> {
        let config = Config::load(dir)?;
        let (Some(domain), Some(base_url)) =
            (config.hosting_domain.clone(), config.hosting_base_url())
        else {
            return Ok(None);
        };
        let store = HostingStore::connect(&config.hosting_database_url()?).await?;
        Ok(Some(Arc::new(Self {
            dir: dir.to_path_buf(),
            sites: sites.clone(),
            store,
            domain,
            base_url,
            insecure_local: config.insecure_local,
        })))
    }

    /// The host name the hosting pages answer on.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    fn entry(&self, domain: &str) -> Option<Arc<Entry>> {
        let domain = domain.trim().to_ascii_lowercase();
        self.sites
            .by_host
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&domain)
            .cloned()
    }

    /// Runs `read` on the site's store: the open site's own, or one opened for it and
    /// closed after, so that reading never opens (or keeps open) a quiet site.
    async fn with_store<T, F, Fut>(&self, entry: &Entry, read: F) -> anyhow::Result<T>
    where
        F: FnOnce(Store, Config) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<T>>,
    {
        let mut config = Config::load(&entry.dir)?;
        (self.sites.options.adjust)(&mut config);
        let open = entry
            .site
            .lock()
            .await
            .as_ref()
            .map(|site| site.state.store.clone());
        match open {
            Some(store) => read(store, config).await,
            None => {
                let store = Store::connect(config.database_url()).await?;
                let result = read(store.clone(), config).await;
                store.close().await;
                result
            }
        }
    }

    async fn health(&self, entry: &Entry) -> SiteHealth {
        let state = if leaving::is_leaving(&entry.dir) {
            SiteState::Leaving
        } else if entry.is_open() {
            SiteState::Open
        } else {
            SiteState::Closed
        };
        let dir = entry.dir.clone();
        let root = entry.dir == self.dir;
        let files = tokio::task::spawn_blocking(move || folder_bytes(&dir, root))
            .await
            .unwrap_or(0);
        let mut health = SiteHealth::new(entry.domain.clone(), state, files);
        let line = &mut health;
        let read = self
            .with_store(entry, |store, config| async move {
                line.read(config.role, &store).await
            })
            .await;
        if let Err(err) = read {
            health.problem = Some(format!("{err:#}"));
        }
        health
    }

    /// A folder of that name already exists (a site whose config could not be read).
    fn taken(&self, domain: &str) -> anyhow::Result<bool> {
        Ok(layout::list(&self.dir)?
            .iter()
            .any(|site| site.domain == domain)
            || layout::folder_for(&self.dir, domain).exists())
    }
}

#[async_trait::async_trait]
impl Desk for SitesDesk {
    fn base_url(&self) -> &Url {
        &self.base_url
    }

    fn accounts(&self) -> &Store {
        self.store.accounts()
    }

    async fn overview(&self) -> Vec<SiteHealth> {
        let mut entries: Vec<Arc<Entry>> = self.sites.entries();
        entries.sort_by(|a, b| (a.dir != self.dir, &a.domain).cmp(&(b.dir != self.dir, &b.domain)));
        let mut lines = Vec::with_capacity(entries.len());
        for entry in entries {
            lines.push(self.health(&entry).await);
        }
        lines
    }

    async fn create_site(&self, form: &NewSite) -> Result<CreatedSite, StaffError> {
        let site = form.check(self.insecure_local)?;
        let domain = site.domain;
        if domain == self.domain || self.entry(&domain).is_some() || self.taken(&domain)? {
            return Err(StaffError::refused(strings::STAFF_SITE_TAKEN));
        }
        let outcome = layout::add(layout::SiteAddArgs {
            dir: self.dir.clone(),
            domain: domain.clone(),
            username: site.username,
            name: site.name,
            role: site.role,
            admin_username: site.admin_username,
        })
        .await?;
        // Served now rather than at the next rescan.
        self.sites.follow_folders(&self.dir).await;
        tracing::info!(%domain, "site added from the hosting pages");
        Ok(CreatedSite {
            domain,
            admin_username: outcome.admin_username,
            admin_password: outcome.admin_password,
            admin_url: outcome.admin_url,
        })
    }

    async fn accounts_of(&self, domain: &str) -> Result<Vec<UserRecord>, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        Ok(self
            .with_store(&entry, |store, _| async move { store.users().await })
            .await?)
    }

    async fn reset_password(
        &self,
        domain: &str,
        username: &str,
        by: &UserRecord,
    ) -> Result<String, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        let password = self
            .with_store(&entry, |store, _| async move {
                Ok(regency_staff::new_password(&store, username).await)
            })
            .await??;
        tracing::info!(domain = %entry.domain, staff = %by.username, "a village account's password was reset from the hosting pages");
        Ok(password)
    }

    async fn sign_in_for(&self, domain: &str, by: &UserRecord) -> Result<Url, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        if leaving::is_leaving(&entry.dir) {
            return Err(StaffError::refused(strings::STAFF_SITE_LEAVING));
        }
        let url = self
            .with_store(&entry, |store, config| async move {
                Ok(regency_staff::grant_write_sign_in(&store, &config.base_url, by).await)
            })
            .await??;
        tracing::info!(domain = %entry.domain, staff = %by.username, "a one-time sign-in to write on a village's behalf");
        Ok(url)
    }
}

/// The bytes of the files under `dir`; for the node's first site, without the other
/// sites' folders.
fn folder_bytes(dir: &Path, root: bool) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if root && folder == dir && entry.file_name() == layout::SITES_DIR {
                continue;
            }
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => pending.push(path),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sites_disk_use_is_its_folder_and_the_first_site_leaves_the_others_out() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |path: &str, bytes: usize| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
            std::fs::write(path, vec![0u8; bytes]).expect("file");
        };
        write("kentongan.db", 1000);
        write("media/ab.webp", 200);
        write("sites/desa.example/kentongan.db", 5000);
        assert_eq!(folder_bytes(dir.path(), true), 1200);
        assert_eq!(folder_bytes(dir.path(), false), 6200);
        assert_eq!(
            folder_bytes(&dir.path().join("sites/desa.example"), false),
            5000
        );
    }
}
