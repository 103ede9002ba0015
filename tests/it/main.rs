//! Integration tests: real nodes on loopback, on SQLite and (with TEST_POSTGRES_URL)
//! PostgreSQL. Quiet unless KENTONGAN_LOG is set.

mod support;

mod cli;
mod delivery;
mod federation;
mod interop_fedify;
mod signatures;
