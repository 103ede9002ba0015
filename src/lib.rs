//! Kentongan: a federated ActivityPub publishing node for Indonesian villages and the
//! regency portal that follows them. The map of rooms; arrows point one way:
//! web and federation call the domain rooms, which call the store.

/// Local actors: usernames, key pairs, the instance actor.
pub mod actors;
/// Builds a running node: router, federation configuration, workers.
pub mod app;
/// Residents' messages as tracked tickets with public-service clocks (issue 5, begun).
pub mod aspirations;
/// Admin accounts, passwords, sessions.
pub mod auth;
/// The command line: init, serve, post, edit, delete, followers, actor, demo.
pub mod cli;
/// Time as stored (Unix milliseconds) and as sent (RFC 3339).
pub mod clock;
/// `kentongan.toml` into a validated `Config`.
pub mod config;
/// What of the data directory is private (all of it), and keeping it so.
pub mod data_dir;
/// `kentongan demo`: a portal and three villages with sample posts.
pub mod demo;
/// Free space of the data directory and database: nearly full, take nothing more in.
pub mod disk;
/// Public information (PPID): documents by KIP category and year, and the checklist.
pub mod documents;
/// `AppError` and its HTTP answers.
pub mod error;
/// ActivityPub: wire shapes, signatures, inbox, delivery, WebFinger, NodeInfo.
pub mod federation;
/// Random and mutated inputs for property tests (tests only).
#[cfg(test)]
mod fuzzing;
/// Many sites in one process: the sites of a data directory, `site add`/`list`, and
/// choosing the site of a request by its host (docs/adr/0002).
pub mod hosting;
/// Uploaded photos: safe re-encoded variants, stored under content-addressed names.
pub mod media;
/// The whole node as `serve` runs it: the hosting node's sites with the hosting pages in
/// front; above `hosting` and `web`, used by the command line and the demo.
pub mod node;
/// The regency portal: village registry, following, backfill, feeds, monitoring.
pub mod portal;
/// Writing, editing and deleting posts, and their Markdown.
pub mod publishing;
/// How much one remote server (or the website's form) may make the node store a day.
pub mod quota;
/// A token bucket per remote server, against floods.
pub mod rate_limit;
/// A refusal of a person's input, in their words: what a room's error enum carries.
pub mod refusal;
/// What the regency's hosting staff may do and its rules (`Desk`, implemented by the
/// hosting runtime), below the pages that ask for it.
pub mod regency_staff;
/// The render cache of the public pages (the web serves through it; the state holds it).
pub mod render_cache;
/// What the node forgets and when: the one worker that purges old rows.
pub mod retention;
/// `kentongan init`: a new node's data directory, config, database, actors and first admin.
pub mod setup;
/// The website's settings, defaults and local dates.
pub mod site;
/// The shared `AppState`.
pub mod state;
/// All SQL, for SQLite and PostgreSQL.
pub mod store;
/// Every word a person reads, in Bahasa Indonesia first and English second. At the bottom
/// of the house: every room may use it; it imports nothing of ours.
pub mod strings;
/// Escaping for HTML and XML, cutting to a length: small helpers every room may use.
pub mod text;
/// The node's URL scheme.
pub mod urls;
/// HTTP routes, content negotiation, HTML pages, the admin API.
pub mod web;
