//! The command line. Every command takes `--dir DIR`, the node's data directory.
//! Commands that change content (post, edit, delete) write to the database only; a
//! running `serve` in another process notices the queued deliveries within a second.

mod admin;
mod moving;

pub use crate::demo::DemoArgs;
pub use crate::setup::{InitArgs, InitOutcome, init};
use crate::{
    actors::{self, Username, find_publishing_actor},
    clock::now_ms,
    config::{Config, Role},
    publishing::{self, PostChanges, PostInput},
    store::Store,
    urls::Urls,
};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kentongan",
    version,
    about = "Federated publishing node for Indonesian villages / Simpul terbitan desa di fediverse"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The site a command acts on: `--dir DIR`, and `--site HOST` when the directory holds
/// several (a hosting node, docs/adr/0002).
#[derive(Args, Debug, Clone)]
pub struct SiteDir {
    /// The node's data directory (config, database, media).
    #[arg(long = "dir")]
    pub path: PathBuf,
    /// The site's host name, where the directory holds more than one site.
    #[arg(long)]
    pub site: Option<String>,
}

impl SiteDir {
    /// The site's own data directory. A site being removed is refused: a post written
    /// there now would follow the Deletes its followers were sent.
    pub fn resolve(&self) -> anyhow::Result<PathBuf> {
        let dir = crate::hosting::find(&self.path, self.site.as_deref())?;
        if crate::hosting::leaving::is_leaving(&dir) {
            anyhow::bail!(
                "the site in {} is being removed (kentongan site remove); commands no longer act on it",
                dir.display()
            );
        }
        Ok(dir)
    }
}

#[derive(Args, Debug, Clone)]
pub struct DirArg {
    /// The node's data directory (config, database, media).
    #[arg(long)]
    pub dir: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a node: config file, database, the first actor and an admin API token.
    Init(InitArgs),
    /// Run the node.
    Serve(DirArg),
    /// Publish a post and print its URL.
    Post(PostArgs),
    /// Edit a post (federated as an Update).
    Edit(EditArgs),
    /// Delete a post (federated as a Delete; its URL answers 410 afterwards).
    Delete(DeleteArgs),
    /// List followers with their server.
    Followers(FollowersArgs),
    /// Manage the node's actors (a village and its institutions).
    Actor {
        #[command(subcommand)]
        command: ActorCommand,
    },
    /// The portal's registry of villages (role portal).
    Villages {
        #[command(subcommand)]
        command: VillagesCommand,
    },
    /// The portal operator's curation of the timeline (role portal).
    Timeline {
        #[command(subcommand)]
        command: TimelineCommand,
    },
    /// Accounts of the website's admin (/admin): add, list, set a password, unlock; with
    /// `add --hosting`, the regency's hosting administrators of a hosting node.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// The sites of a hosting node (many villages in one process): add, list, export,
    /// import, remove.
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Start a demo: a regency portal on http://127.0.0.1:8080 and three villages.
    Demo(DemoArgs),
    /// Back up the whole node (every site: rows, keys, media, documents, settings) into
    /// one file, consistent while `serve` runs.
    Backup(crate::hosting::BackupArgs),
    /// Make a new node, in an empty directory, from a file `kentongan backup` wrote: the
    /// same sites, pages, ids and keys.
    Restore(crate::hosting::RestoreArgs),
    /// Check every site of the node (config, database and migrations, file permissions,
    /// free disk, clock, and in production the proxy) and say how to fix each problem.
    /// Fails when a check fails.
    Doctor(crate::hosting::DoctorArgs),
}

#[derive(Args, Debug)]
pub struct PostArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    #[arg(long)]
    pub title: String,
    #[arg(
        long,
        conflicts_with = "body_file",
        required_unless_present = "body_file"
    )]
    pub body: Option<String>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    #[arg(long, default_value = "")]
    pub summary: String,
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Pin the post to the top of the profile (the `featured` collection).
    #[arg(long)]
    pub pin: bool,
    /// Publish as this actor instead of the node's main one.
    #[arg(long = "as")]
    pub actor: Option<String>,
    /// The original publication date of a post brought over from an old site:
    /// YYYY-MM-DD (midnight in WIB, UTC+7) or RFC 3339.
    #[arg(long)]
    pub published: Option<String>,
    /// Who may quote the post on the fediverse: public, followers or nobody (the
    /// site's setting when not given).
    #[arg(long)]
    pub quote: Option<String>,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    /// The post's URL (as `post` printed it).
    pub url: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    #[arg(long)]
    pub summary: Option<String>,
    /// Replaces all categories when given.
    #[arg(long = "category")]
    pub categories: Vec<String>,
    #[arg(long)]
    pub pin: Option<bool>,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    pub url: String,
}

