//! The regency's hosting staff (issue 13 point 4, docs/adr/0002 decision 7): the node's
//! own accounts, kept in the hosting store (`store::HostingStore`: `hosting.db` at the
//! data directory's root, or the schema `hosting` on PostgreSQL), never in a village's.
//! What they may do, as rules apart from pages: see every site's health at a glance,
//! add a site (as `kentongan site add`), give a village admin a new password, and, for a
//! village whose own admin allowed it (`SiteSettings::hosting_may_write`), get a one-time
//! sign-in to that village's admin, where every post they publish, edit or delete is
//! written into the village's history as the regency's on its behalf.
//!
//! Reading a site never keeps it open: an open site's figures come from its own store,
//! a closed one's from a store opened for the reading and closed after it, as the
//! rescan's probe does. The pages are `web::hosting`'s; [`in_front`] puts them before
//! the sites on the node's hosting host name, and nowhere else.

use super::{Entry, Sites, layout, leaving};
use crate::{
    actors,
    auth::{self, Role},
    clock::now_ms,
    config::{self, Config},
    refusal::InvalidInput,
    site,
    store::{HostingStore, OperationCounts, Store, UserRecord},
    strings::{self, Text},
};
use anyhow::Context;
use axum::{Router, extract::Request, response::Response};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};
use tower::ServiceExt;
use url::Url;

/// A one-time sign-in for a village's admin is good for this long: enough to follow the
/// link at once, too short to be of use to anyone who finds it later.
pub const SIGN_IN_LIFETIME_MS: i64 = 2 * 60 * 1000;

/// Failed deliveries are counted over this many days back (the table keeps 90).
pub const FAILED_DELIVERY_DAYS: i64 = 7;

/// Why a hosting administrator's action was not done.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// The form breaks a rule, or the village has not allowed it; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// No site (or no account of the site) by that name.
    #[error("not found")]
    NotFound,
    /// The database or the disk failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<auth::AuthError> for StaffError {
    fn from(err: auth::AuthError) -> Self {
        match err {
            auth::AuthError::Refused(refusal) => Self::Refused(refusal),
            auth::AuthError::Failed(err) => Self::Failed(err),
        }
    }
}

fn refuse<T>(text: Text) -> Result<T, StaffError> {
    Err(StaffError::Refused(InvalidInput(text)))
}

/// Whether a site is serving now, closed until a request or its work opens it, or being
/// removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteState {
    Open,
    Closed,
    Leaving,
}

impl SiteState {
    pub fn label(self) -> Text {
        match self {
            Self::Open => strings::STAFF_STATE_OPEN,
            Self::Closed => strings::STAFF_STATE_CLOSED,
            Self::Leaving => strings::STAFF_STATE_LEAVING,
        }
    }
}

/// One line of the overview.
#[derive(Clone, Debug)]
pub struct SiteHealth {
    pub domain: String,
    pub role: config::Role,
    pub state: SiteState,
    /// The site's name (its main account's); empty when it could not be read.
    pub name: String,
    pub last_post_at: Option<i64>,
    pub counts: OperationCounts,
    /// Its folder's files (on SQLite its database among them) and, on PostgreSQL, its
    /// schema.
    pub disk_bytes: u64,
    /// The village allowed the regency to write on its behalf.
    pub may_write: bool,
    /// Why its figures could not be read, for the staff (English: the log's words).
    pub problem: Option<String>,
}

/// A site as the form to add one names it.
#[derive(Clone, Debug, Default)]
pub struct NewSite {
    pub domain: String,
    pub username: String,
    pub name: String,
    pub role: String,
    pub admin_username: String,
}

/// A site just added: where its admin signs in, and the password shown once.
pub struct CreatedSite {
    pub domain: String,
    pub admin_username: String,
    pub admin_password: String,
    pub admin_url: Url,
}

/// The hosting node's desk: its directory, its sites and the hosting store.
pub struct Desk {
    dir: PathBuf,
    sites: Sites,
    store: HostingStore,
    domain: String,
    base_url: Url,
    insecure_local: bool,
}

impl Desk {
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

