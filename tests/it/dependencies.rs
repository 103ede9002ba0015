//! What we build on, checked in every test run without downloading a tool: every crate
//! in Cargo.lock comes from the crates.io registry (no git or path dependency but our
//! own crate), and every crate's licence is compatible with the AGPL-3.0 we ship under.
//! Known advisories are in docs/security.md.

use serde_json::Value;

/// Licences a crate may carry (one is enough where the crate offers a choice): each
/// allows its code in an AGPL-3.0-or-later program. Apache-2.0 is compatible with the
/// GPL/AGPL version 3 (not 2); MPL-2.0 by its section 3.3; CDLA-Permissive-2.0 covers
/// data (certificate roots).
const COMPATIBLE: [&str; 21] = [
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "0BSD",
    "Unlicense",
    "CC0-1.0",
    "BSL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "MPL-2.0",
    "LGPL-2.1-or-later",
    "GPL-3.0",
    "GPL-3.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-or-later",
    "CDLA-Permissive-2.0",
];

/// Whether an SPDX expression (`A OR (B AND C)`, `A WITH E`, and the old `A/B` form)
/// lets us use the crate.
fn acceptable(expression: &str) -> bool {
    let spaced = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let ok = any_of(&tokens, &mut at);
    ok && at == tokens.len()
}

fn any_of(tokens: &[&str], at: &mut usize) -> bool {
    let mut ok = all_of(tokens, at);
    while tokens.get(*at) == Some(&"OR") {
        *at += 1;
        ok |= all_of(tokens, at);
    }
    ok
}

fn all_of(tokens: &[&str], at: &mut usize) -> bool {
    let mut ok = one(tokens, at);
    while tokens.get(*at) == Some(&"AND") {
        *at += 1;
        ok &= one(tokens, at);
    }
    ok
}

fn one(tokens: &[&str], at: &mut usize) -> bool {
    match tokens.get(*at) {
        Some(&"(") => {
            *at += 1;
            let ok = any_of(tokens, at);
            if tokens.get(*at) == Some(&")") {
                *at += 1;
                ok
            } else {
                false
            }
        }
        Some(license) => {
            *at += 1;
            let mut name = license.to_string();
            if tokens.get(*at) == Some(&"WITH") {
                name = format!("{name} WITH {}", tokens.get(*at + 1).unwrap_or(&""));
                *at += 2;
            }
            COMPATIBLE.contains(&name.as_str())
        }
        None => false,
    }
}

#[test]
fn spdx_expressions_are_read_as_written() {
    assert!(acceptable("MIT OR Apache-2.0"));
    assert!(acceptable("MIT/Apache-2.0"));
    assert!(acceptable("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(acceptable(
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"
    ));
    assert!(!acceptable("MIT AND SSPL-1.0"));
    assert!(!acceptable("GPL-2.0-only"));
    assert!(acceptable("GPL-2.0-only OR MIT"));
    assert!(!acceptable("(MIT OR Apache-2.0"));
    assert!(!acceptable(""));
}

#[test]
fn every_dependency_comes_from_crates_io_under_a_licence_compatible_with_the_agpl() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    assert!(packages.len() > 100, "the whole tree is listed");
    let mut problems = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let version = package["version"].as_str().unwrap_or_default();
        match package["source"].as_str() {
            Some("registry+https://github.com/rust-lang/crates.io-index") => {}
            None if name == "kentongan" => {}
            other => problems.push(format!("{name} {version} comes from {other:?}")),
        }
        match package["license"].as_str() {
            Some(license) if acceptable(license) => {}
            other => problems.push(format!("{name} {version} is licensed {other:?}")),
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
