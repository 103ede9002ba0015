//! Whose turn it is to write to a SQLite database, within this process.
//!
//! SQLite lets one connection write at a time. A connection that finds the write lock
//! taken waits in SQLite's busy handler, which sleeps in steps of 1 to 100 ms without
//! knowing when the lock is released: with the inbox's group commit, the inbox worker's
//! batches and the delivery worker all writing, the lock sat free while the waiting
//! writers slept (tens of thousands of sleeps per 3,000 received activities, issue 15),
//! and a request's answer waited for the end of a sleep. So the writers of one process
//! queue for the database here first, in order, and each is woken the moment the one
//! before it ends; only writers in other processes (`kentongan post` beside `serve`)
//! still meet in the busy handler.
//!
//! PostgreSQL writes concurrently and takes no turn.

use sqlx::{Database, SqlitePool, Transaction};
use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a writer waits for its turn before it goes to the busy handler anyway: as
/// long as the busy timeout, so a turn never held by a stuck writer delays others more
/// than SQLite itself would, and a writer that (wrongly) waits for its own turn fails
/// as it would without turns instead of hanging.
const TURN_WAIT: Duration = Duration::from_secs(10);

/// A transaction of the store: one that writes (`BeginWrite`) holds its turn on SQLite
/// until it ends; one that only reads holds none. Used as the transaction it wraps:
/// `&mut *tx` is its connection.
pub(crate) struct StoreTransaction<DB: Database> {
    // Declared first, so it ends (and its connection is put back) before the turn is
    // given to the next writer.
    tx: Transaction<'static, DB>,
    _turn: Option<OwnedSemaphorePermit>,
}

impl<DB: Database> StoreTransaction<DB> {
    pub(crate) fn new(tx: Transaction<'static, DB>, turn: Option<OwnedSemaphorePermit>) -> Self {
        Self { tx, _turn: turn }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: Database> Deref for StoreTransaction<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: Database> DerefMut for StoreTransaction<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Waits for this process's turn to write to `pool`'s database file. `None` for an
/// in-memory database (each is its own) and when the wait ran out (see [`TURN_WAIT`]).
pub(crate) async fn sqlite_turn(pool: &SqlitePool) -> Option<OwnedSemaphorePermit> {
    let turns = turns_of(pool.connect_options().get_filename())?;
    tokio::time::timeout(TURN_WAIT, turns.acquire_owned())
        .await
        .ok()?
        .ok()
}

/// The turns of one database file, shared by every pool on it in this process (a
/// second `Store` on the same file, as the command line and tests open, queues with the
/// first). Kept for the life of the process: one small entry per database file.
fn turns_of(file: &Path) -> Option<Arc<Semaphore>> {
    static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<Semaphore>>>> =
        LazyLock::new(Default::default);
    if file == Path::new(":memory:") {
        return None;
    }
    // A poisoned map still maps files to their turns.
    let mut turns = TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Looked up before `entry`, which would copy the path on every write transaction.
    if let Some(turn) = turns.get(file) {
        return Some(turn.clone());
    }
    Some(
        turns
            .entry(file.to_path_buf())
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pool_on_a_file_shares_its_turn_and_memory_takes_none() {
        let dir = tempfile::tempdir().expect("dir");
        let one = dir.path().join("one.db");
        let other = dir.path().join("other.db");
        let first = turns_of(&one).expect("a file has turns");
        let again = turns_of(&one).expect("a file has turns");
        assert!(Arc::ptr_eq(&first, &again), "one file, one turn");
        let elsewhere = turns_of(&other).expect("a file has turns");
        assert!(
            !Arc::ptr_eq(&first, &elsewhere),
            "another file writes meanwhile"
        );
        assert!(turns_of(Path::new(":memory:")).is_none());
    }

    #[tokio::test]
    async fn a_write_transaction_holds_the_turn_until_it_ends() {
        use super::super::{Backend, BeginWrite, Store};
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("turns.db").display());
        let store = Store::connect(&url).await.expect("store");
        let Backend::Sqlite(pool) = &store.backend else {
            unreachable!("a SQLite URL");
        };
        let turns = turns_of(pool.connect_options().get_filename()).expect("turns");
        let tx = pool.begin_write().await.expect("a write transaction");
        assert_eq!(turns.available_permits(), 0, "taken while it writes");
        tx.commit().await.expect("commit");
        assert_eq!(turns.available_permits(), 1, "given back at the commit");
        let tx = pool.begin_write().await.expect("the next one");
        assert_eq!(turns.available_permits(), 0);
        tx.rollback().await.expect("rollback");
        assert_eq!(turns.available_permits(), 1, "given back at a rollback");
        drop(pool.begin_write().await.expect("one more"));
        assert_eq!(turns.available_permits(), 1, "given back when dropped");
    }
}
