//! `kentongan backup` and `kentongan restore` (issue 13 point 6): the whole node, every
//! site of it, in one file, taken while `serve` runs and keeps accepting posts; and a new
//! node made of that file that serves the same pages, with the same ids and keys.
//!
//! A backup is a plain tar (its parts are compressed already) of:
//!
//! - `sites/<n>-<host>.tar.gz`: each site's archive as `site export` writes it (`archive`):
//!   its rows read in one snapshot transaction (SQLite's deferred read transaction in WAL
//!   mode, PostgreSQL's `REPEATABLE READ, READ ONLY`), its media, documents and private
//!   files, its settings, and a manifest with every entry's SHA-256;
//! - `node.toml`: the first site's `kentongan.toml` as it was (the password of its
//!   database URL left out), for the operator to read; `restore` uses only its address;
//! - `hosting.json`, when the node has hosting administrators (`regency_staff`, kept in
//!   the hosting store: `hosting.db`, or the schema `hosting` on PostgreSQL): their
//!   accounts with their password hashes, so that they sign in to the restored node as
//!   before; their sessions and failed sign-ins are not carried;
//! - `backup.json`, last: the format, the sites in the order they are restored (the first
//!   site first), the sites left out and why, and every other entry's size and SHA-256.
//!
//! Why per-site archives rather than SQLite's `VACUUM INTO` or `pg_dump`: the archive is
//! already one consistent snapshot per site on both databases, carries the files beside
//! the rows, is checked entry by entry before anything is written, and is imported into
//! either database (a node backed up on PostgreSQL can be restored into SQLite files and
//! back). `VACUUM INTO` covers SQLite only and `pg_dump` PostgreSQL only, and neither
//! carries media or documents. Each site is consistent in itself; two sites are read one
//! after the other, which is all that is needed, since no row of one site refers to
//! another (docs/adr/0002). A `pg_dump` of the whole database is documented as an
//! alternative for PostgreSQL in docs/operating-a-regency-server.md.
//!
//! A site being removed (`site remove`, its Deletes still leaving) is not backed up, nor
//! anything under `sites/.removed/`: a restored copy would bring back an account its
//! followers were told is gone.
//!
//! `restore` checks the whole file (format, every SHA-256, every site's manifest), unpacked
//! in a scratch folder beside it, before it writes anything into the new node's directory
//! (an empty or new one only); then imports the first site
//! as a new node and every other as a site of it (`archive::import`), then the hosting
//! administrators. If one fails, what the earlier ones made is removed again: the
//! directory and the tables.

use super::{
    archive::{self, ExportArgs, ImportArgs},
    layout, leaving,
    packed::{self, PackedEntry, Scratch},
};
use crate::{
    clock::{now_ms, to_rfc3339},
    config::{CONFIG_FILE, Config, Role},
    data_dir::create_private_file,
    store::{AccountRole, BackendKind, HostingStore, Store, UserRecord},
};
use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    io::{self, BufReader, BufWriter},
    path::{Path, PathBuf},
};

/// What `backup.json` says the file is.
pub const FORMAT: &str = "kentongan-node-backup";
/// The version of the backup's layout this program writes and reads (2: `hosting.json`).
pub const FORMAT_VERSION: u32 = 2;

const MANIFEST: &str = "backup.json";
const NODE_CONFIG: &str = "node.toml";
const HOSTING_STAFF: &str = "hosting.json";
const SITES: &str = "sites";
/// The largest `backup.json` or `node.toml` read into memory.
const LARGEST_TEXT: u64 = 16 * 1024 * 1024;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The node's data directory (every site in it is backed up).
    #[arg(long)]
    pub dir: PathBuf,
    /// The backup file to write (a .tar). It holds every site's private keys and
    /// password hashes: keep it as safe as the server itself.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The file `kentongan backup` wrote.
    #[arg(long)]
    pub from: PathBuf,
    /// The new node's data directory: a new or empty directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The database of the new node: postgres://USER@HOST/DATABASE (an empty database;
    /// every site gets its schema in it), or `sqlite` for SQLite files in the directory.
    /// Needed when the backup comes from PostgreSQL; SQLite by default otherwise.
    #[arg(long)]
    pub database_url: Option<String>,
    /// The address and port to listen on (default: the backed-up node's).
    #[arg(long)]
    pub listen: Option<String>,
}

