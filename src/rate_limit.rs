//! A token bucket per key (a remote server's host), in memory: at most `burst` requests
//! at once and `per_minute` sustained. Used at the inbox so that one server flooding it
//! cannot fill the queue ahead of everyone else. Per process; with several processes
//! each allows its own share, which is fine for a limit meant to stop floods.

use std::{collections::HashMap, sync::Mutex, time::Instant};

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Keys kept before idle ones are forgotten.
const MAX_KEYS: usize = 10_000;

impl RateLimiter {
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Self {
            burst: f64::from(burst),
            per_second: f64::from(per_minute) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// One request per `interval` for each key, with no burst.
    pub fn one_per(interval: std::time::Duration) -> Self {
        Self {
            burst: 1.0,
            per_second: 1.0 / interval.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `Err(seconds)` says when to try again.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            // A panic elsewhere while holding the lock must not close the inbox.
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_KEYS {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.tokens = (bucket.tokens
            + now.duration_since(bucket.at).as_secs_f64() * self.per_second)
            .min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let limiter = RateLimiter::new(3, 60);
        for _ in 0..3 {
            assert_eq!(limiter.check("a.example"), Ok(()));
        }
        assert_eq!(limiter.check("a.example"), Err(1));
        // Another server is not affected.
        assert_eq!(limiter.check("b.example"), Ok(()));
    }

    #[test]
    fn one_per_interval_allows_one_then_says_when() {
        let limiter = RateLimiter::one_per(std::time::Duration::from_secs(300));
        assert_eq!(limiter.check("https://a.example/u/a"), Ok(()));
        let wait = limiter.check("https://a.example/u/a").expect_err("limited");
        assert!((299..=300).contains(&wait), "{wait}");
        assert_eq!(limiter.check("https://a.example/u/b"), Ok(()));
    }
}
