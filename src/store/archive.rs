//! A whole site's rows, for `kentongan site export` and `site import` (the archive itself
//! is `hosting::archive`'s): the tables in an order their foreign keys allow, every row of
//! a table as a JSON object (columns by name) read inside one snapshot while the site keeps
//! writing, the same rows written back with their ids, and the id counters moved past them
//! so that no id is ever given twice. A value's JSON form depends only on its column's kind
//! (integer, boolean, text, real, blob: base64), which both dialects' catalogues tell, so a
//! site read from SQLite is written into PostgreSQL and back unchanged.
//!
//! The tables are found in the catalogue rather than listed here, so a table a migration
//! adds travels without a change to this file. It knows nothing of the archive's format.

use super::{Backend, BeginWrite, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, Store, StoreTransaction};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use futures::{StreamExt, stream::BoxStream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{Postgres, Sqlite};
use std::collections::{BTreeMap, BTreeSet};

/// sqlx's record of the migrations run: the schema's, not the site's.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Parameters per `INSERT`, under SQLite's limit (32 766) and PostgreSQL's (65 535).
const PARAMETERS_PER_INSERT: usize = 30_000;
/// Rows per `INSERT` at most, however few their columns.
const ROWS_PER_INSERT: usize = 500;

/// What a column holds, as the archive writes it in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// A JSON number without a fraction.
    Integer,
    /// `true` or `false` (SQLite stores 1 or 0).
    Boolean,
    /// A JSON string.
    Text,
    /// A JSON number.
    Real,
    /// A JSON string, the bytes in base64.
    Blob,
}

impl ColumnKind {
    /// The kind of a column SQLite declares as `declared` (its type affinity rules).
    fn of_sqlite(declared: &str) -> Option<Self> {
        let declared = declared.to_ascii_uppercase();
        if declared.contains("BOOL") {
            Some(Self::Boolean)
        } else if declared.contains("INT") {
            Some(Self::Integer)
        } else if ["CHAR", "CLOB", "TEXT"]
            .iter()
            .any(|t| declared.contains(t))
        {
            Some(Self::Text)
        } else if declared.contains("BLOB") {
            Some(Self::Blob)
        } else if ["REAL", "FLOA", "DOUB"]
            .iter()
            .any(|t| declared.contains(t))
        {
            Some(Self::Real)
        } else {
            None
        }
    }

    /// The kind of a PostgreSQL column of `data_type` (information_schema's words).
    fn of_postgres(data_type: &str) -> Option<Self> {
        match data_type {
            "bigint" | "integer" | "smallint" => Some(Self::Integer),
            "boolean" => Some(Self::Boolean),
            "text" | "character varying" | "character" => Some(Self::Text),
            "double precision" | "real" => Some(Self::Real),
            "bytea" => Some(Self::Blob),
            _ => None,
        }
    }
}

/// A column of a site's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// A table of a site, as its database's catalogue describes it.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// The column the database numbers itself (SQLite `AUTOINCREMENT`, PostgreSQL
    /// `BIGSERIAL`), whose counter an import moves past the ids it wrote.
    pub numbered: Option<String>,
    /// The primary key's columns: rows are read in their order, so that two exports of
    /// the same rows are the same.
    key: Vec<String>,
    /// The tables its foreign keys name.
    refers_to: BTreeSet<String>,
}

/// `name` as an SQL identifier. Names come from the database's own catalogue; quoting
/// them anyway keeps a strange one from ever being read as SQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `tables` ordered so that every table comes after the tables it refers to (ties by
/// name). Tables that refer to each other in a circle cannot be written row by row.
fn in_dependency_order(mut tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let known: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables.iter().position(|table| {
            table.refers_to.iter().all(|other| {
                other == &table.name || placed.contains(other) || !known.contains(other)
            })
        });
        let Some(ready) = ready else {
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            anyhow::bail!(
                "the tables {} refer to each other in a circle; their rows cannot be written one table after another",
                names.join(", ")
            );
        };
        let table = tables.remove(ready);
        placed.insert(table.name.clone());
        ordered.push(table);
    }
    Ok(ordered)
}

