//! Slowing password guessing down without letting strangers lock anyone out.
//!
//! Every failed sign-in is counted twice: for the pair (account name as typed, client
//! address) and for the client address alone. The first few failures are free; after them
//! each attempt waits for a pause that doubles with every further failure, up to a
//! ceiling. So a stranger guessing an operator's password from one address slows only
//! that address down: the operator signing in from anywhere else is not affected, and
//! nothing locks the account itself, since an account-wide lock is a lock-out that anyone
//! on the internet can cause. The address's own counter caps how much one address may
//! guess across many names. While a pause runs, attempts are answered at once and not
//! counted, so hammering does not lengthen it; once counters have been quiet for
//! [`FORGET_AFTER_MS`] they are forgotten.
//!
//! Names without an account are counted exactly like names with one, so the answers
//! (status, page, and time: see `password::verify_against_dummy`) never tell which names
//! exist.
//!
//! The counters live in the database (`login_failures`), as the account lock they
//! replace did: restarting the node is no way around them, and several processes on one
//! PostgreSQL count together.

use crate::store::LoginCounter;
use std::net::{IpAddr, Ipv6Addr};

/// Failures of one name from one address before pauses start: room for typing mistakes.
pub const FREE_FAILURES_PER_NAME: i64 = 3;
/// Failures from one address, over all names, before pauses start for that address: an
/// office behind one router has several people who mistype.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 10;
/// The pause after the first failure past the free ones; it doubles with each further one.
pub const FIRST_PAUSE_MS: i64 = 1_000;
/// The longest pause: at most about a hundred guesses a day per name and address, while
/// an operator who mistyped waits a quarter of an hour at worst.
pub const LONGEST_PAUSE_MS: i64 = 15 * 60 * 1000;
/// Counters quiet this long are forgotten, so a typo each day never adds up.
pub const FORGET_AFTER_MS: i64 = 6 * 3600 * 1000;

/// A typed name is kept to this many characters: more than any account name has (32),
/// and no more, so a script cannot fill the table with long names.
const MAX_NAME_CHARS: usize = 64;
/// The same for an address that does not parse (a proxy's own notation).
const MAX_ADDRESS_CHARS: usize = 64;

/// The pause due after `failures` failures of which `free` cost nothing.
pub fn pause_after(failures: i64, free: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    // 2^10 seconds already passes the ceiling; the cap keeps the shift in range.
    let doublings = (failures - free - 1).min(20);
    (FIRST_PAUSE_MS << doublings).min(LONGEST_PAUSE_MS)
}

/// When the next attempt counted by `counter` may be made (Unix ms; 0 for at once).
pub fn next_attempt_at(counter: LoginCounter, free: i64) -> i64 {
    match pause_after(counter.failures, free) {
        0 => 0,
        pause => counter.last_failure_at + pause,
    }
}

/// When the next attempt of a name from an address may be made: the later of the two.
pub fn open_at(pair: LoginCounter, address: LoginCounter) -> i64 {
    next_attempt_at(pair, FREE_FAILURES_PER_NAME)
        .max(next_attempt_at(address, FREE_FAILURES_PER_ADDRESS))
}

/// Whether one more failure, on top of these counts, makes the first pause of either.
pub fn starts_pausing(pair: LoginCounter, address: LoginCounter) -> bool {
    let first = |counter: LoginCounter, free: i64| counter.failures == free;
    first(pair, FREE_FAILURES_PER_NAME) || first(address, FREE_FAILURES_PER_ADDRESS)
}

/// A typed name as it is looked up and counted: trimmed, lowercased, cut short.
pub fn name_key(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .to_lowercase()
}

/// An address as it is counted. An IPv6 address counts by its /64, the block one
/// subscriber gets whole: counting each of its addresses apart would give a guesser
/// billions of fresh starts. An IPv4 address written as IPv6 counts as itself.
pub fn address_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                format!("{}/64", Ipv6Addr::from(network))
            }
        },
        Err(_) => address.trim().chars().take(MAX_ADDRESS_CHARS).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_start_after_the_free_failures_double_and_stop_growing() {
        let free = FREE_FAILURES_PER_NAME;
        for failures in 0..=free {
            assert_eq!(pause_after(failures, free), 0);
        }
        assert_eq!(pause_after(free + 1, free), 1_000);
        assert_eq!(pause_after(free + 2, free), 2_000);
        assert_eq!(pause_after(free + 3, free), 4_000);
        assert_eq!(pause_after(free + 10, free), 512_000);
        assert_eq!(pause_after(free + 11, free), LONGEST_PAUSE_MS);
        assert_eq!(pause_after(i64::MAX, free), LONGEST_PAUSE_MS);
    }

    #[test]
    fn the_later_of_the_two_counters_decides() {
        let counter = |failures, last_failure_at| LoginCounter {
            failures,
            last_failure_at,
        };
        assert_eq!(open_at(counter(3, 100), counter(3, 100)), 0);
        assert_eq!(open_at(counter(4, 100), counter(4, 100)), 1_100);
        assert_eq!(open_at(counter(1, 100), counter(12, 100)), 2_100);
        assert!(starts_pausing(counter(3, 100), counter(3, 100)));
        assert!(starts_pausing(counter(0, 100), counter(10, 100)));
        assert!(!starts_pausing(counter(4, 100), counter(4, 100)));
    }

    #[test]
    fn names_and_addresses_are_keyed_as_counted() {
        assert_eq!(name_key("  Admin "), "admin");
        assert_eq!(name_key(&"x".repeat(1000)).len(), 64);
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(
            address_key("2001:db8:1:2:ffff::1"),
            address_key("2001:db8:1:2::9")
        );
        assert_ne!(
            address_key("2001:db8:1:3::1"),
            address_key("2001:db8:1:2::1")
        );
        assert_eq!(address_key(&"z".repeat(500)).len(), 64);
    }
}
