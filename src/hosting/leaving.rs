//! Removing a site (`kentongan site remove`), in two steps so that its followers hear of
//! it whether or not `serve` runs:
//!
//! 1. the command queues the `Delete` of each of the site's accounts to every follower's
//!    inbox (the normal delivery queue, in the site's own database) and marks the site
//!    as leaving: a file [`LEAVING_FILE`] in its folder;
//! 2. the running node (now, or at its next start) serves the site as leaving (its
//!    delivery worker alone, 410 Gone for everything: `app::Site::leave`), and once the
//!    site's queue is empty (every delivery done or given up) closes it and moves its
//!    folder to `sites/.removed/<host>-<time>/`; on PostgreSQL its schema is renamed
//!    `removed_<time>_<schema>`. Nothing is deleted: the operator throws the folder away
//!    when it is no longer needed.
//!
//! The node's first site (the data directory itself) is refused while others remain: the
//! others live inside it.

use super::layout::{ListedSite, SITES_DIR, list, read_raw};
use crate::{
    app::Site,
    clock::now_ms,
    config::Config,
    store::{ActivityKind, BackendKind, NewActivity, Store},
    strings,
};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};

/// The mark of a site being removed; it holds the time the removal began.
pub const LEAVING_FILE: &str = "LEAVING";
/// Where removed sites' folders go, inside `sites/`. Its name starts with a dot, so it is
/// never taken for a site.
pub const REMOVED_DIR: &str = ".removed";
/// The note a removed site's folder gets.
const REMOVED_NOTE_FILE: &str = "REMOVED.txt";

#[derive(Args, Debug)]
pub struct SiteRemoveArgs {
    /// The hosting node's data directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The site's host name, as `site list` shows it.
    pub host: String,
    /// Do not ask for confirmation (for scripts).
    #[arg(long)]
    pub yes: bool,
    /// The site has moved to another server (`site export` here, `site import` there,
    /// its domain pointed at that server): its accounts live on there, so no Delete is
    /// sent, and the site is put aside at once.
    #[arg(long)]
    pub moved: bool,
}

/// Whether the site of `site_dir` is being removed.
pub fn is_leaving(site_dir: &Path) -> bool {
    site_dir.join(LEAVING_FILE).exists()
}

/// The site of `host` in `dir`, if it may be removed: it exists, and it is not the
/// node's first site while others remain.
pub fn removable(dir: &Path, host: &str) -> anyhow::Result<ListedSite> {
    let sites = list(dir)?;
    let wanted = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let site = sites
        .iter()
        .find(|site| site.domain == wanted)
        .cloned()
        .with_context(|| format!("{} holds no site {wanted}", dir.display()))?;
    if site.dir == dir && sites.len() > 1 {
        let words = strings::REMOVE_FIRST_SITE;
        anyhow::bail!(
            "{} / {}",
            words.id.replace("{host}", &site.domain),
            words.en.replace("{host}", &site.domain)
        );
    }
    Ok(site)
}

/// What `site remove` did.
#[derive(Debug)]
pub struct RemovalStarted {
    pub domain: String,
    pub dir: PathBuf,
    /// The site was being removed already: nothing was queued again.
    pub already: bool,
    /// Accounts whose Delete was queued, and the deliveries that takes.
    pub accounts: usize,
    pub deliveries: u64,
    /// Whether a running `serve` is sending them now (else: at its next start).
    pub serving: bool,
    /// The site's PostgreSQL schema, which will be set aside; `None` on SQLite.
    pub schema: Option<String>,
    /// On PostgreSQL without a schema of its own (a first site): its database is left.
    pub database_kept: bool,
}

