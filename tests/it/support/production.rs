//! Production shape for the tests: every node and every test peer behind a real nginx
//! (Debian's package) with TLS from a test certificate authority and HTTP/2 negotiated
//! by ALPN, reached by host names without ports, as Mastodon and GoToSocial servers are
//! run. Loopback HTTP with ports hides what breaks there (nginx refused every signed
//! POST the node sent over HTTP/2 until the node stopped sending `host` twice).
//!
//! One nginx per test process listens on 127.0.0.1:443. A server's name carries the
//! loopback port it listens on (`desa-jangkarasam-41234.kentongan.test`), so one static
//! nginx configuration serves every name without reloads:
//! `proxy_pass http://127.0.0.1:$port`, with the headers the README's nginx block sets.
//! Each name is added to `/etc/hosts` when a server is started; the lines are removed
//! and nginx stopped when the test process ends, however it ends (a watchdog process
//! waits for the end of a pipe only this process holds).
//!
//! It needs root (port 443, `/etc/hosts`) and nginx; without them [`proxy`] says why,
//! and the tests print SKIPPED with that reason. `.ci/run` installs nginx.
//!
//! The nodes run in production mode (no `insecure_local`): https only, no ports, the
//! test CA trusted through `extra_ca_certificates` as a regency would trust its own.
//! They may connect to loopback addresses, which production refuses, because every
//! name here resolves to 127.0.0.1 (tests make only loopback traffic); that is what
//! `DANGER_FEDERATION_ALLOW_LOCAL_IP` does for a real process.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

/// The domain every test server's name ends with.
pub const ZONE: &str = "kentongan.test";

/// The nginx in front of every production-shaped server of this test process.
pub struct Proxy {
    dir: PathBuf,
    ca_pem: String,
    marker: String,
    hosts_lock: Mutex<()>,
    /// Held open for the life of the process: the watchdog cleans up when it closes.
    _watchdog: Mutex<ChildStdin>,
    _nginx: Mutex<Child>,
}

static PROXY: OnceLock<Result<Proxy, String>> = OnceLock::new();

/// The shared proxy, started on first use; `Err` says why this machine cannot run it.
pub fn proxy() -> Result<&'static Proxy, String> {
    PROXY
        .get_or_init(Proxy::start)
        .as_ref()
        .map_err(Clone::clone)
}

/// The test CA, once the proxy runs (for clients that must trust its servers).
pub fn ca_certificate() -> Option<reqwest::Certificate> {
    match PROXY.get() {
        Some(Ok(proxy)) => reqwest::Certificate::from_pem(proxy.ca_pem.as_bytes()).ok(),
        _ => None,
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A test CA and one certificate for `*.kentongan.test` signed by it.
fn certificates() -> Result<(String, String, String), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let err = |e: rcgen::Error| format!("making the test certificates: {e}");
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Kentongan test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(err)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec![format!("*.{ZONE}")]).map_err(err)?;
    leaf.distinguished_name
        .push(DnType::CommonName, format!("*.{ZONE}"));
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(err)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;
    Ok((ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem()))
}