/// The newest schema version this program knows (the number of its last migration).
pub fn newest_schema_version() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|migration| migration.version)
        .max()
        .unwrap_or(0)
}

/// Whether `version` is one of this program's migrations, on both backends.
pub fn knows_schema_version(version: i64) -> bool {
    SQLITE_MIGRATIONS.version_exists(version) && POSTGRES_MIGRATIONS.version_exists(version)
}

enum Tx {
    Sqlite(StoreTransaction<Sqlite>),
    Postgres(StoreTransaction<Postgres>),
}

/// The site's database as of one moment, read while it keeps changing: one SQLite read
/// transaction (WAL: writers go on, this reader sees the database as of its first read),
/// or one PostgreSQL `REPEATABLE READ, READ ONLY` transaction.
pub struct Snapshot {
    tx: Tx,
}

/// The rows of an import, written in one transaction: all of them or none.
pub struct Load {
    tx: Tx,
}

impl Store {
    /// Begins reading the whole site as of now.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let tx = match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin().await.context("starting a read transaction")?;
                // A deferred transaction takes its snapshot at its first read: now.
                sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                    .execute(&mut *tx)
                    .await
                    .context("starting a read transaction")?;
                Tx::Sqlite(StoreTransaction::new(tx, None))
            }
            Backend::Postgres(pool) => Tx::Postgres(StoreTransaction::new(
                pool.begin_with("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await
                    .context("starting a repeatable-read transaction")?,
                None,
            )),
        };
        Ok(Snapshot { tx })
    }

    /// Opens a database that an import is to fill, without migrating it.
    pub async fn open_unmigrated(url: &str) -> anyhow::Result<Self> {
        Self::open(url).await
    }

    /// Runs this program's migrations up to `version` (an archive's), or all of them.
    pub async fn migrate_to(&self, version: Option<i64>) -> anyhow::Result<()> {
        self.migrate(version).await
    }

    /// The names of the tables the database (on PostgreSQL: the schema the store's
    /// connections use) holds, sqlx's record of migrations included.
    pub async fn table_names(&self) -> anyhow::Result<Vec<String>> {
        let names = match &self.backend {
            Backend::Sqlite(pool) => {
                sqlx::query_scalar(SQLITE_TABLES_WITH_MIGRATIONS)
                    .fetch_all(pool)
                    .await
            }
            Backend::Postgres(pool) => {
                sqlx::query_scalar(POSTGRES_TABLES_WITH_MIGRATIONS)
                    .fetch_all(pool)
                    .await
            }
        };
        names.context("listing the database's tables")
    }

    /// Drops every table of the database (on PostgreSQL, of the store's schema): what a
    /// failed import does with the tables it made, and only with those.
    pub async fn drop_every_table(&self) -> anyhow::Result<()> {
        let names = self.table_names().await?;
        if names.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = names.iter().map(|name| quoted(name)).collect();
        match &self.backend {
            Backend::Sqlite(pool) => {
                // One at a time, with foreign keys off: SQLite has no CASCADE.
                let mut conn = pool.acquire().await.context("dropping tables")?;
                sqlx::query("PRAGMA foreign_keys = OFF")
                    .execute(&mut *conn)
                    .await
                    .context("dropping tables")?;
                for table in &list {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
                        .execute(&mut *conn)
                        .await
                        .with_context(|| format!("dropping {table}"))?;
                }
                sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await
                    .context("dropping tables")?;
            }
            Backend::Postgres(pool) => {
                let drop = format!("DROP TABLE IF EXISTS {} CASCADE", list.join(", "));
                sqlx::query(sqlx::AssertSqlSafe(drop))
                    .execute(pool)
                    .await
                    .context("dropping tables")?;
                // The migrations also make functions (the deliveries trigger's): a table
                // drop leaves them, and the next import's migrations would then find
                // them already there.
                let functions: Vec<String> = sqlx::query_scalar(POSTGRES_FUNCTIONS)
                    .fetch_all(pool)
                    .await
                    .context("listing the schema's functions")?;
                for function in functions {
                    let drop = format!("DROP FUNCTION IF EXISTS {function} CASCADE");
                    sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(pool)
                        .await
                        .with_context(|| format!("dropping {function}"))?;
                }
            }
        }
        Ok(())
    }

    /// Begins writing an imported site's rows, in one transaction.
    pub async fn begin_load(&self) -> anyhow::Result<Load> {
        let tx = match &self.backend {
            Backend::Sqlite(pool) => Tx::Sqlite(
                pool.begin_write()
                    .await
                    .context("starting the import's transaction")?,
            ),
            Backend::Postgres(pool) => Tx::Postgres(
                pool.begin_write()
                    .await
                    .context("starting the import's transaction")?,
            ),
        };
        Ok(Load { tx })
    }
}