#[derive(Args, Debug)]
pub struct FollowersArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    #[arg(long = "as")]
    pub actor: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ActorCommand {
    /// Add an actor (Karang Taruna, BUMDes, another village) with its own handle and keys.
    Add {
        #[command(flatten)]
        dir: SiteDir,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// Edit an actor's profile (federated to followers as an Update).
    Edit {
        #[command(flatten)]
        dir: SiteDir,
        /// The actor to edit; the node's main actor when omitted.
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Markdown.
        #[arg(long)]
        summary: Option<String>,
        /// URL of the avatar image; it wins until a new logo is uploaded in the admin.
        /// Empty goes back to the website's logo, or the avatar drawn for the account.
        #[arg(long)]
        icon_url: Option<String>,
        /// A profile field as NAME=VALUE (repeat; replaces all fields), e.g. Kecamatan=Gantung.
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// List the node's actors.
    List {
        #[command(flatten)]
        dir: SiteDir,
    },
    /// Name an old account this one also is (`alsoKnownAs`), so the old one can move
    /// here; without --add or --remove, list the aliases.
    Alias(moving::AliasArgs),
    /// Move an account to a new one that lists it as an alias: its followers are told
    /// (`Move`) and its website sends visitors to the new account.
    Move(moving::MoveArgs),
}

#[derive(Subcommand, Debug)]
pub enum VillagesCommand {
    /// Import villages from a CSV file (header row; columns name/nama, handle/akun or feed,
    /// district/kecamatan, and optionally code/kode).
    Import {
        #[command(flatten)]
        dir: SiteDir,
        file: PathBuf,
    },
    /// Add one village by handle (desa@desa.example) or RSS/Atom feed URL.
    Add {
        #[command(flatten)]
        dir: SiteDir,
        handle_or_feed: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        district: String,
        /// Kemendagri village code, e.g. 19.06.01.2001.
        #[arg(long, default_value = "")]
        code: String,
    },
    /// Remove a village (by id, handle or feed URL) and its posts; unfollows it.
    Remove {
        #[command(flatten)]
        dir: SiteDir,
        village: String,
    },
    /// List registered villages with their follow state.
    List {
        #[command(flatten)]
        dir: SiteDir,
    },
    /// Which villages are active: status, last post, posts in 30 and 90 days, follow
    /// state, last contact and recent errors.
    Status {
        #[command(flatten)]
        dir: SiteDir,
        #[arg(long, value_enum, default_value = "table")]
        format: StatusFormat,
    },
}

#[derive(Subcommand, Debug)]
pub enum TimelineCommand {
    /// Show a village post (by URL or number) in the front page's featured block.
    Feature {
        #[command(flatten)]
        dir: SiteDir,
        post: String,
    },
    /// Take a post out of the featured block.
    Unfeature {
        #[command(flatten)]
        dir: SiteDir,
        post: String,
    },
    /// Hide a post from the portal (the village's own copy is untouched).
    Hide {
        #[command(flatten)]
        dir: SiteDir,
        post: String,
    },
    /// Show a hidden post again.
    Unhide {
        #[command(flatten)]
        dir: SiteDir,
        post: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SiteCommand {
    /// Add a site (its own domain, account, admin and database) to a node's directory; a
    /// running `serve` serves it within seconds. Prints its admin password once.
    Add(crate::hosting::SiteAddArgs),
    /// List the directory's sites: host, role, folder.
    List(DirArg),
    /// Write one archive of a site (its rows with their ids, its keys, files and
    /// settings), consistent while it serves: to move it to another server.
    Export(crate::hosting::ExportArgs),
    /// Bring a site's archive into this node (a further site, served within seconds),
    /// or into an empty directory (a node of its own), keeping every id, key and follower.
    Import(crate::hosting::ImportArgs),
    /// Bring a WordPress site's export (WXR: Tools → Export in WordPress) into a site:
    /// published posts at their dates (never sent to followers as new), pages,
    /// categories, tags and images with their alt text; the old addresses answer 301.
    /// Running it again with the same export adds nothing.
    ImportWordpress(WordpressImportArgs),
    /// Remove a site: its accounts are deleted on the fediverse (a Delete to every
    /// follower), then it is no longer served and its folder is moved to sites/.removed/.
    /// Asks for the host name again unless --yes.
    Remove(crate::hosting::SiteRemoveArgs),
}

#[derive(Args, Debug)]
pub struct WordpressImportArgs {
    #[command(flatten)]
    pub dir: SiteDir,
    /// The WordPress export file (.xml).
    #[arg(long)]
    pub from: PathBuf,
    /// A copy of the old site's wp-content/uploads folder; images it lacks are fetched
    /// from their address on the old site.
    #[arg(long)]
    pub uploads: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum StatusFormat {
    Table,
    Csv,
    Json,
}

/// What the server logs by default: its own work, and anyone's warnings.
const DEFAULT_LOG: &str = "kentongan=info,warn";

/// The filter the person running the command asked for, if any: `KENTONGAN_LOG`, else
/// `RUST_LOG` (EnvFilter syntax, e.g. `kentongan=debug`).
fn log_filter_from_env() -> Option<tracing_subscriber::EnvFilter> {
    ["KENTONGAN_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok())
}

/// Logs to standard error: the server's work at `info` (`KENTONGAN_LOG` or `RUST_LOG`
/// choose otherwise). `kentongan demo` keeps the terminal for its summary (addresses and
/// passwords): there only warnings and errors (unless a variable says otherwise), and
/// everything at `info` in `kentongan-demo.log` in the demo's directory.
pub fn init_logging(command: &Command) {
    use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let Command::Demo(demo) = command else {
        let filter = log_filter_from_env().unwrap_or_else(|| EnvFilter::new(DEFAULT_LOG));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
        return;
    };
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(log_filter_from_env().unwrap_or_else(|| EnvFilter::new("warn")));
    // Without a file (a read-only directory) the demo still runs, quietly.
    let file = std::fs::create_dir_all(&demo.dir)
        .and_then(|()| std::fs::File::create(demo.dir.join(crate::demo::LOG_FILE)))
        .ok()
        .map(|file| {
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .with_filter(EnvFilter::new(DEFAULT_LOG))
        });
    let _ = tracing_subscriber::registry()
        .with(terminal)
        .with(file)
        .try_init();
}

/// An error as one sentence: the outermost message and its causes, joined.
pub fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

/// The site this command opened (its node's directory and host), to wake the running
/// node's workers for it when the command is done. One command opens at most one site.
static OPENED_SITE: std::sync::Mutex<Option<(PathBuf, String)>> = std::sync::Mutex::new(None);

pub(crate) async fn open(site: &SiteDir) -> anyhow::Result<(Config, Store, Urls)> {
    let config = Config::load(&site.resolve()?)?;
    let store = Store::connect(config.database_url()).await?;
    let urls = Urls::new(config.base_url.clone());
    *OPENED_SITE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) =
        Some((site.path.clone(), config.domain.clone()));
    Ok((config, store, urls))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let outcome = run_command(cli).await;
    // What the command wrote (a post, its deliveries) leaves at once rather than at the
    // running node's next look, and a closed hosted site is opened for it.
    if outcome.is_ok() {
        let opened = OPENED_SITE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some((node_dir, domain)) = opened {
            crate::hosting::wake(&node_dir, &domain);
        }
    }
    outcome
}

async fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(args) => init(args).await.map(|outcome| print_once(&outcome)),
        Command::Serve(DirArg { dir }) => crate::node::serve(&dir).await,
        Command::Site {
            command: SiteCommand::Add(args),
        } => crate::hosting::add(args)
            .await
            .map(|outcome| print_once(&outcome)),
        Command::Site {
            command: SiteCommand::List(DirArg { dir }),
        } => {
            for site in crate::hosting::list(&dir)? {
                let role = match site.role {
                    Role::Village => "village",
                    Role::Portal => "portal",
                };
                println!("{}\t{role}\t{}", site.domain, site.dir.display());
            }
            Ok(())
        }
        Command::Site {
            command: SiteCommand::Export(args),
        } => {
            let done = crate::hosting::export(args).await?;
            println!(
                "Situs {} diekspor / site exported: {} ({} baris / rows, {} berkas / files, {} bytes)\n\
                 Arsip ini memuat kunci privat situs: simpan baik-baik / \
                 it holds the site's private keys: keep it safe.",
                done.domain,
                done.archive.display(),
                done.rows,
                done.files,
                done.bytes
            );
            Ok(())
        }
        Command::Site {
            command: SiteCommand::Import(args),
        } => {
            let done = crate::hosting::import(args).await?;
            let next = if done.hosted {
                "`serve` yang berjalan melayaninya dalam beberapa detik / \
                 a running `serve` serves it within seconds"
            } else {
                "jalankan / run `kentongan serve --dir` di direktori ini / in this directory"
            };
            println!(
                "Situs {} diimpor / site imported: {} ({} baris / rows, {} berkas / files); {next}",
                done.domain,
                done.dir.display(),
                done.rows,
                done.files
            );
            Ok(())
        }
        Command::Site {
            command: SiteCommand::Remove(args),
        } => remove_site(args).await,
        Command::Site {
            command: SiteCommand::ImportWordpress(args),
        } => {
            let report = import_wordpress(&args).await?;
            println!("{}", report.to_text());
            Ok(())
        }
        Command::Post(args) => {
            let url = post(args).await?;
            println!("{url}");
            Ok(())
        }
        Command::Edit(args) => edit(args).await,
        Command::Delete(args) => delete(args).await,
        Command::Followers(args) => followers(args).await,
        Command::Actor { command } => actor_command(command).await,
        Command::Villages { command } => villages_command(command).await,
        Command::Timeline { command } => timeline_command(command).await,
        Command::Admin { command } => admin::run(command).await,
        Command::Demo(args) => crate::demo::run(args).await,
        Command::Backup(args) => {
            let done = crate::hosting::backup(args).await?;
            print_backup(&done);
            Ok(())
        }
        Command::Doctor(args) => {
            let report = crate::hosting::doctor(&args).await?;
            for finding in &report.findings {
                println!("{}", finding.line());
            }
            let failed = report.failed();
            if failed > 0 {
                let words = crate::strings::DOCTOR_SUMMARY_FAILED;
                anyhow::bail!(
                    "{} / {}",
                    words.id.replace("{failed}", &failed.to_string()),
                    words.en.replace("{failed}", &failed.to_string())
                );
            }
            Ok(())
        }
        Command::Restore(args) => {
            let done = crate::hosting::restore(args).await?;
            let dir = done.dir.display().to_string();
            let words = crate::strings::RESTORE_DONE;
            for text in [words.id, words.en] {
                println!(
                    "{}",
                    text.replace("{dir}", &dir)
                        .replace("{sites}", &done.sites.len().to_string())
                );
            }
            if done.hosting_staff > 0 {
                let words = crate::strings::RESTORE_HOSTING_STAFF;
                for text in [words.id, words.en] {
                    println!(
                        "{}",
                        text.replace("{count}", &done.hosting_staff.to_string())
                    );
                }
            }
            Ok(())
        }
    }
}

/// What `kentongan backup` wrote, in both languages: the file, each site, each site left out.
fn print_backup(done: &crate::hosting::backup::BackedUp) {
    use crate::strings::{BACKUP_HOSTING_STAFF, BACKUP_LEFT_OUT, BACKUP_SITE, BACKUP_WRITTEN};
    for text in [BACKUP_WRITTEN.id, BACKUP_WRITTEN.en] {
        println!(
            "{}",
            text.replace("{file}", &done.file.display().to_string())
                .replace("{sites}", &done.sites.len().to_string())
                .replace("{bytes}", &done.bytes.to_string())
        );
    }
    for site in &done.sites {
        let line = format!("{} / {}", BACKUP_SITE.id, BACKUP_SITE.en);
        println!(
            "{}",
            line.replace("{host}", &site.domain)
                .replace("{rows}", &site.rows.to_string())
                .replace("{files}", &site.files.to_string())
        );
    }
    if done.hosting_staff > 0 {
        let line = format!("{} / {}", BACKUP_HOSTING_STAFF.id, BACKUP_HOSTING_STAFF.en);
        println!(
            "{}",
            line.replace("{count}", &done.hosting_staff.to_string())
        );
    }
    for site in &done.left_out {
        let line = format!("{} / {}", BACKUP_LEFT_OUT.id, BACKUP_LEFT_OUT.en);
        println!(
            "{}",
            line.replace("{host}", &site.domain)
                .replace("{reason}", &site.reason)
        );
    }
}

/// `kentongan site remove`: checks the site may go, asks for its name again (unless
/// `--yes`), then queues its Deletes and marks it leaving.
async fn remove_site(args: crate::hosting::SiteRemoveArgs) -> anyhow::Result<()> {
    use crate::{hosting::leaving, strings};
    use std::io::Write;
    let site = leaving::removable(&args.dir, &args.host)?;
    if !args.yes {
        let prompt = strings::REMOVE_CONFIRM;
        eprint!(
            "{}\n{}\n> ",
            prompt.id.replace("{host}", &site.domain),
            prompt.en.replace("{host}", &site.domain)
        );
        std::io::stderr().flush().context("writing the question")?;
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the answer")?;
        if answer.trim().trim_end_matches('.').to_ascii_lowercase() != site.domain {
            let refused = strings::REMOVE_NOT_CONFIRMED;
            anyhow::bail!("{} / {}", refused.id, refused.en);
        }
    }
    if args.moved {
        let folder = leaving::set_aside_moved(&args.dir, &site.domain).await?;
        let done = strings::MOVED_DONE;
        for text in [done.id, done.en] {
            println!(
                "{}",
                text.replace("{host}", &site.domain)
                    .replace("{folder}", &folder.display().to_string())
            );
        }
        return Ok(());
    }
    let started = leaving::begin(&args.dir, &site.domain).await?;
    println!("{}", leaving::report(&started));
    Ok(())
}

/// `kentongan site import-wordpress`: the export brought into the site, and the report.
pub async fn import_wordpress(
    args: &WordpressImportArgs,
) -> anyhow::Result<crate::hosting::wordpress::Report> {
    let (config, store, _) = open(&args.dir).await?;
    let report =
        crate::hosting::wordpress::import(&config, &store, &args.from, args.uploads.as_deref())
            .await;
    store.close().await;
    Ok(report?)
}

/// What `init` and `site add` made that is shown once and never stored in clear.
fn print_once(outcome: &InitOutcome) {
    println!(
        "Akun admin / admin account: {} ({})\n\
         Kata sandi (hanya ditampilkan sekali) / password (shown only once): {}\n\
         Token API (hanya ditampilkan sekali) / API token (shown only once): {}",
        outcome.admin_username, outcome.admin_url, outcome.admin_password, outcome.token
    );
}

/// `YYYY-MM-DD` (midnight WIB) or an RFC 3339 time, in Unix ms.
fn parse_date(input: &str) -> anyhow::Result<i64> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(input) {
        return Ok(time.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!("{input:?} is not a date like 2026-01-31 or 2026-01-31T08:00:00+07:00")
    })?;
    let wib = chrono::FixedOffset::east_opt(7 * 3600).context("the WIB offset")?;
    let midnight = date.and_hms_opt(0, 0, 0).context("midnight")?;
    let local = midnight
        .and_local_timezone(wib)
        .single()
        .context("an unambiguous time")?;
    Ok(local.timestamp_millis())
}

fn read_body(body: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Option<String>> {
    match (body, file) {
        (Some(body), _) => Ok(Some(body)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map(Some)
            .with_context(|| format!("cannot read the body file {}", path.display())),
        (None, None) => Ok(None),
    }
}

pub async fn post(args: PostArgs) -> anyhow::Result<String> {
    let (_, store, urls) = open(&args.dir).await?;
    let actor = find_publishing_actor(&store, args.actor.as_deref()).await?;
    let body = read_body(args.body, args.body_file)?
        .context("give the body with --body or --body-file")?;
    let published_at = args.published.as_deref().map(parse_date).transpose()?;
    let quote_policy =
        match args.quote.as_deref() {
            Some(word) => Some(crate::store::QuotePolicy::parse(word).with_context(|| {
                crate::refusal::InvalidInput(crate::strings::QUOTE_POLICY_INVALID)
            })?),
            None => None,
        };
    let input = PostInput {
        title: args.title,
        body_markdown: body,
        summary: args.summary,
        categories: args.categories,
        pinned: args.pin,
        published_at,
        quote_policy,
        ..Default::default()
    };
    let post = publishing::publish(&store, &actor, &input).await?;
    store.close().await;
    Ok(urls.post(&post.public_id).to_string())
}

async fn find_post(
    store: &Store,
    urls: &Urls,
    url: &str,
) -> anyhow::Result<crate::store::PostRecord> {
    let public_id = urls.post_public_id(url).with_context(|| {
        format!(
            "{url} is not a post URL of this node (expected {}p/…)",
            urls.base()
        )
    })?;
    store
        .post_by_public_id(public_id)
        .await?
        .with_context(|| format!("there is no post at {url}"))
}

pub async fn edit(args: EditArgs) -> anyhow::Result<()> {
    let (_, store, urls) = open(&args.dir).await?;
    let post = find_post(&store, &urls, &args.url).await?;
    let actor = store
        .actor_by_id(post.actor_id)
        .await?
        .context("the post's actor is gone")?;
    let changes = PostChanges {
        title: args.title,
        body_markdown: read_body(args.body, args.body_file)?,
        summary: args.summary,
        categories: (!args.categories.is_empty()).then_some(args.categories),
        pinned: args.pin,
    };
    publishing::edit(&store, &actor, &post, &changes).await?;
    store.close().await;
    println!("{}", args.url);
    Ok(())
}

pub async fn delete(args: DeleteArgs) -> anyhow::Result<()> {
    let (_, store, urls) = open(&args.dir).await?;
    let post = find_post(&store, &urls, &args.url).await?;
    let actor = store
        .actor_by_id(post.actor_id)
        .await?
        .context("the post's actor is gone")?;
    publishing::delete(&store, &actor, &post, None).await?;
    store.close().await;
    println!("{}", args.url);
    Ok(())
}

pub async fn followers(args: FollowersArgs) -> anyhow::Result<()> {
    let (_, store, _) = open(&args.dir).await?;
    let actor = find_publishing_actor(&store, args.actor.as_deref()).await?;
    let followers = store.followers_of(actor.id).await?;
    for follower in &followers {
        println!(
            "@{}@{}\t{}\t{}",
            follower.username, follower.host, follower.host, follower.ap_id
        );
    }
    eprintln!("{} pengikut / followers", followers.len());
    store.close().await;
    Ok(())
}

async fn actor_command(command: ActorCommand) -> anyhow::Result<()> {
    match command {
        ActorCommand::Add {
            dir,
            username,
            name,
            summary,
        } => {
            let (config, store, urls) = open(&dir).await?;
            let username = Username::parse(&username)?;
            let summary = if summary.trim().is_empty() {
                let word = crate::site::load(&store).await?.village_word;
                crate::site::profile::default_bio(&name, urls.base(), &word, false)
            } else {
                summary
            };
            let actor =
                actors::create_local_actor(&store, &urls, &username, &name, &summary).await?;
            println!("@{}@{}\t{}", actor.username, config.domain, actor.ap_id);
            store.close().await;
        }
        ActorCommand::Edit {
            dir,
            username,
            name,
            summary,
            icon_url,
            fields,
        } => {
            let (_, store, urls) = open(&dir).await?;
            let actor = find_publishing_actor(&store, username.as_deref()).await?;
            // Empty goes back to the default: the logo, or the drawn avatar.
            let icon_url = match icon_url {
                Some(url) if url.trim().is_empty() => {
                    Some(crate::site::profile::default_icon_url(&store, &urls, &actor).await?)
                }
                other => other,
            };
            let changes = actors::ProfileChanges {
                name,
                summary,
                icon_url,
                fields: (!fields.is_empty()).then_some(fields),
                ..Default::default()
            };
            actors::edit_profile(&store, &actor, &changes).await?;
            println!("{}", actor.ap_id);
            store.close().await;
        }
        ActorCommand::Alias(args) => moving::alias(args).await?,
        ActorCommand::Move(args) => moving::move_account(args).await?,
        ActorCommand::List { dir } => {
            let (config, store, _) = open(&dir).await?;
            for actor in actors::publishing_actors(&store).await? {
                println!(
                    "@{}@{}\t{}\t{}",
                    actor.username, config.domain, actor.name, actor.ap_id
                );
            }
            store.close().await;
        }
    }
    Ok(())
}

fn require_portal(config: &Config) -> anyhow::Result<()> {
    if config.role != Role::Portal {
        anyhow::bail!(
            "this node's role is village; villages are registered on a portal (role = \"portal\" in kentongan.toml)"
        );
    }
    Ok(())
}

async fn timeline_command(command: TimelineCommand) -> anyhow::Result<()> {
    use crate::portal::curation;
    let (dir, post, featured, hidden) = match command {
        TimelineCommand::Feature { dir, post } => (dir, post, Some(true), None),
        TimelineCommand::Unfeature { dir, post } => (dir, post, Some(false), None),
        TimelineCommand::Hide { dir, post } => (dir, post, None, Some(true)),
        TimelineCommand::Unhide { dir, post } => (dir, post, None, Some(false)),
    };
    let (config, store, _) = open(&dir).await?;
    require_portal(&config)?;
    let record = match (featured, hidden) {
        (Some(featured), _) => curation::feature(&store, &post, featured).await?,
        (_, Some(hidden)) => curation::hide(&store, &post, hidden).await?,
        _ => curation::find_post(&store, &post).await?,
    };
    println!(
        "{}\t{}\tfeatured={}\thidden={}",
        record.id, record.url, record.featured, record.hidden
    );
    store.close().await;
    Ok(())
}

async fn villages_command(command: VillagesCommand) -> anyhow::Result<()> {
    use crate::portal::registry;
    match command {
        VillagesCommand::Import { dir, file } => {
            let (config, store, _) = open(&dir).await?;
            require_portal(&config)?;
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = registry::import_csv_reporting(&store, reader, |so_far| {
                eprintln!(
                    "… {} baris dibaca, {} desa ditambahkan, {} ditolak / {} rows read, {} villages added, {} refused",
                    so_far.rows,
                    so_far.added,
                    so_far.errors.len(),
                    so_far.rows,
                    so_far.added,
                    so_far.errors.len()
                );
            })
            .await?;
            // The refused rows are what the operator has to fix; a file that is wrong
            // throughout shows the first ones and how many more.
            const SHOWN_ERRORS: usize = 100;
            for (line, error) in report.errors.iter().take(SHOWN_ERRORS) {
                eprintln!("baris/line {line}: {error}");
            }
            if report.errors.len() > SHOWN_ERRORS {
                let more = report.errors.len() - SHOWN_ERRORS;
                eprintln!("… dan {more} baris ditolak lainnya / and {more} more rows refused");
            }
            eprintln!(
                "{} desa ditambahkan, {} baris ditolak / {} villages added, {} rows refused",
                report.added,
                report.errors.len(),
                report.added,
                report.errors.len()
            );
            store.close().await;
        }
        VillagesCommand::Add {
            dir,
            handle_or_feed,
            name,
            district,
            code,
        } => {
            let (config, store, _) = open(&dir).await?;
            require_portal(&config)?;
            let input = registry::VillageInput {
                name,
                source: handle_or_feed,
                district,
                code,
            };
            let village = registry::add(&store, &input).await?;
            println!("{}\t{}\t{}", village.id, village.name, village.follow_state);
            store.close().await;
        }
        VillagesCommand::Remove { dir, village } => {
            let (config, store, _) = open(&dir).await?;
            require_portal(&config)?;
            let village = registry::find(&store, &village).await?;
            let portal = find_publishing_actor(&store, None).await?;
            registry::remove(&store, portal.id, &village).await?;
            println!("- {}", village.name);
            store.close().await;
        }
        VillagesCommand::Status { dir, format } => {
            use crate::portal::monitoring;
            let (config, store, _) = open(&dir).await?;
            require_portal(&config)?;
            let (summary, statuses) = monitoring::report(&store, &config.portal, now_ms()).await?;
            match format {
                StatusFormat::Table => print!("{}", monitoring::table(&statuses)),
                StatusFormat::Csv => print!("{}", monitoring::to_csv(&statuses)),
                StatusFormat::Json => println!("{}", monitoring::to_json(&summary, &statuses)),
            }
            store.close().await;
        }
        VillagesCommand::List { dir } => {
            let (config, store, _) = open(&dir).await?;
            require_portal(&config)?;
            for village in store.villages().await? {
                let source = village
                    .handle
                    .as_deref()
                    .or(village.feed_url.as_deref())
                    .unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    village.id, village.name, village.district, source, village.follow_state
                );
            }
            store.close().await;
        }
    }
    Ok(())
}
