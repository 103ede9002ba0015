//! The tar files that carry sites between machines, `site export`'s archive and
//! `kentongan backup`'s: every entry hashed as it is written and listed, with its size and
//! SHA-256, in a manifest written last; read back by unpacking into a private scratch
//! folder and refusing, before anything is written where it counts, an entry of a name
//! the format does not have, an entry twice, or an entry the manifest does not list as it
//! is. What else each manifest says (tables, sites, versions) is its format's own.

use crate::data_dir::{create_private_dir, create_private_file};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

/// One entry of a tar file, as its manifest lists it or as it was unpacked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Reads through, counting and hashing what passes.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn entry(self, path: String) -> PackedEntry {
        PackedEntry {
            path,
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

/// Adds `size` bytes of `reader` to `tar` as `path` (0600), hashed; its manifest entry.
/// A file that grew or shrank while it was read is refused: `again` says what to do
/// (`export again`, `back up again`).
pub fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    reader: impl Read,
    mtime: u64,
    again: &str,
) -> anyhow::Result<PackedEntry> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    let mut hashing = Hashing::new(reader.take(size));
    tar.append_data(&mut header, path, &mut hashing)
        .with_context(|| format!("adding {path}"))?;
    if hashing.bytes != size {
        anyhow::bail!("{path} changed while it was being read; {again}");
    }
    Ok(hashing.entry(path.to_string()))
}

/// What a tar file is written through: the file, buffered, or gzip on top of that.
pub trait Sink: Write {
    /// Everything written out and the file given back.
    fn into_file(self) -> io::Result<fs::File>;
}

impl Sink for io::BufWriter<fs::File> {
    fn into_file(self) -> io::Result<fs::File> {
        self.into_inner().map_err(|err| err.into_error())
    }
}

impl<W: Sink> Sink for flate2::write::GzEncoder<W> {
    fn into_file(self) -> io::Result<fs::File> {
        self.finish()?.into_file()
    }
}

/// Ends a tar file: `manifest` written last as `path` (it lists every other entry, so it
/// cannot be one of them), the tar closed and the file on disk. `what` names the file in
/// the reasons (`the backup`). Returns the file's size. Blocking file I/O.
pub fn finish<W: Sink>(
    mut tar: tar::Builder<W>,
    path: &str,
    manifest: &impl Serialize,
    mtime: u64,
    again: &str,
    what: &str,
) -> anyhow::Result<u64> {
    let text = serde_json::to_vec_pretty(manifest).with_context(|| format!("writing {path}"))?;
    append(
        &mut tar,
        path,
        text.len() as u64,
        text.as_slice(),
        mtime,
        again,
    )?;
    let file = tar
        .into_inner()
        .and_then(Sink::into_file)
        .with_context(|| format!("finishing {what}"))?;
    file.sync_all()
        .with_context(|| format!("writing {what} to disk"))?;
    Ok(file.metadata().map(|meta| meta.len()).unwrap_or_default())
}

/// Unpacks `tar` into `into` (0700 folders, 0600 files), hashing every entry; refuses an
/// entry whose name `allowed` refuses (`kind` names the format in the reason) and an entry
/// twice. Blocking file I/O.
pub fn unpack<R: Read>(
    mut tar: tar::Archive<R>,
    into: &Path,
    allowed: fn(&str) -> bool,
    kind: &str,
) -> anyhow::Result<BTreeMap<String, PackedEntry>> {
    create_private_dir(into).with_context(|| format!("creating {}", into.display()))?;
    let mut unpacked = BTreeMap::new();
    for entry in tar.entries()? {
        let entry = entry?;
        let path = entry
            .path()?
            .to_str()
            .map(str::to_string)
            .unwrap_or_default();
        let entry_type = entry.header().entry_type();
        if entry_type.is_dir() {
            continue;
        }
        if !entry_type.is_file() || !allowed(&path) {
            anyhow::bail!("it holds {path:?}, which no {kind} holds");
        }
        if unpacked.contains_key(&path) {
            anyhow::bail!("it holds {path} twice");
        }
        let destination = into.join(&path);
        if let Some(parent) = destination.parent() {
            create_private_dir(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut file = create_private_file(&destination)
            .with_context(|| format!("creating {}", destination.display()))?;
        let mut hashing = Hashing::new(entry);
        io::copy(&mut hashing, &mut file)
            .with_context(|| format!("reading {path} (the file is cut short?)"))?;
        unpacked.insert(path.clone(), hashing.entry(path));
    }
    Ok(unpacked)
}

/// Every entry unpacked (but the manifest, `manifest_name`) is listed in `listed` with its
/// size and SHA-256, and every entry listed was unpacked.
pub fn check_entries(
    unpacked: &BTreeMap<String, PackedEntry>,
    listed: &[PackedEntry],
    manifest_name: &str,
) -> anyhow::Result<()> {
    let listed: BTreeMap<&str, &PackedEntry> = listed
        .iter()
        .map(|entry| (entry.path.as_str(), entry))
        .collect();
    for (path, entry) in unpacked.iter().filter(|(path, _)| *path != manifest_name) {
        match listed.get(path.as_str()) {
            None => anyhow::bail!(
                "it was changed: it holds {path}, which {manifest_name} does not list"
            ),
            Some(expected) if *expected != entry => anyhow::bail!(
                "it was changed or damaged: {path} does not match its SHA-256 in {manifest_name}"
            ),
            Some(_) => {}
        }
    }
    let present: BTreeSet<&str> = unpacked.keys().map(String::as_str).collect();
    for path in listed.keys() {
        if !present.contains(path) {
            anyhow::bail!("it is incomplete: it lacks {path}, which {manifest_name} lists");
        }
    }
    Ok(())
}

/// A text file of an unpacked tar, read up to `largest` bytes.
pub fn read_text(path: &Path, largest: u64) -> anyhow::Result<String> {
    let file = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut text = String::new();
    file.take(largest)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(text)
}

/// A private folder for work in progress, named with `prefix` and a random part; removed
/// when dropped unless kept.
pub struct Scratch {
    pub path: PathBuf,
    keep: bool,
}

impl Scratch {
    pub fn create(parent: &Path, prefix: &str) -> anyhow::Result<Self> {
        let path = parent.join(format!("{prefix}{}", uuid::Uuid::new_v4().simple()));
        create_private_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self { path, keep: false })
    }

    /// The folder, left for the caller to remove.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.path.clone()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
