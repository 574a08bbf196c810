//! Reads the scenario and the files it names, remembering each file's SHA-256 for the manifest.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sentinel_engine::limits::MAX_INPUT_FILE_BYTES;
use sentinel_engine::{Diagnostics, Scenario, SourceFile, SourceLoader};
use sha2::{Digest, Sha256};

/// An input file and its digest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    /// Path as written in the scenario (relative to the scenario file); the scenario's own file name for it.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a regular file for reading. FIFOs, devices, sockets and directories are refused: the
/// file is opened non-blocking (so a FIFO without a writer cannot block) and its type checked on
/// the open handle. `Err` says what is wrong, without the path (callers name it).
pub fn open_regular(path: &Path) -> Result<(File, u64), String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok((file, meta.len()));
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(format!("it is {what}; give a regular file"))
}

/// Reads a whole regular file of at most `limit` bytes (see [`open_regular`]). A file that is
/// larger, or grows past the limit while being read, is refused, never read to the end.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let (file, len) = open_regular(path)?;
    let too_big = |n: u64| format!("it is {n} bytes, more than the limit of {limit} bytes ({})", mib(limit));
    if len > limit {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads an input file (scenario, catalog, change file) within [`MAX_INPUT_FILE_BYTES`]; the
/// error names the file.
pub fn read_input(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    read_capped(path, MAX_INPUT_FILE_BYTES).map_err(|e| anyhow::anyhow!("cannot read {what} {}: {e}", path.display()))
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

struct FsLoader {
    dir: PathBuf,
    files: Vec<InputFile>,
}

impl SourceLoader for FsLoader {
    fn load(&mut self, relative_path: &str) -> Result<SourceFile, String> {
        let path = self.dir.join(relative_path);
        let bytes = read_capped(&path, MAX_INPUT_FILE_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({e})"))?;
        self.files.push(InputFile {
            path: relative_path.to_string(),
            bytes: text.len() as u64,
            sha256: sha256_hex(text.as_bytes()),
        });
        Ok(SourceFile::new(path.display().to_string(), text))
    }
}

/// A loaded scenario with its inputs.
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The scenario file itself.
    pub scenario_file: InputFile,
    /// The files it named, in the order they were read.
    pub inputs: Vec<InputFile>,
}

/// Loads a scenario file; on invalid input returns the diagnostics.
pub fn load(path: &Path) -> anyhow::Result<Result<Loaded, Diagnostics>> {
    let bytes = read_input(path, "scenario file")?;
    let text =
        String::from_utf8(bytes).with_context(|| format!("scenario file {} is not UTF-8 text", path.display()))?;
    let scenario_file = InputFile {
        path: path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        bytes: text.len() as u64,
        sha256: sha256_hex(text.as_bytes()),
    };
    let src = SourceFile::new(path.display().to_string(), text);
    let mut loader = FsLoader {
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: Vec::new(),
    };
    Ok(
        sentinel_engine::load_scenario(&src, &mut loader).map(|scenario| Loaded {
            scenario,
            scenario_file,
            inputs: loader.files,
        }),
    )
}

/// A reader that hashes and counts the bytes read through it, to check a file against the digest a
/// run's manifest records for it while it is streamed.
pub struct Hashing<R> {
    inner: R,
    sha: Sha256,
    bytes: u64,
}

impl<R> Hashing<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            sha: Sha256::new(),
            bytes: 0,
        }
    }

    /// Checks what was read (the whole file) against a manifest entry (its bytes and SHA-256).
    pub fn check_against(&mut self, entry: &crate::manifest::OutputFile, path: &Path) -> anyhow::Result<()> {
        let sha = hex(&std::mem::take(&mut self.sha).finalize());
        if entry.sha256 != sha || entry.bytes != self.bytes {
            anyhow::bail!(
                "{}: SHA-256 {sha} ({} bytes) differs from its run's manifest ({}, {} bytes): the file was modified; `sentinel verify` checks a run",
                path.display(),
                self.bytes,
                entry.sha256,
                entry.bytes
            );
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
