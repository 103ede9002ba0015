//! Failed sign-ins counted per account name and client address, and per address alone
//! (`login_failures`). The store only counts and forgets; `auth::throttle` decides what
//! the counts mean (how many are free, how long the pause after them is).

use super::{Backend, BeginWrite, Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// One counter: failures since it was last forgotten, and when the latest was (Unix ms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromRow)]
pub struct LoginCounter {
    pub failures: i64,
    pub last_failure_at: i64,
}

/// The counter of one (account name, address) pair, for saying which accounts are
/// being slowed down.
#[derive(Clone, Debug, FromRow)]
pub struct LoginPairCounter {
    pub username: String,
    pub address: String,
    #[sqlx(flatten)]
    pub counter: LoginCounter,
}

const PAIR: &str = "pair";
const ADDRESS: &str = "address";

const ENSURE: &str = "INSERT INTO login_failures (scope, username, address, failures, last_failure_at) \
     VALUES ($1, $2, $3, 0, 0) ON CONFLICT (scope, username, address) DO NOTHING";
// SQLite has no row locks: `BEGIN IMMEDIATE` already serialises the writers.
const READ_SQLITE: &str = "SELECT failures, last_failure_at FROM login_failures \
     WHERE scope = $1 AND username = $2 AND address = $3";
const READ_POSTGRES: &str = "SELECT failures, last_failure_at FROM login_failures \
     WHERE scope = $1 AND username = $2 AND address = $3 FOR UPDATE";
const COUNT: &str = "UPDATE login_failures SET failures = failures + 1, last_failure_at = $4 \
     WHERE scope = $1 AND username = $2 AND address = $3";

impl Store {
    /// Weighs one sign-in attempt in one transaction, so attempts sent at the same moment
    /// are weighed one after another: forgets every counter quiet since `forget_before`,
    /// reads the counters of the (name, address) pair and of the address, and asks
    /// `decide(pair, address)`. When it agrees, the attempt is counted as a failure in
    /// both *before* the password is checked, so that a thousand attempts sent together
    /// cannot all slip through the free ones; a success gives it back
    /// ([`Store::login_succeeded`]). A refusal changes nothing.
    pub async fn weigh_login_attempt<A, R>(
        &self,
        username: &str,
        address: &str,
        now: i64,
        forget_before: i64,
        decide: impl FnOnce(LoginCounter, LoginCounter) -> Result<A, R>,
    ) -> anyhow::Result<Result<A, R>> {
        let read = match self.backend {
            Backend::Sqlite(_) => READ_SQLITE,
            Backend::Postgres(_) => READ_POSTGRES,
        };
        // Always the address first, then the pair: one order, so no two attempts wait
        // for each other's rows.
        let keys = [(ADDRESS, "", address), (PAIR, username, address)];
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("DELETE FROM login_failures WHERE last_failure_at < $1")
                .bind(forget_before)
                .execute(&mut *tx)
                .await
                .context("forgetting old failed sign-ins")?;
            let mut counters = [LoginCounter::default(); 2];
            for (counter, (scope, name, address)) in counters.iter_mut().zip(keys) {
                sqlx::query(ENSURE)
                    .bind(scope)
                    .bind(name)
                    .bind(address)
                    .execute(&mut *tx)
                    .await
                    .context("starting a sign-in counter")?;
                *counter = sqlx::query_as(read)
                    .bind(scope)
                    .bind(name)
                    .bind(address)
                    .fetch_one(&mut *tx)
                    .await
                    .context("reading a sign-in counter")?;
            }
            match decide(counters[1], counters[0]) {
                Err(refusal) => {
                    tx.rollback().await.context("leaving the sign-in counters")?;
                    Err(refusal)
                }
                Ok(agreed) => {
                    for (scope, name, address) in keys {
                        sqlx::query(COUNT)
                            .bind(scope)
                            .bind(name)
                            .bind(address)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .context("counting a sign-in attempt")?;
                    }
                    tx.commit().await.context("committing a sign-in attempt")?;
                    Ok(agreed)
                }
            }
        }))
    }

    /// A sign-in succeeded: the pair starts afresh, and the address gets back the
    /// attempt counted in advance.
    pub async fn login_succeeded(&self, username: &str, address: &str) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND username = $2 AND address = $3")
                .bind(PAIR)
                .bind(username)
                .bind(address)
                .execute(&mut *tx)
                .await
                .context("clearing a sign-in counter")?;
            sqlx::query(
                "UPDATE login_failures SET failures = failures - 1 \
                 WHERE scope = $1 AND username = '' AND address = $2 AND failures > 0",
            )
            .bind(ADDRESS)
            .bind(address)
            .execute(&mut *tx)
            .await
            .context("giving an address its attempt back")?;
            tx.commit().await.context("committing a sign-in")?;
        });
        Ok(())
    }

    /// Forgets every failure counted against an account name, and the address counters
    /// of the addresses those failures came from. Returns how many addresses that was.
    pub async fn clear_login_failures(&self, username: &str) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "DELETE FROM login_failures WHERE scope = $1 AND address IN \
                   (SELECT address FROM login_failures WHERE scope = $2 AND username = $3)",
            )
            .bind(ADDRESS)
            .bind(PAIR)
            .bind(username)
            .execute(&mut *tx)
            .await
            .context("clearing the addresses' sign-in counters")?;
            let cleared = sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND username = $2")
                .bind(PAIR)
                .bind(username)
                .execute(&mut *tx)
                .await
                .context("clearing an account's sign-in counters")?
                .rows_affected();
            tx.commit().await.context("committing the cleared counters")?;
            cleared
        }))
    }

    /// Every (name, address) counter with a failure since `since`.
    pub async fn login_pair_counters(&self, since: i64) -> anyhow::Result<Vec<LoginPairCounter>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT username, address, failures, last_failure_at FROM login_failures \
                 WHERE scope = $1 AND last_failure_at >= $2 ORDER BY username, address",
            )
            .bind(PAIR)
            .bind(since)
            .fetch_all(pool)
            .await
            .context("reading the sign-in counters")?
        }))
    }
}