const SQLITE_TABLES_WITH_MIGRATIONS: &str = "SELECT name FROM sqlite_master \
     WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name";
const POSTGRES_TABLES_WITH_MIGRATIONS: &str = "SELECT c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1";

/// The column a leased queue's claim is kept in (`store::lease`).
const LEASE_COLUMN: &str = "locked_until";

/// Every function of the store's schema that no extension owns, as `DROP FUNCTION`
/// names it (with its argument types, already quoted).
const POSTGRES_FUNCTIONS: &str = "SELECT p.oid::regprocedure::text FROM pg_proc p \
     JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() \
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')";

async fn sqlite_tables(conn: &mut sqlx::SqliteConnection) -> anyhow::Result<Vec<Table>> {
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, COALESCE(sql, '') FROM sqlite_master \
         WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' AND name <> $1 ORDER BY name",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut *conn)
    .await
    .context("listing the tables")?;
    let mut tables = Vec::with_capacity(found.len());
    for (name, sql) in found {
        let described: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .with_context(|| format!("reading the columns of {name}"))?;
        let refers_to: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .with_context(|| format!("reading the foreign keys of {name}"))?;
        let mut columns = Vec::with_capacity(described.len());
        let mut key: Vec<(i64, String)> = Vec::new();
        for (column, declared, pk) in described {
            let kind = ColumnKind::of_sqlite(&declared).with_context(|| {
                format!("{name}.{column} is of type {declared:?}, which an archive cannot carry")
            })?;
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            columns.push(Column { name: column, kind });
        }
        key.sort();
        let key: Vec<String> = key.into_iter().map(|(_, column)| column).collect();
        let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
        let numbered = key
            .first()
            .filter(|_| autoincrement && key.len() == 1)
            .cloned();
        tables.push(Table {
            name,
            columns,
            numbered,
            key,
            refers_to: refers_to.into_iter().collect(),
        });
    }
    in_dependency_order(tables)
}

async fn postgres_tables(conn: &mut sqlx::PgConnection) -> anyhow::Result<Vec<Table>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> $1 \
         ORDER BY 1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut *conn)
    .await
    .context("listing the tables")?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let described: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, \
                    COALESCE(column_default::text LIKE 'nextval(%', FALSE) \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
               AND is_generated = 'NEVER' ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("reading the columns of {name}"))?;
        let key: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) \
             WHERE i.indisprimary AND n.nspname = current_schema() AND c.relname = $1 \
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("reading the primary key of {name}"))?;
        let refers_to: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT r.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_class r ON r.oid = k.confrelid \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("reading the foreign keys of {name}"))?;
        let mut columns = Vec::with_capacity(described.len());
        let mut numbered = None;
        for (column, data_type, serial) in described {
            let kind = ColumnKind::of_postgres(&data_type).with_context(|| {
                format!("{name}.{column} is of type {data_type:?}, which an archive cannot carry")
            })?;
            if serial && numbered.is_none() {
                numbered = Some(column.clone());
            }
            columns.push(Column { name: column, kind });
        }
        tables.push(Table {
            name,
            columns,
            numbered,
            key,
            refers_to: refers_to.into_iter().collect(),
        });
    }
    in_dependency_order(tables)
}

