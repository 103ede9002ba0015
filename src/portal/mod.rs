//! The regency portal: a registry of villages it follows (fediverse actors) or polls
//! (RSS/Atom feeds), the worker that follows, backfills and polls them, and monitoring
//! of which villages are active. Ingest of what villages send lives in
//! `federation::process`; the timeline pages in `web::portal`.

pub mod backfill;
pub mod curation;
pub mod feeds;
pub mod figures;
pub mod ingest;
pub mod monitoring;
pub mod registry;
pub mod worker;
