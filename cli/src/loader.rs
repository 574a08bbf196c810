//! Reads the scenario and the files it names, remembering each file's SHA-256 for the manifest.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sentinel_engine::{Diagnostics, Scenario, SourceFile, SourceLoader};
use sha2::{Digest, Sha256};

/// An input file and its digest.
#[derive(Debug, Clone, serde::Serialize)]
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

struct FsLoader {
    dir: PathBuf,
    files: Vec<InputFile>,
}

impl SourceLoader for FsLoader {
    fn load(&mut self, relative_path: &str) -> Result<SourceFile, String> {
        let path = self.dir.join(relative_path);
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
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
    let bytes = std::fs::read(path).with_context(|| format!("cannot read scenario file {}", path.display()))?;
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
