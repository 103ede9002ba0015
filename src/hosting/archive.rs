//! `kentongan site export` and `kentongan site import` (issue 13 point 5): one site moved
//! whole to another node, hosted or self-hosted, from SQLite to PostgreSQL or back,
//! keeping every id, key and follower. A village that leaves the regency's server keeps
//! its domain, points it at its own machine, and its followers notice nothing: its actors'
//! ids and keys, its posts' ids and its followers' rows are the same rows.
//!
//! The archive is a gzipped tar of:
//!
//! - `site.toml`: the site's settings, its `kentongan.toml` without what belongs to the
//!   node that serves it (`listen`, the database and its password, certificate files);
//! - `rows/<table>.jsonl`: every row of every table, one JSON object a line, read in one
//!   snapshot while the site keeps serving (`store::archive`);
//! - `files/media/…`, `files/documents/…`, `files/private/…`: the site's files;
//! - `manifest.json`, last: the format's version, the schema version the rows come from,
//!   the tables in the order they are written back with their columns and row counts, and
//!   every other entry's size and SHA-256.
//!
//! An import checks all of that before it writes anything, then makes the site whole or
//! not at all: a hosted site is built in a scratch folder of `sites/` and renamed into
//! place with its config, which is when a running `serve` sees it; a failure drops the
//! tables it made and removes its folders. It is an entry-level room: the SQL is the
//! store's, the layout of a node's sites is `layout`'s.

use super::{
    layout::{self, SITES_DIR},
    packed::{self, PackedEntry, Scratch},
};
use crate::{
    clock::{now_ms, to_rfc3339},
    config::{CONFIG_FILE, Config, RawConfig, parse_domain},
    data_dir::{create_private_dir, create_private_file},
    store::{
        BackendKind, Store,
        archive::{Column, Table, knows_schema_version, newest_schema_version},
    },
};
use anyhow::Context;
use clap::Args;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    io::{self, BufReader, BufWriter, Write},
    path::{Component, Path, PathBuf},
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

/// What `manifest.json` says the archive is.
pub const FORMAT: &str = "kentongan-site";
/// The version of the archive's layout this program writes and reads.
pub const FORMAT_VERSION: u32 = 1;

const MANIFEST: &str = "manifest.json";
const SETTINGS: &str = "site.toml";
const ROWS_DIR: &str = "rows";
const FILES_DIR: &str = "files";
/// The folders of a site's data directory that hold its files.
const FOLDERS: [&str; 3] = ["media", "documents", "private"];
/// Settings that belong to the node serving a site, not to the site: never archived,
/// taken from the node (or the command line) on import.
const NODE_SETTINGS: [&str; 4] = [
    "listen",
    "database_url",
    "database_schema",
    "extra_ca_certificates",
];
/// The network settings a hosted site takes from its node (as `site add` does).
const NETWORK_SETTINGS: [&str; 2] = ["insecure_local", "allow_private_addresses"];
/// Rows written per batch on import.
const ROWS_PER_BATCH: usize = 1_000;
/// The largest `manifest.json` or `site.toml` read into memory.
const LARGEST_TEXT: u64 = 64 * 1024 * 1024;

/// `manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The number of the last migration the rows' database had run.
    pub schema_version: i64,
    pub domain: String,
    pub exported_at: String,
    /// The program that wrote it: `kentongan 0.1.0`.
    pub exported_by: String,
    /// `sqlite` or `postgresql`: where the rows came from.
    pub database: String,
    /// In the order an import writes them: each after the tables it refers to.
    pub tables: Vec<ManifestTable>,
    /// Every entry of the archive but this manifest.
    pub entries: Vec<ManifestEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestTable {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: u64,
    /// The highest id the table had ever given, when the database numbers its rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids_given: Option<i64>,
}

