//! Creating output directories with errors that say which part of the path is in the way.

use std::path::Path;

/// `fs::create_dir_all`, but when it fails because a component of `dir` exists and is not a
/// directory (`--out runs/x/y` where `runs/x` is a regular file), the error names that component
/// rather than saying "File exists" or "Not a directory".
pub fn create_dir_all(dir: &Path) -> anyhow::Result<()> {
    let Err(e) = std::fs::create_dir_all(dir) else {
        return Ok(());
    };
    let blocker = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.symlink_metadata().is_ok_and(|m| !m.is_dir()) && !a.is_dir());
    match blocker {
        Some(b) => anyhow::bail!(
            "cannot create {}: {} is a file, not a directory; choose another path or move the file",
            dir.display(),
            b.display()
        ),
        None => Err(anyhow::anyhow!("cannot create {}: {e}", dir.display())),
    }
}
