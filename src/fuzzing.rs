//! Random and mutated inputs for the property tests of what other servers and strangers
//! send (issue 11): how many cases a run tries, and strategies for JSON values, JSON-like
//! text and mutations of real samples. Test-only, and the one copy: the unit tests of
//! the parsers use it as `crate::fuzzing`, and the integration tests that throw input at
//! a running node (`tests/it/fuzz.rs`) compile this same file into their binary, since
//! the library keeps it out of what it builds. So it uses nothing of the crate.
//!
//! CI runs a few hundred cases per property; a long run sets `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=20000 cargo test --release --lib` (docs/security.md).

use proptest::{prelude::*, test_runner::Config};
use serde_json::Value;

/// `default_cases` cases, or `PROPTEST_CASES` when it is set.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // Failures are printed with their input; nothing is written into the sources.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Field names that matter to our parsers, and some that do not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "type",
            "actor",
            "object",
            "links",
            "rel",
            "href",
            "content",
            "inReplyTo",
            "attributedTo",
            "to",
            "cc",
            "tag",
            "url",
            "name",
            "summary",
            "published",
            "publicKey",
            "publicKeyPem",
            "owner",
            "inbox",
            "endpoints",
            "sharedInbox",
            "preferredUsername",
            "first",
            "next",
            "orderedItems",
            "items",
            "subject",
        ])
        .prop_map(str::to_string),
        ".{0,8}",
    ]
}

/// Any JSON value, nested a few levels, with the field names of ActivityPub and JRD and
/// strings our checks care about (addresses, types, scripts, a resident's NIK).
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "https://desa.example/u/desa",
            "https://www.w3.org/ns/activitystreams#Public",
            "Note",
            "Create",
            "Follow",
            "Person",
            "Tombstone",
            "Mention",
            "self",
            "application/activity+json",
            "javascript:alert(1)",
            "<script>alert(1)</script>",
            "3201012345670001",
            "http://[::ffff:127.0.0.1]/",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// `sample` with a few characters deleted, replaced or inserted at random places.
pub fn mutated(sample: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 0..8).prop_map(
        move |edits| {
            let mut chars: Vec<char> = sample.chars().collect();
            for (at, op, c) in edits {
                if chars.is_empty() {
                    chars.push(c);
                    continue;
                }
                let i = at.index(chars.len());
                match op {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars[i] = c,
                    _ => chars.insert(i, c),
                }
            }
            chars.into_iter().collect()
        },
    )
}

/// Text that is often JSON: generated values, mutations of a JRD document, anything.
pub fn json_like() -> impl Strategy<Value = String> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        mutated(
            r#"{"subject":"acct:desa@desa.example","links":[{"rel":"self","type":"application/activity+json","href":"https://desa.example/u/desa"}]}"#
        ),
        ".{0,200}",
    ]
}
