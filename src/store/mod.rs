//! The store owns every line of SQL in Kentongan and nothing else: no HTTP, no
//! ActivityPub, no rules. It is shaped by use-cases (`publish_post`, `claim_deliveries`)
//! rather than generic CRUD, so that every change and the outgoing deliveries it causes
//! are written in one transaction.
//!
//! Two backends: SQLite (the embedded default, WAL) and PostgreSQL. Most SQL text is
//! shared (`$1` placeholders, `RETURNING`, `ON CONFLICT` work in both); where the dialects
//! differ (row locks) the text is written twice (`login_failures`), or made twice from one
//! definition (`lease`: the claims of the leased queues, `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL).
//! Times are Unix milliseconds in `BIGINT` columns on both backends.

mod actors;
pub mod archive;
mod bulk;
mod deliveries;
mod documents;
mod drafts;
mod feeds;
mod host_signatures;
mod hosting_staff;
mod imports;
mod inbox;
mod lease;
mod leaving;
mod login_failures;
mod metrics;
mod moderation;
mod monitoring;
mod post_reads;
mod posts;
mod quotas;
pub(crate) mod quotes;
mod records;
mod responses;
mod retention;
pub mod schema_state;
mod site;
mod states;
mod templates;
mod ticket_desk;
mod ticket_figures;
mod tickets;
mod timeline;
mod users;
mod village_jobs;
mod village_posts;
mod villages;
mod work;
mod write_turn;

pub use deliveries::{DeliveriesQueued, PER_SERVER_IN_FLIGHT};
pub use documents::{DocumentChange, DocumentPost, DocumentRecord, NewDocument, PostChange};
pub use drafts::{DraftRecord, NewDraft};
pub use hosting_staff::{HostingStore, OnBehalfWrite};
pub use imports::{ImportWritten, ImportedPage, ImportedPost, PageWrite, WordpressImport};
pub use inbox::{Enqueued, InboxOutcome, NewInboxActivity, SenderStanding};
pub use login_failures::{LoginCounter, LoginPairCounter};
pub use metrics::OperationCounts;
pub use moderation::{
    BlockRecord, CommentRow, IntakeLimits, LimitScope, OverLimit, REPLIES_PAGE_SIZE,
    TicketModeration,
};
pub use monitoring::{ActivityRule, ListingPlace, MonitoringFilter};
pub use post_reads::{DeliveryReportRow, FoldedDeliveries, PostStamp};
pub use quotas::{SenderQuota, SenderUsage};
pub use quotes::{NewQuoteAuthorization, QuoteAuthorizationRecord};
pub use records::*;
pub use site::{CategoryRecord, NewPage, PageRecord};
pub use states::{
    AccountRole, ActivityKind, BlockKind, DeliveryState, DraftStatus, FollowState, InboxState,
    KipCategory, PostKind, QuotePolicy, ResponseKind, SignatureScheme, SourceKind, TicketChannel,
    TicketClass, TicketEventKind, TicketStatus, UnknownWord,
};
pub use templates::{NewPostTemplate, PostTemplateRecord};
pub use ticket_desk::{
    DeskTicketRow, NewTicketEvent, NewTicketPhoto, TicketEventRecord, TicketFilter,
    TicketNoteRecord, TicketPhotoRecord,
};
pub use ticket_figures::{TicketTiming, VillageTicketFigures};
pub use tickets::{
    AnswerDelivery, NewTicket, NewTicketReply, NewWebMessage, TicketDecision, TicketReplyRecord,
    TicketRow,
};
pub use users::{SessionRecord, UserRecord};
pub use village_posts::LivePost;

