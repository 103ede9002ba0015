//! What of a node's data directory is private, and keeping it so: the directory itself
//! and every folder in it 0700, every file the node writes 0600 (the database holds the
//! actors' private keys, the config may hold a database password, `private/` holds
//! residents' photos, `documents/` holds PPID documents some of which are exempt),
//! whatever the umask of whoever started the node. The node serves its public files
//! itself, so no one else needs to read them. `serve` warns about anything others can
//! read, since a backup restored by hand or an old version may have left it so.

use std::{
    fs, io,
    os::unix::fs::{DirBuilderExt, PermissionsExt},
    path::{Path, PathBuf},
};

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents 0700, and makes `dir` itself 0700 if it existed.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    // The mode given to mkdir passes through the umask; set it outright.
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
}

/// Makes an existing file 0600; a file that does not exist is fine.
pub fn make_private(path: &Path) -> io::Result<()> {
    match fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE)) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Writes a new file at `path`, 0600 from its first byte.
pub fn create_private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// The SQLite database and its companions, which hold the private keys.
pub fn make_database_private(database: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        make_private(Path::new(&name))?;
    }
    Ok(())
}

/// Everything in `dir` (not following links) that others than its owner may read,
/// write or enter, as one line each.
pub fn readable_by_others(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.permissions().mode() & 0o077 != 0 {
            found.push(format!(
                "{} is {:o}",
                path.display(),
                meta.permissions().mode() & 0o777
            ));
        }
        if meta.is_dir()
            && let Ok(entries) = fs::read_dir(&path)
        {
            pending.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_are_private_and_others_are_found() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("node");
        create_private_dir(&dir.join("private/ticket-photos")).expect("mkdir");
        let mut file = create_private_file(&dir.join("kentongan.toml")).expect("file");
        use std::io::Write;
        file.write_all(b"x").expect("write");
        assert_eq!(readable_by_others(&dir), Vec::<String>::new());
        fs::set_permissions(
            dir.join("kentongan.toml"),
            fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        let found = readable_by_others(&dir);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].ends_with("kentongan.toml is 644"), "{found:?}");
        make_private(&dir.join("kentongan.toml")).expect("chmod");
        make_private(&dir.join("missing")).expect("nothing to do");
        assert!(readable_by_others(&dir).is_empty());
    }
}
