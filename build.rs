//! How the release binary is linked (docs/benchmarks.md, "Footprint"):
//!
//! - **Its functions in the order a node runs them.** The kernel maps a binary's code in
//!   blocks around each page that runs; with the running code spread over the whole file,
//!   almost all of it was resident. release/symbol-order.txt (written by
//!   scripts/symbol-order) lists the functions a node runs at start and on its usual
//!   requests, and the linker puts them next to each other. Only where the linker is known
//!   to be LLD, which reads `--symbol-ordering-file`: rustc's own on
//!   x86_64-unknown-linux-gnu (the default since Rust 1.90) with no linker set in Cargo's
//!   configuration; elsewhere it links as before. A name the file lists that the binary
//!   lacks (the code changed since it was written) is skipped quietly: the file orders, it
//!   never decides what is linked.
//! - **Without symbols**, removed by the linker rather than by the profile's `strip`: Cargo
//!   hashes the profile into every function's name, so a build kept with its symbols for
//!   scripts/symbol-order (`KENTONGAN_KEEP_SYMBOLS=1`) names the functions exactly as the
//!   shipped build does only if both use the same profile.

use std::env;
use std::path::Path;

const ORDER_FILE: &str = "release/symbol-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={ORDER_FILE}");
    println!("cargo:rerun-if-env-changed=KENTONGAN_KEEP_SYMBOLS");

    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("PROFILE") != "release" {
        return;
    }
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("KENTONGAN_KEEP_SYMBOLS") != "1" {
        println!("cargo:rustc-link-arg-bins=-Wl,--strip-all");
    }
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS");
    let rustc_lld = var("TARGET") == "x86_64-unknown-linux-gnu"
        && env::var_os("RUSTC_LINKER").is_none()
        && !rustflags.contains("link-self-contained")
        && !rustflags.contains("linker");
    let file = Path::new(&var("CARGO_MANIFEST_DIR")).join(ORDER_FILE);
    if rustc_lld && file.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            file.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