/// `backup.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub format_version: u32,
    pub created_at: String,
    /// The program that wrote it: `kentongan 0.1.0`.
    pub created_by: String,
    /// `sqlite` or `postgresql`: the node's database.
    pub database: String,
    /// The address the node listened on.
    pub listen: String,
    /// In the order `restore` imports them: the first site first.
    pub sites: Vec<BackedUpSite>,
    /// Sites of the directory not in the backup, with the reason.
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
    /// How many hosting administrators `hosting.json` holds (none: no such entry).
    #[serde(default)]
    pub hosting_staff: usize,
    /// Every entry of the file but this manifest.
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackedUpSite {
    pub domain: String,
    pub role: Role,
    /// Its archive's path in the backup.
    pub archive: String,
    pub schema_version: i64,
    pub rows: u64,
    pub files: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeftOut {
    pub domain: String,
    pub reason: String,
}

/// An entry of the backup as `backup.json` lists it.
pub type Entry = PackedEntry;

/// `hosting.json`: the hosting administrators' accounts.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct HostingStaff {
    accounts: Vec<StaffAccount>,
}

/// A hosting administrator as a backup carries it: everything to sign in but the id.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StaffAccount {
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    language: String,
    disabled: bool,
    created_at: i64,
}

impl From<UserRecord> for StaffAccount {
    fn from(user: UserRecord) -> Self {
        Self {
            username: user.username,
            display_name: user.display_name,
            password_hash: user.password_hash,
            role: user.role.as_str().to_string(),
            language: user.language,
            disabled: user.disabled,
            created_at: user.created_at,
        }
    }
}

impl StaffAccount {
    fn into_user(self) -> anyhow::Result<UserRecord> {
        let role = AccountRole::parse(&self.role).with_context(|| {
            format!(
                "its hosting administrator {} has an unknown role {:?}",
                self.username, self.role
            )
        })?;
        Ok(UserRecord {
            id: 0,
            username: self.username,
            display_name: self.display_name,
            password_hash: self.password_hash,
            role,
            language: self.language,
            disabled: self.disabled,
            created_at: self.created_at,
        })
    }
}

/// What `backup` wrote.
#[derive(Debug)]
pub struct BackedUp {
    pub file: PathBuf,
    pub sites: Vec<BackedUpSite>,
    pub left_out: Vec<LeftOut>,
    /// How many hosting administrators it carries.
    pub hosting_staff: usize,
    pub bytes: u64,
}

/// What `restore` made.
#[derive(Debug)]
pub struct Restored {
    pub dir: PathBuf,
    /// The sites, the first first: (host, rows, files).
    pub sites: Vec<(String, u64, u64)>,
    /// How many hosting administrators it put back.
    pub hosting_staff: usize,
}

// ---------------------------------------------------------------------------------------
// Backup

/// `kentongan backup`: every site's archive, one after the other, gathered into one file
/// written aside and renamed into place when whole.
#[tracing::instrument(skip_all, fields(dir = %args.dir.display()))]
pub async fn backup(args: BackupArgs) -> anyhow::Result<BackedUp> {
    let node = Config::load(&args.dir)?;
    let first = layout::read_raw(&args.dir)?;
    if args.to.exists() {
        anyhow::bail!(
            "{} already exists; choose another name or remove it first",
            args.to.display()
        );
    }
    let (folder, name) = folder_and_name(&args.to)?;
    let scratch = Scratch::create(&folder, ".kentongan-backup-")?;

    let mut sites = Vec::new();
    let mut left_out = Vec::new();
    for (n, site) in layout::list(&args.dir)?.into_iter().enumerate() {
        if leaving::is_leaving(&site.dir) {
            left_out.push(LeftOut {
                domain: site.domain,
                reason: "being removed (kentongan site remove)".into(),
            });
            continue;
        }
        let archive_name = format!("{n:03}-{}.tar.gz", site.domain.replace(':', "_"));
        let exported = archive::export(ExportArgs {
            dir: args.dir.clone(),
            site: Some(site.domain.clone()),
            to: scratch.path.join(&archive_name),
        })
        .await
        .with_context(|| format!("backing up the site {}", site.domain))?;
        sites.push(BackedUpSite {
            domain: exported.domain,
            role: site.role,
            archive: format!("{SITES}/{archive_name}"),
            schema_version: exported.schema_version,
            rows: exported.rows,
            files: exported.files,
        });
    }
    if sites.is_empty() {
        anyhow::bail!("{} holds no site to back up", args.dir.display());
    }
    let staff = hosting_staff(&node)
        .await
        .context("backing up the hosting administrators")?;

    let manifest = BackupManifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        created_at: to_rfc3339(now_ms()),
        created_by: format!("kentongan {}", env!("CARGO_PKG_VERSION")),
        database: match BackendKind::of_url(node.database_url())? {
            BackendKind::Sqlite => "sqlite".into(),
            BackendKind::Postgres => "postgresql".into(),
        },
        listen: first.listen.clone(),
        sites,
        left_out,
        hosting_staff: staff.len(),
        entries: Vec::new(),
    };
    let staff = (!staff.is_empty())
        .then(|| {
            let accounts = staff.into_iter().map(StaffAccount::from).collect();
            serde_json::to_vec_pretty(&HostingStaff { accounts })
        })
        .transpose()
        .context("writing hosting.json")?;
    let node_config = node_config_text(&args.dir)?;
    let partial = folder.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let written = tokio::task::spawn_blocking({
        let partial = partial.clone();
        let archives = scratch.path.clone();
        move || {
            write_backup(
                &partial,
                &node_config,
                staff.as_deref(),
                &archives,
                manifest,
            )
        }
    })
    .await
    .context("writing the backup")?;
    let (manifest, bytes) = match written {
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
    tracing::info!(sites = manifest.sites.len(), bytes, "node backed up");
    Ok(BackedUp {
        file: args.to,
        sites: manifest.sites,
        left_out: manifest.left_out,
        hosting_staff: manifest.hosting_staff,
        bytes,
    })
}