/// An entry of the archive as its manifest lists it.
pub type ManifestEntry = PackedEntry;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The node's data directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The site's host name, where the directory holds more than one site.
    #[arg(long)]
    pub site: Option<String>,
    /// The archive to write (.tar.gz). It holds the site's private keys and password
    /// hashes: keep it as safe as the server itself.
    #[arg(long)]
    pub to: PathBuf,
}

/// What `export` wrote.
#[derive(Debug)]
pub struct Exported {
    pub domain: String,
    pub archive: PathBuf,
    pub schema_version: i64,
    pub rows: u64,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The data directory: a node's (the site is added to its sites), or an empty or new
    /// directory (the site becomes a node of its own, as when a village hosts itself).
    #[arg(long)]
    pub dir: PathBuf,
    /// The archive `kentongan site export` wrote.
    #[arg(long)]
    pub from: PathBuf,
    /// The site's host name, checked against the archive's: a site keeps its name, which
    /// every id of its actors and posts carries, so this only guards against a wrong file.
    #[arg(long)]
    pub domain: Option<String>,
    /// For a new node only: the address and port to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// For a new node only: postgres://… to use PostgreSQL instead of a SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// What `import` made.
#[derive(Debug)]
pub struct Imported {
    pub domain: String,
    /// The site's data directory.
    pub dir: PathBuf,
    /// Added to a node's sites, rather than made the first site of a new node.
    pub hosted: bool,
    pub rows: u64,
    pub files: u64,
}

// ---------------------------------------------------------------------------------------
// Export

/// `kentongan site export`: the site's rows as of one moment, its files and its
/// settings, in one archive written aside and renamed into place when whole.
#[tracing::instrument(skip_all, fields(site = ?args.site))]
pub async fn export(args: ExportArgs) -> anyhow::Result<Exported> {
    let site_dir = layout::find(&args.dir, args.site.as_deref())?;
    let config = Config::load(&site_dir)?;
    let settings = site_settings(&site_dir)?;
    if args.to.exists() {
        anyhow::bail!(
            "{} already exists; choose another name or remove it first",
            args.to.display()
        );
    }
    let name = args
        .to
        .file_name()
        .and_then(|name| name.to_str())
        .with_context(|| format!("{} is not a file name", args.to.display()))?
        .to_string();
    let folder = match args.to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        anyhow::bail!("{} is not a folder that exists", folder.display());
    }
    let scratch = Scratch::create(&folder, ".kentongan-export-")?;
    let rows_dir = scratch.path.join(ROWS_DIR);
    create_private_dir(&rows_dir).with_context(|| format!("creating {}", rows_dir.display()))?;

    let store = Store::connect(config.database_url()).await?;
    let read = write_rows(&store, &rows_dir).await;
    store.close().await;
    let (schema_version, tables) = read?;

    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version,
        domain: config.domain.clone(),
        exported_at: to_rfc3339(now_ms()),
        exported_by: format!("kentongan {}", env!("CARGO_PKG_VERSION")),
        database: match store.backend_kind() {
            BackendKind::Sqlite => "sqlite".into(),
            BackendKind::Postgres => "postgresql".into(),
        },
        tables,
        entries: Vec::new(),
    };
    let partial = folder.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let written = tokio::task::spawn_blocking({
        let partial = partial.clone();
        let rows_dir = rows_dir.clone();
        move || write_archive(&partial, &settings, &rows_dir, &site_dir, manifest)
    })
    .await
    .context("writing the archive")?;
    let written = match written {
        Ok(written) => written,
        Err(err) => {
            let _ = fs::remove_file(&partial);
            return Err(err);
        }
    };
    if let Err(err) = fs::rename(&partial, &args.to) {
        let _ = fs::remove_file(&partial);
        return Err(err).with_context(|| format!("writing {}", args.to.display()));
    }
    tracing::info!(domain = %config.domain, rows = written.rows, files = written.files, "site exported");
    Ok(Exported {
        domain: config.domain,
        archive: args.to,
        schema_version,
        rows: written.rows,
        files: written.files,
        bytes: written.bytes,
    })
}

