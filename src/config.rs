//! Reads `DIR/kentongan.toml` (plus `KENTONGAN_DATABASE_URL` from the environment) into
//! a validated [`Config`]. Two steps: a raw serde shape that mirrors the file, then the
//! checked values the rest of the program uses. Secrets never appear in `Debug`.

use crate::{
    aspirations::{Clock, ClockSettings},
    federation::addresses::AddressPolicy,
    store::Store,
};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};
use url::Url;

pub const CONFIG_FILE: &str = "kentongan.toml";

/// What a node is for: a village publishes; a portal also follows villages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Village,
    Portal,
}

/// The file as written on disk. Every field is documented in the file `init` writes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub domain: String,
    pub listen: String,
    #[serde(default = "default_role")]
    pub role: Role,
    #[serde(default)]
    pub database_url: Option<String>,
    /// PostgreSQL only: the schema this site's tables live in, so that the sites of a
    /// hosting node share one database (docs/adr/0002). None: the URL's own (`public`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_schema: Option<String>,
    #[serde(default)]
    pub insecure_local: bool,
    #[serde(default)]
    pub allow_private_addresses: bool,
    /// PEM files of certificate authorities trusted besides the system's (a regency's
    /// internal CA).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_ca_certificates: Vec<PathBuf>,
    #[serde(default)]
    pub delivery: RawDelivery,
    #[serde(default)]
    pub portal: RawPortal,
    #[serde(default)]
    pub inbox: RawInbox,
    #[serde(default)]
    pub aspirations: RawAspirations,
    #[serde(default)]
    pub moderation: RawModeration,
    #[serde(default)]
    pub metrics: RawMetrics,
    /// `[hosting]`: the regency's pages for its hosting staff (the node's first site only).
    #[serde(default, skip_serializing_if = "RawHosting::is_empty")]
    pub hosting: RawHosting,
}

/// `[hosting]`, read from the node's first site only (docs/adr/0002 decision 7).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHosting {
    /// The host name of the hosting administrators' pages, e.g. hosting.beltimkab.go.id
    /// (pointed at this node like the sites' names). Without it, there are none.
    pub domain: Option<String>,
}

impl RawHosting {
    fn is_empty(&self) -> bool {
        self.domain.is_none()
    }
}

/// `[metrics]`: who may read `/metrics` besides this machine.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    pub token: Option<String>,
}

/// The bearer token a scraper elsewhere sends for `/metrics`; never in `Debug`.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(<hidden>)")
    }
}

/// The shortest token accepted: guessing it must be hopeless.
const MIN_METRICS_TOKEN: usize = 16;

impl RawMetrics {
    fn validate(&self) -> anyhow::Result<Option<MetricsToken>> {
        match self.token.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(token)
                if token.len() < MIN_METRICS_TOKEN || token.contains(char::is_whitespace) =>
            {
                anyhow::bail!(
                    "[metrics] token must be at least {MIN_METRICS_TOKEN} characters without spaces (e.g. the output of `openssl rand -hex 24`)"
                )
            }
            Some(token) => Ok(Some(MetricsToken(token.to_string()))),
        }
    }
}

/// `[aspirations]`: the clocks of residents' messages (tickets).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAspirations {
    pub first_response_days: Option<u32>,
    pub answer_days: Option<u32>,
    pub information_answer_working_days: Option<u32>,
    pub information_extension_working_days: Option<u32>,
}

/// The longest clock a setting may hold, in days or working days.
const MAX_CLOCK_DAYS: u32 = 365;