/// The node's hosting administrators, when it has a hosting store. On SQLite a node that
/// never had one has no `hosting.db`, and a backup does not make one; on PostgreSQL the
/// schema is opened as `serve` and `admin add --hosting` open it.
async fn hosting_staff(node: &Config) -> anyhow::Result<Vec<UserRecord>> {
    let url = node.hosting_database_url()?;
    if let Some(file) = url.strip_prefix("sqlite://")
        && !Path::new(file).exists()
    {
        return Ok(Vec::new());
    }
    let store = HostingStore::connect(&url).await?;
    let staff = store.staff().await;
    store.close().await;
    staff
}

/// The folder a file goes in (`.` for a bare name, which must exist) and its name.
fn folder_and_name(file: &Path) -> anyhow::Result<(PathBuf, String)> {
    let name = file
        .file_name()
        .and_then(|name| name.to_str())
        .with_context(|| format!("{} is not a file name", file.display()))?
        .to_string();
    let folder = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        anyhow::bail!("{} is not a folder that exists", folder.display());
    }
    Ok((folder, name))
}

/// The first site's config as it is, but for the password of its database URL.
fn node_config_text(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(CONFIG_FILE);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    if let Some(toml::Value::String(url)) = table.get_mut("database_url")
        && let Ok(mut parsed) = url::Url::parse(url)
        && parsed.password().is_some()
    {
        let _ = parsed.set_password(Some("REDACTED"));
        *url = parsed.to_string();
    }
    let text = toml::to_string(&table).context("writing the node's config")?;
    Ok(format!(
        "# The node's kentongan.toml when it was backed up (a database password left out).\n{text}"
    )
    .into_bytes())
}

/// What to do when a file changed while it was written into the backup.
const AGAIN: &str = "back up again";

/// The backup, in order: the node's config, the hosting administrators (if any), the
/// sites' archives, the manifest. Blocking file I/O. Returns the manifest as written and
/// the file's size.
fn write_backup(
    out: &Path,
    node_config: &[u8],
    staff: Option<&[u8]>,
    archives: &Path,
    mut manifest: BackupManifest,
) -> anyhow::Result<(BackupManifest, u64)> {
    let file = create_private_file(out).with_context(|| format!("creating {}", out.display()))?;
    let mut tar = tar::Builder::new(BufWriter::new(file));
    let mtime = u64::try_from(now_ms() / 1000).unwrap_or_default();
    let mut entries = vec![packed::append(
        &mut tar,
        NODE_CONFIG,
        node_config.len() as u64,
        node_config,
        mtime,
        AGAIN,
    )?];
    if let Some(staff) = staff {
        entries.push(packed::append(
            &mut tar,
            HOSTING_STAFF,
            staff.len() as u64,
            staff,
            mtime,
            AGAIN,
        )?);
    }
    for site in &manifest.sites {
        let name = site
            .archive
            .strip_prefix(&format!("{SITES}/"))
            .unwrap_or(&site.archive);
        let path = archives.join(name);
        let file = fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let size = file
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        entries.push(packed::append(
            &mut tar,
            &site.archive,
            size,
            file,
            mtime,
            AGAIN,
        )?);
    }
    manifest.entries = entries;
    let bytes = packed::finish(tar, MANIFEST, &manifest, mtime, AGAIN, "the backup")?;
    Ok((manifest, bytes))
}

// ---------------------------------------------------------------------------------------
// Restore

