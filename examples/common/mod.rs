//! What the bench examples share: the `--backend` flag and a fresh PostgreSQL database
//! per node, a node made by `kentongan init` on a loopback port and started in this
//! process, a second small pool on its database, counting the warnings and errors it
//! logs, the small measures (CPU time, load average, quantiles, waiting with a
//! deadline), and simulated villages for the portal benches (`villages`). Each bench
//! keeps what is its own: its other simulated servers, its data, its tables. Nothing
//! here prints.

// Each bench uses only a part of this module.
#![allow(dead_code)]

pub mod villages;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use kentongan::{
    app::Node,
    cli::{InitArgs, init},
    config::{Config, Role},
};
use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::net::TcpListener;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::{EnvFilter, Layer, layer::Context as LayerContext};
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

impl BackendArg {
    pub fn name(self) -> &'static str {
        match self {
            BackendArg::Sqlite => "sqlite",
            BackendArg::Postgres => "postgres",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Databases.

fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| (b'a' + rng.gen_range(0..26)) as char)
        .collect()
}

/// A fresh PostgreSQL database, dropped by `drop_database`.
pub struct PgDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDb {
    /// A fresh database on `--backend postgres`, none (SQLite) on `--backend sqlite`.
    pub async fn for_backend(backend: BackendArg) -> Result<Option<Self>> {
        match backend {
            BackendArg::Sqlite => Ok(None),
            BackendArg::Postgres => Ok(Some(Self::create().await?)),
        }
    }

