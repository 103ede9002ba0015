//! `kentongan doctor --dir DIR` (issue 13 point 6): what an operator checks before
//! asking for help, checked for them, one line each, with how to fix it in Bahasa
//! Indonesia then English. For each site of the node: its config, its database (reached,
//! and which migrations it has run: pending ones are reported, never run), who may read
//! and write its files, and, in production mode, whether
//! `https://DOMAIN/.well-known/webfinger?resource=acct:USER@DOMAIN` reaches this node
//! through the proxy with the Host intact and a valid certificate: the answer must name
//! the actor this site's database holds, and that actor's key must be the one in the
//! database, or another server (an old copy, a wrong DNS record) answered. For the node
//! once: free disk, and the clock against the `Date` of a server given with
//! `--time-from` (not checked without it: this machine's own proxy shares its clock).
//!
//! A line starts with `ok`, `peringatan` (warning), `gagal` (failed) or `lewati`
//! (skipped); the command fails (exit status 1) when a check failed. Nothing here
//! changes the node: no file is created but a probe that is removed at once, no database
//! is created, no migration is run.

use super::layout;
use crate::{
    actors::INSTANCE_ACTOR_KIND,
    config::{CONFIG_FILE, Config},
    data_dir,
    disk::Space,
    store::schema_state::{SchemaState, first_local_actor, schema_state},
    strings::{self, Text},
};
use clap::Args;
use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

/// How long the proxy check and the clock's reference server have to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(15);
/// A clock this far off is worth a look...
const CLOCK_WARNING: Duration = Duration::from_secs(30);
/// ... and this far off breaks things: signatures are refused well before an hour
/// (Mastodon, and our own `signature_policy`), and tickets' deadlines drift.
const CLOCK_FAILURE: Duration = Duration::from_secs(300);
/// Paths named at most in a line about permissions.
const PATHS_SHOWN: usize = 3;

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The node's data directory (every site in it is checked).
    #[arg(long)]
    pub dir: PathBuf,
    /// A server whose clock is trusted (its HTTP `Date` header is compared with this
    /// machine's), e.g. https://kominfo.go.id. Without it the clock is not checked.
    #[arg(long)]
    pub time_from: Option<url::Url>,
    /// Warn when the data directory's disk has less free than this, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub warn_free_mib: u64,
}

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warning,
    Failed,
    Skipped,
}

impl Status {
    fn words(self) -> Text {
        match self {
            Self::Ok => strings::DOCTOR_OK,
            Self::Warning => strings::DOCTOR_WARNING,
            Self::Failed => strings::DOCTOR_FAILED,
            Self::Skipped => strings::DOCTOR_SKIPPED,
        }
    }
}

/// A text in both languages with its placeholders filled.
#[derive(Clone, Debug)]
pub struct Said {
    pub id: String,
    pub en: String,
}

fn say(text: Text, values: &[(&str, &str)]) -> Said {
    let fill = |words: &str| {
        values
            .iter()
            .fold(words.to_string(), |words, (key, value)| {
                words.replace(&format!("{{{key}}}"), value)
            })
    };
    Said {
        id: fill(text.id),
        en: fill(text.en),
    }
}

/// One line of the report.
#[derive(Clone, Debug)]
pub struct Finding {
    pub status: Status,
    /// The site's host, or `simpul / node` for the node's own checks.
    pub scope: String,
    pub check: Text,
    pub said: Said,
    pub fix: Option<Said>,
}

impl Finding {
    fn new(status: Status, scope: &str, check: Text, said: Said) -> Self {
        Self {
            status,
            scope: scope.to_string(),
            check,
            said,
            fix: None,
        }
    }

    /// How to fix what it found.
    fn fix(mut self, text: Text, values: &[(&str, &str)]) -> Self {
        self.fix = Some(say(text, values));
        self
    }

