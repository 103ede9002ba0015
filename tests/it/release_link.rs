//! The order the release link puts the functions in (release/symbol-order.txt, read by
//! build.rs, written by scripts/symbol-order). A garbled or emptied file would not fail any
//! build: the linker skips names it does not know, and a node would quietly map most of
//! its code again (docs/benchmarks.md, "Footprint"). Checked here instead.

use std::collections::HashSet;

#[test]
fn the_symbol_order_names_the_functions_a_node_runs_one_per_line() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/release/symbol-order.txt");
    let text = std::fs::read_to_string(path).expect("release/symbol-order.txt is committed");
    let names: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();

    let mut seen = HashSet::new();
    for name in &names {
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains('\''),
            "not a linker symbol name: {name:?}"
        );
        assert!(seen.insert(*name), "listed twice: {name}");
    }
    // Our own serving code, by its mangled path. The WebFinger handler is inlined into
    // its future, named after it (`kentongan..federation..wellknown..webfinger`).
    let ours = names
        .iter()
        .filter(|n| n.starts_with("_ZN9kentongan"))
        .count();
    assert!(ours >= 100, "{ours} of the crate's own functions listed");
    assert!(
        names
            .iter()
            .any(|n| n.contains("kentongan") && n.contains("webfinger")),
        "the WebFinger handler is not listed"
    );
}
