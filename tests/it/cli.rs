//! The command line: clear one-sentence errors with a non-zero exit, and one server per
//! SQLite data directory.

use crate::support::{WAIT, eventually};
use std::process::{Command, Output, Stdio};

fn kentongan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(args)
        .output()
        .expect("run kentongan")
}

fn assert_one_line_error(output: &Output, contains: &str) {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.trim();
    assert!(line.starts_with("kentongan: "), "{line}");
    assert_eq!(line.lines().count(), 1, "one line, got {line:?}");
    assert!(
        line.contains(contains),
        "{line:?} should mention {contains:?}"
    );
}

#[test]
fn errors_are_one_sentence_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nothing-here");
    let missing = missing.to_str().expect("utf-8");
    assert_one_line_error(
        &kentongan(&["post", "--dir", missing, "--title", "T", "--body", "B"]),
        "kentongan init",
    );

    let node = dir.path().join("node");
    let node = node.to_str().expect("utf-8");
    let bad_domain = kentongan(&[
        "init",
        "--dir",
        node,
        "--domain",
        "https://desa.example/",
        "--username",
        "desa",
        "--name",
        "Desa",
    ]);
    assert_one_line_error(&bad_domain, "domain");
    let bad_name = kentongan(&[
        "init",
        "--dir",
        node,
        "--domain",
        "desa.example",
        "--username=-desa-",
        "--name",
        "Desa",
    ]);
    assert_one_line_error(&bad_name, "username");
    let port = kentongan(&[
        "init",
        "--dir",
        node,
        "--domain",
        "desa.example:8443",
        "--username",
        "desa",
        "--name",
        "Desa",
    ]);
    assert_one_line_error(&port, "--insecure-local");

    let ok = kentongan(&[
        "init",
        "--dir",
        node,
        "--domain",
        "desa.example",
        "--username",
        "desa",
        "--name",
        "Desa",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let token = String::from_utf8_lossy(&ok.stdout);
    assert!(
        token.contains("API token"),
        "init prints the token once: {token}"
    );
    assert!(
        token.contains("(https://desa.example/admin)"),
        "init names the node's own admin address: {token}"
    );
    assert_one_line_error(
        &kentongan(&[
            "init",
            "--dir",
            node,
            "--domain",
            "desa.example",
            "--username",
            "desa",
            "--name",
            "Desa",
        ]),
        "already",
    );
    let long_title = "a".repeat(10_000);
    assert_one_line_error(
        &kentongan(&[
            "post",
            "--dir",
            node,
            "--title",
            &long_title,
            "--body",
            "isi",
        ]),
        "title",
    );
    assert_one_line_error(
        &kentongan(&[
            "edit",
            "--dir",
            node,
            "https://desa.example/p/nope",
            "--title",
            "x",
        ]),
        "no post",
    );
    assert_one_line_error(
        &kentongan(&["delete", "--dir", node, "https://elsewhere.example/p/x"]),
        "not a post URL",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_sqlite_directory_refuses_to_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (listener, port) = crate::support::loopback_listener().await;
    drop(listener);
    let dir_arg = dir.path().to_str().expect("utf-8");
    let domain = format!("localhost:{port}");
    let listen = format!("127.0.0.1:{port}");
    let init = kentongan(&[
        "init",
        "--dir",
        dir_arg,
        "--domain",
        &domain,
        "--username",
        "desa",
        "--name",
        "Desa",
        "--listen",
        &listen,
        "--insecure-local",
    ]);
    assert!(init.status.success());
    let mut first = Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["serve", "--dir", dir_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    eventually("the first server to answer", WAIT, || async {
        let url = format!("http://127.0.0.1:{port}/.well-known/nodeinfo");
        crate::support::client()
            .get(url)
            .send()
            .await
            .ok()?
            .status()
            .is_success()
            .then_some(())
    })
    .await;
    let second = kentongan(&["serve", "--dir", dir_arg]);
    let _ = first.kill();
    let _ = first.wait();
    assert_one_line_error(&second, "already running");
}

/// Regression: `init` printed `(http://…/admin)` literally instead of the admin address.
#[test]
fn init_prints_the_real_admin_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = dir.path().join("local");
    let out = kentongan(&[
        "init",
        "--dir",
        node.to_str().expect("utf-8"),
        "--domain",
        "localhost:8443",
        "--username",
        "desa",
        "--name",
        "Desa",
        "--insecure-local",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Akun admin / admin account: admin"))
        .unwrap_or_else(|| panic!("no admin account line in {stdout}"));
    assert_eq!(
        line, "Akun admin / admin account: admin (http://localhost:8443/admin)",
        "http with --insecure-local, with the port"
    );
    assert!(!stdout.contains('…'), "no placeholder left: {stdout}");
}

/// Four free loopback ports in a row, for the demo's portal and three villages.
fn four_free_ports() -> u16 {
    for _ in 0..50 {
        let Ok(first) = std::net::TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(address) = first.local_addr() else {
            continue;
        };
        let base = address.port();
        if base > u16::MAX - 4 {
            continue;
        }
        let rest: Vec<_> = (1..4)
            .map(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)))
            .collect();
        if rest.iter().all(Result::is_ok) {
            return base;
        }
    }
    panic!("no four free ports in a row");
}

/// Regression: `kentongan demo` flooded the terminal with log lines until its summary
/// (addresses and passwords) scrolled away. The summary stays on screen, with where the
/// log is; the log goes to that file while the nodes work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_its_summary_and_logs_to_a_file() {
    use std::io::{BufRead, Read};
    let dir = tempfile::tempdir().expect("temp dir");
    let demo_dir = dir.path().join("demo");
    let port = four_free_ports();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["demo", "--dir", demo_dir.to_str().expect("utf-8")])
        .args(["--port", &port.to_string()])
        .env_remove("KENTONGAN_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the demo");
    // Both streams are read as they come, so the demo never blocks on a full pipe.
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    // The first run creates four nodes with their keys: minutes in a debug build.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let mut summary = Vec::new();
    while !summary
        .iter()
        .any(|l: &String| l.starts_with("Tekan Ctrl+C"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => summary.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no summary from the demo; stdout so far: {summary:#?}");
            }
        }
    }
    let summary = summary.join("\n");
    let log = demo_dir.join("kentongan-demo.log");
    assert!(
        summary.contains(&log.display().to_string()),
        "the summary says where the log is: {summary}"
    );
    assert!(
        summary.contains(&format!("http://127.0.0.1:{port}/")),
        "{summary}"
    );
    assert!(summary.contains("/admin (admin / "), "{summary}");

    // The nodes go on working (the portal follows the villages and reads their posts),
    // logging into the file.
    eventually(
        "the portal to show the villages' posts",
        WAIT * 4,
        || async {
            let api: serde_json::Value = crate::support::client()
                .get(format!("http://127.0.0.1:{port}/api/timeline"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (api["items"].as_array()?.len() >= 3).then_some(())
        },
    )
    .await;
    // One process serves them: the villages are sites of the portal's hosting node, each
    // answering on its own port too.
    let sites = kentongan::hosting::list(&demo_dir).expect("the demo's sites");
    let mut domains: Vec<String> = sites.into_iter().map(|site| site.domain).collect();
    domains.sort();
    let mut expected: Vec<String> = (0..4).map(|n| format!("localhost:{}", port + n)).collect();
    expected.sort();
    assert_eq!(domains, expected);
    for village_port in port + 1..port + 4 {
        let home = crate::support::client()
            .get(format!("http://127.0.0.1:{village_port}/"))
            .send()
            .await
            .expect("a village's home page");
        assert_eq!(home.status().as_u16(), 200, "port {village_port}");
    }
    let _ = child.kill();
    let _ = child.wait();
    let stderr = errors.join().expect("stderr reader");
    let info: Vec<&str> = stderr.lines().filter(|l| l.contains(" INFO ")).collect();
    assert!(info.is_empty(), "info lines on the terminal: {info:#?}");
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged.contains("kentongan is serving the demo") && logged.contains(" INFO "),
        "the nodes' work is in {}: {logged}",
        log.display()
    );
}