    /// `gagal  desa.example  basis data: … [perbaikan: …] / database: … [fix: …]`
    pub fn line(&self) -> String {
        let fix = |lang_fix: Option<&str>, word: &str| match lang_fix {
            Some(fix) => format!(" — {word}: {fix}"),
            None => String::new(),
        };
        format!(
            "{:<10} {}  {}: {}{} / {}: {}{}",
            self.status.words().id,
            self.scope,
            self.check.id,
            self.said.id,
            fix(
                self.fix.as_ref().map(|f| f.id.as_str()),
                strings::DOCTOR_FIX.id
            ),
            self.check.en,
            self.said.en,
            fix(
                self.fix.as_ref().map(|f| f.en.as_str()),
                strings::DOCTOR_FIX.en
            ),
        )
    }
}

/// One check of one site (or of the node), which says what it found.
#[derive(Clone, Copy)]
struct Check<'a> {
    scope: &'a str,
    check: Text,
}

impl<'a> Check<'a> {
    fn new(scope: &'a str, check: Text) -> Self {
        Self { scope, check }
    }

    fn finding(self, status: Status, text: Text, values: &[(&str, &str)]) -> Finding {
        Finding::new(status, self.scope, self.check, say(text, values))
    }

    fn ok(self, text: Text, values: &[(&str, &str)]) -> Finding {
        self.finding(Status::Ok, text, values)
    }

    fn warning(self, text: Text, values: &[(&str, &str)]) -> Finding {
        self.finding(Status::Warning, text, values)
    }

    fn failed(self, text: Text, values: &[(&str, &str)]) -> Finding {
        self.finding(Status::Failed, text, values)
    }

    fn skipped(self, text: Text, values: &[(&str, &str)]) -> Finding {
        self.finding(Status::Skipped, text, values)
    }

    /// A check of the site's files: ok when no path is at fault, else failed naming up to
    /// [`PATHS_SHOWN`] of them, with the fix for the site's folder. `[ok, failed, fix]`
    /// are the three texts.
    fn paths(self, at_fault: &[String], [ok, failed, fix]: [Text; 3], site_dir: &Path) -> Finding {
        if at_fault.is_empty() {
            return self.ok(ok, &[]);
        }
        let dir = site_dir.display().to_string();
        self.failed(failed, &[("paths", &shown(at_fault))])
            .fix(fix, &[("dir", &dir)])
    }
}

/// Every finding, the node's first, then each site's.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.status == Status::Failed)
            .count()
    }
}

/// `kentongan doctor`: every check, in order (see the module's comment).
pub async fn doctor(args: &DoctorArgs) -> anyhow::Result<Report> {
    let sites = layout::site_dirs(&args.dir)?;
    if sites.is_empty() {
        anyhow::bail!(
            "{} holds no node; run `kentongan init --dir {}` first",
            args.dir.display(),
            args.dir.display()
        );
    }
    let node = format!("{} / {}", strings::DOCTOR_NODE.id, strings::DOCTOR_NODE.en);
    let mut report = Report::default();
    report
        .findings
        .push(disk(&node, &args.dir, args.warn_free_mib));
    report
        .findings
        .push(clock(&node, args.time_from.as_ref()).await);
    for site_dir in &sites {
        check_site(&args.dir, site_dir, &mut report.findings).await;
    }
    Ok(report)
}

async fn check_site(node_dir: &Path, site_dir: &Path, findings: &mut Vec<Finding>) {
    let file = site_dir.join(CONFIG_FILE).display().to_string();
    let config = match Config::load(site_dir) {
        Ok(config) => config,
        Err(err) => {
            let scope = site_dir.display().to_string();
            let error = one_line(&err);
            findings.push(
                Check::new(&scope, strings::CHECK_CONFIG)
                    .failed(
                        strings::CONFIG_INVALID,
                        &[("file", &file), ("error", &error)],
                    )
                    .fix(strings::CONFIG_INVALID_FIX, &[]),
            );
            return;
        }
    };
    let scope = config.domain.clone();
    findings.push(
        Check::new(&scope, strings::CHECK_CONFIG).ok(strings::CONFIG_VALID, &[("file", &file)]),
    );
    let schema = database(&scope, &config, findings).await;
    let others: Vec<PathBuf> = if site_dir == node_dir {
        vec![node_dir.join(layout::SITES_DIR)]
    } else {
        Vec::new()
    };
    findings.push(privacy(&scope, site_dir, &others));
    findings.push(writable(&scope, site_dir));
    findings.push(proxy(&scope, &config, schema.as_ref()).await);
}