/// `SELECT` of every row of `table`, its columns in order; on PostgreSQL each read as the
/// one type per kind that the decoding below expects.
fn select_all(table: &Table, postgres: bool) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|column| {
            let name = quoted(&column.name);
            match (postgres, column.kind) {
                (false, _) => name,
                (true, ColumnKind::Integer) => format!("{name}::bigint"),
                (true, ColumnKind::Text) => format!("{name}::text"),
                (true, ColumnKind::Real) => format!("{name}::float8"),
                (true, ColumnKind::Boolean | ColumnKind::Blob) => name,
            }
        })
        .collect();
    let mut sql = format!("SELECT {} FROM {}", columns.join(", "), quoted(&table.name));
    if !table.key.is_empty() {
        let key: Vec<String> = table.key.iter().map(|column| quoted(column)).collect();
        sql.push_str(&format!(" ORDER BY {}", key.join(", ")));
    }
    sql
}

/// A row as a JSON object, each column's value in its kind's form.
fn json_of<'r, R>(row: &'r R, columns: &[Column]) -> Result<Map<String, Value>, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut object = Map::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let value = match column.kind {
            ColumnKind::Integer => row.try_get::<Option<i64>, _>(index)?.map(Value::from),
            ColumnKind::Boolean => row.try_get::<Option<bool>, _>(index)?.map(Value::from),
            ColumnKind::Text => row.try_get::<Option<String>, _>(index)?.map(Value::from),
            ColumnKind::Real => row.try_get::<Option<f64>, _>(index)?.map(Value::from),
            ColumnKind::Blob => row
                .try_get::<Option<Vec<u8>>, _>(index)?
                .map(|bytes| Value::from(BASE64.encode(bytes))),
        };
        object.insert(column.name.clone(), value.unwrap_or(Value::Null));
    }
    Ok(object)
}

impl Snapshot {
    /// The version of the last migration run on the database.
    pub async fn schema_version(&mut self) -> anyhow::Result<i64> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let version = match &mut self.tx {
            Tx::Sqlite(tx) => sqlx::query_scalar(sql).fetch_one(&mut **tx).await,
            Tx::Postgres(tx) => sqlx::query_scalar(sql).fetch_one(&mut **tx).await,
        };
        version.context("reading the schema's version")
    }

    /// The site's tables, each after the tables it refers to.
    pub async fn tables(&mut self) -> anyhow::Result<Vec<Table>> {
        match &mut self.tx {
            Tx::Sqlite(tx) => sqlite_tables(tx).await,
            Tx::Postgres(tx) => postgres_tables(tx).await,
        }
    }

    /// The highest id each numbered table has ever given (SQLite's `sqlite_sequence`, a
    /// PostgreSQL sequence's last value), which may be above its rows' highest id when
    /// rows were deleted.
    pub async fn ids_given(&mut self, tables: &[Table]) -> anyhow::Result<BTreeMap<String, i64>> {
        let mut given = BTreeMap::new();
        match &mut self.tx {
            Tx::Sqlite(tx) => {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
                        .fetch_all(&mut **tx)
                        .await
                        .context("reading sqlite_sequence")?;
                for (name, seq) in rows {
                    if tables
                        .iter()
                        .any(|t| t.name == name && t.numbered.is_some())
                    {
                        given.insert(name, seq);
                    }
                }
            }
            Tx::Postgres(tx) => {
                for table in tables {
                    let Some(column) = &table.numbered else {
                        continue;
                    };
                    let last: Option<i64> = sqlx::query_scalar(
                        "SELECT s.last_value FROM pg_sequences s \
                         WHERE format('%I.%I', s.schemaname, s.sequencename) \
                             = pg_get_serial_sequence(format('%I', $1::text), $2)",
                    )
                    .bind(&table.name)
                    .bind(column)
                    .fetch_optional(&mut **tx)
                    .await
                    .with_context(|| format!("reading the id sequence of {}", table.name))?
                    .flatten();
                    if let Some(last) = last {
                        given.insert(table.name.clone(), last);
                    }
                }
            }
        }
        Ok(given)
    }

    /// Every row of `table`, as JSON objects, in the order of its primary key.
    pub fn rows<'s>(
        &'s mut self,
        table: &Table,
    ) -> BoxStream<'s, anyhow::Result<Map<String, Value>>> {
        let columns = table.columns.clone();
        let name = table.name.clone();
        match &mut self.tx {
            Tx::Sqlite(tx) => {
                let sql = select_all(table, false);
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch(&mut **tx)
                    .map(move |row| {
                        row.and_then(|row| json_of(&row, &columns))
                            .with_context(|| format!("reading the rows of {name}"))
                    })
                    .boxed()
            }
            Tx::Postgres(tx) => {
                let sql = select_all(table, true);
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch(&mut **tx)
                    .map(move |row| {
                        row.and_then(|row| json_of(&row, &columns))
                            .with_context(|| format!("reading the rows of {name}"))
                    })
                    .boxed()
            }
        }
    }

    /// Ends the read.
    pub async fn finish(self) -> anyhow::Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
        .context("ending the read transaction")
    }
}

