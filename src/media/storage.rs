//! Processed images on disk, in `{data dir}/media/`, named after their content:
//! `{key}-{variant}.{ext}`, where the key is the start of the SHA-256 of the `large`
//! variant. The same photo uploaded twice is stored once, and a name never changes
//! what it points to, so it can be cached forever. Files appear whole or not at all
//! (written aside, then renamed). The naming scheme is also the only way in:
//! `path_of` refuses every other name, so no request can walk out of the folder.

use super::process::ProcessedImage;
use sha2::{Digest, Sha256};
use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// Hex characters of the key: 128 bits, ample against accidental collisions.
const KEY_LEN: usize = 32;
const VARIANT_NAMES: [&str; 3] = ["large", "medium", "thumb"];
const EXTENSIONS: [&str; 2] = ["jpg", "png"];

/// The folder of stored images.
#[derive(Clone, Debug)]
pub struct MediaStore {
    dir: PathBuf,
}

/// Where a saved image can be found again: enough to name and describe its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImage {
    pub key: String,
    /// Width of the `large` variant.
    pub width: u32,
    /// Height of the `large` variant.
    pub height: u32,
    /// Of every variant: `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// Of every variant: `jpg` or `png`.
    pub extension: &'static str,
}

impl StoredImage {
    /// The file name of a variant (`large`, `medium`, `thumb`), as served under `/media/`.
    pub fn file_name(&self, variant: &str) -> String {
        format!("{}-{variant}.{}", self.key, self.extension)
    }
}

impl MediaStore {
    /// The store under `data_dir/media/`; nothing is touched until the first `save`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("media"),
        }
    }

    /// A store in another folder, for images that must not be served under `/media/`
    /// (a resident's photo attached to a private message).
    pub fn in_dir(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Writes the three variants, creating the folder if needed. Blocking file I/O: call
    /// it from `spawn_blocking`, like the processing that came before.
    #[tracing::instrument(skip_all)]
    pub fn save(&self, image: &ProcessedImage) -> io::Result<StoredImage> {
        let large = image
            .variant("large")
            .ok_or_else(|| invalid("the image has no large variant"))?;
        let mut key = hex::encode(Sha256::digest(&large.bytes));
        key.truncate(KEY_LEN);
        let stored = StoredImage {
            key,
            width: image.width,
            height: image.height,
            mime: large.mime,
            extension: large.extension,
        };
        // Checked before anything is written, so a bad image leaves no partial set.
        for name in VARIANT_NAMES {
            let variant = image
                .variant(name)
                .ok_or_else(|| invalid("the image lacks a variant"))?;
            if variant.extension != stored.extension {
                return Err(invalid("the variants differ in format"));
            }
        }

        crate::data_dir::create_private_dir(&self.dir)
            .map_err(|err| in_context(err, "creating", &self.dir))?;
        for name in VARIANT_NAMES {
            let Some(variant) = image.variant(name) else {
                continue;
            };
            let file_name = stored.file_name(name);
            let path = self.dir.join(&file_name);
            // Content addressed: an existing file already holds this image.
            if path
                .try_exists()
                .map_err(|err| in_context(err, "checking", &path))?
            {
                continue;
            }
            self.write_atomically(&file_name, &variant.bytes)?;
        }
        tracing::info!(key = %stored.key, "image stored");
        Ok(stored)
    }

    /// Where a stored file would be, if the name is one `save` could have made.
    pub fn path_of(&self, file_name: &str) -> Option<PathBuf> {
        is_valid_file_name(file_name).then(|| self.dir.join(file_name))
    }

    fn write_atomically(&self, file_name: &str, bytes: &[u8]) -> io::Result<()> {
        write_atomically(&self.dir, file_name, bytes)
    }
}