/// The database check; the schema's state when the database was reached.
async fn database(
    scope: &str,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<SchemaState> {
    let check = Check::new(scope, strings::CHECK_DATABASE);
    match schema_state(config.database_url()).await {
        Err(err) => {
            let error = one_line(&err);
            findings.push(
                check
                    .failed(strings::DATABASE_UNREACHABLE, &[("error", &error)])
                    .fix(strings::DATABASE_UNREACHABLE_FIX, &[]),
            );
            None
        }
        Ok(state) => {
            let unknown = state.unknown();
            let pending = state.pending();
            let list = |versions: &[i64]| {
                versions
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let finding = if !unknown.is_empty() {
                check
                    .failed(strings::DATABASE_NEWER, &[("versions", &list(&unknown))])
                    .fix(strings::DATABASE_NEWER_FIX, &[])
            } else if !pending.is_empty() {
                check
                    .warning(
                        strings::DATABASE_PENDING,
                        &[
                            ("count", &pending.len().to_string()),
                            ("versions", &list(&pending)),
                        ],
                    )
                    .fix(strings::DATABASE_PENDING_FIX, &[])
            } else {
                check.ok(
                    strings::DATABASE_CURRENT,
                    &[("version", &state.version().to_string())],
                )
            };
            findings.push(finding);
            Some(state)
        }
    }
}

/// Up to [`PATHS_SHOWN`] items, and how many more.
fn shown(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(PATHS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > PATHS_SHOWN {
        text.push_str(&format!(" (+{})", items.len() - PATHS_SHOWN));
    }
    text
}

/// Nothing of the site's directory may be read by others: the database holds the
/// actors' private keys, the config a database password, `private/` residents' photos.
/// `others` are folders inside it that are checked on their own (the further sites).
fn privacy(scope: &str, site_dir: &Path, others: &[PathBuf]) -> Finding {
    let open: Vec<String> = data_dir::readable_by_others(site_dir)
        .into_iter()
        .filter(|line| {
            !others
                .iter()
                .any(|other| line.starts_with(&format!("{}/", other.display())))
        })
        .collect();
    Check::new(scope, strings::CHECK_PRIVACY).paths(
        &open,
        [
            strings::PRIVACY_OK,
            strings::PRIVACY_OPEN,
            strings::PRIVACY_FIX,
        ],
        site_dir,
    )
}

/// Whether the node (whoever runs this: run it as the service's user) can write where it
/// writes: a probe file made and removed in each folder that exists.
fn writable(scope: &str, site_dir: &Path) -> Finding {
    let mut closed = Vec::new();
    for folder in ["", "media", "documents", "private"] {
        let dir = site_dir.join(folder);
        if !dir.is_dir() {
            continue;
        }
        let probe = dir.join(format!(
            ".kentongan-doctor-{}",
            uuid::Uuid::new_v4().simple()
        ));
        match data_dir::create_private_file(&probe) {
            Ok(file) => {
                drop(file);
                let _ = std::fs::remove_file(&probe);
            }
            Err(err) => closed.push(format!("{} ({err})", dir.display())),
        }
    }
    Check::new(scope, strings::CHECK_WRITABLE).paths(
        &closed,
        [
            strings::WRITABLE_OK,
            strings::WRITABLE_NOT,
            strings::WRITABLE_FIX,
        ],
        site_dir,
    )
}

/// Free space of the data directory's disk: failed where the node itself stops taking
/// things in (`disk`), a warning under `warn_mib`.
fn disk(scope: &str, dir: &Path, warn_mib: u64) -> Finding {
    const MIB: u64 = 1024 * 1024;
    let check = Check::new(scope, strings::CHECK_DISK);
    let space = match rustix::fs::statvfs(dir) {
        Ok(stats) => {
            let unit = if stats.f_frsize > 0 {
                stats.f_frsize
            } else {
                stats.f_bsize
            };
            Space {
                free: stats.f_bavail.saturating_mul(unit),
                total: stats.f_blocks.saturating_mul(unit),
            }
        }
        Err(err) => {
            return check.failed(strings::DISK_UNREADABLE, &[("error", &err.to_string())]);
        }
    };
    let free = (space.free / MIB).to_string();
    if space.is_low() {
        let minimum = (space.minimum() / MIB).to_string();
        return check
            .failed(
                strings::DISK_FULL,
                &[("free", &free), ("minimum", &minimum)],
            )
            .fix(strings::DISK_FIX, &[]);
    }
    if space.free / MIB < warn_mib {
        return check
            .warning(
                strings::DISK_LOW,
                &[("free", &free), ("threshold", &warn_mib.to_string())],
            )
            .fix(strings::DISK_FIX, &[]);
    }
    let total = (space.total / MIB).to_string();
    check.ok(strings::DISK_OK, &[("free", &free), ("total", &total)])
}

/// This machine's clock against the `Date` of `reference`'s answer (to a second, as the
/// header has it; half the round trip is allowed for).
async fn clock(scope: &str, reference: Option<&url::Url>) -> Finding {
    let check = Check::new(scope, strings::CHECK_CLOCK);
    let Some(reference) = reference else {
        return check.skipped(strings::CLOCK_NOT_ASKED, &[]);
    };
    let url = reference.to_string();
    let no_answer = |error: String| {
        check
            .warning(
                strings::CLOCK_NO_ANSWER,
                &[("url", url.as_str()), ("error", error.as_str())],
            )
            .fix(strings::CLOCK_NO_ANSWER_FIX, &[])
    };
    let client = match http_client(&[]) {
        Ok(client) => client,
        Err(err) => return no_answer(err),
    };
    let sent = SystemTime::now();
    let response = match client.head(reference.clone()).send().await {
        Ok(response) => response,
        Err(err) => return no_answer(error_chain(&err)),
    };
    let received = SystemTime::now();
    let Some(date) = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok())
    else {
        return no_answer("no Date header".into());
    };
    let round_trip = received.duration_since(sent).unwrap_or_default();
    let ours = sent + round_trip / 2;
    let skew = match ours.duration_since(date) {
        Ok(ahead) => ahead.as_secs_f64(),
        Err(behind) => -behind.duration().as_secs_f64(),
    };
    // The header counts whole seconds.
    let off = Duration::from_secs_f64((skew.abs() - 1.0).max(0.0));
    let skew = format!("{skew:+.0}");
    let values = [("skew", skew.as_str()), ("url", url.as_str())];
    if off >= CLOCK_WARNING {
        let status = if off >= CLOCK_FAILURE {
            Status::Failed
        } else {
            Status::Warning
        };
        return check
            .finding(status, strings::CLOCK_OFF, &values)
            .fix(strings::CLOCK_FIX, &[]);
    }
    check.ok(strings::CLOCK_OK, &values)
}

/// The client of the checks that ask a server: it waits [`ANSWER_WITHIN`] and follows no
/// redirect (the answer of the address asked is what is checked); it trusts the system's
/// certificates and `extra_roots` (a regency's own CA).
fn http_client(extra_roots: &[reqwest::Certificate]) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(extra_roots.iter().cloned())
        .build()
        .map_err(|err| error_chain(&err))
}

/// An error and its causes as one sentence.
fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

/// An HTTP error with its causes (a certificate problem is a cause of a connect error).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// In production mode: whether the site's WebFinger, asked by its public name through
/// the proxy, names this site's actor with this site's key.
async fn proxy(scope: &str, config: &Config, schema: Option<&SchemaState>) -> Finding {
    let check = Check::new(scope, strings::CHECK_PROXY);
    if config.insecure_local {
        return check.skipped(strings::PROXY_LOCAL, &[]);
    }
    // The actor is read from the database, which must be reached and current.
    let current =
        schema.is_some_and(|state| state.pending().is_empty() && state.unknown().is_empty());
    if !current {
        return check.skipped(strings::PROXY_WAITS, &[]);
    }
    let actor = match first_local_actor(config.database_url(), INSTANCE_ACTOR_KIND).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err("the site has no account".to_string()),
        Err(err) => Err(one_line(&err)),
    };
    let actor = match actor {
        Ok(actor) => actor,
        Err(error) => {
            return check
                .failed(strings::DATABASE_UNREACHABLE, &[("error", &error)])
                .fix(strings::DATABASE_UNREACHABLE_FIX, &[]);
        }
    };
    let mut url = config.base_url.clone();
    url.set_path("/.well-known/webfinger");
    url.set_query(Some(&format!(
        "resource=acct:{}@{}",
        actor.username, config.domain
    )));
    let shown_url = url.to_string();
    let unreachable = |error: String| {
        check
            .failed(
                strings::PROXY_UNREACHABLE,
                &[("url", shown_url.as_str()), ("error", error.as_str())],
            )
            .fix(strings::PROXY_UNREACHABLE_FIX, &[])
    };
    let client = match http_client(&config.extra_roots) {
        Ok(client) => client,
        Err(err) => return unreachable(err),
    };
    let answer = match fetch_json(&client, url.clone(), "application/jrd+json").await {
        Ok(answer) => answer,
        Err(Fetched::Status(status)) => {
            return check
                .failed(
                    strings::PROXY_STATUS,
                    &[("url", shown_url.as_str()), ("status", &status.to_string())],
                )
                .fix(strings::PROXY_STATUS_FIX, &[]);
        }
        Err(Fetched::Failed(error)) => return unreachable(error),
    };
    let other = |difference: String| {
        check
            .failed(
                strings::PROXY_OTHER_NODE,
                &[
                    ("url", shown_url.as_str()),
                    ("difference", difference.as_str()),
                ],
            )
            .fix(strings::PROXY_OTHER_NODE_FIX, &[])
    };
    let named = answer["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|link| link["rel"] == "self")
        .and_then(|link| link["href"].as_str())
        .map(str::to_string);
    let Some(named) = named.clone().filter(|named| *named == actor.ap_id) else {
        return other(format!(
            "it names {}, this site's actor is {}",
            named.as_deref().unwrap_or("no actor"),
            actor.ap_id
        ));
    };
    let Ok(actor_url) = url::Url::parse(&named) else {
        return other(format!("it names {named}, which is not a URL"));
    };
    let remote = match fetch_json(&client, actor_url, "application/activity+json").await {
        Ok(remote) => remote,
        Err(Fetched::Status(status)) => return other(format!("{named} answers {status}")),
        Err(Fetched::Failed(error)) => return unreachable(error),
    };
    if remote["publicKey"]["publicKeyPem"].as_str() != Some(actor.public_key_pem.as_str()) {
        return other(format!("{named} has another key than this site's database"));
    }
    check.ok(strings::PROXY_OK, &[("url", shown_url.as_str())])
}

enum Fetched {
    Status(u16),
    Failed(String),
}

async fn fetch_json(
    client: &reqwest::Client,
    url: url::Url,
    accept: &str,
) -> Result<serde_json::Value, Fetched> {
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(|err| Fetched::Failed(error_chain(&err)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Fetched::Status(status.as_u16()));
    }
    response
        .json()
        .await
        .map_err(|err| Fetched::Failed(error_chain(&err)))
}