impl RawAspirations {
    /// The clocks, each between 1 and 365; unset ones keep the national norms.
    fn validate(&self) -> anyhow::Result<ClockSettings> {
        let defaults = ClockSettings::default();
        let days = |key: &str, value: Option<u32>, default: Clock| -> anyhow::Result<Clock> {
            match value {
                None => Ok(default),
                Some(n) if (1..=MAX_CLOCK_DAYS).contains(&n) => Ok(match default {
                    Clock::Days(_) => Clock::Days(n),
                    Clock::WorkingDays(_) => Clock::WorkingDays(n),
                }),
                Some(n) => anyhow::bail!(
                    "[aspirations] {key} must be between 1 and {MAX_CLOCK_DAYS}, got {n}"
                ),
            }
        };
        Ok(ClockSettings {
            first_response: days(
                "first_response_days",
                self.first_response_days,
                defaults.first_response,
            )?,
            answer: days("answer_days", self.answer_days, defaults.answer)?,
            information_answer: days(
                "information_answer_working_days",
                self.information_answer_working_days,
                defaults.information_answer,
            )?,
            information_extension: days(
                "information_extension_working_days",
                self.information_extension_working_days,
                defaults.information_extension,
            )?,
        })
    }
}

/// `[moderation]`: how many tickets one remote server and one account may open.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModeration {
    pub tickets_per_server_per_hour: Option<u32>,
    pub tickets_per_account_per_hour: Option<u32>,
}

/// Tickets opened per hour from one server and from one account; messages beyond them
/// open none (the reason is kept with the received activity and logged).
#[derive(Clone, Debug)]
pub struct ModerationSettings {
    pub tickets_per_server_per_hour: u32,
    pub tickets_per_account_per_hour: u32,
}

/// `[inbox]`: what one remote server may send.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInbox {
    pub burst: Option<u32>,
    pub per_minute: Option<u32>,
}

/// Activities accepted per remote server (after their signature checked out), beyond
/// which the inbox answers 429 with `Retry-After`.
#[derive(Clone, Debug)]
pub struct InboxSettings {
    pub burst: u32,
    pub per_minute: u32,
}

/// `[portal]`: what a portal node does with the villages it follows.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    pub announce: Option<bool>,
    pub active_min_posts: Option<u32>,
    pub active_days: Option<u32>,
    pub less_active_days: Option<u32>,
    pub backfill_every_hours: Option<u64>,
    pub feed_poll_minutes: Option<u64>,
    pub concurrency: Option<usize>,
}

/// How the portal follows villages and judges their activity.
#[derive(Clone, Debug)]
pub struct PortalSettings {
    /// Announce each new village post to the portal's own followers.
    pub announce: bool,
    /// A village is *aktif* with at least this many posts published in the last
    /// `active_days` days.
    pub active_min_posts: u32,
    pub active_days: u32,
    /// *Kurang aktif*: at least one post in the last `less_active_days` days.
    pub less_active_days: u32,
    /// How often every followed village's outbox is read again (the periodic sweep).
    pub backfill_every: Duration,
    /// How often a village's RSS/Atom feed is polled (at least an hour).
    pub feed_poll_every: Duration,
    /// Villages the portal worker of each process works on at once (followed, read or
    /// polled): each holds one request to its server at a time.
    pub concurrency: usize,
}

fn default_role() -> Role {
    Role::Village
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    pub concurrency: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub retry_hours: Option<u64>,
}

/// How outgoing deliveries behave.
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// Requests in flight at once, across all servers.
    pub concurrency: usize,
    /// A server that has not answered by then counts as failed for this attempt.
    pub request_timeout: Duration,
    /// How long a delivery is retried before it is given up.
    pub retry_window: Duration,
}

