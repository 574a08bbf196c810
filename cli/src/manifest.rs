//! manifest.json: what a run was made from and what it produced. Deterministic: no wall-clock
//! time, host names or thread counts; paths are those the scenario names and those given on the
//! command line as typed, so the same command gives an identical manifest.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::loader::InputFile;

/// Manifest format identifier.
pub const FORMAT: &str = "sentinel-run/1";

/// The manifest.
#[derive(Debug, Serialize)]
pub struct Manifest {
    /// Format identifier.
    pub format: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub scenario_file: InputFile,
    /// Files the scenario named, paths relative to the scenario file.
    pub inputs: Vec<InputFile>,
    /// Seed used.
    pub seed: u64,
    /// Engine version.
    pub engine_version: &'static str,
    /// Target triple of the build.
    pub target: &'static str,
    /// Compiler version of the build.
    pub rustc: &'static str,
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
    pub event_counts: BTreeMap<&'static str, u64>,
    /// The event log.
    pub events: OutputFile,
    /// Per-nation views (`--view`), in nation-id order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork: Option<Fork>,
    /// Regional centers and their members (for `sentinel report`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub regional_centers: BTreeMap<String, Vec<String>>,
}

/// What a fork was made from.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct ViewFile {
    /// Nation id.
    pub nation: String,
    /// The file.
    #[serde(flatten)]
    pub output: OutputFile,
}

/// An output file and its digest.
#[derive(Debug, Serialize)]
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