    pub async fn create() -> Result<Self> {
        use sqlx::Connection;
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .context("--backend postgres needs TEST_POSTGRES_URL (for example postgres://postgres@127.0.0.1:5432/test)")?;
        let name = format!("kentongan_bench_{}", random_suffix());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .context("connecting to TEST_POSTGRES_URL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .context("creating a benchmark database")?;
        let mut url = Url::parse(&admin_url).context("TEST_POSTGRES_URL is not a URL")?;
        url.set_path(&format!("/{name}"));
        Ok(Self {
            admin_url,
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop_database(&self) {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// A second view of a node's database, one connection so that it barely competes with
/// the node's pool: for counting rows, sizes and query plans while the node works.
pub enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    pub async fn open(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .context("SQLite URL")?
                .busy_timeout(Duration::from_secs(10));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .context("opening the SQLite database")?;
            Ok(Self::Sqlite(pool))
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Self::Postgres(pool))
        }
    }

    pub async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// The database's bare write rate, the floor under everything the node stores: `commits`
    /// transactions, each inserting `rows` rows of about 1 KB (a received activity's size)
    /// into a table of the floor's own, with the store's durability (SQLite: WAL and
    /// `synchronous = NORMAL`, a write transaction taken at `BEGIN IMMEDIATE`; PostgreSQL:
    /// its defaults, so each commit waits for the WAL flush). Run when the node is idle;
    /// the table is dropped after. Returns `(commits, rows)` per second.
    pub async fn commit_floor(&self, commits: usize, rows: usize) -> Result<(f64, f64)> {
        // The same steps on either pool; only how a write transaction starts differs.
        macro_rules! measure {
            ($pool:expr, $setup:expr, $begin:expr) => {{
                let mut conn = $pool
                    .acquire()
                    .await
                    .context("a connection for the floor")?;
                for statement in $setup {
                    sqlx::query(statement).execute(&mut *conn).await?;
                }
                let body = "x".repeat(1024);
                let started = Instant::now();
                for commit in 0..commits {
                    sqlx::query($begin).execute(&mut *conn).await?;
                    for row in 0..rows {
                        sqlx::query("INSERT INTO bench_commit_floor (id, body) VALUES ($1, $2)")
                            .bind((commit * rows + row) as i64)
                            .bind(&body)
                            .execute(&mut *conn)
                            .await?;
                    }
                    sqlx::query("COMMIT").execute(&mut *conn).await?;
                }
                let secs = started.elapsed().as_secs_f64().max(1e-9);
                sqlx::query("DROP TABLE bench_commit_floor")
                    .execute(&mut *conn)
                    .await?;
                (commits as f64 / secs, (commits * rows) as f64 / secs)
            }};
        }
        const CREATE: &str =
            "CREATE TABLE bench_commit_floor (id BIGINT PRIMARY KEY, body TEXT NOT NULL)";
        Ok(match self {
            Self::Sqlite(pool) => measure!(
                pool,
                ["PRAGMA synchronous = NORMAL", CREATE],
                "BEGIN IMMEDIATE"
            ),
            Self::Postgres(pool) => measure!(pool, [CREATE], "BEGIN"),
        })
    }
}

// ---------------------------------------------------------------------------------------
// The node.

/// A node's data directory as `kentongan init` leaves it, with the loopback port it
/// will serve on (`localhost:PORT`, `insecure_local`), not serving yet.
pub struct NodeDir {
    pub dir: tempfile::TempDir,
    pub listener: TcpListener,
    pub port: u16,
    pub domain: String,
    pub pg: Option<PgDb>,
}

impl NodeDir {
    /// Runs `kentongan init` for the actor `username` called `name` with `role`, on a
    /// fresh database of `backend`.
    pub async fn init(backend: BackendArg, username: &str, name: &str, role: Role) -> Result<Self> {
        let pg = PgDb::for_backend(backend).await?;
        let database_url = pg.as_ref().map(|pg| pg.url.clone());
        let mut dir = Self::init_on(database_url, username, name, role).await?;
        dir.pg = pg;
        Ok(dir)
    }

    /// As [`NodeDir::init`], on a database the caller owns (`None`: SQLite in the
    /// directory).
    pub async fn init_on(
        database_url: Option<String>,
        username: &str,
        name: &str,
        role: Role,
    ) -> Result<Self> {
        let dir = tempfile::tempdir().context("creating a data directory")?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the node")?;
        let port = listener.local_addr().context("node address")?.port();
        let domain = format!("localhost:{port}");
        init(InitArgs {
            dir: dir.path().to_path_buf(),
            domain: domain.clone(),
            username: username.into(),
            name: name.into(),
            role,
            listen: format!("127.0.0.1:{port}"),
            database_url,
            insecure_local: true,
            admin_username: "admin".into(),
        })
        .await
        .context("kentongan init")?;
        Ok(Self {
            dir,
            listener,
            port,
            domain,
            pg: None,
        })
    }

    /// Puts `lines` right under the `table` header (`[inbox]`, …) of kentongan.toml.
    pub fn configure(&self, table: &str, lines: &str) -> Result<()> {
        let path = self.dir.path().join("kentongan.toml");
        let text = std::fs::read_to_string(&path).context("reading kentongan.toml")?;
        let header = format!("{table}\n");
        if !text.contains(&header) {
            bail!("kentongan.toml has no {table}");
        }
        let text = text.replacen(&header, &format!("{header}{lines}\n"), 1);
        std::fs::write(&path, text).context("writing kentongan.toml")
    }

    pub fn config(&self) -> Result<Config> {
        Config::load(self.dir.path())
    }

    /// Serves with `config` in this process.
    pub async fn start(self, config: Config) -> Result<BenchNode> {
        let node = Node::start(config, self.listener).await?;
        Ok(BenchNode {
            node,
            base: format!("http://{}", self.domain),
            port: self.port,
            dir: self.dir,
            pg: self.pg,
        })
    }
}

impl NodeDir {
    /// Serves the directory as `kentongan serve` does (`node::start`: its wake socket
    /// bound, so that a command run on the directory wakes it), in this process.
    pub async fn serve(self) -> Result<BenchServe> {
        let node = kentongan::node::start(self.dir.path(), self.listener).await?;
        let state = node
            .sites
            .state_of(&self.domain)
            .await
            .context("the node's site did not open")?;
        Ok(BenchServe {
            node,
            state,
            dir: self.dir,
            pg: self.pg,
        })
    }
}

/// A directory served as `kentongan serve` serves it, in this process; `stop` also
/// drops its PostgreSQL database.
pub struct BenchServe {
    pub node: kentongan::hosting::HostingNode,
    /// The state of the directory's site.
    pub state: kentongan::state::AppState,
    pub dir: tempfile::TempDir,
    pg: Option<PgDb>,
}

impl BenchServe {
    pub async fn stop(self) {
        self.node.stop().await;
        if let Some(pg) = &self.pg {
            pg.drop_database().await;
        }
    }
}

/// A node serving in this process; `stop` also drops its PostgreSQL database.
pub struct BenchNode {
    pub node: Node,
    pub base: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pg: Option<PgDb>,
}

impl BenchNode {
    pub async fn stop(self) {
        self.node.stop().await;
        if let Some(pg) = &self.pg {
            pg.drop_database().await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Logs.

/// The node's log on stderr, at `RUST_LOG` or else warnings and errors.
pub fn stderr_log<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
}

/// How many warnings and errors the node logged.
#[derive(Default)]
pub struct LogCounts {
    pub warnings: AtomicUsize,
    pub errors: AtomicUsize,
}

impl LogCounts {
    /// A layer that counts into `self` every warning and error.
    pub fn layer<S>(self: &Arc<Self>) -> impl Layer<S>
    where
        S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        CountLayer(self.clone()).with_filter(tracing_subscriber::filter::LevelFilter::WARN)
    }
}

struct CountLayer(Arc<LogCounts>);

impl<S: Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        match *event.metadata().level() {
            Level::ERROR => {
                self.0.errors.fetch_add(1, Ordering::Relaxed);
            }
            Level::WARN => {
                self.0.warnings.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Measures.

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux, at
/// the usual 100 clock ticks per second).
pub fn process_cpu() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("malformed /proc/self/stat")?
        .1
        .split_whitespace()
        .collect();
    // After the command name: state is field 3, utime 14 and stime 15.
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .context("short /proc/self/stat")?
            .parse::<u64>()
            .context("malformed /proc/self/stat number")
    };
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The value at quantile `q` of sorted durations (nearest rank).
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Polls `check` every `step` until it says yes; an error once `deadline` has passed.
pub async fn wait_until<F, Fut>(
    what: &str,
    deadline: Instant,
    step: Duration,
    mut check: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    loop {
        if check().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("deadline passed waiting for: {what}");
        }
        tokio::time::sleep(step).await;
    }
}