#[derive(Clone)]
pub struct Config {
    pub dir: PathBuf,
    /// `host` or `host:port`, as it appears in every id of this node.
    pub domain: String,
    pub base_url: Url,
    pub listen: SocketAddr,
    pub role: Role,
    database_url: String,
    pub insecure_local: bool,
    /// Which addresses outgoing requests may reach (`allow_private_addresses`,
    /// `insecure_local` and the environment).
    pub addresses: AddressPolicy,
    /// Certificate authorities trusted besides the system's (`extra_ca_certificates`).
    pub extra_roots: Vec<reqwest::Certificate>,
    /// SHA-256 of the files behind `extra_roots`, in order: sites whose settings agree
    /// share one HTTP client.
    pub extra_roots_digest: [u8; 32],
    /// The address outgoing requests name in their `User-Agent`, for a remote server's
    /// administrator to know whom to ask: the site's own, or on a hosting node the
    /// node's first site's, so that every site shares one HTTP client.
    pub user_agent_url: Url,
    /// How many database connections the site's pool may hold; `None` for the store's
    /// default. Not a setting of the file: a hosting node gives its villages fewer.
    pub database_connections: Option<u32>,
    pub extra_ca_files: Vec<PathBuf>,
    pub delivery: DeliverySettings,
    pub portal: PortalSettings,
    pub inbox: InboxSettings,
    /// The clocks of tickets (`[aspirations]`).
    pub aspirations: ClockSettings,
    pub moderation: ModerationSettings,
    /// Who may read `/metrics` from elsewhere than this machine (`[metrics] token`).
    pub metrics_token: Option<MetricsToken>,
    /// `[hosting] domain`: where the hosting administrators' pages are served (the
    /// node's first site's config only; a hosted site's is ignored).
    pub hosting_domain: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("dir", &self.dir)
            .field("domain", &self.domain)
            .field("listen", &self.listen)
            .field("role", &self.role)
            .field("database", &"<hidden>")
            .field("insecure_local", &self.insecure_local)
            .field("addresses", &self.addresses)
            .field("extra_ca_files", &self.extra_ca_files)
            .finish()
    }
}

