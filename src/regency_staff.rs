//! The regency's hosting staff (issue 13 point 4, docs/adr/0002 decision 7): what a
//! hosting administrator may do, as rules and values apart from the pages that ask for it
//! (`web::hosting`) and from the runtime that holds the sites (`hosting::staff`, which
//! implements [`Desk`]; `node` hands it to the pages). The staff's accounts are the
//! node's own, kept in the hosting store (`store::HostingStore`: `hosting.db` at the
//! data directory's root, or the schema `hosting` on PostgreSQL), never in a village's.
//!
//! They may see every site's health at a glance, add a site (as `kentongan site add`),
//! give a village admin a new password, and, for a village whose own admin allowed it
//! (`SiteSettings::hosting_may_write`), get a one-time sign-in to that village's admin,
//! where every post they publish, edit or delete is written into the village's history
//! as the regency's on its behalf.
//!
//! Must not: know HTTP or HTML, or the hosting runtime (its sites, folders and leaving
//! marks): what needs those is asked of the [`Desk`], and what a site's own store tells
//! is read here, from the store the desk lends.

use crate::{
    actors,
    auth::{self, Role},
    clock::now_ms,
    config,
    refusal::InvalidInput,
    site,
    store::{HostingStore, OperationCounts, Store, UserRecord},
    strings::{self, Text},
};
use anyhow::Context;
use url::Url;

/// A one-time sign-in for a village's admin is good for this long: enough to follow the
/// link at once, too short to be of use to anyone who finds it later.
pub const SIGN_IN_LIFETIME_MS: i64 = 2 * 60 * 1000;

/// Failed deliveries are counted over this many days back (the table keeps 90).
pub const FAILED_DELIVERY_DAYS: i64 = 7;

/// What the hosting pages ask of the node that holds the sites. The hosting runtime
/// implements it (`hosting::staff::SitesDesk`); the pages know only this.
#[async_trait::async_trait]
pub trait Desk: Send + Sync {
    /// The hosting pages' address (their Origin, for the forms' check).
    fn base_url(&self) -> &Url;
    /// The hosting administrators' accounts and sessions, for `auth`.
    fn accounts(&self) -> &Store;
    /// Every site's health, the first site first, then by host.
    async fn overview(&self) -> Vec<SiteHealth>;
    /// Adds a site as `kentongan site add` does, and has it served at once.
    async fn create_site(&self, form: &NewSite) -> Result<CreatedSite, StaffError>;
    /// The admin accounts of a site, for the form that resets a password.
    async fn accounts_of(&self, domain: &str) -> Result<Vec<UserRecord>, StaffError>;
    /// Gives a village's account a new password (returned, to be shown once).
    async fn reset_password(
        &self,
        domain: &str,
        username: &str,
        by: &UserRecord,
    ) -> Result<String, StaffError>;
    /// A one-time sign-in to the village's admin, on its behalf, for a village that
    /// allowed it: the address to send the hosting administrator to.
    async fn sign_in_for(&self, domain: &str, by: &UserRecord) -> Result<Url, StaffError>;
}

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

impl StaffError {
    /// A refusal in the words of `text`.
    pub fn refused(text: Text) -> Self {
        Self::Refused(InvalidInput(text))
    }
}

impl From<auth::AuthError> for StaffError {
    fn from(err: auth::AuthError) -> Self {
        match err {
            auth::AuthError::Refused(refusal) => Self::Refused(refusal),
            auth::AuthError::Failed(err) => Self::Failed(err),
        }
    }
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

impl SiteHealth {
    /// A site's line before its store is read: its state and the bytes of its files.
    pub fn new(domain: String, state: SiteState, file_bytes: u64) -> Self {
        Self {
            domain,
            role: config::Role::Village,
            state,
            name: String::new(),
            last_post_at: None,
            counts: OperationCounts::default(),
            disk_bytes: file_bytes,
            may_write: false,
            problem: None,
        }
    }

