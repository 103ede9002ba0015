//! Where a hosting node keeps its sites: the first at the root of the data directory (as
//! `kentongan init` leaves it, so every node is a hosting node of one site), every other
//! in `sites/<host>/`, itself a complete data directory that can be served alone or moved
//! to another node. Finding the site a command names (`--site HOST`), adding and listing
//! (removing is `leaving`'s).

use crate::{
    config::{CONFIG_FILE, Config, RawConfig, Role},
    setup::{self, InitOutcome},
    store::BackendKind,
};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};

/// The folder of a hosting node's further sites.
pub const SITES_DIR: &str = "sites";

/// The data directories of the sites `dir` holds: `dir` itself when it holds a node,
/// then each folder of `sites/` that holds a config, by name (a site being removed
/// included, until it is moved to `sites/.removed/`).
pub fn site_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    if dir.join(CONFIG_FILE).exists() {
        dirs.push(dir.to_path_buf());
    }
    let hosted = dir.join(SITES_DIR);
    let entries = match std::fs::read_dir(&hosted) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(dirs),
        Err(err) => return Err(err).with_context(|| format!("reading {}", hosted.display())),
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", hosted.display()))?
            .path();
        // `.removed` and other dot folders are never sites.
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if !hidden && path.join(CONFIG_FILE).exists() {
            found.push(path);
        }
    }
    found.sort();
    dirs.extend(found);
    Ok(dirs)
}

/// The folder a new site of `domain` gets (a port, in local mode, kept out of the name).
pub(crate) fn folder_for(dir: &Path, domain: &str) -> PathBuf {
    dir.join(SITES_DIR).join(domain.replace(':', "_"))
}

/// The data directory of the site a command acts on: the only one, or the one whose
/// host is `site`.
pub fn find(dir: &Path, site: Option<&str>) -> anyhow::Result<PathBuf> {
    let dirs = site_dirs(dir)?;
    if dirs.is_empty() {
        anyhow::bail!(
            "{} holds no node; run `kentongan init --dir {}` first",
            dir.display(),
            dir.display()
        );
    }
    let Some(wanted) = site else {
        if dirs.len() == 1 {
            return Ok(dirs.into_iter().next().unwrap_or_default());
        }
        let hosts: Vec<String> = listed(&dirs).into_iter().map(|s| s.domain).collect();
        anyhow::bail!(
            "{} holds {} sites; say which with --site ({})",
            dir.display(),
            dirs.len(),
            hosts.join(", ")
        );
    };
    let wanted = wanted.trim().trim_end_matches('.').to_ascii_lowercase();
    let found = listed(&dirs)
        .into_iter()
        .find(|listed| listed.domain == wanted)
        .map(|listed| listed.dir)
        .with_context(|| format!("{} holds no site {wanted}", dir.display()))?;
    refuse_shared_database(dir, &found)?;
    Ok(found)
}

/// `KENTONGAN_DATABASE_URL` names one database for the whole process. A hosted site may
/// use it when the site has a schema of its own there (`database_schema`, PostgreSQL:
/// how `site add` makes them); otherwise every site would read and write the first
/// site's rows, so a hosted site without one is refused, with what to do.
pub(crate) fn refuse_shared_database(node_dir: &Path, site_dir: &Path) -> anyhow::Result<()> {
    let from_env = std::env::var("KENTONGAN_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    if !from_env || site_dir == node_dir {
        return Ok(());
    }
    if read_raw(site_dir)?.database_schema.is_none() {
        anyhow::bail!(
            "KENTONGAN_DATABASE_URL gives every site of {} one database, and the hosted site in {} \
             has no schema of its own there: unset it (each site's kentongan.toml names its database)",
            node_dir.display(),
            site_dir.display()
        );
    }
    Ok(())
}

/// A site as `site list` shows it.
#[derive(Clone, Debug)]
pub struct ListedSite {
    pub domain: String,
    pub role: Role,
    pub dir: PathBuf,
}

fn listed(dirs: &[PathBuf]) -> Vec<ListedSite> {
    dirs.iter()
        .filter_map(|dir| {
            let raw = read_raw(dir).ok()?;
            Some(ListedSite {
                domain: raw.domain.to_ascii_lowercase(),
                role: raw.role,
                dir: dir.clone(),
            })
        })
        .collect()
}

/// Every site of `dir`, the first first.
pub fn list(dir: &Path) -> anyhow::Result<Vec<ListedSite>> {
    Ok(listed(&site_dirs(dir)?))
}

pub(crate) fn read_raw(dir: &Path) -> anyhow::Result<RawConfig> {
    let path = dir.join(CONFIG_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
}

#[derive(Args, Debug)]
pub struct SiteAddArgs {
    /// The hosting node's data directory (made by `kentongan init`).
    #[arg(long)]
    pub dir: PathBuf,
    /// The new site's host name, e.g. jangkarasam.desa.id.
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub username: String,
    /// Display name, for example "Desa Jangkarasam".
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "village")]
    pub role: Role,
    /// The first account of the site's admin; its password is generated and shown once.
    #[arg(long, default_value = "admin")]
    pub admin_username: String,
}

/// The PostgreSQL schema of a hosted site: its host, made an SQL name.
pub(crate) fn schema_for(domain: &str) -> String {
    let name: String = domain
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut schema = format!("site_{name}");
    schema.truncate(63);
    schema
}

/// `kentongan site add`: a new site in `sites/<host>/`, made as `init` makes a node. It
/// takes the node's network settings (local mode, private addresses, extra certificate
/// authorities) and database: its own SQLite file, or its own schema of the node's
/// PostgreSQL database. A running `serve` opens it within seconds.
pub async fn add(args: SiteAddArgs) -> anyhow::Result<InitOutcome> {
    let node = Config::load(&args.dir)?;
    let first = read_raw(&args.dir)?;
    let domain = crate::config::parse_domain(&args.domain, first.insecure_local)?;
    if list(&args.dir)?.iter().any(|site| site.domain == domain) {
        anyhow::bail!("{} already has a site {domain}", args.dir.display());
    }
    let on_postgres = BackendKind::of_url(node.database_url())? == BackendKind::Postgres;
    let raw = RawConfig {
        domain: domain.clone(),
        role: args.role,
        // The node's database, in a schema of the site's own on PostgreSQL; on SQLite the
        // default, a file in the site's folder.
        database_url: first.database_url.clone().filter(|_| on_postgres),
        database_schema: on_postgres.then(|| schema_for(&domain)),
        // Paths relative to the node's directory stay right from the site's folder.
        extra_ca_certificates: first
            .extra_ca_certificates
            .iter()
            .map(|file| args.dir.join(file))
            .collect(),
        delivery: Default::default(),
        portal: Default::default(),
        inbox: Default::default(),
        aspirations: Default::default(),
        moderation: Default::default(),
        // The hosting pages are the node's, named in its first site's config only.
        hosting: Default::default(),
        ..first
    };
    let hosted = args.dir.join(SITES_DIR);
    crate::data_dir::create_private_dir(&hosted)
        .with_context(|| format!("cannot create {}", hosted.display()))?;
    setup::create(
        &folder_for(&args.dir, &domain),
        raw,
        &args.username,
        &args.name,
        &args.admin_username,
    )
    .await
}
