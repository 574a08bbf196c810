//! Helpers shared by the engine's integration tests: in-memory scenario loading and running.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use sentinel_engine::{Record, Scenario, Sim, SimOptions, SourceFile, SourceLoader};

/// Loads files relative to a directory of the repository (tests may read files; the engine may not).
pub struct DirLoader(pub PathBuf);

impl SourceLoader for DirLoader {
    fn load(&mut self, rel: &str) -> Result<SourceFile, String> {
        let p = self.0.join(rel);
        std::fs::read_to_string(&p)
            .map(|t| SourceFile::new(p.display().to_string(), t))
            .map_err(|e| e.to_string())
    }
}

/// Serves files from memory.
#[derive(Default)]
pub struct MemLoader(pub BTreeMap<String, String>);

impl SourceLoader for MemLoader {
    fn load(&mut self, rel: &str) -> Result<SourceFile, String> {
        self.0
            .get(rel)
            .map(|t| SourceFile::new(rel, t.as_str()))
            .ok_or_else(|| "no such file".to_string())
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads a scenario text whose relative paths resolve against `dir` (relative to the repository).
pub fn load(name: &str, text: &str, dir: &str) -> Scenario {
    let src = SourceFile::new(name, text);
    match sentinel_engine::load_scenario(&src, &mut DirLoader(repo().join(dir))) {
        Ok(s) => s,
        Err(d) => panic!("scenario {name} does not load:\n{d}"),
    }
}

/// Loads a scenario file of the repository.
pub fn load_file(rel: &str) -> Scenario {
    let path = repo().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let dir = std::path::Path::new(rel)
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    load(rel, &text, &dir)
}

/// Runs a scenario to the end and returns every record; every line of its log is checked to read
/// back into the same event and to write the same bytes again ([`round_trip`]).
pub fn run(s: &Scenario, seed: u64, options: SimOptions) -> Vec<Record> {
    let mut sim = Sim::new(s, seed, options);
    let mut all = Vec::new();
    while !sim.is_done() {
        all.extend(sim.step());
    }
    round_trip(s, &all);
    all
}

/// Checks that each record's JSON line reads back (`parse_line`) into the same tick and event and
/// writes the same bytes again: the log's one schema is complete and exact.
pub fn round_trip(s: &Scenario, records: &[Record]) {
    for r in records {
        let time = s.clock.iso(sentinel_engine::Tick(r.tick));
        let mut line = Vec::new();
        sentinel_engine::write_json_line(&mut line, r, &time, &mut Vec::new()).unwrap();
        let text = std::str::from_utf8(&line).unwrap().trim_end();
        let back = sentinel_engine::parse_line(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(
            (back.tick, &back.time, &back.event),
            (r.tick, &time, &r.event),
            "{text}"
        );
        let mut again = Vec::new();
        back.write(&mut again).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), String::from_utf8(line).unwrap());
    }
}

/// The log as JSON lines (what the CLI writes).
pub fn jsonl(s: &Scenario, records: &[Record]) -> String {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    for r in records {
        sentinel_engine::write_json_line(&mut out, r, &s.clock.iso(sentinel_engine::Tick(r.tick)), &mut scratch)
            .unwrap();
    }
    String::from_utf8(out).unwrap()
}

/// A nation's view of a run's records (as `sentinel run --view` writes it).
pub fn view(records: &[Record], nation: &str) -> Vec<Record> {
    let v = sentinel_engine::view::NationView::new(nation);
    records
        .chunk_by(|a, b| a.tick == b.tick)
        .flat_map(|tick| v.tick(tick))
        .collect()
}