    /// Fills the line from the site's store (`role` from its config), all of it or, when
    /// a reading fails, none of it.
    pub async fn read(&mut self, role: config::Role, store: &Store) -> anyhow::Result<()> {
        let now = now_ms();
        let counts = store
            .operation_counts(now, now - FAILED_DELIVERY_DAYS * 24 * 3600 * 1000)
            .await?;
        let last_post_at = store.last_post_at().await?;
        let name = actors::publishing_actors(store)
            .await?
            .into_iter()
            .next()
            .map(|actor| actor.name)
            .unwrap_or_default();
        let may_write = site::load(store).await?.hosting_may_write;
        let schema_bytes = store.schema_bytes().await?.unwrap_or(0);
        self.role = role;
        self.counts = counts;
        self.last_post_at = last_post_at;
        self.name = name;
        self.may_write = may_write;
        self.disk_bytes += schema_bytes.max(0) as u64;
        Ok(())
    }
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

/// A new site's form that keeps the rules; whether its host is free is the desk's to say.
#[derive(Clone, Debug)]
pub struct CheckedSite {
    pub domain: String,
    pub username: String,
    pub name: String,
    pub role: config::Role,
    pub admin_username: String,
}

impl NewSite {
    /// The form's values checked: a host name (loopback ones only on an insecure-local
    /// node), an account name, a name of at most 100 characters, a role, and the admin's
    /// account name (`admin` when left empty).
    pub fn check(&self, insecure_local: bool) -> Result<CheckedSite, StaffError> {
        let Ok(domain) = config::parse_domain(&self.domain, insecure_local) else {
            return Err(StaffError::refused(strings::STAFF_SITE_DOMAIN_INVALID));
        };
        if actors::Username::parse(&self.username).is_err() {
            return Err(StaffError::refused(strings::STAFF_SITE_USERNAME_INVALID));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StaffError::refused(strings::STAFF_SITE_NAME_INVALID));
        }
        let role = match self.role.as_str() {
            "" | "village" => config::Role::Village,
            "portal" => config::Role::Portal,
            _ => return Err(StaffError::refused(strings::STAFF_SITE_ROLE_INVALID)),
        };
        let admin_username = match self.admin_username.trim() {
            "" => "admin".to_string(),
            typed => auth::parse_username(typed)?,
        };
        Ok(CheckedSite {
            domain,
            username: self.username.trim().to_string(),
            name: name.to_string(),
            role,
            admin_username,
        })
    }
}

/// A site just added: where its admin signs in, and the password shown once.
pub struct CreatedSite {
    pub domain: String,
    pub admin_username: String,
    pub admin_password: String,
    pub admin_url: Url,
}

/// Gives the account `username` of the site whose store this is a new password
/// (returned, to be shown once); its sessions end and any slowing of its sign-ins is
/// lifted (`auth::set_password`).
pub async fn new_password(store: &Store, username: &str) -> Result<String, StaffError> {
    let username = username.trim().to_lowercase();
    let Some(user) = store.user_by_username(&username).await? else {
        return Err(StaffError::NotFound);
    };
    let password = auth::password::generate();
    auth::set_password(store, &user, &password).await?;
    Ok(password)
}

/// A one-time sign-in to the admin of the site whose store this is (at `base_url`), for
/// `by` writing on its behalf: refused unless the village allowed it and has an admin.
pub async fn grant_write_sign_in(
    store: &Store,
    base_url: &Url,
    by: &UserRecord,
) -> Result<Url, StaffError> {
    if !site::load(store).await?.hosting_may_write {
        return Err(StaffError::refused(strings::STAFF_WRITE_NOT_ALLOWED));
    }
    let admin = store
        .users()
        .await?
        .into_iter()
        .filter(|user| user.role == Role::Admin && !user.disabled)
        .min_by_key(|user| user.id);
    let Some(admin) = admin else {
        return Err(StaffError::refused(strings::STAFF_WRITE_NO_ADMIN));
    };
    let token =
        auth::grant_sign_in_on_behalf(store, &admin, &on_behalf_words(by), SIGN_IN_LIFETIME_MS)
            .await?;
    let mut url = base_url
        .join("/admin/hosting-sign-in")
        .context("making the sign-in address")?;
    url.query_pairs_mut().append_pair("token", &token);
    Ok(url)
}

/// How a session on a village's behalf names who writes: the hosting administrator.
fn on_behalf_words(by: &UserRecord) -> String {
    if by.display_name.is_empty() || by.display_name == by.username {
        by.username.clone()
    } else {
        format!("{} ({})", by.display_name, by.username)
    }
}

/// `kentongan admin add --hosting`: a hosting administrator in the node's hosting store
/// (at `hosting_database_url`), with a generated password (returned, to be shown once).
pub async fn add_staff(
    hosting_database_url: &str,
    username: &str,
    display_name: &str,
) -> Result<(UserRecord, String), StaffError> {
    let store = HostingStore::connect(hosting_database_url).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_new_sites_form_keeps_the_rules() {
        let form = NewSite {
            domain: "Desa.Example".into(),
            username: "desa".into(),
            name: " Desa Contoh ".into(),
            role: String::new(),
            admin_username: String::new(),
        };
        let checked = form.check(false).expect("a good form");
        assert_eq!(checked.domain, "desa.example");
        assert_eq!(checked.name, "Desa Contoh");
        assert_eq!(checked.role, config::Role::Village);
        assert_eq!(checked.admin_username, "admin");
        type Change = fn(&mut NewSite);
        let cases: [(Change, Text); 4] = [
            (
                |f| f.domain = "http://x/".into(),
                strings::STAFF_SITE_DOMAIN_INVALID,
            ),
            (
                |f| f.username = "Bad Name".into(),
                strings::STAFF_SITE_USERNAME_INVALID,
            ),
            (|f| f.name = " ".into(), strings::STAFF_SITE_NAME_INVALID),
            (
                |f| f.role = "kingdom".into(),
                strings::STAFF_SITE_ROLE_INVALID,
            ),
        ];
        for (change, expected) in cases {
            let mut bad = form.clone();
            change(&mut bad);
            match bad.check(false) {
                Err(StaffError::Refused(InvalidInput(text))) => assert_eq!(text.id, expected.id),
                other => panic!("not refused: {:?}", other.map(|site| site.domain)),
            }
        }
    }
}
