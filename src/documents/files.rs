//! Document files on disk, in `{data dir}/documents/`, named `{sha256}.{pdf|jpg|png}`.
//! This folder is never served as a folder: the website looks a document up by its
//! public id and serves its file only while the document is public, and the admin
//! serves any of them to a signed-in account. A name outside the scheme is refused
//! before the disk is touched, so no request can walk out of the folder. Files appear
//! whole or not at all (written aside, then renamed).

use sha2::{Digest, Sha256};
use std::{
    fs, io,
    path::{Path, PathBuf},
};

const KEY_LEN: usize = 64;
pub const EXTENSIONS: [&str; 3] = ["pdf", "jpg", "png"];

/// The folder of document files.
#[derive(Clone, Debug)]
pub struct DocumentFiles {
    dir: PathBuf,
}

/// Whether `key` and `ext` are a name `save` could have made.
pub fn is_valid_name(key: &str, ext: &str) -> bool {
    key.len() == KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && EXTENSIONS.contains(&ext)
}

impl DocumentFiles {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("documents"),
        }
    }

    /// Stores the bytes under their hash; the same file twice is stored once. Blocking.
    pub fn save(&self, bytes: &[u8], ext: &str) -> io::Result<String> {
        if !EXTENSIONS.contains(&ext) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "unknown document extension",
            ));
        }
        let key = hex::encode(Sha256::digest(bytes));
        crate::data_dir::create_private_dir(&self.dir)?;
        let path = self.dir.join(format!("{key}.{ext}"));
        if path.try_exists()? {
            return Ok(key);
        }
        crate::media::write_atomically(&self.dir, &format!("{key}.{ext}"), bytes)?;
        Ok(key)
    }

    /// Where a stored file would be, if the name is one `save` could have made.
    pub fn path_of(&self, key: &str, ext: &str) -> Option<PathBuf> {
        is_valid_name(key, ext).then(|| self.dir.join(format!("{key}.{ext}")))
    }

    /// Removes a file no document uses any more; a file already gone is fine.
    pub fn remove(&self, key: &str, ext: &str) -> io::Result<()> {
        let Some(path) = self.path_of(key, ext) else {
            return Ok(());
        };
        match fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_are_named_by_their_hash_and_found_again() {
        let data = tempfile::tempdir().expect("temp dir");
        let files = DocumentFiles::new(data.path());
        let key = files.save(b"%PDF-1.4 test", "pdf").expect("saved");
        assert_eq!(key, files.save(b"%PDF-1.4 test", "pdf").expect("again"));
        let path = files.path_of(&key, "pdf").expect("valid");
        assert_eq!(fs::read(&path).expect("read"), b"%PDF-1.4 test");
        files.remove(&key, "pdf").expect("removed");
        assert!(!path.exists());
        files.remove(&key, "pdf").expect("removing twice is fine");
    }

    #[test]
    fn names_outside_the_scheme_are_refused() {
        let files = DocumentFiles::new(Path::new("/srv/k"));
        let key = "a".repeat(64);
        assert!(files.path_of(&key, "pdf").is_some());
        assert!(files.path_of("../kentongan.toml", "pdf").is_none());
        assert!(files.path_of(&key, "exe").is_none());
        assert!(files.path_of(&"A".repeat(64), "pdf").is_none());
        assert!(files.path_of(&"a".repeat(63), "pdf").is_none());
    }
}
