//! Free space where the node writes: the data directory (photos, documents, the SQLite
//! database) and, when it lives elsewhere, the SQLite database's folder. When one is
//! nearly full the node stops taking in what others send (the inbox answers 503, the
//! website's form and the admin's uploads refuse with a sentence in Bahasa Indonesia
//! first) and keeps serving pages: what is already committed stays whole, and SQLite
//! keeps room for its own journal. When space comes back it takes in again, without a
//! restart.
//!
//! "Nearly full" is less than max(64 MiB, 2 % of the filesystem but at most 1 GiB) free
//! for an unprivileged writer (`statvfs`'s `f_bavail`, which already leaves out the
//! blocks ext4 keeps for root). The reserve is there for SQLite's journal and the node's
//! own bookkeeping; past 1 GiB more of it protects nothing more, and on a large shared
//! disk 2 % would be gigabytes refused for nothing. A reading is kept for a few seconds, so a flood of
//! requests costs one system call every few seconds.
//!
//! A PostgreSQL database lives on another machine or disk that this process cannot see:
//! only the data directory is watched then, and the operator watches the database's disk
//! (docs/operating-a-village-node.md, "Disk space and retention").
//!
//! Settings that should replace these constants (config.rs is not this room's):
//! `[storage] min_free_mib` (64), `[storage] min_free_percent` (2) and
//! `[storage] max_reserve_mib` (1024).

use std::{
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// Below this much free space a filesystem is nearly full, whatever its size.
pub const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;
/// ... or below this share of it, on a larger one ...
pub const MIN_FREE_PERCENT: u64 = 2;
/// ... but never more than this.
pub const MAX_RESERVE_BYTES: u64 = 1024 * 1024 * 1024;
/// How long a reading is trusted.
pub const READING_LIFETIME: Duration = Duration::from_secs(3);
/// The `Retry-After` of a refusal for lack of space: long enough not to hammer a node
/// whose operator is freeing space, short enough to resume soon after.
pub const RETRY_AFTER_SECS: u64 = 300;

/// A filesystem's size and what an unprivileged writer may still use of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    pub free: u64,
    pub total: u64,
}

impl Space {
    /// The least free space that is not "nearly full".
    pub fn minimum(&self) -> u64 {
        MIN_FREE_BYTES.max((self.total / 100 * MIN_FREE_PERCENT).min(MAX_RESERVE_BYTES))
    }

    pub fn is_low(&self) -> bool {
        self.free < self.minimum()
    }
}

/// A nearly full disk, as a one-line reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the disk holding the {what} is nearly full ({} MiB free, the node keeps {} MiB)",
    .space.free / (1024 * 1024),
    .space.minimum() / (1024 * 1024)
)]
pub struct Low {
    pub what: &'static str,
    pub space: Space,
}

/// One folder whose filesystem is watched.
#[derive(Debug)]
struct Watched {
    what: &'static str,
    path: PathBuf,
    /// The last reading and when it was taken; `None` inside when it could not be read.
    reading: Mutex<Option<(Instant, Option<Space>)>>,
    was_low: AtomicBool,
}

impl Watched {
    fn new(what: &'static str, path: PathBuf) -> Self {
        Self {
            what,
            path,
            reading: Mutex::new(None),
            was_low: AtomicBool::new(false),
        }
    }

