//! A real small filesystem for the tests of a nearly full disk: a tmpfs mounted for one
//! test when it runs as root (the caller prints SKIPPED with the reason otherwise), and
//! unmounted when dropped, also when the test fails.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

pub struct SmallDisk {
    pub mount_point: PathBuf,
    /// Its size: never more than this is written, whatever `statvfs` says.
    size: u64,
    _parent: Option<tempfile::TempDir>,
}

impl SmallDisk {
    /// A tmpfs of `mib` MiB in a folder of its own, or why this machine cannot make one.
    pub fn mount(mib: u64) -> Result<Self, String> {
        let parent = tempfile::tempdir().map_err(|err| err.to_string())?;
        let mount_point = parent.path().join("data");
        std::fs::create_dir(&mount_point).map_err(|err| err.to_string())?;
        let mut disk = Self::mount_on(&mount_point, mib)?;
        disk._parent = Some(parent);
        Ok(disk)
    }

    /// A tmpfs of `mib` MiB mounted over the folder `dir`, holding a copy of what the
    /// folder held (a site's folder moved onto a small disk), or why it cannot be made.
    pub fn mount_over(dir: &Path, mib: u64) -> Result<Self, String> {
        let aside = dir.with_extension("aside");
        std::fs::rename(dir, &aside).map_err(|err| err.to_string())?;
        std::fs::create_dir(dir).map_err(|err| err.to_string())?;
        let disk = match Self::mount_on(dir, mib) {
            Ok(disk) => disk,
            Err(reason) => {
                let _ = std::fs::remove_dir(dir);
                let _ = std::fs::rename(&aside, dir);
                return Err(reason);
            }
        };
        copy_tree(&aside, dir).map_err(|err| format!("copying onto the small disk: {err}"))?;
        std::fs::remove_dir_all(&aside).map_err(|err| err.to_string())?;
        Ok(disk)
    }

    fn mount_on(mount_point: &Path, mib: u64) -> Result<Self, String> {
        let uid = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default();
        if uid != "0" {
            return Err("mounting a small filesystem needs root".into());
        }
        let output = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(mount_point)
            .output()
            .map_err(|err| format!("cannot run mount: {err}"))?;
        if !output.status.success() {
            return Err(format!(
                "mount -t tmpfs is not permitted here: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let disk = Self {
            mount_point: mount_point.to_path_buf(),
            size: mib * 1024 * 1024,
            _parent: None,
        };
        // Only ever fill the small filesystem made here, never the one under it.
        let stats = rustix::fs::statvfs(&disk.mount_point).map_err(|err| err.to_string())?;
        if stats.f_blocks * stats.f_frsize > disk.size {
            return Err("the tmpfs is not the size asked for".into());
        }
        Ok(disk)
    }

    pub fn free_bytes(&self) -> u64 {
        let stats = rustix::fs::statvfs(&self.mount_point).expect("statvfs");
        stats.f_bavail * stats.f_frsize
    }

    /// Writes `file` until at most `leave` bytes are free, or until the disk is full
    /// when `leave` is 0.
    pub fn fill(&self, file: &str, leave: u64) {
        let mut out = std::fs::File::create(self.mount_point.join(file)).expect("filler");
        let chunk = vec![0x5a_u8; 1024 * 1024];
        let mut written = 0_u64;
        loop {
            let free = self.free_bytes();
            if free <= leave || written >= self.size {
                return;
            }
            written += chunk.len() as u64;
            let size = usize::try_from((free - leave).min(chunk.len() as u64)).expect("size");
            if out
                .write_all(&chunk[..size])
                .and_then(|()| out.flush())
                .is_err()
            {
                return; // full
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: whatever still holds a file there, the mount goes.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount_point)
            .status();
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir(&target)?;
            std::fs::set_permissions(&target, entry.metadata()?.permissions())?;
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