impl Config {
    /// Loads and validates `DIR/kentongan.toml`.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read {} ({err}); run `kentongan init --dir {}` first",
                path.display(),
                dir.display()
            )
        })?;
        let raw: RawConfig =
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
        Self::from_raw(dir, raw)
    }

    pub fn from_raw(dir: &Path, raw: RawConfig) -> anyhow::Result<Self> {
        let domain = parse_domain(&raw.domain, raw.insecure_local)?;
        let scheme = if raw.insecure_local { "http" } else { "https" };
        let base_url = Url::parse(&format!("{scheme}://{domain}/"))
            .with_context(|| format!("{domain:?} does not make a valid URL"))?;
        let listen: SocketAddr = raw
            .listen
            .parse()
            .with_context(|| format!("listen address {:?} is not IP:PORT", raw.listen))?;
        let database_url = std::env::var("KENTONGAN_DATABASE_URL")
            .ok()
            .or(raw.database_url)
            .unwrap_or_else(|| Store::default_url(dir));
        let database_url = match &raw.database_schema {
            Some(schema) => in_schema(&database_url, schema)?,
            None => database_url,
        };
        crate::store::BackendKind::of_url(&database_url)?;
        let delivery = DeliverySettings {
            concurrency: raw.delivery.concurrency.unwrap_or(64).clamp(1, 1024),
            request_timeout: Duration::from_secs(
                raw.delivery
                    .request_timeout_secs
                    .unwrap_or(10)
                    .clamp(1, 120),
            ),
            retry_window: Duration::from_secs(
                3600 * raw.delivery.retry_hours.unwrap_or(96).clamp(1, 24 * 30),
            ),
        };
        let portal = PortalSettings {
            announce: raw.portal.announce.unwrap_or(true),
            active_min_posts: raw.portal.active_min_posts.unwrap_or(4).max(1),
            active_days: raw.portal.active_days.unwrap_or(30).clamp(1, 3650),
            less_active_days: raw.portal.less_active_days.unwrap_or(90).clamp(1, 3650),
            backfill_every: Duration::from_secs(
                3600 * raw
                    .portal
                    .backfill_every_hours
                    .unwrap_or(6)
                    .clamp(1, 24 * 7),
            ),
            feed_poll_every: Duration::from_secs(
                60 * raw
                    .portal
                    .feed_poll_minutes
                    .unwrap_or(60)
                    .clamp(60, 24 * 60),
            ),
            concurrency: raw.portal.concurrency.unwrap_or(32).clamp(1, 256),
        };
        if portal.less_active_days < portal.active_days {
            anyhow::bail!(
                "[portal] less_active_days ({}) must not be shorter than active_days ({})",
                portal.less_active_days,
                portal.active_days
            );
        }
        // A village node gets a handful of activities a day from a server; a large server
        // delivering a busy thread stays far below this; a flood does not.
        let inbox = InboxSettings {
            burst: raw.inbox.burst.unwrap_or(300).max(1),
            per_minute: raw.inbox.per_minute.unwrap_or(600).max(1),
        };
        let aspirations = raw.aspirations.validate()?;
        let metrics_token = raw.metrics.validate()?;
        let hosting_domain = match &raw.hosting.domain {
            Some(name) => {
                let name = parse_domain(name, raw.insecure_local)
                    .context("[hosting] domain is not a host name")?;
                if name == domain {
                    anyhow::bail!(
                        "[hosting] domain {name} is the site's own; give the hosting pages a name of their own"
                    );
                }
                Some(name)
            }
            None => None,
        };
        let (extra_roots, extra_roots_digest) = read_extra_roots(dir, &raw.extra_ca_certificates)?;
        // A resident writes a few messages an hour; a village hears from a few dozen
        // people on one big server in a busy hour. A flood is far above both.
        let moderation = ModerationSettings {
            tickets_per_server_per_hour: raw
                .moderation
                .tickets_per_server_per_hour
                .unwrap_or(60)
                .max(1),
            tickets_per_account_per_hour: raw
                .moderation
                .tickets_per_account_per_hour
                .unwrap_or(10)
                .max(1),
        };
        Ok(Self {
            inbox,
            moderation,
            metrics_token,
            hosting_domain,
            portal,
            aspirations,
            dir: dir.to_path_buf(),
            domain,
            user_agent_url: base_url.clone(),
            database_connections: None,
            base_url,
            listen,
            role: raw.role,
            database_url,
            insecure_local: raw.insecure_local,
            addresses: AddressPolicy::from_settings(
                raw.insecure_local,
                raw.allow_private_addresses,
            ),
            extra_roots,
            extra_roots_digest,
            extra_ca_files: raw.extra_ca_certificates,
            delivery,
        })
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The hosting store of a node whose first site this is (docs/adr/0002 decision 7):
    /// `hosting.db` beside its database on SQLite, the schema `hosting` of its database
    /// on PostgreSQL.
    pub fn hosting_database_url(&self) -> anyhow::Result<String> {
        match crate::store::BackendKind::of_url(&self.database_url)? {
            crate::store::BackendKind::Sqlite => Ok(format!(
                "sqlite://{}",
                self.dir.join("hosting.db").display()
            )),
            crate::store::BackendKind::Postgres => {
                let mut url =
                    Url::parse(&self.database_url).context("reading the PostgreSQL URL")?;
                // The first site's own schema, if it has one, is not the hosting store's.
                let kept: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(key, _)| key != "options")
                    .map(|(key, value)| (key.into_owned(), value.into_owned()))
                    .collect();
                url.set_query(None);
                if !kept.is_empty() {
                    url.query_pairs_mut().extend_pairs(kept);
                }
                in_schema(url.as_str(), "hosting")
            }
        }
    }

    /// The address of the hosting pages, when the node has them.
    pub fn hosting_base_url(&self) -> Option<Url> {
        let domain = self.hosting_domain.as_ref()?;
        Url::parse(&format!("{}://{domain}/", self.base_url.scheme())).ok()
    }
}

/// `url` (PostgreSQL) with its connections' `search_path` set to `schema`; the store
/// creates the schema on first connection.
fn in_schema(url: &str, schema: &str) -> anyhow::Result<String> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        anyhow::bail!(
            "database_schema {schema:?} must be lower-case letters, digits and _ (at most 63)"
        );
    }
    if crate::store::BackendKind::of_url(url)? != crate::store::BackendKind::Postgres {
        anyhow::bail!("database_schema is for PostgreSQL; this site's database is SQLite");
    }
    let mut url = Url::parse(url).context("reading the PostgreSQL URL")?;
    url.query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    Ok(url.to_string())
}