    /// The hosting pages' address (their Origin, for the forms' check).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The hosting administrators' accounts and sessions, for `auth`.
    pub fn accounts(&self) -> &Store {
        self.store.accounts()
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

    /// Every site's health, the first site first, then by host.
    pub async fn overview(&self) -> Vec<SiteHealth> {
        let mut entries: Vec<Arc<Entry>> = self.sites.entries();
        entries.sort_by(|a, b| (a.dir != self.dir, &a.domain).cmp(&(b.dir != self.dir, &b.domain)));
        let mut lines = Vec::with_capacity(entries.len());
        for entry in entries {
            lines.push(self.health(&entry).await);
        }
        lines
    }

    async fn health(&self, entry: &Entry) -> SiteHealth {
        let state = if leaving::is_leaving(&entry.dir) {
            SiteState::Leaving
        } else if entry.is_open() {
            SiteState::Open
        } else {
            SiteState::Closed
        };
        let mut health = SiteHealth {
            domain: entry.domain.clone(),
            role: config::Role::Village,
            state,
            name: String::new(),
            last_post_at: None,
            counts: OperationCounts::default(),
            disk_bytes: 0,
            may_write: false,
            problem: None,
        };
        let root = entry.dir == self.dir;
        let read = self
            .with_store(entry, |store, config| async move {
                let now = now_ms();
                let counts = store
                    .operation_counts(now, now - FAILED_DELIVERY_DAYS * 24 * 3600 * 1000)
                    .await?;
                let last_post_at = store.last_post_at().await?;
                let name = actors::publishing_actors(&store)
                    .await?
                    .into_iter()
                    .next()
                    .map(|actor| actor.name)
                    .unwrap_or_default();
                let may_write = site::load(&store).await?.hosting_may_write;
                let schema_bytes = store.schema_bytes().await?.unwrap_or(0);
                Ok((
                    config.role,
                    counts,
                    last_post_at,
                    name,
                    may_write,
                    schema_bytes,
                ))
            })
            .await;
        match read {
            Ok((role, counts, last_post_at, name, may_write, schema_bytes)) => {
                health.role = role;
                health.counts = counts;
                health.last_post_at = last_post_at;
                health.name = name;
                health.may_write = may_write;
                health.disk_bytes = schema_bytes.max(0) as u64;
            }
            Err(err) => health.problem = Some(format!("{err:#}")),
        }
        let dir = entry.dir.clone();
        let files = tokio::task::spawn_blocking(move || folder_bytes(&dir, root))
            .await
            .unwrap_or(0);
        health.disk_bytes += files;
        health
    }

    /// Adds a site as `kentongan site add` does, and has it served at once.
    pub async fn create_site(&self, form: &NewSite) -> Result<CreatedSite, StaffError> {
        let Ok(domain) = config::parse_domain(&form.domain, self.insecure_local) else {
            return refuse(strings::STAFF_SITE_DOMAIN_INVALID);
        };
        if domain == self.domain || self.entry(&domain).is_some() || self.taken(&domain)? {
            return refuse(strings::STAFF_SITE_TAKEN);
        }
        if actors::Username::parse(&form.username).is_err() {
            return refuse(strings::STAFF_SITE_USERNAME_INVALID);
        }
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return refuse(strings::STAFF_SITE_NAME_INVALID);
        }
        let role = match form.role.as_str() {
            "" | "village" => config::Role::Village,
            "portal" => config::Role::Portal,
            _ => return refuse(strings::STAFF_SITE_ROLE_INVALID),
        };
        let admin_username = match form.admin_username.trim() {
            "" => "admin".to_string(),
            typed => auth::parse_username(typed)?,
        };
        let outcome = layout::add(layout::SiteAddArgs {
            dir: self.dir.clone(),
            domain: domain.clone(),
            username: form.username.trim().to_string(),
            name: name.to_string(),
            role,
            admin_username,
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

    /// A folder of that name already exists (a site whose config could not be read).
    fn taken(&self, domain: &str) -> anyhow::Result<bool> {
        Ok(layout::list(&self.dir)?
            .iter()
            .any(|site| site.domain == domain)
            || layout::folder_for(&self.dir, domain).exists())
    }

    /// The admin accounts of a site, for the form that resets a password.
    pub async fn accounts_of(&self, domain: &str) -> Result<Vec<UserRecord>, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        Ok(self
            .with_store(&entry, |store, _| async move { store.users().await })
            .await?)
    }

    /// Gives a village's account a new password (returned, to be shown once); its
    /// sessions end and any slowing of its sign-ins is lifted (`auth::set_password`).
    pub async fn reset_password(
        &self,
        domain: &str,
        username: &str,
        by: &UserRecord,
    ) -> Result<String, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        let username = username.trim().to_lowercase();
        let password = auth::password::generate();
        self.with_store(&entry, |store, _| {
            let password = password.clone();
            async move {
                let Some(user) = store.user_by_username(&username).await? else {
                    return Ok(Err(StaffError::NotFound));
                };
                Ok(auth::set_password(&store, &user, &password)
                    .await
                    .map_err(StaffError::from))
            }
        })
        .await??;
        tracing::info!(domain = %entry.domain, staff = %by.username, "a village account's password was reset from the hosting pages");
        Ok(password)
    }

    /// A one-time sign-in to the village's admin, on its behalf, for a village that
    /// allowed it: the address to send the hosting administrator to.
    pub async fn sign_in_for(&self, domain: &str, by: &UserRecord) -> Result<Url, StaffError> {
        let entry = self.entry(domain).ok_or(StaffError::NotFound)?;
        if leaving::is_leaving(&entry.dir) {
            return refuse(strings::STAFF_SITE_LEAVING);
        }
        let on_behalf_of = on_behalf_words(by);
        let granted = self
            .with_store(&entry, |store, config| async move {
                if !site::load(&store).await?.hosting_may_write {
                    return Ok(None);
                }
                let admin = store
                    .users()
                    .await?
                    .into_iter()
                    .filter(|user| user.role == Role::Admin && !user.disabled)
                    .min_by_key(|user| user.id);
                let Some(admin) = admin else {
                    return Ok(Some(None));
                };
                let token = auth::grant_sign_in_on_behalf(
                    &store,
                    &admin,
                    &on_behalf_of,
                    SIGN_IN_LIFETIME_MS,
                )
                .await?;
                let mut url = config
                    .base_url
                    .join("/admin/hosting-sign-in")
                    .context("making the sign-in address")?;
                url.query_pairs_mut().append_pair("token", &token);
                Ok(Some(Some(url)))
            })
            .await?;
        match granted {
            None => refuse(strings::STAFF_WRITE_NOT_ALLOWED),
            Some(None) => refuse(strings::STAFF_WRITE_NO_ADMIN),
            Some(Some(url)) => {
                tracing::info!(domain = %entry.domain, staff = %by.username, "a one-time sign-in to write on a village's behalf");
                Ok(url)
            }
        }
    }
}

/// How a session on a village's behalf names who writes: the hosting administrator.
fn on_behalf_words(by: &UserRecord) -> String {
    if by.display_name.is_empty() || by.display_name == by.username {
        by.username.clone()
    } else {
        format!("{} ({})", by.display_name, by.username)
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

/// `kentongan admin add --hosting`: a hosting administrator in the node's hosting
/// store, with a generated password (returned, to be shown once).
pub async fn add_staff(
    dir: &Path,
    username: &str,
    display_name: &str,
) -> Result<(UserRecord, String), StaffError> {
    let config = Config::load(dir)?;
    let store = HostingStore::connect(&config.hosting_database_url()?).await?;
    let password = auth::password::generate();
    let created = auth::create_user(
        store.accounts(),
        username,
        display_name,
        Role::Admin,
        &password,
    )
    .await;
    store.close().await;
    Ok((created?, password))
}

/// The node's router with the hosting pages in front: a request to the hosting host
/// name goes to `pages`, every other to `sites`. The village sites never see the hosting
/// host, and the hosting pages never see a village's.
pub fn in_front(domain: &str, pages: Router, sites: Router) -> Router {
    let domain = domain.to_string();
    Router::new().fallback(move |request: Request| {
        let is_hosting = super::host_of(&request).is_some_and(|host| {
            host == domain
                || host
                    .rsplit_once(':')
                    .is_some_and(|(name, _port)| name == domain)
        });
        let router = if is_hosting {
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

    #[test]
    fn the_village_history_names_the_hosting_admin() {
        let user = |username: &str, display_name: &str| UserRecord {
            id: 1,
            username: username.into(),
            display_name: display_name.into(),
            password_hash: String::new(),
            role: Role::Admin,
            language: String::new(),
            disabled: false,
            created_at: 0,
        };
        assert_eq!(
            on_behalf_words(&user("diskominfo", "Diskominfo Beltim")),
            "Diskominfo Beltim (diskominfo)"
        );
        assert_eq!(
            on_behalf_words(&user("diskominfo", "diskominfo")),
            "diskominfo"
        );
    }
}