    fn space(&self) -> Option<Space> {
        let mut reading = match self.reading.lock() {
            Ok(reading) => reading,
            // A panic elsewhere while holding the lock must not stop the checks.
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some((at, space)) = *reading
            && at.elapsed() < READING_LIFETIME
        {
            return space;
        }
        let space = match read(&self.path) {
            Ok(space) => Some(space),
            Err(err) => {
                // Not knowing is not "full": refusing everything because a folder cannot
                // be looked at would be worse. Logged at most every few seconds.
                tracing::warn!(path = %self.path.display(), %err, "cannot read the free space");
                None
            }
        };
        *reading = Some((Instant::now(), space));
        space
    }

    fn check(&self) -> Result<(), Low> {
        let Some(space) = self.space() else {
            return Ok(());
        };
        let low = space.is_low();
        if low != self.was_low.swap(low, Ordering::Relaxed) {
            if low {
                tracing::warn!(path = %self.path.display(), free = space.free, minimum = space.minimum(),
                    "the disk is nearly full: refusing new activities and uploads until there is room");
            } else {
                tracing::info!(path = %self.path.display(), free = space.free, "the disk has room again");
            }
        }
        if low {
            Err(Low {
                what: self.what,
                space,
            })
        } else {
            Ok(())
        }
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn read(path: &Path) -> std::io::Result<Space> {
    let stats = rustix::fs::statvfs(path)?;
    let unit = if stats.f_frsize > 0 {
        stats.f_frsize
    } else {
        stats.f_bsize
    };
    Ok(Space {
        free: stats.f_bavail.saturating_mul(unit),
        total: stats.f_blocks.saturating_mul(unit),
    })
}

/// Where the database's free space is read.
#[derive(Debug)]
enum DatabaseDir {
    /// PostgreSQL: not on this machine's disks as far as this process knows.
    Elsewhere,
    /// A SQLite file in the data directory (the default): one reading serves both.
    InDataDir,
    /// A SQLite file in another folder.
    Other(Watched),
}

/// The node's watch over its disks; one per process, shared through `AppState`.
#[derive(Debug)]
pub struct DiskGuard {
    data_dir: Watched,
    database_dir: DatabaseDir,
}

impl DiskGuard {
    /// Watches `data_dir`, and the folder of `database_file` when the database is a
    /// SQLite file (`None` for PostgreSQL).
    pub fn new(data_dir: &Path, database_file: Option<&Path>) -> Self {
        let database_dir = match database_file {
            None => DatabaseDir::Elsewhere,
            Some(file) => {
                let dir = file
                    .parent()
                    .filter(|dir| !dir.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                if same_folder(dir, data_dir) {
                    DatabaseDir::InDataDir
                } else {
                    DatabaseDir::Other(Watched::new("database", dir.to_path_buf()))
                }
            }
        };
        Self {
            data_dir: Watched::new("data directory", data_dir.to_path_buf()),
            database_dir,
        }
    }

    /// Whether the database may take in more from outside: `Err` when it is a SQLite file
    /// on a nearly full disk; always `Ok` on PostgreSQL.
    pub fn database_may_grow(&self) -> Result<(), Low> {
        match &self.database_dir {
            DatabaseDir::Elsewhere => Ok(()),
            DatabaseDir::InDataDir => self.data_dir.check(),
            DatabaseDir::Other(dir) => dir.check(),
        }
    }

    /// Whether files may be written to the data directory (photos, documents).
    pub fn files_may_grow(&self) -> Result<(), Low> {
        self.data_dir.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn nearly_full_is_64_mib_or_two_percent_up_to_a_gib() {
        let small = Space {
            free: 63 * MIB,
            total: 1024 * MIB,
        };
        assert_eq!(small.minimum(), 64 * MIB);
        assert!(small.is_low());
        let middle = Space {
            free: 500 * MIB,
            total: 40 * 1024 * MIB,
        };
        assert_eq!(middle.minimum(), 40 * 1024 * MIB / 100 * 2);
        assert!(middle.is_low(), "500 MiB free of 40 GiB is under 2 %");
        let large = Space {
            free: 2 * 1024 * MIB,
            total: 10 * 1024 * 1024 * MIB,
        };
        assert_eq!(large.minimum(), 1024 * MIB);
        assert!(
            !large.is_low(),
            "2 GiB free is room enough, whatever the disk"
        );
        assert!(
            !Space {
                free: 65 * MIB,
                total: 1024 * MIB
            }
            .is_low()
        );
    }

    #[test]
    fn the_reason_says_how_much_is_free() {
        let low = Low {
            what: "database",
            space: Space {
                free: 10 * MIB,
                total: 100 * MIB,
            },
        };
        assert_eq!(
            low.to_string(),
            "the disk holding the database is nearly full (10 MiB free, the node keeps 64 MiB)"
        );
    }

    #[test]
    fn a_real_folder_is_read_and_postgres_has_no_database_dir() {
        let dir = std::env::temp_dir();
        assert!(read(&dir).is_ok_and(|space| space.total > 0));
        let guard = DiskGuard::new(&dir, None);
        assert!(guard.database_may_grow().is_ok());
        let sqlite = DiskGuard::new(&dir, Some(&dir.join("kentongan.db")));
        assert!(matches!(sqlite.database_dir, DatabaseDir::InDataDir));
        // A folder that cannot be read is not taken for a full one.
        let missing = DiskGuard::new(Path::new("/nonexistent/kentongan"), None);
        assert!(missing.files_may_grow().is_ok());
    }
}