/// The certificates of `extra_ca_certificates`, each file a PEM bundle of at least one;
/// a relative path is taken from the data directory; with the SHA-256 of the files read.
fn read_extra_roots(
    dir: &Path,
    files: &[PathBuf],
) -> anyhow::Result<(Vec<reqwest::Certificate>, [u8; 32])> {
    use sha2::Digest;
    let mut roots = Vec::new();
    let mut digest = sha2::Sha256::new();
    for file in files {
        let path = dir.join(file);
        let pem = std::fs::read(&path)
            .with_context(|| format!("extra_ca_certificates: cannot read {}", path.display()))?;
        digest.update(&pem);
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
            anyhow::anyhow!(
                "extra_ca_certificates: {} is not a PEM certificate file: {err}",
                path.display()
            )
        })?;
        if certificates.is_empty() {
            anyhow::bail!(
                "extra_ca_certificates: {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
                path.display()
            );
        }
        roots.extend(certificates);
    }
    Ok((roots, digest.finalize().into()))
}

/// Accepts `host` or, only for local federation, `host:port`.
pub fn parse_domain(input: &str, insecure_local: bool) -> anyhow::Result<String> {
    let domain = input.trim().trim_end_matches('/').to_ascii_lowercase();
    if domain.is_empty() || domain.contains("://") || domain.contains('/') {
        anyhow::bail!(
            "domain must be a host name such as desa.example (without http:// or a path), got {input:?}"
        );
    }
    let url = Url::parse(&format!("http://{domain}/"))
        .map_err(|_| anyhow::anyhow!("domain {input:?} is not a valid host name"))?;
    let host = url.host_str().unwrap_or_default();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        anyhow::bail!(
            "domain must be a name, not an IP address (use localhost:PORT for local tests), got {input:?}"
        );
    }
    if url.port().is_some() && !insecure_local {
        anyhow::bail!("domain {input:?} has a port; ports are only allowed with --insecure-local");
    }
    Ok(domain)
}

