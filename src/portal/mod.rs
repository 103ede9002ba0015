//! The regency portal: a registry of villages it follows (fediverse actors) or polls
//! (RSS/Atom feeds), the rules of the work on them (`jobs`), keeping what they publish,
//! and monitoring of which villages are active. The network side (WebFinger, outboxes,
//! feeds, figures) is `federation::portal_jobs` and `federation::fetch`; receiving what
//! villages send is `federation::process`; the timeline pages are `web::portal`.

pub mod curation;
pub mod feed_polling;
pub mod figures;
pub mod ingest;
pub mod jobs;
pub mod monitoring;
pub mod registry;