/// `kentongan restore`: checks the file whole, then makes the node whole or not at all
/// (see the module's comment).
#[tracing::instrument(skip_all, fields(from = %args.from.display()))]
pub async fn restore(args: RestoreArgs) -> anyhow::Result<Restored> {
    // The variable would take every restored site's database over from --database-url.
    if std::env::var("KENTONGAN_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        anyhow::bail!(
            "KENTONGAN_DATABASE_URL is set; unset it while restoring (the new node's database is the one --database-url names)"
        );
    }
    let file = fs::File::open(&args.from)
        .with_context(|| format!("cannot read {}", args.from.display()))?;
    let existed = match fs::read_dir(&args.dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!(
                    "{} is not empty; restore makes a new node in an empty or new directory",
                    args.dir.display()
                );
            }
            true
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => false,
        Err(err) => return Err(err).with_context(|| format!("reading {}", args.dir.display())),
    };
    // The unpacked backup waits beside the backup file: a folder the operator writes to
    // already (the new directory's parent, such as /var/lib, may not be).
    let parent = match args.from.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let scratch = Scratch::create(&parent, ".kentongan-restore-")?;
    let unpacked = tokio::task::spawn_blocking({
        let into = scratch.path.clone();
        move || unpack(file, &into)
    })
    .await
    .context("reading the backup")?
    .with_context(|| format!("{} is not a whole Kentongan backup", args.from.display()))?;
    let (manifest, staff) = checked_manifest(&scratch.path, &unpacked)
        .with_context(|| format!("{} cannot be restored", args.from.display()))?;
    let database_url = database_url_for(&manifest, args.database_url.as_deref())?;

    let mut restored = Vec::new();
    let mut made: Vec<PathBuf> = Vec::new();
    let outcome = async {
        let sites = restore_sites(&args, &manifest, &scratch.path, database_url, &mut made).await?;
        restore_staff(&args.dir, &staff).await?;
        anyhow::Ok(sites)
    }
    .await;
    match outcome {
        Ok(sites) => restored.extend(sites),
        Err(err) => {
            undo(&args.dir, existed, &made, !staff.is_empty()).await;
            return Err(err);
        }
    }
    tracing::info!(sites = restored.len(), "node restored");
    Ok(Restored {
        dir: args.dir,
        sites: restored,
        hosting_staff: staff.len(),
    })
}

/// The new node's database URL: `None` for SQLite files in its directory.
fn database_url_for(
    manifest: &BackupManifest,
    given: Option<&str>,
) -> anyhow::Result<Option<String>> {
    match given.map(str::trim) {
        Some("sqlite") => Ok(None),
        Some(url) => {
            BackendKind::of_url(url)?;
            Ok(Some(url.to_string()))
        }
        None if manifest.database == "postgresql" => anyhow::bail!(
            "this backup comes from a node on PostgreSQL: give --database-url \
             postgres://USER@HOST/DATABASE (an empty database), or --database-url sqlite \
             to restore it into SQLite files"
        ),
        None => Ok(None),
    }
}

async fn restore_sites(
    args: &RestoreArgs,
    manifest: &BackupManifest,
    unpacked: &Path,
    database_url: Option<String>,
    made: &mut Vec<PathBuf>,
) -> anyhow::Result<Vec<(String, u64, u64)>> {
    let mut restored = Vec::new();
    for (n, site) in manifest.sites.iter().enumerate() {
        let first = n == 0;
        let imported = archive::import(ImportArgs {
            dir: args.dir.clone(),
            from: unpacked.join(&site.archive),
            domain: Some(site.domain.clone()),
            listen: first.then(|| {
                args.listen
                    .clone()
                    .unwrap_or_else(|| manifest.listen.clone())
            }),
            database_url: if first { database_url.clone() } else { None },
        })
        .await
        .with_context(|| format!("restoring the site {}", site.domain))?;
        if first == imported.hosted {
            anyhow::bail!(
                "restoring the site {}: it did not become the node's {} site",
                site.domain,
                if first { "first" } else { "further" }
            );
        }
        made.push(imported.dir);
        restored.push((imported.domain, imported.rows, imported.files));
    }
    Ok(restored)
}

/// Puts the backup's hosting administrators into the restored node's hosting store.
async fn restore_staff(dir: &Path, staff: &[UserRecord]) -> anyhow::Result<()> {
    if staff.is_empty() {
        return Ok(());
    }
    let config = Config::load(dir)?;
    let store = HostingStore::connect(&config.hosting_database_url()?).await?;
    let restored = store.restore_staff(staff).await;
    store.close().await;
    restored
}