/// The nginx configuration: the README's proxy block, for every name of the zone.
fn nginx_conf(dir: &Path) -> String {
    let d = dir.display();
    let zone = ZONE.replace('.', "\\.");
    format!(
        r#"# Written by the Kentongan test suite (tests/it/support/production.rs).
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    ssl_certificate {d}/site.pem;
    ssl_certificate_key {d}/site.key;
    server {{
        listen 127.0.0.1:443 ssl http2 default_server;
        server_name _;
        return 421;
    }}
    server {{
        listen 127.0.0.1:443 ssl http2;
        server_name ~^[a-z0-9-]+-(?<backend_port>[0-9]+)\.{zone}$;
        client_max_body_size 64m;
        location / {{
            proxy_pass http://127.0.0.1:$backend_port;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"#
    )
}

/// Removes `/etc/hosts` lines left by test processes that are gone.
fn drop_stale_hosts_lines() {
    let Ok(text) = std::fs::read_to_string("/etc/hosts") else {
        return;
    };
    let alive = |line: &str| {
        line.rsplit_once("# kentongan-test-")
            .and_then(|(_, pid)| pid.trim().parse::<u32>().ok())
            .is_none_or(|pid| Path::new(&format!("/proc/{pid}")).exists())
    };
    let kept: Vec<&str> = text.lines().filter(|l| alive(l)).collect();
    if kept.len() != text.lines().count() {
        let _ = std::fs::write("/etc/hosts", format!("{}\n", kept.join("\n")));
    }
}

impl Proxy {
    fn start() -> Result<Self, String> {
        if !is_root() {
            return Err("the production-shaped tests need root (port 443 and /etc/hosts)".into());
        }
        let nginx = nginx_binary()
            .ok_or("the production-shaped tests need nginx (apt-get install nginx)")?;
        std::net::TcpListener::bind("127.0.0.1:443")
            .map_err(|e| format!("the production-shaped tests need port 443 on 127.0.0.1: {e}"))?;
        std::fs::OpenOptions::new()
            .append(true)
            .open("/etc/hosts")
            .map_err(|e| {
                format!("the production-shaped tests need to add names to /etc/hosts: {e}")
            })?;
        drop_stale_hosts_lines();

        let dir = std::env::temp_dir().join(format!("kentongan-production-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (ca_pem, site_pem, site_key) = certificates()?;
        let write = |name: &str, text: &str| {
            std::fs::write(dir.join(name), text).map_err(|e| format!("writing {name}: {e}"))
        };
        write("ca.pem", &ca_pem)?;
        write("site.pem", &site_pem)?;
        write("site.key", &site_key)?;
        write("nginx.conf", &nginx_conf(&dir))?;
        let conf = dir.join("nginx.conf");
        let nginx_child = Command::new(&nginx)
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting nginx: {e}"))?;
        let marker = format!("# kentongan-test-{}", std::process::id());
        // The watchdog outlives this process by a moment: when the pipe closes (the test
        // process ended, whatever way), it stops nginx and puts /etc/hosts back.
        let script = format!(
            "cat >/dev/null; kill {pid} 2>/dev/null; \
             if grep -v -F -- '{marker}' /etc/hosts > '{d}/hosts.kept'; then \
             cat '{d}/hosts.kept' > /etc/hosts; fi; rm -rf '{d}'",
            pid = nginx_child.id(),
            d = dir.display(),
        );
        let mut watchdog = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the clean-up watchdog: {e}"))?;
        let stdin = watchdog.stdin.take().ok_or("the watchdog has no stdin")?;
        let proxy = Self {
            dir,
            ca_pem,
            marker,
            hosts_lock: Mutex::new(()),
            _watchdog: Mutex::new(stdin),
            _nginx: Mutex::new(nginx_child),
        };
        proxy.wait_listening()?;
        Ok(proxy)
    }

    /// Polls until nginx accepts connections on port 443, or reports its error.
    fn wait_listening(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect("127.0.0.1:443").is_ok() {
                return Ok(());
            }
            if let Ok(mut child) = self._nginx.lock()
                && let Ok(Some(status)) = child.try_wait()
            {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    use std::io::Read;
                    let _ = stderr.read_to_string(&mut err);
                }
                return Err(format!("nginx exited ({status}): {err}"));
            }
            if Instant::now() > deadline {
                return Err("nginx did not listen on 127.0.0.1:443 within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The PEM file of the test CA, for `extra_ca_certificates` and `NODE_EXTRA_CA_CERTS`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A name for a server listening on `port` (`LABEL-PORT.kentongan.test`), resolving
    /// to 127.0.0.1 through `/etc/hosts` from now on.
    pub fn name_for(&self, label: &str, port: u16) -> String {
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let name = format!("{}-{port}.{ZONE}", label.trim_matches('-'));
        let _guard = self.hosts_lock.lock().unwrap_or_else(|p| p.into_inner());
        let ends_in_newline = std::fs::read("/etc/hosts")
            .map(|text| text.is_empty() || text.ends_with(b"\n"))
            .unwrap_or(true);
        let mut hosts = std::fs::OpenOptions::new()
            .append(true)
            .open("/etc/hosts")
            .expect("open /etc/hosts");
        let newline = if ends_in_newline { "" } else { "\n" };
        writeln!(hosts, "{newline}127.0.0.1 {name} {}", self.marker)
            .expect("add a name to /etc/hosts");
        name
    }
}