/// Writes `dir/file_name` to a temporary name in the same folder (the same file system,
/// so the rename is atomic), flushed, then renamed: a reader sees the whole file or none.
pub fn write_atomically(dir: &Path, file_name: &str, bytes: &[u8]) -> io::Result<()> {
    let path = dir.join(file_name);
    // Starts with a dot and ends in `.tmp`: never a valid name, never served.
    let temp = dir.join(format!(
        ".{file_name}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let written = crate::data_dir::create_private_file(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, &path));
    if let Err(err) = written {
        // Best effort: the temporary name is never served, only wasted space.
        let _ = fs::remove_file(&temp);
        return Err(in_context(err, "writing", &path));
    }
    Ok(())
}

/// Whether `name` is exactly `{32 lowercase hex}-{large|medium|thumb}.{jpg|png}`: the
/// only names the store makes, and the only ones it serves.
pub fn is_valid_file_name(name: &str) -> bool {
    let Some((key, rest)) = name.split_at_checked(KEY_LEN) else {
        return false;
    };
    let Some((variant, extension)) = rest.strip_prefix('-').and_then(|rest| rest.split_once('.'))
    else {
        return false;
    };
    key.bytes()
        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        && VARIANT_NAMES.contains(&variant)
        && EXTENSIONS.contains(&extension)
}

fn invalid(reason: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, reason)
}

/// `io::Error` names no path; keep its kind and say what we were doing where.
fn in_context(err: io::Error, doing: &str, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{doing} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Variant, process_upload};
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn processed() -> ProcessedImage {
        let photo = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| {
            Rgb([(x * 4) as u8, (y * 5) as u8, 90])
        }));
        let mut png = Vec::new();
        photo
            .write_to(&mut io::Cursor::new(&mut png), ImageFormat::Png)
            .expect("encode");
        process_upload(&png).expect("processed")
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn save_writes_the_three_variants_under_their_names() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::new(data.path());
        let image = processed();

        let stored = store.save(&image).expect("saved");

        assert_eq!(stored.key.len(), KEY_LEN);
        assert_eq!((stored.width, stored.height), (64, 48));
        assert_eq!((stored.mime, stored.extension), ("image/jpeg", "jpg"));
        let names: Vec<String> = ["large", "medium", "thumb"]
            .iter()
            .map(|variant| stored.file_name(variant))
            .collect();
        // Sorted alphabetically, which is this order; no temporary file is left.
        assert_eq!(files_in(&data.path().join("media")), names);
        for (name, variant) in names.iter().zip(&image.variants) {
            assert!(is_valid_file_name(name), "{name}");
            let path = store.path_of(name).expect("valid name");
            assert_eq!(fs::read(path).expect("read"), variant.bytes);
        }
    }

    #[test]
    fn saving_the_same_image_twice_stores_it_once() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::new(data.path());

        let first = store.save(&processed()).expect("saved");
        let second = store.save(&processed()).expect("saved again");

        assert_eq!(first, second);
        assert_eq!(files_in(&data.path().join("media")).len(), 3);
    }

    #[test]
    fn image_without_all_variants_is_not_saved() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::new(data.path());
        let mut image = processed();
        image
            .variants
            .retain(|variant: &Variant| variant.name != "thumb");

        let err = store.save(&image).expect_err("refused");

        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(!data.path().join("media").exists());
    }

    #[test]
    fn names_outside_the_scheme_are_refused() {
        for good in [
            format!("{KEY}-large.jpg"),
            format!("{KEY}-medium.png"),
            format!("{KEY}-thumb.jpg"),
        ] {
            assert!(is_valid_file_name(&good), "{good}");
        }
        for bad in [
            String::new(),
            "../x".to_string(),
            format!("../{KEY}-large.jpg"),
            format!("{KEY}-large.jpg/.."),
            format!("{KEY}-large.jpg/../../config.toml"),
            format!("{}-large.jpg", KEY.to_uppercase()),
            format!("{}-large.jpg", &KEY[..31]),
            format!("{KEY}0-large.jpg"),
            format!("{}g-large.jpg", &KEY[..31]),
            format!("{KEY}-large.gif"),
            format!("{KEY}-large.jpeg"),
            format!("{KEY}-large.JPG"),
            format!("{KEY}-large.jpg.tmp"),
            format!("{KEY}-original.jpg"),
            format!("{KEY}-large"),
            format!("{KEY}large.jpg"),
            format!(".{KEY}-large.jpg.0123.tmp"),
            format!("{}é-large.jpg", &KEY[..31]),
        ] {
            assert!(!is_valid_file_name(&bad), "{bad}");
        }
    }

    #[test]
    fn path_of_stays_inside_the_media_folder() {
        let store = MediaStore::new(Path::new("/srv/kentongan"));

        assert_eq!(
            store.path_of(&format!("{KEY}-thumb.png")),
            Some(PathBuf::from(format!(
                "/srv/kentongan/media/{KEY}-thumb.png"
            )))
        );
        assert_eq!(store.path_of("../kentongan.toml"), None);
        assert_eq!(store.path_of(&format!("{KEY}-large.jpg/..")), None);
    }
}