/// Removes what a failed restore made: the hosting store's tables (`staff`: it was
/// being restored), the tables of every site restored so far (the further sites'
/// first), each while the node's config still names the database, then the directory's
/// contents.
async fn undo(dir: &Path, existed: bool, made: &[PathBuf], staff: bool) {
    if staff && !made.is_empty() {
        let dropped = async {
            let url = Config::load(dir)?.hosting_database_url()?;
            let store = Store::open_unmigrated(&url).await?;
            let dropped = store.drop_every_table().await;
            store.close().await;
            dropped
        }
        .await;
        if let Err(err) = dropped {
            tracing::error!(error = %format!("{err:#}"), "a failed restore left the hosting store's tables behind");
        }
    }
    for site_dir in made.iter().rev() {
        let dropped = async {
            let config = Config::load(site_dir)?;
            let store = Store::open_unmigrated(config.database_url()).await?;
            let dropped = store.drop_every_table().await;
            store.close().await;
            dropped
        }
        .await;
        if let Err(err) = dropped {
            tracing::error!(error = %format!("{err:#}"), site = %site_dir.display(), "a failed restore left tables behind");
        }
    }
    if existed {
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

/// Whether `path` is a name a backup holds.
fn allowed_entry(path: &str) -> bool {
    if path == MANIFEST || path == NODE_CONFIG || path == HOSTING_STAFF {
        return true;
    }
    path.strip_prefix("sites/")
        .and_then(|name| name.strip_suffix(".tar.gz"))
        .is_some_and(|name| {
            !name.is_empty()
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

/// Unpacks the backup into `into`, hashing every entry. Blocking file I/O.
fn unpack(backup: fs::File, into: &Path) -> anyhow::Result<BTreeMap<String, Entry>> {
    let tar = tar::Archive::new(BufReader::new(backup));
    packed::unpack(tar, into, allowed_entry, "Kentongan backup")
}

/// The manifest, once every entry is as it lists it and it lists a first site, and the
/// hosting administrators it carries.
fn checked_manifest(
    unpacked_dir: &Path,
    unpacked: &BTreeMap<String, Entry>,
) -> anyhow::Result<(BackupManifest, Vec<UserRecord>)> {
    let text = packed::read_text(&unpacked_dir.join(MANIFEST), LARGEST_TEXT)
        .context("it is incomplete or not a Kentongan backup: it has no backup.json")?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .context("it is damaged or not a Kentongan backup: its backup.json is not JSON")?;
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
        anyhow::bail!("it is not a Kentongan node backup (backup.json names another format)");
    }
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or_default();
    if version > u64::from(FORMAT_VERSION) {
        anyhow::bail!(
            "it was written by a newer Kentongan (backup format {version}; this one reads {FORMAT_VERSION}): upgrade Kentongan here first"
        );
    }
    let manifest: BackupManifest =
        serde_json::from_value(value).context("its backup.json is damaged")?;
    packed::check_entries(unpacked, &manifest.entries, MANIFEST)?;
    let present: BTreeSet<&str> = unpacked.keys().map(String::as_str).collect();
    if manifest.sites.is_empty() {
        anyhow::bail!("it holds no site");
    }
    for site in &manifest.sites {
        if !present.contains(site.archive.as_str()) {
            anyhow::bail!("it is incomplete: it lacks {}", site.archive);
        }
    }
    let staff = match (manifest.hosting_staff, present.contains(HOSTING_STAFF)) {
        (0, false) => Vec::new(),
        (count, true) => {
            let text = packed::read_text(&unpacked_dir.join(HOSTING_STAFF), LARGEST_TEXT)?;
            let staff: HostingStaff =
                serde_json::from_str(&text).context("its hosting.json is damaged")?;
            if staff.accounts.len() != count {
                anyhow::bail!(
                    "its hosting.json holds {} hosting administrators, backup.json says {count}",
                    staff.accounts.len()
                );
            }
            staff
                .accounts
                .into_iter()
                .map(StaffAccount::into_user)
                .collect::<anyhow::Result<_>>()?
        }
        (_, false) => anyhow::bail!("it is incomplete: it lacks {HOSTING_STAFF}"),
    };
    Ok((manifest, staff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_holds_only_the_names_a_backup_has() {
        for good in [
            "backup.json",
            "node.toml",
            "hosting.json",
            "sites/000-desa.example.tar.gz",
            "sites/001-desa-b.localhost_8080.tar.gz",
        ] {
            assert!(allowed_entry(good), "{good}");
        }
        for bad in [
            "kentongan.toml",
            "sites/.tar.gz",
            "sites/../x.tar.gz",
            "sites/a/b.tar.gz",
            "sites/x.tar",
            "/etc/passwd",
        ] {
            assert!(!allowed_entry(bad), "{bad}");
        }
    }
}