use anyhow::Context;
use sqlx::{
    PgPool, SqlitePool,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{path::Path, str::FromStr, time::Duration};
use write_turn::StoreTransaction;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Handle to the node's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    /// The group commit of received activities (`inbox`), shared by the store's clones.
    inbox_writer: std::sync::Arc<inbox::InboxWriter>,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same tokens against whichever pool the store holds. The SQL text and the
/// binds are written once; only the driver types differ between the two arms.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Inside a transaction `$tx`: writes an outgoing activity (with `$post_id`, the post it
/// is about, if any); evaluates to a future of its row id.
macro_rules! insert_activity {
    ($tx:ident, $activity:expr, $post_id:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>($crate::store::deliveries::INSERT_ACTIVITY)
            .bind(&$activity.public_id)
            .bind($activity.actor_id)
            .bind($activity.kind.as_str())
            .bind($post_id)
            .bind(&$activity.object_json)
            .bind($now)
            .fetch_one(&mut *$tx)
    };
}
pub(crate) use insert_activity;

/// Inside a transaction `$tx`: queues one delivery of an activity to an inbox.
macro_rules! queue_delivery {
    ($tx:ident, $activity_id:expr, $inbox:expr, $host:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO deliveries (activity_id, inbox_url, host, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind($activity_id)
        .bind($inbox)
        .bind($host)
        .bind($now)
        .execute(&mut *$tx)
    };
}
pub(crate) use queue_delivery;

/// Inside a transaction `$tx`: queues an activity to every follower inbox of `$actor_id`.
macro_rules! fan_out {
    ($tx:ident, $activity_id:expr, $actor_id:expr, $now:expr) => {
        sqlx::query($crate::store::deliveries::FAN_OUT)
            .bind($activity_id)
            .bind($now)
            .bind($actor_id)
            .execute(&mut *$tx)
    };
}
pub(crate) use fan_out;

/// Inside a transaction `$tx`: writes an activity of `$actor_id` about no post and queues
/// it to every follower inbox; evaluates to a future of how many deliveries were queued.
macro_rules! send_to_followers {
    ($tx:ident, $activity:expr, $actor_id:expr, $now:expr) => {
        async {
            let activity_id =
                $crate::store::insert_activity!($tx, $activity, $activity.post_id, $now)
                    .await
                    .with_context(|| format!("storing the {}", $activity.kind))?;
            let queued = $crate::store::fan_out!($tx, activity_id, $actor_id, $now)
                .await
                .with_context(|| format!("queueing the {}", $activity.kind))?;
            Ok::<u64, anyhow::Error>(queued.rows_affected())
        }
    };
}
pub(crate) use send_to_followers;

/// A query that keeps a reply or mention (`&NewRemoteNote`) unless its id is already
/// kept, returning the new row's id (no row for a repeat).
macro_rules! insert_remote_note {
    ($note:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO remote_notes (ap_id, actor_id, local_actor_id, in_reply_to, content_html, \
               url, published_at, received_at, context) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (ap_id) DO NOTHING RETURNING id",
        )
        .bind(&$note.ap_id)
        .bind($note.actor_id)
        .bind($note.local_actor_id)
        .bind(&$note.in_reply_to)
        .bind(&$note.content_html)
        .bind(&$note.url)
        .bind($note.published_at)
        .bind($now)
        .bind(&$note.context)
    };
}
pub(crate) use insert_remote_note;

/// Opens a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails
/// with "database is locked" when another connection wrote in between, without waiting
/// for the busy timeout. Before that it waits for this process's turn to write to the
/// file (`write_turn`), so the process's writers follow one another without sleeping in
/// SQLite's busy handler.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<StoreTransaction<Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<StoreTransaction<Self::Db>, sqlx::Error> {
        let turn = write_turn::sqlite_turn(self).await;
        let tx = self.begin_with("BEGIN IMMEDIATE").await?;
        Ok(StoreTransaction::new(tx, turn))
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<StoreTransaction<Self::Db>, sqlx::Error> {
        Ok(StoreTransaction::new(self.begin().await?, None))
    }
}

/// How long a pooled connection may stay idle before it is closed.
const IDLE_CONNECTION_SECS: u64 = 30;

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// The schema a PostgreSQL URL's `options=-c search_path=NAME` names, when NAME is a
/// plain SQL name (what the config writes; anything else is left to PostgreSQL).
fn schema_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let options = url
        .query_pairs()
        .find(|(key, _)| key == "options")?
        .1
        .into_owned();
    let schema = options
        .split_whitespace()
        .find_map(|part| part.strip_prefix("search_path="))?;
    let plain = !schema.is_empty()
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    plain.then(|| schema.to_string())
}

impl BackendKind {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("database_url must start with sqlite: or postgres:, got {url:?}")
        }
    }
}