/// The commented file `init` writes.
pub fn render_config_file(raw: &RawConfig) -> String {
    let mut database = match &raw.database_url {
        Some(url) => format!("database_url = {url:?}"),
        None => "# database_url = \"postgres://user@localhost/kentongan\"  # default: SQLite file kentongan.db here".to_string(),
    };
    if let Some(schema) = &raw.database_schema {
        database.push_str(&format!(
            "\n# This site's schema in that database (a hosting node's sites share one).\ndatabase_schema = {schema:?}"
        ));
    }
    let metrics_token = match &raw.metrics.token {
        Some(token) => format!("token = {token:?}"),
        None => "# token = \"a long random string\"  # e.g. the output of: openssl rand -hex 24"
            .to_string(),
    };
    let hosting_domain = match &raw.hosting.domain {
        Some(domain) => format!("domain = {domain:?}"),
        None => "# domain = \"hosting.kabupaten.go.id\"".to_string(),
    };
    let extra_ca = if raw.extra_ca_certificates.is_empty() {
        "# extra_ca_certificates = [\"/etc/kentongan/regency-ca.pem\"]".to_string()
    } else {
        format!("extra_ca_certificates = {:?}", raw.extra_ca_certificates)
    };
    format!(
        "# Kentongan node configuration.\n\
         # Host name (and, with insecure_local only, port) in every URL of this node.\n\
         domain = {domain:?}\n\
         # Address and port the HTTP server listens on (put a reverse proxy with HTTPS in front).\n\
         listen = {listen:?}\n\
         # village: publishes posts. portal: also follows villages.\n\
         role = {role:?}\n\
         # Database. KENTONGAN_DATABASE_URL in the environment takes precedence.\n\
         {database}\n\
         # Only for several nodes on one machine: http, explicit ports, loopback addresses.\n\
         insecure_local = {insecure}\n\
         # Allow fetching from and delivering to private network addresses (a regency's own\n\
         # network: 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Loopback, link-local\n\
         # and cloud metadata addresses stay refused.\n\
         allow_private_addresses = {private}\n\
         # Certificate authorities trusted besides the system's, as PEM files (a regency's\n\
         # internal CA). Relative paths are taken from this directory.\n\
         {extra_ca}\n\
         \n\
         [delivery]\n\
         # Requests in flight at once.\n\
         # concurrency = 64\n\
         # Seconds a server may take to answer one delivery.\n\
         # request_timeout_secs = 10\n\
         # Hours a delivery is retried before it is given up.\n\
         # retry_hours = 96\n\
         \n\
         [portal]\n\
         # Only for role = \"portal\". Announce each new village post to the portal's followers.\n\
         # announce = true\n\
         # Aktif: at least active_min_posts posts published in the last active_days days.\n\
         # active_min_posts = 4\n\
         # active_days = 30\n\
         # Kurang aktif: at least one post in the last less_active_days days; else tidak aktif.\n\
         # less_active_days = 90\n\
         # Hours between two reads of every village's outbox (the backfill sweep).\n\
         # backfill_every_hours = 6\n\
         # Minutes between two polls of a village's RSS/Atom feed (at least 60).\n\
         # feed_poll_minutes = 60\n\
         # Villages one process works on at once (a slow or silent village holds one).\n\
         # concurrency = 32\n\
         \n\
         [inbox]\n\
         # Activities one remote server may send at once, and per minute after that; more\n\
         # are answered 429 with Retry-After (senders retry later; nothing is lost).\n\
         # burst = 300\n\
         # per_minute = 600\n\
         \n\
         [aspirations]\n\
         # Clocks of residents' messages (tickets), each 1 to 365. Defaults: the national norms\n\
         # (SP4N-LAPOR!: first response in 3 days, answer in 5; UU 14/2008: information\n\
         # requests answered in 10 working days, extendable once by 7 working days).\n\
         # first_response_days = 3\n\
         # answer_days = 5\n\
         # information_answer_working_days = 10\n\
         # information_extension_working_days = 7\n\
         \n\
         [moderation]\n\
         # Tickets (residents' messages) one remote server, and one account, may open per\n\
         # hour; more messages open none (the reason is logged and kept with the activity).\n\
         # tickets_per_server_per_hour = 60\n\
         # tickets_per_account_per_hour = 10\n\
         \n\
         [metrics]\n\
         # /metrics (Prometheus) answers requests from this machine; a scraper elsewhere\n\
         # sends this token as `Authorization: Bearer TOKEN`. Anyone else gets 404.\n\
         # /healthz answers everyone. Sites added with `kentongan site add` copy this token.\n\
         {metrics_token}\n\
         \n\
         [hosting]\n\
         # Only in the config at the root of a node's data directory (its first site): the\n\
         # host name of the regency's hosting pages (every site's health, adding sites,\n\
         # resetting a village admin's password, writing for a village that allowed it).\n\
         # Point it at this server like the sites' names; make the accounts with\n\
         # `kentongan admin add --hosting`; restart serve after changing it. None: no pages.\n\
         {hosting_domain}\n",
        domain = raw.domain,
        listen = raw.listen,
        role = match raw.role {
            Role::Village => "village",
            Role::Portal => "portal",
        },
        insecure = raw.insecure_local,
        private = raw.allow_private_addresses,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(aspirations: &str) -> RawConfig {
        toml::from_str(&format!(
            "domain = \"desa.example\"\nlisten = \"127.0.0.1:8080\"\n[aspirations]\n{aspirations}"
        ))
        .expect("toml")
    }

    #[test]
    fn unset_clocks_keep_the_national_norms() {
        assert_eq!(
            raw("").aspirations.validate().expect("valid"),
            ClockSettings::default()
        );
    }

    #[test]
    fn configured_clocks_keep_their_units() {
        let clocks = raw("first_response_days = 1\nanswer_days = 14\n\
                          information_answer_working_days = 12\n\
                          information_extension_working_days = 3")
        .aspirations
        .validate()
        .expect("valid");
        assert_eq!(
            clocks,
            ClockSettings {
                first_response: Clock::Days(1),
                answer: Clock::Days(14),
                information_answer: Clock::WorkingDays(12),
                information_extension: Clock::WorkingDays(3),
            }
        );
    }

    #[test]
    fn a_clock_out_of_range_is_refused_by_its_key() {
        for (line, key) in [
            ("first_response_days = 0", "first_response_days"),
            ("answer_days = 366", "answer_days"),
            (
                "information_answer_working_days = 0",
                "information_answer_working_days",
            ),
            (
                "information_extension_working_days = 1000",
                "information_extension_working_days",
            ),
        ] {
            let err = raw(line)
                .aspirations
                .validate()
                .expect_err(line)
                .to_string();
            assert!(
                err.contains(&format!("[aspirations] {key}")) && err.contains("1 and 365"),
                "{err}"
            );
        }
        // Negative numbers and unknown keys are refused by the parser, naming the key.
        let text = "domain = \"desa.example\"\nlisten = \"127.0.0.1:8080\"\n[aspirations]\nanswer_hours = 4";
        let err = toml::from_str::<RawConfig>(text)
            .expect_err("unknown")
            .to_string();
        assert!(err.contains("answer_hours"), "{err}");
        let text = "domain = \"desa.example\"\nlisten = \"127.0.0.1:8080\"\n[aspirations]\nanswer_days = -1";
        assert!(toml::from_str::<RawConfig>(text).is_err());
    }

    fn with_top(lines: &str) -> RawConfig {
        toml::from_str(&format!(
            "domain = \"desa.example\"\nlisten = \"127.0.0.1:8080\"\n{lines}"
        ))
        .expect("toml")
    }

    #[test]
    fn private_addresses_are_allowed_by_the_setting_alone_and_never_loopback() {
        let dir = tempfile::tempdir().expect("dir");
        let config = Config::from_raw(dir.path(), with_top("allow_private_addresses = true"))
            .expect("valid");
        assert!(config.addresses.private);
        if std::env::var_os(crate::federation::addresses::ALLOW_LOOPBACK_ENV).is_none() {
            assert!(!config.addresses.loopback);
        }
        let config = Config::from_raw(dir.path(), with_top("")).expect("valid");
        assert!(!config.addresses.private);
    }

    #[test]
    fn extra_ca_certificates_are_read_or_refused_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        let err = Config::from_raw(
            dir.path(),
            with_top("extra_ca_certificates = [\"missing-ca.pem\"]"),
        )
        .expect_err("missing file")
        .to_string();
        assert!(
            err.contains("extra_ca_certificates") && err.contains("missing-ca.pem"),
            "{err}"
        );
        std::fs::write(dir.path().join("empty.pem"), "not a certificate\n").expect("write");
        let err = Config::from_raw(
            dir.path(),
            with_top("extra_ca_certificates = [\"empty.pem\"]"),
        )
        .expect_err("no certificate")
        .to_string();
        assert!(err.contains("empty.pem"), "{err}");

        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("ca");
        std::fs::write(dir.path().join("regency-ca.pem"), ca.pem()).expect("write");
        let config = Config::from_raw(
            dir.path(),
            with_top("extra_ca_certificates = [\"regency-ca.pem\"]"),
        )
        .expect("valid");
        assert_eq!(config.extra_roots.len(), 1);
    }

    #[test]
    fn the_metrics_token_is_long_or_refused_and_never_shown() {
        let dir = tempfile::tempdir().expect("dir");
        let secret = "0123456789abcdef0123";
        let config = Config::from_raw(
            dir.path(),
            with_top(&format!("[metrics]\ntoken = \"{secret}\"")),
        )
        .expect("valid");
        let token = config.metrics_token.as_ref().expect("a token");
        assert_eq!(token.as_str(), secret);
        assert!(!format!("{token:?} {config:?}").contains(secret));
        let err = Config::from_raw(dir.path(), with_top("[metrics]\ntoken = \"short\""))
            .expect_err("too short")
            .to_string();
        assert!(err.contains("[metrics] token"), "{err}");
        let unset = Config::from_raw(dir.path(), with_top("[metrics]\ntoken = \"\""))
            .expect("an empty token is no token");
        assert!(unset.metrics_token.is_none());
        // The file `init` writes names it, commented out, and a copied one stays.
        assert!(render_config_file(&with_top("")).contains("# token = "));
        let copied = render_config_file(&with_top(&format!("[metrics]\ntoken = \"{secret}\"")));
        let again: RawConfig = toml::from_str(&copied).expect("parses");
        assert_eq!(again.metrics.token.as_deref(), Some(secret));
    }

    #[test]
    fn the_hosting_pages_name_is_a_host_of_its_own_and_finds_its_store() {
        let dir = tempfile::tempdir().expect("dir");
        let config = Config::from_raw(
            dir.path(),
            with_top("[hosting]\ndomain = \"Hosting.Kabupaten.example\""),
        )
        .expect("valid");
        assert_eq!(
            config.hosting_domain.as_deref(),
            Some("hosting.kabupaten.example")
        );
        assert_eq!(
            config
                .hosting_base_url()
                .map(|url| url.to_string())
                .as_deref(),
            Some("https://hosting.kabupaten.example/")
        );
        assert_eq!(
            config.hosting_database_url().expect("url"),
            format!("sqlite://{}", dir.path().join("hosting.db").display())
        );
        for bad in ["desa.example", "https://hosting.example/", ""] {
            let refused = Config::from_raw(
                dir.path(),
                with_top(&format!("[hosting]\ndomain = {bad:?}")),
            );
            assert!(refused.is_err(), "{bad}");
        }
        assert!(
            Config::from_raw(dir.path(), with_top(""))
                .expect("valid")
                .hosting_domain
                .is_none()
        );
        // On PostgreSQL: the node's database, in the schema `hosting`, whatever the first
        // site's own schema.
        let on_postgres = Config::from_raw(
            dir.path(),
            with_top("database_url = \"postgres://k@db/kentongan?sslmode=disable\"\ndatabase_schema = \"site_a\""),
        )
        .expect("valid");
        let url = on_postgres.hosting_database_url().expect("url");
        assert!(url.contains("search_path%3Dhosting"), "{url}");
        assert!(!url.contains("site_a"), "{url}");
        assert!(url.contains("sslmode=disable"), "{url}");
        // The file `init` writes names it, commented out, and one set stays set.
        assert!(render_config_file(&with_top("")).contains("# domain = \"hosting."));
        let set = render_config_file(&with_top("[hosting]\ndomain = \"hosting.example\""));
        let again: RawConfig = toml::from_str(&set).expect("parses");
        assert_eq!(again.hosting.domain.as_deref(), Some("hosting.example"));
    }

    #[test]
    fn the_example_file_lists_every_clock_and_still_loads() {
        let raw = raw("");
        let text = render_config_file(&raw);
        for key in [
            "[aspirations]",
            "first_response_days",
            "answer_days",
            "information_answer_working_days",
            "information_extension_working_days",
        ] {
            assert!(text.contains(key), "{key}");
        }
        let again: RawConfig = toml::from_str(&text).expect("the example parses");
        let dir = tempfile::tempdir().expect("dir");
        let config = Config::from_raw(dir.path(), again).expect("valid");
        assert_eq!(config.aspirations, ClockSettings::default());
    }
}
