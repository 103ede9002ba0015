//! How much one sender may make the node store in a day: each remote server (by its
//! host), and the website's anonymous form as a whole. The count is kept in the database
//! (`store::quotas`), in the transaction that stores the bytes, so it holds across
//! restarts and across several processes on one PostgreSQL database.
//!
//! What counts for a server: every activity its actors deliver to an inbox (the stored
//! JSON) and the replies and mentions kept from its activities. The copies of its actors
//! count apart, under their own key: anyone can make the node fetch a server's actors by
//! naming them in unsigned requests, so they must not use up the quota its real
//! activities need; when they are used up, the node fetches no new actor of that server
//! until the next day, and its known actors are still heard. Only a new activity (or the
//! fetch of a new actor) is ever refused (`429` with `Retry-After` until the window
//! ends): what is already stored is never dropped, and an actor or a note is counted but
//! never refused half-way through processing an activity that was accepted.
//!
//! The numbers (docs/operating-a-village-node.md, "Disk space and retention"):
//!
//! - A village hears from a busy server a few KB a day: follows, replies of a few KB, an
//!   actor's profile update of about 4 KB. A regency node hosting forty villages, or a
//!   portal following the hundreds of villages one regency hosts, hears from that server
//!   a few MB a day at most (hundreds of posts of about 5 KB, with their edits). 16 MiB a
//!   day leaves that several times over, and stops a flood after 16 of the largest activities (1 MiB) or
//!   a few thousand ordinary ones, instead of the 600 a minute the rate limit allows.
//!   Processed activities are kept 7 days, so one flooding server holds at most about
//!   112 MiB of the disk at any time.
//! - The website's form: a village receives a handful of messages a day, a photo kept in
//!   three sizes costs 0.2–1 MB. 64 MiB a day is a hundred messages with photos; a script
//!   sending from many addresses (each address is already held to 2 a minute) stops there.
//!
//! Settings that should replace these constants (config.rs is not this room's):
//! `[inbox] quota_mib_per_server_per_day` (16),
//! `[inbox] actor_copies_mib_per_server_per_day` (16) and
//! `[aspirations] website_form_quota_mib_per_day` (64).

use crate::store::SenderQuota;

/// One day, the length of every quota's window.
pub const WINDOW_MS: i64 = 24 * 3600 * 1000;

const MIB: i64 = 1024 * 1024;

/// One remote server, per day.
pub const SERVER: SenderQuota = SenderQuota {
    bytes_per_window: 16 * MIB,
    window_ms: WINDOW_MS,
};

/// The copies of one server's actors, per day: a few thousand new accounts of 2–4 KB.
pub const ACTOR_COPIES: SenderQuota = SenderQuota {
    bytes_per_window: 16 * MIB,
    window_ms: WINDOW_MS,
};

/// The key the copies of `host`'s actors are counted under (a host has no spaces).
pub fn actor_copies_of(host: &str) -> String {
    format!("{host} (actors)")
}

/// The website's form, all visitors together, per day.
pub const WEBSITE_FORM_QUOTA: SenderQuota = SenderQuota {
    bytes_per_window: 64 * MIB,
    window_ms: WINDOW_MS,
};

/// The key the website's form is counted under: not a host name (it has spaces and
/// brackets), so no server can be taken for it.
pub const WEBSITE_FORM: &str = "(website form)";

/// Seconds for a `Retry-After` header, rounded up.
pub fn retry_after_secs(retry_after_ms: i64) -> u64 {
    u64::try_from(retry_after_ms.max(1_000).saturating_add(999) / 1_000).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after_secs(1), 1);
        assert_eq!(retry_after_secs(1_001), 2);
        assert_eq!(retry_after_secs(WINDOW_MS), 86_400);
    }
}