/// One value ready to bind, in its column's type.
enum Cell {
    Integer(Option<i64>),
    Boolean(Option<bool>),
    Text(Option<String>),
    Real(Option<f64>),
    Blob(Option<Vec<u8>>),
}

impl Cell {
    fn of(value: &Value, kind: ColumnKind) -> Option<Self> {
        if value.is_null() {
            return Some(match kind {
                ColumnKind::Integer => Self::Integer(None),
                ColumnKind::Boolean => Self::Boolean(None),
                ColumnKind::Text => Self::Text(None),
                ColumnKind::Real => Self::Real(None),
                ColumnKind::Blob => Self::Blob(None),
            });
        }
        Some(match kind {
            ColumnKind::Integer => Self::Integer(Some(value.as_i64()?)),
            ColumnKind::Boolean => Self::Boolean(Some(value.as_bool()?)),
            ColumnKind::Text => Self::Text(Some(value.as_str()?.to_string())),
            ColumnKind::Real => Self::Real(Some(value.as_f64()?)),
            ColumnKind::Blob => Self::Blob(Some(BASE64.decode(value.as_str()?).ok()?)),
        })
    }
}

fn push_cells<DB>(mut tuple: sqlx::query_builder::Separated<'_, DB, &'static str>, cells: Vec<Cell>)
where
    DB: sqlx::Database,
    for<'t> Option<i64>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<bool>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<String>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<f64>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<Vec<u8>>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    for cell in cells {
        match cell {
            Cell::Integer(value) => tuple.push_bind(value),
            Cell::Boolean(value) => tuple.push_bind(value),
            Cell::Text(value) => tuple.push_bind(value),
            Cell::Real(value) => tuple.push_bind(value),
            Cell::Blob(value) => tuple.push_bind(value),
        };
    }
}

impl Load {
    /// The tables of the database being filled, each after the tables it refers to.
    pub async fn tables(&mut self) -> anyhow::Result<Vec<Table>> {
        match &mut self.tx {
            Tx::Sqlite(tx) => sqlite_tables(tx).await,
            Tx::Postgres(tx) => postgres_tables(tx).await,
        }
    }

    /// Empties `tables` (given in dependency order): a migration may have given a new
    /// database rows of its own (the starting templates), which the archive's replace.
    pub async fn clear(&mut self, tables: &[Table]) -> anyhow::Result<()> {
        for table in tables.iter().rev() {
            let sql = format!("DELETE FROM {}", quoted(&table.name));
            self.execute(sql)
                .await
                .with_context(|| format!("emptying {}", table.name))?;
        }
        Ok(())
    }

