//! manifest.json: what a run was made from and what it produced. Deterministic: no wall-clock
//! time, host names or thread counts; paths are those the scenario names and those given on the
//! command line as typed, so the same command gives an identical manifest.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::loader::{InputFile, read_capped};
use sentinel_engine::limits::MAX_MANIFEST_BYTES;

/// Manifest format identifier.
pub const FORMAT: &str = "sentinel-run/1";

/// The manifest, as `sentinel run` writes it and every command that reads a run reads it
/// ([`read`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format identifier.
    pub format: String,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub scenario_file: InputFile,
    /// Files the scenario named, paths relative to the scenario file.
    pub inputs: Vec<InputFile>,
    /// Seed used.
    pub seed: u64,
    /// Engine version.
    pub engine_version: String,
    /// Target triple of the build.
    pub target: String,
    /// Compiler version of the build.
    pub rustc: String,
    /// Scenario epoch (tick 0), UTC.
    pub epoch: String,
    /// Tick length, seconds.
    pub tick_s: u32,
    /// Number of ticks run.
    pub ticks: u64,
    /// Counts of nations, sensors and objects.
    pub nations: usize,
    /// Sensors.
    pub sensors: usize,
    /// Catalog objects.
    pub objects: usize,
    /// Events by kind (every kind listed, zero included).
    pub event_counts: BTreeMap<String, u64>,
    /// Whether the run kept its event log (`--log`; absent in manifests written before the option:
    /// `jsonl`).
    #[serde(default)]
    pub log: LogKind,
    /// The event log. With `--log none` no file is written and this records the log the run would
    /// have written (lines, bytes, SHA-256), so that running it again with a log can be checked.
    pub events: OutputFile,
    /// The run's scorecard, written by the run itself when it keeps no log (`--log none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<OutputFile>,
    /// Per-nation views (`--view`), in nation-id order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewFile>,
    /// Per-nation summary (`nations.json`).
    pub nations_summary: OutputFile,
    /// The per-tick hash chain of the log (`ticks.sha256`).
    pub tick_chain: OutputFile,
    /// The chain's last value: a digest of the whole log, tick by tick.
    pub tick_chain_head: String,
    /// The scenario path as given to `sentinel run` (for `sentinel replay`).
    pub scenario_path: String,
    /// For a fork: its parent and the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork: Option<Fork>,
    /// Regional centers and their members (for `sentinel report`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regional_centers: BTreeMap<String, Vec<String>>,
}

/// Whether a run keeps its event log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// `events.jsonl`, one JSON line per event.
    #[default]
    Jsonl,
    /// No event log: only the scorecard (`report.json`), the per-nation summary and the tick
    /// chain (ensembles: `sentinel batch --log none`).
    None,
}

/// What a fork was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fork {
    /// The parent run directory, as given.
    pub parent: String,
    /// The parent's events SHA-256.
    pub parent_events_sha256: String,
    /// The parent's tick-chain value at the last tick before the fork (the shared prefix).
    pub parent_chain_before_fork: Option<String>,
    /// The first tick that may differ.
    pub at_tick: u64,
    /// The change file.
    pub change: crate::loader::InputFile,
}

/// A per-nation view of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViewFile {
    /// Nation id.
    pub nation: String,
    /// The file.
    #[serde(flatten)]
    pub output: OutputFile,
}

/// An output file and its digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputFile {
    /// File name in the run directory.
    pub file: String,
    /// Lines (events).
    pub lines: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

impl Manifest {
    /// The files it lists (events, summary, tick chain, views) with the key naming each in the
    /// manifest and the name each must have.
    pub fn files(&self) -> Vec<(String, &OutputFile, String)> {
        let mut out = Vec::new();
        if self.log == LogKind::Jsonl {
            out.push(("events".to_string(), &self.events, "events.jsonl".to_string()));
        }
        out.push((
            "nations_summary".to_string(),
            &self.nations_summary,
            "nations.json".to_string(),
        ));
        out.push(("tick_chain".to_string(), &self.tick_chain, "ticks.sha256".to_string()));
        if let Some(r) = &self.report {
            out.push(("report".to_string(), r, "report.json".to_string()));
        }
        for (i, v) in self.views.iter().enumerate() {
            out.push((format!("views[{i}]"), &v.output, format!("views/{}.jsonl", v.nation)));
        }
        out
    }

    /// The run's event log, or an error saying the run kept none.
    pub fn log_path(&self, dir: &Path) -> anyhow::Result<std::path::PathBuf> {
        if self.log == LogKind::None {
            bail!(
                "{} was run with --log none: it keeps its scorecard (report.json), nations.json and tick chain but no event log; run the scenario again with its seed ({}) without --log none for the log, which this manifest's events digest then checks",
                dir.display(),
                self.seed
            );
        }
        Ok(dir.join("events.jsonl"))
    }

    /// The entry of the log file `name` (`events.jsonl` or a view).
    pub fn log_entry(&self, name: &str) -> Option<&OutputFile> {
        std::iter::once(&self.events)
            .chain(self.views.iter().map(|v| &v.output))
            .find(|e| e.file == name)
    }
}

/// Reads a run's manifest: the one manifest reader of every command that reads a run. A missing
/// or mistyped field is an error naming it; the files it names must be the run's own
/// (`events.jsonl`, `nations.json`, `ticks.sha256`, `views/NATION.jsonl`), inside the run
/// directory: never an absolute path, `..` or a symlink leading out of it.
pub fn read(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join("manifest.json");
    let bytes = read_capped(&path, MAX_MANIFEST_BYTES).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a run directory (cannot read manifest.json: {e})",
            dir.display()
        )
    })?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a valid manifest (format {FORMAT})", path.display()))?;
    if m.format != FORMAT {
        bail!(
            "{} is not a valid manifest: its format is {:?}, this build reads {FORMAT:?}",
            path.display(),
            clip(&m.format)
        );
    }
    check_names(dir, &m).with_context(|| format!("{} is not a valid manifest", path.display()))?;
    Ok(m)
}

fn check_names(dir: &Path, m: &Manifest) -> anyhow::Result<()> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    for (key, entry, want) in m.files() {
        let name = &entry.file;
        let plain = !want.contains("..")
            && Path::new(&want)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if *name != want || !plain {
            bail!(
                "`{key}.file` is {:?}; a run directory's manifest names only its own files ({want:?} here), never paths elsewhere",
                clip(name)
            );
        }
        // A symlink may not lead out of the run directory.
        if let Ok(real) = dir.join(name).canonicalize()
            && !real.starts_with(&root)
        {
            bail!("{name} is a link to {}, outside the run directory", real.display());
        }
    }
    Ok(())
}

fn clip(s: &str) -> String {
    sentinel_engine::diag::clip(s).into_owned()
}