/// Step 1: queues the Delete of each of the site's accounts and marks it leaving. Run
/// twice, it queues nothing twice.
pub async fn begin(dir: &Path, host: &str) -> anyhow::Result<RemovalStarted> {
    let site = removable(dir, host)?;
    let config = Config::load(&site.dir)?;
    let raw = read_raw(&site.dir)?;
    let on_postgres = BackendKind::of_url(config.database_url())? == BackendKind::Postgres;
    let mut started = RemovalStarted {
        domain: site.domain.clone(),
        dir: site.dir.clone(),
        already: is_leaving(&site.dir),
        accounts: 0,
        deliveries: 0,
        serving: serving(dir, &site.dir, on_postgres),
        schema: raw.database_schema.clone(),
        database_kept: on_postgres && raw.database_schema.is_none(),
    };
    if started.already {
        return Ok(started);
    }
    let store = Store::connect(config.database_url()).await?;
    let queued = queue_deletes(&store).await;
    store.close().await;
    let (accounts, deliveries) = queued?;
    started.accounts = accounts;
    started.deliveries = deliveries;
    // Marked only once the Deletes are queued: a running node that saw the mark first
    // would find the queue empty and remove the site before they were sent.
    let mark = site.dir.join(LEAVING_FILE);
    std::fs::write(&mark, format!("{}\n", crate::clock::to_rfc3339(now_ms())))
        .and_then(|()| crate::data_dir::make_private(&mark))
        .with_context(|| format!("cannot write {}", mark.display()))?;
    Ok(started)
}

/// The Delete of each local account (the instance actor has no followers), each in its
/// own transaction with its deliveries.
async fn queue_deletes(store: &Store) -> anyhow::Result<(usize, u64)> {
    let actors = crate::actors::publishing_actors(store).await?;
    let mut deliveries = 0;
    let now = now_ms();
    for actor in &actors {
        let delete = NewActivity {
            public_id: crate::publishing::new_public_id(),
            actor_id: actor.id,
            kind: ActivityKind::Delete,
            post_id: None,
            object_json: None,
        };
        deliveries += store.queue_actor_delete(&delete, now).await?.unwrap_or(0);
    }
    Ok((actors.len(), deliveries))
}