/// The site's settings as archived: its config without the node's settings.
fn site_settings(site_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let raw = layout::read_raw(site_dir)?;
    let mut table = toml::Table::try_from(&raw).context("reading the site's settings")?;
    for key in NODE_SETTINGS {
        table.remove(key);
    }
    let text = toml::to_string(&table).context("writing the site's settings")?;
    Ok(format!(
        "# The settings of the site {}, without those of the node that served it.\n{text}",
        raw.domain
    )
    .into_bytes())
}

/// Writes every table's rows into `dir/<table>.jsonl` from one snapshot; returns the
/// schema's version and the tables as the manifest lists them.
async fn write_rows(store: &Store, dir: &Path) -> anyhow::Result<(i64, Vec<ManifestTable>)> {
    let mut snapshot = store.snapshot().await?;
    let schema_version = snapshot.schema_version().await?;
    let tables = snapshot.tables().await?;
    let given = snapshot.ids_given(&tables).await?;
    let mut listed = Vec::with_capacity(tables.len());
    for table in &tables {
        if !is_plain_name(&table.name) {
            anyhow::bail!("the table {:?} cannot be archived by name", table.name);
        }
        let path = dir.join(format!("{}.jsonl", table.name));
        let file =
            create_private_file(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = tokio::io::BufWriter::new(tokio::fs::File::from_std(file));
        let mut count = 0u64;
        let mut rows = snapshot.rows(table);
        while let Some(row) = rows.next().await {
            let mut line = serde_json::to_vec(&row?).context("writing a row as JSON")?;
            line.push(b'\n');
            out.write_all(&line)
                .await
                .with_context(|| format!("writing {}", path.display()))?;
            count += 1;
        }
        drop(rows);
        out.flush()
            .await
            .with_context(|| format!("writing {}", path.display()))?;
        listed.push(ManifestTable {
            name: table.name.clone(),
            columns: table.columns.clone(),
            rows: count,
            ids_given: given.get(&table.name).copied(),
        });
    }
    snapshot.finish().await?;
    Ok((schema_version, listed))
}

/// A table's name as a file name: lower-case letters, digits and `_`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

struct Written {
    rows: u64,
    files: u64,
    bytes: u64,
}

/// What to do when a file changed while it was written into the archive.
const AGAIN: &str = "export again";

/// The archive, in order: settings, rows, files, manifest. Blocking file I/O.
fn write_archive(
    out: &Path,
    settings: &[u8],
    rows_dir: &Path,
    site_dir: &Path,
    mut manifest: Manifest,
) -> anyhow::Result<Written> {
    let file = create_private_file(out).with_context(|| format!("creating {}", out.display()))?;
    let gzip = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
    let mut tar = tar::Builder::new(gzip);
    let mtime = u64::try_from(now_ms() / 1000).unwrap_or_default();
    let mut entries = vec![packed::append(
        &mut tar,
        SETTINGS,
        settings.len() as u64,
        settings,
        mtime,
        AGAIN,
    )?];
    for table in &manifest.tables {
        let path = rows_dir.join(format!("{}.jsonl", table.name));
        let file = fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let size = file
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        entries.push(packed::append(
            &mut tar,
            &format!("{ROWS_DIR}/{}.jsonl", table.name),
            size,
            file,
            mtime,
            AGAIN,
        )?);
    }
    let mut files = 0u64;
    for folder in FOLDERS {
        for (relative, path) in files_under(&site_dir.join(folder))? {
            // A file deleted since it was listed (a document removed) is left out.
            let file = match fs::File::open(&path) {
                Ok(file) => file,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
            };
            let size = file
                .metadata()
                .with_context(|| format!("reading {}", path.display()))?
                .len();
            let name = format!("{FILES_DIR}/{folder}/{relative}");
            entries.push(packed::append(&mut tar, &name, size, file, mtime, AGAIN)?);
            files += 1;
        }
    }
    manifest.entries = entries;
    let rows = manifest.tables.iter().map(|table| table.rows).sum();
    let bytes = packed::finish(tar, MANIFEST, &manifest, mtime, AGAIN, "the archive")?;
    Ok(Written { rows, files, bytes })
}

/// Every file under `root` (none if it does not exist), as `(path from root with /,
/// path)`, by name. Names starting with a dot (files being written) and anything but
/// folders and plain files are left out.
fn files_under(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![(String::new(), root.to_path_buf())];
    while let Some((prefix, dir)) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err).with_context(|| format!("reading {}", dir.display())),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
            let name = entry.file_name();
            let name = name.to_str().with_context(|| {
                format!("{} has a name that is not UTF-8", entry.path().display())
            })?;
            if name.starts_with('.') {
                continue;
            }
            let relative = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry
                .file_type()
                .with_context(|| format!("reading {}", entry.path().display()))?;
            if kind.is_dir() {
                pending.push((relative, entry.path()));
            } else if kind.is_file() {
                found.push((relative, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

// ---------------------------------------------------------------------------------------
// Import

/// Where an import puts the site.
enum Target {
    /// The directory holds no node: the site becomes its first (self-hosting).
    NewNode { existed: bool },
    /// The directory holds a node: the site is added to its sites.
    Hosted {
        /// The node's database is PostgreSQL: the site gets a schema of its own in it.
        on_postgres: bool,
        /// The node's first site's config, whose address and network settings it shares.
        first: Box<RawConfig>,
    },
}

/// What an import has made so far, undone if it fails.
#[derive(Default)]
struct Made {
    /// The database it filled, once it was found empty: its tables are the import's.
    database_url: Option<String>,
    /// The scratch folder (a hosted site's, with the site being built inside).
    scratch: Option<PathBuf>,
    /// A new node's directory: everything in it is the import's.
    new_node: Option<(PathBuf, bool)>,
}

impl Made {
    async fn undo(self) {
        if let Some(url) = &self.database_url {
            let dropped = match Store::open_unmigrated(url).await {
                Ok(store) => {
                    let dropped = store.drop_every_table().await;
                    store.close().await;
                    dropped
                }
                Err(err) => Err(err),
            };
            if let Err(err) = dropped {
                tracing::error!(error = %format!("{err:#}"), "a failed import left tables behind");
            }
        }
        if let Some(scratch) = &self.scratch {
            let _ = fs::remove_dir_all(scratch);
        }
        if let Some((dir, existed)) = &self.new_node {
            if *existed {
                if let Ok(entries) = fs::read_dir(dir) {
                    for entry in entries.flatten() {
                        let path = entry.path();
                        let _ = if path.is_dir() {
                            fs::remove_dir_all(&path)
                        } else {
                            fs::remove_file(&path)
                        };
                    }
                }
            } else {
                let _ = fs::remove_dir_all(dir);
            }
        }
    }
}

/// `kentongan site import`: checks the archive whole, then makes the site whole or not
/// at all (see the module's comment).
#[tracing::instrument(skip_all, fields(from = %args.from.display()))]
pub async fn import(args: ImportArgs) -> anyhow::Result<Imported> {
    let archive = fs::File::open(&args.from)
        .with_context(|| format!("cannot read {}", args.from.display()))?;
    let target = target_of(&args)?;
    let mut made = Made::default();
    let outcome = import_into(&args, archive, &target, &mut made).await;
    match outcome {
        Ok(imported) => {
            if let Some(scratch) = &made.scratch {
                let _ = fs::remove_dir_all(scratch);
            }
            tracing::info!(domain = %imported.domain, rows = imported.rows, files = imported.files, "site imported");
            Ok(imported)
        }
        Err(err) => {
            made.undo().await;
            Err(err)
        }
    }
}

/// Where `args.dir` says the site goes, refusing what cannot work before anything is
/// written.
fn target_of(args: &ImportArgs) -> anyhow::Result<Target> {
    if args.dir.join(CONFIG_FILE).exists() {
        if args.listen.is_some() || args.database_url.is_some() {
            anyhow::bail!(
                "{} already holds a node, whose address and database its sites share; \
                 --listen and --database-url are for a new node",
                args.dir.display()
            );
        }
        let node = Config::load(&args.dir)?;
        let on_postgres = BackendKind::of_url(node.database_url())? == BackendKind::Postgres;
        let first = Box::new(layout::read_raw(&args.dir)?);
        return Ok(Target::Hosted { on_postgres, first });
    }
    match fs::read_dir(&args.dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!(
                    "{} holds no node but is not empty; import into an empty directory, or into a node's",
                    args.dir.display()
                );
            }
            Ok(Target::NewNode { existed: true })
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Target::NewNode { existed: false }),
        Err(err) => Err(err).with_context(|| format!("reading {}", args.dir.display())),
    }
}

async fn import_into(
    args: &ImportArgs,
    archive: fs::File,
    target: &Target,
    made: &mut Made,
) -> anyhow::Result<Imported> {
    // The scratch folder is on the file system the site ends up on, so its files are
    // moved into place by renaming.
    let scratch_parent = match target {
        Target::NewNode { existed } => {
            made.new_node = Some((args.dir.clone(), *existed));
            args.dir.clone()
        }
        Target::Hosted { .. } => args.dir.join(SITES_DIR),
    };
    create_private_dir(&scratch_parent)
        .with_context(|| format!("cannot create {}", scratch_parent.display()))?;
    let scratch = Scratch::create(&scratch_parent, ".kentongan-import-")?.keep();
    made.scratch = Some(scratch.clone());
    let unpacked_dir = scratch.join("archive");
    let unpacked = tokio::task::spawn_blocking({
        let unpacked_dir = unpacked_dir.clone();
        move || unpack(archive, &unpacked_dir)
    })
    .await
    .context("reading the archive")?
    .with_context(|| format!("cannot read the archive {}", args.from.display()))?;
    let manifest = checked_manifest(&unpacked_dir, &unpacked)?;
    let settings = read_settings(&unpacked_dir)?;
    let domain = settings
        .get("domain")
        .and_then(|domain| domain.as_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if domain != manifest.domain {
        anyhow::bail!(
            "the archive is damaged: its settings are of {domain:?} and its manifest of {:?}",
            manifest.domain
        );
    }
    if let Some(wanted) = &args.domain {
        let wanted = parse_domain(wanted, true)?;
        if wanted != domain {
            anyhow::bail!(
                "the archive is the site {domain}, not {wanted}: every id of its actors and posts names {domain}, so it is served under that name only"
            );
        }
    }

    let (site_dir, raw) = match target {
        Target::NewNode { .. } => {
            let raw = new_node_config(settings, args)?;
            (args.dir.clone(), raw)
        }
        Target::Hosted { on_postgres, first } => {
            if layout::list(&args.dir)?
                .iter()
                .any(|site| site.domain == domain)
            {
                anyhow::bail!("{} already serves {domain}", args.dir.display());
            }
            let folder = layout::folder_for(&args.dir, &domain);
            if folder.exists() {
                anyhow::bail!(
                    "{} already exists; a site of that name was there (remove it first)",
                    folder.display()
                );
            }
            let raw = hosted_config(settings, *on_postgres, first, &args.dir, &domain)?;
            (scratch.join("site"), raw)
        }
    };
    let config_text = format!(
        "# Kentongan site configuration, written by `kentongan site import` from {}.\n\
         # Every setting is described in the file `kentongan init` writes.\n{}",
        args.from
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        toml::to_string(&raw).context("writing the site's config")?
    );
    let config = Config::from_raw(&site_dir, raw)?;
    create_private_dir(&site_dir)
        .with_context(|| format!("cannot create {}", site_dir.display()))?;

    let rows = load_rows(&config, &manifest, &unpacked_dir, made).await?;

    let mut files = 0;
    for folder in FOLDERS {
        let from = unpacked_dir.join(FILES_DIR).join(folder);
        if from.exists() {
            files += files_under(&from)?.len() as u64;
            let to = site_dir.join(folder);
            fs::rename(&from, &to)
                .with_context(|| format!("moving the files into {}", to.display()))?;
        }
    }
    // Written last: a directory with a config is a finished site.
    let config_path = site_dir.join(CONFIG_FILE);
    create_private_file(&config_path)
        .and_then(|mut file| {
            file.write_all(config_text.as_bytes())?;
            file.sync_all()
        })
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let (dir, hosted) = match target {
        Target::NewNode { .. } => (site_dir, false),
        Target::Hosted { .. } => {
            let folder = layout::folder_for(&args.dir, &domain);
            fs::rename(&site_dir, &folder)
                .with_context(|| format!("moving the site into {}", folder.display()))?;
            (folder, true)
        }
    };
    Ok(Imported {
        domain,
        dir,
        hosted,
        rows,
        files,
    })
}

/// The config of a new node made of the archive's site: its settings, with the address
/// and database given on the command line.
fn new_node_config(mut settings: toml::Table, args: &ImportArgs) -> anyhow::Result<RawConfig> {
    for key in NODE_SETTINGS {
        settings.remove(key);
    }
    settings.insert(
        "listen".into(),
        args.listen
            .clone()
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .into(),
    );
    if let Some(url) = &args.database_url {
        settings.insert("database_url".into(), url.clone().into());
    }
    settings
        .try_into()
        .context("the archive's settings are not a valid site config")
}

/// The config of a site added to a node: the archive's settings, with the node's
/// address, database (a schema of its own on PostgreSQL) and network settings, as
/// `site add` gives a new site.
fn hosted_config(
    mut settings: toml::Table,
    on_postgres: bool,
    first: &RawConfig,
    dir: &Path,
    domain: &str,
) -> anyhow::Result<RawConfig> {
    for key in NODE_SETTINGS.iter().chain(NETWORK_SETTINGS.iter()) {
        settings.remove(*key);
    }
    settings.insert("listen".into(), first.listen.clone().into());
    if on_postgres {
        if let Some(url) = &first.database_url {
            settings.insert("database_url".into(), url.clone().into());
        }
        settings.insert("database_schema".into(), layout::schema_for(domain).into());
    }
    settings.insert("insecure_local".into(), first.insecure_local.into());
    settings.insert(
        "allow_private_addresses".into(),
        first.allow_private_addresses.into(),
    );
    if !first.extra_ca_certificates.is_empty() {
        let files: Vec<toml::Value> = first
            .extra_ca_certificates
            .iter()
            .map(|file| dir.join(file).display().to_string().into())
            .collect();
        settings.insert("extra_ca_certificates".into(), files.into());
    }
    settings
        .try_into()
        .context("the archive's settings are not a valid site config")
}

/// Makes the site's database at the archive's schema version, writes every row in one
/// transaction, then brings the schema up to this program's version. Returns the rows
/// written.
async fn load_rows(
    config: &Config,
    manifest: &Manifest,
    unpacked_dir: &Path,
    made: &mut Made,
) -> anyhow::Result<u64> {
    let store = Store::open_unmigrated(config.database_url()).await?;
    let loaded = load_into(&store, config, manifest, unpacked_dir, made).await;
    // Every connection back and closed, an unfinished transaction rolled back, before
    // the files move or a failure drops the tables.
    store.close().await;
    loaded
}

async fn load_into(
    store: &Store,
    config: &Config,
    manifest: &Manifest,
    unpacked_dir: &Path,
    made: &mut Made,
) -> anyhow::Result<u64> {
    let existing = store.table_names().await?;
    if !existing.is_empty() {
        anyhow::bail!(
            "the site's database already holds {} tables; an import makes a site in an empty database (on PostgreSQL, an empty schema)",
            existing.len()
        );
    }
    made.database_url = Some(config.database_url().to_string());
    store.migrate_to(Some(manifest.schema_version)).await?;
    let mut load = store.begin_load().await?;
    let tables = load.tables().await?;
    matching_tables(&tables, manifest)?;
    load.clear(&tables).await?;
    let mut written = 0u64;
    for table in &tables {
        let listed = manifest
            .tables
            .iter()
            .find(|listed| listed.name == table.name)
            .with_context(|| format!("the archive has no rows of {}", table.name))?;
        let count =
            load_table(&mut load, table, &unpacked_dir.join(rows_path(&table.name))).await?;
        if count != listed.rows {
            anyhow::bail!(
                "the archive is damaged: {} holds {count} rows where its manifest says {}",
                rows_path(&table.name),
                listed.rows
            );
        }
        load.number_after(table, listed.ids_given.unwrap_or(0))
            .await?;
        written += count;
    }
    load.release_leases(&tables).await?;
    load.commit().await?;
    store.migrate_to(None).await?;
    Ok(written)
}

fn rows_path(table: &str) -> String {
    format!("{ROWS_DIR}/{table}.jsonl")
}

/// Whether the database made at the archive's schema version has the archive's tables
/// and columns: it must, unless the archive's two migration lists disagree.
fn matching_tables(tables: &[Table], manifest: &Manifest) -> anyhow::Result<()> {
    let ours: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let theirs: BTreeSet<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    if ours != theirs {
        let missing: Vec<&str> = theirs.difference(&ours).copied().collect();
        let extra: Vec<&str> = ours.difference(&theirs).copied().collect();
        anyhow::bail!(
            "the archive's tables are not those of schema version {} (only in the archive: {}; only here: {})",
            manifest.schema_version,
            missing.join(", "),
            extra.join(", ")
        );
    }
    for table in tables {
        let Some(listed) = manifest.tables.iter().find(|t| t.name == table.name) else {
            continue;
        };
        let ours: BTreeSet<(&str, _)> = table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        let theirs: BTreeSet<(&str, _)> = listed
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        if ours != theirs {
            anyhow::bail!(
                "the archive's columns of {} are not those of schema version {}",
                table.name,
                manifest.schema_version
            );
        }
    }
    Ok(())
}

/// Writes the rows of `path` (JSON lines) into `table`; returns how many.
async fn load_table(
    load: &mut crate::store::archive::Load,
    table: &Table,
    path: &Path,
) -> anyhow::Result<u64> {
    let file = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("reading {}", path.display()))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut batch: Vec<Map<String, Value>> = Vec::with_capacity(ROWS_PER_BATCH);
    let mut count = 0u64;
    while let Some(line) = lines
        .next_line()
        .await
        .with_context(|| format!("reading {}", path.display()))?
    {
        count += 1;
        let row: Map<String, Value> = serde_json::from_str(&line).with_context(|| {
            format!(
                "line {count} of {} is not a JSON object",
                rows_path(&table.name)
            )
        })?;
        batch.push(row);
        if batch.len() == ROWS_PER_BATCH {
            load.insert(table, &batch).await?;
            batch.clear();
        }
    }
    load.insert(table, &batch).await?;
    Ok(count)
}

/// Whether `path` is a name an archive may hold: the settings, the manifest, a table's
/// rows, or a file under one of the site's folders, without `..` or a leading `/`.
fn allowed_entry(path: &str) -> bool {
    if path == SETTINGS || path == MANIFEST {
        return true;
    }
    if let Some(name) = path
        .strip_prefix("rows/")
        .and_then(|rest| rest.strip_suffix(".jsonl"))
    {
        return is_plain_name(name);
    }
    let plain = Path::new(path)
        .components()
        .all(|part| matches!(part, Component::Normal(_)));
    let mut parts = path.splitn(3, '/');
    plain
        && parts.next() == Some(FILES_DIR)
        && parts.next().is_some_and(|folder| FOLDERS.contains(&folder))
        && parts.next().is_some_and(|rest| !rest.is_empty())
}

/// Unpacks the archive into `into`, hashing every entry. Blocking file I/O.
fn unpack(archive: fs::File, into: &Path) -> anyhow::Result<BTreeMap<String, PackedEntry>> {
    let gzip = flate2::read::GzDecoder::new(BufReader::new(archive));
    packed::unpack(tar::Archive::new(gzip), into, allowed_entry, "site archive")
}

/// The manifest, once the archive is known to be one this program can import whole:
/// its format, its schema version, and every entry as the manifest lists it.
fn checked_manifest(
    unpacked_dir: &Path,
    unpacked: &BTreeMap<String, PackedEntry>,
) -> anyhow::Result<Manifest> {
    let text = packed::read_text(&unpacked_dir.join(MANIFEST), LARGEST_TEXT)
        .context("it is not a Kentongan site archive (it has no manifest.json)")?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .context("it is not a Kentongan site archive (its manifest.json is not JSON)")?;
    if manifest.get("format").and_then(Value::as_str) != Some(FORMAT) {
        anyhow::bail!("it is not a Kentongan site archive (its manifest names another format)");
    }
    let format_version = manifest
        .get("format_version")
        .and_then(Value::as_u64)
        .unwrap_or_default();
    if format_version > u64::from(FORMAT_VERSION) {
        anyhow::bail!(
            "it was written by a newer Kentongan (archive format {format_version}; this one reads {FORMAT_VERSION}): upgrade Kentongan here first"
        );
    }
    let manifest: Manifest =
        serde_json::from_value(manifest).context("the archive's manifest.json is damaged")?;
    let newest = newest_schema_version();
    if manifest.schema_version > newest {
        anyhow::bail!(
            "it comes from a newer Kentongan (schema version {}; this one knows up to {newest}): upgrade Kentongan here first",
            manifest.schema_version
        );
    }
    if !knows_schema_version(manifest.schema_version) {
        anyhow::bail!(
            "it comes from schema version {}, which this Kentongan does not know",
            manifest.schema_version
        );
    }
    packed::check_entries(unpacked, &manifest.entries, MANIFEST)?;
    let present: BTreeSet<&str> = unpacked.keys().map(String::as_str).collect();
    for table in &manifest.tables {
        if !present.contains(rows_path(&table.name).as_str()) {
            anyhow::bail!(
                "the archive is incomplete: it lacks {}",
                rows_path(&table.name)
            );
        }
    }
    if !present.contains(SETTINGS) {
        anyhow::bail!("the archive is incomplete: it lacks {SETTINGS}");
    }
    Ok(manifest)
}

fn read_settings(unpacked_dir: &Path) -> anyhow::Result<toml::Table> {
    let text = packed::read_text(&unpacked_dir.join(SETTINGS), LARGEST_TEXT)?;
    toml::from_str(&text).context("the archive's site.toml is not valid TOML")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_holds_only_the_names_a_site_archive_has() {
        for good in [
            "site.toml",
            "manifest.json",
            "rows/posts.jsonl",
            "files/media/0123-large.jpg",
            "files/private/ticket-photos/ab-thumb.png",
        ] {
            assert!(allowed_entry(good), "{good}");
        }
        for bad in [
            "kentongan.toml",
            "rows/../posts.jsonl",
            "rows/Posts.jsonl",
            "files/media",
            "files/media/",
            "files/other/x",
            "files/media/../../kentongan.toml",
            "/etc/passwd",
        ] {
            assert!(!allowed_entry(bad), "{bad}");
        }
    }
}
