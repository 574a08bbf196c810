//! The scenario a recorded run was made from, rebuilt for `replay`, `fork` and the truth exports:
//! the scenario file and every input it names must still have the digests the manifest recorded,
//! and for a fork the change file too, which is applied again from the fork tick. So a re-simulation
//! can only reproduce the run it names.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sentinel_engine::SourceFile;

use crate::loader::{self, InputFile};
use crate::manifest::Manifest;
use crate::render;

/// Where to find a run's inputs when they moved since it was made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Moved<'a> {
    /// The scenario file (the recorded `scenario_path` otherwise).
    pub scenario: Option<&'a Path>,
    /// A fork's change file (the recorded `fork.change.path` otherwise).
    pub change: Option<&'a Path>,
}

/// Loads the scenario a run was made from, with a fork's change applied from its fork tick.
pub fn load_run(m: &Manifest, moved: Moved<'_>) -> anyhow::Result<loader::Loaded> {
    let mut loaded = load_recorded(m, moved.scenario)?;
    let Some(fork) = &m.fork else {
        return Ok(loaded);
    };
    let at_tick = fork.at_tick;
    let path = match moved.change {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(&fork.change.path),
    };
    let (src, file) = read_change(&path).with_context(|| {
        format!(
            "this run is a fork; pass --change if its change file moved from {}",
            path.display()
        )
    })?;
    let recorded = &fork.change.sha256;
    if file.sha256 != *recorded {
        bail!(
            "the fork's change file {} has sha256 {} now, {} when the fork was made, so the fork cannot be reproduced",
            path.display(),
            &file.sha256[..16],
            recorded.get(..16).unwrap_or(recorded)
        );
    }
    let fork_s = at_tick
        .checked_mul(u64::from(loaded.scenario.clock.tick_s))
        .and_then(|s| i64::try_from(s).ok())
        .context("the manifest's fork tick is out of range")?;
    loaded.scenario = apply(&loaded.scenario, &src, fork_s)?;
    Ok(loaded)
}

/// Applies a change file to a scenario from `fork_s` seconds on; bad changes are printed as
/// positioned diagnostics.
pub fn apply(
    scenario: &sentinel_engine::Scenario,
    src: &SourceFile,
    fork_s: i64,
) -> anyhow::Result<sentinel_engine::Scenario> {
    sentinel_engine::scenario::apply_change(scenario, src, fork_s).map_err(|d| {
        render::diagnostics(&d);
        crate::Reported.into()
    })
}

/// Reads a change file (`sentinel fork --with`) and its digest.
pub fn read_change(path: &Path) -> anyhow::Result<(SourceFile, InputFile)> {
    let bytes = loader::read_input(path, "change file")?;
    let file = InputFile {
        path: path.to_string_lossy().into_owned(),
        bytes: bytes.len() as u64,
        sha256: loader::sha256_hex(&bytes),
    };
    let text = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    Ok((SourceFile::new(path.display().to_string(), text), file))
}

/// Loads the scenario a run was made from (its recorded path, or `scenario`), and refuses when the
/// scenario or any input no longer has the digest the manifest recorded. A fork's change is not
/// applied (see [`load_run`]).
pub fn load_recorded(m: &Manifest, scenario: Option<&Path>) -> anyhow::Result<loader::Loaded> {
    let path = match &scenario {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(&m.scenario_path),
    };
    let loaded = match loader::load(&path).with_context(|| {
        format!(
            "cannot replay: pass --scenario if the scenario moved from {}",
            path.display()
        )
    })? {
        Ok(l) => l,
        Err(d) => {
            render::diagnostics(&d);
            return Err(crate::Reported.into());
        }
    };
    // The inputs must be the ones the run used.
    let mut changed = Vec::new();
    let recorded = |p: &str| -> Option<&String> {
        std::iter::once(&m.scenario_file)
            .chain(&m.inputs)
            .find(|i| i.path == p)
            .map(|i| &i.sha256)
    };
    for f in std::iter::once(&loaded.scenario_file).chain(loaded.inputs.iter()) {
        match recorded(&f.path) {
            Some(s) if *s == f.sha256 => {}
            Some(s) => changed.push(format!(
                "{}: sha256 {} now, {} when the run was made",
                f.path,
                &f.sha256[..16],
                s.get(..16).unwrap_or(s)
            )),
            None => changed.push(format!("{}: not an input of the recorded run", f.path)),
        }
    }
    if !changed.is_empty() {
        bail!(
            "the inputs changed since the run, so a replay cannot reproduce it:\n  {}",
            changed.join("\n  ")
        );
    }
    Ok(loaded)
}