/// Whether `serve` runs the node of `dir`: a SQLite site's lock tells; on PostgreSQL,
/// whether something answers on the node's listening address.
fn serving(dir: &Path, site_dir: &Path, on_postgres: bool) -> bool {
    if !on_postgres && let Some(served) = crate::app::served_now(site_dir) {
        return served;
    }
    let Ok(node) = Config::load(dir) else {
        return false;
    };
    let mut address = node.listen;
    if address.ip().is_unspecified() {
        address.set_ip(match address.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(500)).is_ok()
}

/// What `site remove` says it did, in both languages, one paragraph each.
pub fn report(started: &RemovalStarted) -> String {
    let fill = |text: &str| {
        text.replace("{host}", &started.domain)
            .replace("{folder}", &started.domain.replace(':', "_"))
            .replace("{accounts}", &started.accounts.to_string())
            .replace("{inboxes}", &started.deliveries.to_string())
            .replace("{schema}", started.schema.as_deref().unwrap_or_default())
    };
    let mut paragraphs = Vec::new();
    for lang in [strings::Lang::Id, strings::Lang::En] {
        let first = if started.already {
            strings::REMOVE_ALREADY
        } else {
            strings::REMOVE_QUEUED
        };
        let next = if started.serving {
            strings::REMOVE_SERVING
        } else {
            strings::REMOVE_NOT_SERVING
        };
        let mut lines = vec![
            fill(first.get(lang)),
            fill(next.get(lang)),
            strings::REMOVE_KEEPS_DATA.get(lang).to_string(),
        ];
        if started.schema.is_some() {
            lines.push(fill(strings::REMOVE_SCHEMA.get(lang)));
        }
        if started.database_kept {
            lines.push(strings::REMOVE_DATABASE_KEPT.get(lang).to_string());
        }
        paragraphs.push(lines.join("\n"));
    }
    paragraphs.join("\n\n")
}

/// Step 2: closes a leaving site whose queue is empty and puts its data aside. Returns
/// where its folder went. On failure the site stays where it was (closed).
pub async fn retire(node_dir: &Path, mut site: Site) -> anyhow::Result<PathBuf> {
    let domain = site.state.config.domain.clone();
    let site_dir = site.state.config.dir.clone();
    site.stop_workers().await;
    let aside = match set_schema_aside(&site.state.store, &site_dir).await {
        Ok(aside) => aside,
        Err(err) => {
            site.close().await;
            return Err(err);
        }
    };
    // SQLite's file is closed (and its WAL folded in) before it moves.
    site.close().await;
    put_folder_aside(node_dir, &site_dir, &domain, aside, strings::REMOVED_NOTE)
}

/// `site remove --moved`: the site lives on at another server, so nothing is sent; its
/// data is put aside at once (a running `serve` sees its folder gone within seconds and
/// answers its host 421). Returns where its folder went.
pub async fn set_aside_moved(dir: &Path, host: &str) -> anyhow::Result<PathBuf> {
    let site = removable(dir, host)?;
    let config = Config::load(&site.dir)?;
    let store = Store::connect(config.database_url()).await?;
    let aside = set_schema_aside(&store, &site.dir).await;
    store.close().await;
    put_folder_aside(dir, &site.dir, &site.domain, aside?, strings::MOVED_NOTE)
}

/// A removed site's PostgreSQL schema and the name it was set aside under.
struct SchemaAside {
    schema: String,
    aside: String,
}

/// Renames a hosted site's PostgreSQL schema `removed_<time>_<schema>`; nothing for a
/// site without one.
async fn set_schema_aside(store: &Store, site_dir: &Path) -> anyhow::Result<Option<SchemaAside>> {
    let Some(schema) = read_raw(site_dir).ok().and_then(|raw| raw.database_schema) else {
        return Ok(None);
    };
    let mut aside = format!(
        "removed_{}_{schema}",
        chrono::Utc::now().format("%Y%m%d%H%M%S")
    );
    aside.truncate(63);
    store.set_schema_aside(&schema, &aside).await?;
    Ok(Some(SchemaAside { schema, aside }))
}

/// Moves a closed site's folder to `sites/.removed/<host>-<time>/` with a note saying
/// why (`note`) and where its schema went.
fn put_folder_aside(
    node_dir: &Path,
    site_dir: &Path,
    domain: &str,
    aside: Option<SchemaAside>,
    note: strings::Text,
) -> anyhow::Result<PathBuf> {
    let now = chrono::Utc::now();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let removed = node_dir.join(SITES_DIR).join(REMOVED_DIR);
    let target = removed.join(format!("{}-{stamp}", domain.replace(':', "_")));
    crate::data_dir::create_private_dir(&removed)
        .with_context(|| format!("cannot create {}", removed.display()))?;
    move_site(node_dir, site_dir, &target).with_context(|| {
        format!(
            "cannot move {} to {}{}",
            site_dir.display(),
            target.display(),
            match &aside {
                Some(SchemaAside { schema, aside }) =>
                    format!(" (its schema {schema} is already renamed {aside})"),
                None => String::new(),
            }
        )
    })?;
    let mut lines = Vec::new();
    for lang in [strings::Lang::Id, strings::Lang::En] {
        lines.push(note.get(lang).replace("{host}", domain).replace(
            "{time}",
            &now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ));
        if let Some(SchemaAside { schema, aside }) = &aside {
            lines.push(
                strings::REMOVED_NOTE_SCHEMA
                    .get(lang)
                    .replace("{schema}", schema)
                    .replace("{aside}", aside),
            );
        }
    }
    let note_file = target.join(REMOVED_NOTE_FILE);
    let written = std::fs::write(&note_file, lines.join("\n") + "\n")
        .and_then(|()| crate::data_dir::make_private(&note_file));
    if let Err(err) = written {
        tracing::warn!(%err, file = %note_file.display(), "cannot write the note of a removed site");
    }
    Ok(target)
}

/// Moves a site's data directory to `target`: a hosted site's folder at once; the first
/// site's files one by one, leaving `sites/` (which then holds only removed sites).
fn move_site(node_dir: &Path, site_dir: &Path, target: &Path) -> anyhow::Result<()> {
    if site_dir != node_dir {
        return std::fs::rename(site_dir, target).context("renaming the folder");
    }
    crate::data_dir::create_private_dir(target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    for entry in std::fs::read_dir(site_dir).context("listing the data directory")? {
        let entry = entry.context("listing the data directory")?;
        if entry.file_name() == SITES_DIR {
            continue;
        }
        std::fs::rename(entry.path(), target.join(entry.file_name()))
            .with_context(|| format!("moving {}", entry.path().display()))?;
    }
    Ok(())
}
