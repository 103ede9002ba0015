//! Where a site's database stands, read without changing it: whether it can be reached,
//! which of this program's migrations it has run, and its first publishing account's id
//! and key (`kentongan doctor`). Unlike
//! `Store::connect` it never creates a SQLite file or a PostgreSQL schema and never
//! migrates: a check must not repair what it reports.

use super::{BackendKind, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, schema_of};
use anyhow::Context;
use sqlx::{
    Connection,
    postgres::{PgConnectOptions, PgConnection},
    sqlite::{SqliteConnectOptions, SqliteConnection},
};
use std::{collections::BTreeSet, str::FromStr, time::Duration};

/// How long a database has to answer before it counts as unreachable.
const REACH_WITHIN: Duration = Duration::from_secs(10);

/// The migrations a database has run, beside those this program knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaState {
    /// Versions run successfully.
    pub applied: BTreeSet<i64>,
    /// Versions this program's migrations have, for the database's backend.
    pub known: BTreeSet<i64>,
}

impl SchemaState {
    /// Known migrations not run yet: `serve` runs them at its next start.
    pub fn pending(&self) -> Vec<i64> {
        self.known.difference(&self.applied).copied().collect()
    }

    /// Migrations run that this program does not know: a newer program wrote them.
    pub fn unknown(&self) -> Vec<i64> {
        self.applied.difference(&self.known).copied().collect()
    }

    /// The last migration run.
    pub fn version(&self) -> i64 {
        self.applied.iter().next_back().copied().unwrap_or(0)
    }
}

/// One connection that changes nothing, to either backend.
enum ReadOnly {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs the same tokens on whichever connection `$conn` is: the SQL is written once where
/// the dialects agree, as `store::on_pool!` does for pools.
macro_rules! on_connection {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            ReadOnly::Sqlite($c) => $body,
            ReadOnly::Postgres($c) => $body,
        }
    };
}

impl ReadOnly {
    /// A SQLite file that exists, read-only; PostgreSQL in the site's schema when it has
    /// one, which must exist. Neither is ever created.
    async fn open(url: &str) -> anyhow::Result<Self> {
        Ok(match BackendKind::of_url(url)? {
            BackendKind::Sqlite => Self::Sqlite(open_sqlite(url).await?),
            BackendKind::Postgres => Self::Postgres(open_postgres(url).await?),
        })
    }

    /// Closes it; a close that fails leaves nothing to undo (nothing was written).
    async fn close(self) {
        let _ = match self {
            Self::Sqlite(conn) => conn.close().await,
            Self::Postgres(conn) => conn.close().await,
        };
    }
}

/// Reads the migrations `url`'s database has run; an error says why it cannot be reached.
pub async fn schema_state(url: &str) -> anyhow::Result<SchemaState> {
    within(async {
        let mut conn = ReadOnly::open(url).await?;
        let (has_table, known) = match conn {
            ReadOnly::Sqlite(_) => (
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                &SQLITE_MIGRATIONS,
            ),
            ReadOnly::Postgres(_) => (
                "SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass('_sqlx_migrations')",
                &POSTGRES_MIGRATIONS,
            ),
        };
        let applied = on_connection!(&mut conn, c => async {
            let recorded: i64 = sqlx::query_scalar(has_table)
                .fetch_one(&mut *c)
                .await
                .context("reading the database's tables")?;
            if recorded == 0 {
                // A database no migration ran in: every one is pending.
                return anyhow::Ok(Vec::new());
            }
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&mut *c)
                .await
                .context("reading the migrations run")
        }
        .await);
        conn.close().await;
        Ok(SchemaState {
            applied: applied?.into_iter().collect(),
            known: known.iter().map(|m| m.version).collect(),
        })
    })
    .await
}

/// A local account as the fediverse knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedActor {
    pub username: String,
    pub ap_id: String,
    pub public_key_pem: String,
}

/// The oldest local account whose kind is not `except_kind` (the instance actor's), read
/// through a connection that changes nothing: the site's main account.
pub async fn first_local_actor(
    url: &str,
    except_kind: &str,
) -> anyhow::Result<Option<PublishedActor>> {
    within(async {
        let mut conn = ReadOnly::open(url).await?;
        let row: anyhow::Result<Option<(String, String, String)>> =
            on_connection!(&mut conn, c => {
                sqlx::query_as(
                    "SELECT username, ap_id, public_key_pem FROM actors \
                     WHERE is_local = TRUE AND kind <> $1 ORDER BY id LIMIT 1",
                )
                .bind(except_kind)
                .fetch_optional(&mut *c)
                .await
            })
            .context("reading the site's account");
        conn.close().await;
        Ok(
            row?.map(|(username, ap_id, public_key_pem)| PublishedActor {
                username,
                ap_id,
                public_key_pem,
            }),
        )
    })
    .await
}

/// `read`'s answer, or an error when the database gives none in time: a check waits for
/// a hung database no longer than an operator would.
async fn within<T>(read: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::time::timeout(REACH_WITHIN, read)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {} s", REACH_WITHIN.as_secs()))?
}

/// A read-only connection to an existing SQLite file (never created).
async fn open_sqlite(url: &str) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("reading the SQLite URL {url:?}"))?
        .read_only(true);
    let file = options.get_filename().to_path_buf();
    if !file.exists() {
        anyhow::bail!("the SQLite database {} does not exist", file.display());
    }
    SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("opening {}", file.display()))
}

/// A connection to PostgreSQL, in the site's schema when it has one, which must exist
/// (never created).
async fn open_postgres(url: &str) -> anyhow::Result<PgConnection> {
    let options = PgConnectOptions::from_str(url).context("reading the PostgreSQL URL")?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .context("connecting to PostgreSQL")?;
    if let Some(schema) = schema_of(url) {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
                .bind(&schema)
                .fetch_one(&mut conn)
                .await
                .context("reading the database's schemas")?;
        if !exists {
            anyhow::bail!("the schema {schema} does not exist in the database");
        }
    }
    Ok(conn)
}