    /// Writes `rows` (JSON objects with exactly the table's columns) into `table`, ids
    /// and all, many rows per statement.
    pub async fn insert(
        &mut self,
        table: &Table,
        rows: &[Map<String, Value>],
    ) -> anyhow::Result<()> {
        if rows.is_empty() || table.columns.is_empty() {
            return Ok(());
        }
        let mut cells = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != table.columns.len() {
                let extra: Vec<&str> = row
                    .keys()
                    .filter(|key| !table.columns.iter().any(|c| &c.name == *key))
                    .map(String::as_str)
                    .collect();
                anyhow::bail!(
                    "a row of {} has {} columns where the table has {} (not in the table: {})",
                    table.name,
                    row.len(),
                    table.columns.len(),
                    extra.join(", ")
                );
            }
            let mut values = Vec::with_capacity(table.columns.len());
            for column in &table.columns {
                let value = row.get(&column.name).with_context(|| {
                    format!("a row of {} has no column {}", table.name, column.name)
                })?;
                let cell = Cell::of(value, column.kind).with_context(|| {
                    format!(
                        "{}.{} holds {value}, which is not a {:?} value",
                        table.name, column.name, column.kind
                    )
                })?;
                values.push(cell);
            }
            cells.push(values);
        }
        let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let head = format!(
            "INSERT INTO {} ({}) ",
            quoted(&table.name),
            names.join(", ")
        );
        let per_statement = (PARAMETERS_PER_INSERT / table.columns.len()).clamp(1, ROWS_PER_INSERT);
        let mut cells = cells.into_iter().peekable();
        while cells.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = cells.by_ref().take(per_statement).collect();
            match &mut self.tx {
                Tx::Sqlite(tx) => {
                    let mut insert = sqlx::QueryBuilder::<Sqlite>::new(head.clone());
                    insert.push_values(chunk, push_cells);
                    insert.build().execute(&mut **tx).await.map(|_| ())
                }
                Tx::Postgres(tx) => {
                    let mut insert = sqlx::QueryBuilder::<Postgres>::new(head.clone());
                    insert.push_values(chunk, push_cells);
                    insert.build().execute(&mut **tx).await.map(|_| ())
                }
            }
            .with_context(|| format!("writing the rows of {}", table.name))?;
        }
        Ok(())
    }

    /// Moves `table`'s id counter past its highest id and past `given` (the highest id
    /// the exported site had ever given), so a new row never takes an id seen before.
    pub async fn number_after(&mut self, table: &Table, given: i64) -> anyhow::Result<()> {
        let Some(column) = &table.numbered else {
            return Ok(());
        };
        let highest_sql = format!(
            "SELECT COALESCE(MAX({}), 0) FROM {}",
            quoted(column),
            quoted(&table.name)
        );
        let context = || format!("setting the id counter of {}", table.name);
        match &mut self.tx {
            Tx::Sqlite(tx) => {
                let highest: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(highest_sql))
                    .fetch_one(&mut **tx)
                    .await
                    .with_context(context)?;
                let next_after = highest.max(given);
                if next_after > 0 {
                    let updated =
                        sqlx::query("UPDATE sqlite_sequence SET seq = $2 WHERE name = $1")
                            .bind(&table.name)
                            .bind(next_after)
                            .execute(&mut **tx)
                            .await
                            .with_context(context)?;
                    if updated.rows_affected() == 0 {
                        sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                            .bind(&table.name)
                            .bind(next_after)
                            .execute(&mut **tx)
                            .await
                            .with_context(context)?;
                    }
                }
            }
            Tx::Postgres(tx) => {
                let highest: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(highest_sql))
                    .fetch_one(&mut **tx)
                    .await
                    .with_context(context)?;
                let next_after = highest.max(given);
                if next_after > 0 {
                    sqlx::query(
                        "SELECT setval(pg_get_serial_sequence(format('%I', $1::text), $2), $3)",
                    )
                    .bind(&table.name)
                    .bind(column)
                    .bind(next_after)
                    .execute(&mut **tx)
                    .await
                    .with_context(context)?;
                }
            }
        }
        Ok(())
    }

    /// Ends every claim the exported site's workers held (`locked_until`, see
    /// `store::lease`): those workers ran on the old server and will never finish them,
    /// and a delivery left leased would hold back its server's other deliveries (at most
    /// `PER_SERVER_IN_FLIGHT` in flight) for the rest of the lease.
    pub async fn release_leases(&mut self, tables: &[Table]) -> anyhow::Result<()> {
        for table in tables {
            if !table.columns.iter().any(|c| c.name == LEASE_COLUMN) {
                continue;
            }
            let sql = format!(
                "UPDATE {} SET {LEASE_COLUMN} = 0 WHERE {LEASE_COLUMN} <> 0",
                quoted(&table.name)
            );
            self.execute(sql)
                .await
                .with_context(|| format!("releasing the claims of {}", table.name))?;
        }
        Ok(())
    }

    /// Runs one statement without parameters (built from the archive's checked table
    /// names) in the load's transaction.
    async fn execute(&mut self, sql: String) -> Result<(), sqlx::Error> {
        match &mut self.tx {
            Tx::Sqlite(tx) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await
                .map(|_| ()),
            Tx::Postgres(tx) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await
                .map(|_| ()),
        }
    }

    /// Keeps every row written.
    pub async fn commit(self) -> anyhow::Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
        .context("committing the imported rows")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, refers_to: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            numbered: None,
            key: Vec::new(),
            refers_to: refers_to.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn tables_come_after_the_tables_they_refer_to() {
        let ordered = in_dependency_order(vec![
            table("tickets", &["posts", "actors", "users"]),
            table("posts", &["actors"]),
            table("actors", &[]),
            table("users", &["users"]),
        ])
        .expect("an order");
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["actors", "posts", "users", "tickets"]);
        let circle = in_dependency_order(vec![table("a", &["b"]), table("b", &["a"])]);
        assert!(circle.is_err());
    }

    #[test]
    fn column_kinds_are_read_from_both_dialects() {
        assert_eq!(ColumnKind::of_sqlite("BIGINT"), Some(ColumnKind::Integer));
        assert_eq!(ColumnKind::of_sqlite("INTEGER"), Some(ColumnKind::Integer));
        assert_eq!(ColumnKind::of_sqlite("BOOLEAN"), Some(ColumnKind::Boolean));
        assert_eq!(ColumnKind::of_sqlite("TEXT"), Some(ColumnKind::Text));
        assert_eq!(ColumnKind::of_sqlite("NUMERIC"), None);
        assert_eq!(ColumnKind::of_postgres("bigint"), Some(ColumnKind::Integer));
        assert_eq!(
            ColumnKind::of_postgres("boolean"),
            Some(ColumnKind::Boolean)
        );
        assert_eq!(ColumnKind::of_postgres("text"), Some(ColumnKind::Text));
        assert_eq!(ColumnKind::of_postgres("jsonb"), None);
    }

    #[test]
    fn values_bind_by_their_column_kind_only() {
        assert!(matches!(
            Cell::of(&Value::from(7), ColumnKind::Integer),
            Some(Cell::Integer(Some(7)))
        ));
        assert!(matches!(
            Cell::of(&Value::Null, ColumnKind::Boolean),
            Some(Cell::Boolean(None))
        ));
        assert!(Cell::of(&Value::from("7"), ColumnKind::Integer).is_none());
        assert!(Cell::of(&Value::from(1), ColumnKind::Boolean).is_none());
        assert!(matches!(
            Cell::of(&Value::from("aGk="), ColumnKind::Blob),
            Some(Cell::Blob(Some(bytes))) if bytes == b"hi"
        ));
    }
}