impl Store {
    /// Opens the database, creating a SQLite file if needed, and runs the migrations
    /// of its backend.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, None).await
    }

    /// As [`Store::connect`], with at most `connections` in the pool (`None`: SQLite 4,
    /// PostgreSQL 16). A hosting node gives its villages fewer (docs/adr/0002).
    pub async fn connect_with(url: &str, connections: Option<u32>) -> anyhow::Result<Self> {
        let store = Self::open_with(url, connections).await?;
        store.migrate(None).await?;
        Ok(store)
    }

    /// Opens the database (and a hosted site's PostgreSQL schema) without migrating it:
    /// `site import` migrates to the archive's version first (`archive`).
    async fn open(url: &str) -> anyhow::Result<Self> {
        Self::open_with(url, None).await
    }

    async fn open_with(url: &str, connections: Option<u32>) -> anyhow::Result<Self> {
        let backend = match BackendKind::of_url(url)? {
            BackendKind::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("reading the SQLite URL {url:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    // Another process (the command line while `serve` runs) may hold the
                    // write lock for a moment; wait rather than fail.
                    .busy_timeout(Duration::from_secs(10));
                // The file holds the actors' private keys: created 0600 before SQLite
                // opens it (its -wal and -shm files take the same mode), and made so if
                // an older version or a restored backup left it readable.
                let file = options.get_filename().to_path_buf();
                if file != std::path::Path::new(":memory:") {
                    if !file.exists() {
                        crate::data_dir::create_private_file(&file)
                            .with_context(|| format!("creating {}", file.display()))?;
                    }
                    crate::data_dir::make_database_private(&file)
                        .with_context(|| format!("making {} private", file.display()))?;
                }
                // An idle connection is closed after a while: each holds its page cache,
                // parsed schema and prepared statements (a few hundred KiB), which a
                // hosting node's quiet sites should not keep (docs/adr/0002).
                // Four: SQLite has one writer at a time and a village's reads are short, and
                // each connection is a thread with its own memory (8 cost a busy node about
                // 2 MiB more: docs/benchmarks.md, "Footprint").
                let pool = SqlitePoolOptions::new()
                    .max_connections(connections.unwrap_or(4))
                    .idle_timeout(Duration::from_secs(IDLE_CONNECTION_SECS))
                    .connect_with(options)
                    .await
                    .with_context(|| format!("opening the SQLite database {url:?}"))?;
                Backend::Sqlite(pool)
            }
            BackendKind::Postgres => {
                // Every statement is planned with its values. sqlx prepares each statement
                // once per connection, and after five runs PostgreSQL may switch it to a
                // generic plan made without them: for the timeline's filters that plan
                // reads and sorts every post of a district (253 ms against 0.5 ms at
                // 1,000,000 posts, docs/benchmarks-portal.md). Planning costs tens of
                // microseconds; a wrong generic plan costs a page. PostgreSQL 12 and later.
                let options = PgConnectOptions::from_str(url)
                    .with_context(|| "reading the PostgreSQL URL".to_string())?
                    .options([("plan_cache_mode", "force_custom_plan")]);
                let pool = PgPoolOptions::new()
                    .max_connections(connections.unwrap_or(16))
                    .idle_timeout(Duration::from_secs(IDLE_CONNECTION_SECS))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .context("connecting to PostgreSQL")?;
                if let Some(schema) = schema_of(url) {
                    // A hosted site's own schema (docs/adr/0002); the migrations then run
                    // inside it, since it is first on every connection's search_path. The
                    // name is checked to be letters, digits and _ by `schema_of`.
                    let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
                    sqlx::query(sqlx::AssertSqlSafe(create))
                        .execute(&pool)
                        .await
                        .with_context(|| format!("creating the schema {schema}"))?;
                }
                Backend::Postgres(pool)
            }
        };
        Ok(Self {
            backend,
            inbox_writer: Default::default(),
        })
    }

    /// Runs the migrations of the store's backend: all, or those up to `up_to`.
    async fn migrate(&self, up_to: Option<i64>) -> anyhow::Result<()> {
        match (&self.backend, up_to) {
            (Backend::Sqlite(pool), None) => SQLITE_MIGRATIONS.run(pool).await,
            (Backend::Sqlite(pool), Some(version)) => SQLITE_MIGRATIONS.run_to(version, pool).await,
            (Backend::Postgres(pool), None) => POSTGRES_MIGRATIONS.run(pool).await,
            (Backend::Postgres(pool), Some(version)) => {
                POSTGRES_MIGRATIONS.run_to(version, pool).await
            }
        }
        .with_context(|| match self.backend_kind() {
            BackendKind::Sqlite => "running the SQLite migrations",
            BackendKind::Postgres => "running the PostgreSQL migrations",
        })
    }

    /// The default database of a data directory: a SQLite file inside it.
    pub fn default_url(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("kentongan.db").display())
    }

    /// The SQLite database's file: `None` on PostgreSQL, whose database lives elsewhere.
    pub fn database_file(&self) -> Option<std::path::PathBuf> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let file = pool.connect_options().get_filename().to_path_buf();
                (file != Path::new(":memory:")).then_some(file)
            }
            Backend::Postgres(_) => None,
        }
    }

    pub fn backend_kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    pub async fn insert_api_token(
        &self,
        token_hash: &str,
        label: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO api_tokens (token_hash, label, created_at) VALUES ($1, $2, $3)")
                .bind(token_hash)
                .bind(label)
                .bind(now)
                .execute(pool)
                .await
                .context("storing the API token")?;
        });
        Ok(())
    }

    pub async fn api_token_exists(&self, token_hash: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await
                .context("looking up an API token")?
        });
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn names(dir: &str) -> BTreeSet<String> {
        std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn sqlite_and_postgres_migration_lists_match() {
        let sqlite = names("sqlite");
        assert!(!sqlite.is_empty(), "no SQLite migrations found");
        assert_eq!(sqlite, names("postgres"));
    }

    #[test]
    fn the_hosting_stores_migration_lists_match() {
        let sqlite = names("hosting/sqlite");
        assert!(!sqlite.is_empty(), "no hosting SQLite migrations found");
        assert_eq!(sqlite, names("hosting/postgres"));
    }
}
