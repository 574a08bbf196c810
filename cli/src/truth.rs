//! Truth trajectories of a recorded run, for the exports that need positions the log does not hold
//! (OEM, CZML, DIS): the run's scenario is re-simulated with its recorded seed (after the input
//! digests are checked, as `replay` does), and every re-simulated tick is checked against the run's
//! hash chain, so a trajectory can only come from the run it claims to belong to. Nothing is ever
//! written back to the run.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, bail};
use sentinel_engine::{Record, Scenario, Sim, SimOptions, StateVector, Tick, write_json_line};

use crate::chain::{self, Chain};
use crate::manifest::{Manifest, read as manifest};
use crate::recorded::Moved;

/// A run being re-simulated tick by tick.
pub struct Resim {
    /// The run's scenario, as loaded (digests checked).
    pub scenario: Scenario,
    /// The recorded seed.
    pub seed: u64,
    /// When set, the ticks run so far are stored here (for a progress display).
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    sim: Sim,
    recorded_chain: Vec<String>,
    chain: Chain,
    bytes: Vec<u8>,
    scratch: Vec<u8>,
    events: Vec<Record>,
}

impl Resim {
    /// Opens a run directory for re-simulation (`scenario` overrides the recorded scenario path); a
    /// fork is re-simulated with its recorded change file.
    pub fn open(dir: &Path, scenario: Option<&Path>, threads: usize) -> anyhow::Result<Resim> {
        let m = manifest(dir)?;
        Self::open_recorded(dir, &m, Moved { scenario, change: None }, threads)
    }

    /// Opens any run directory whose manifest is `m` for re-simulation, after checking that its
    /// inputs (and a fork's change file) still have their recorded digests.
    pub fn open_recorded(dir: &Path, m: &Manifest, moved: Moved<'_>, threads: usize) -> anyhow::Result<Resim> {
        let loaded = crate::recorded::load_run(m, moved)?;
        let seed = m.seed;
        let recorded_chain = chain::read(BufReader::new(
            File::open(dir.join("ticks.sha256")).context("cannot open ticks.sha256")?,
        ))?;
        let sim = Sim::new(
            &loaded.scenario,
            seed,
            SimOptions {
                threads: threads.clamp(1, 256),
                ..SimOptions::default()
            },
        );
        Ok(Resim {
            scenario: loaded.scenario,
            seed,
            progress: None,
            sim,
            recorded_chain,
            chain: Chain::default(),
            bytes: Vec::new(),
            scratch: Vec::new(),
            events: Vec::new(),
        })
    }

    /// The simulation, at the tick last stepped.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Runs the next tick and checks it against the recorded chain; `None` after the last tick.
    pub fn step(&mut self) -> anyhow::Result<Option<Tick>> {
        match self.advance()? {
            Some((tick, false)) => bail!(
                "the re-simulation differs from the recorded run at tick {} ({}), so its truth cannot be exported; `sentinel replay` shows the difference",
                tick.0,
                self.sim.clock().iso(tick)
            ),
            other => Ok(other.map(|(tick, _)| tick)),
        }
    }

    /// Runs the next tick, appends it to the chain and tells whether the chain still equals the
    /// recorded one there; `None` after the last tick.
    pub fn advance(&mut self) -> anyhow::Result<Option<(Tick, bool)>> {
        if self.sim.is_done() {
            return Ok(None);
        }
        let tick = self.sim.next_tick();
        self.events = self.sim.step();
        let iso = self.sim.clock().iso(tick);
        self.bytes.clear();
        for rec in &self.events {
            write_json_line(&mut self.bytes, rec, &iso, &mut self.scratch)?;
        }
        self.chain.push(&self.bytes);
        if let Some(p) = &self.progress {
            p.store(tick.0 + 1, std::sync::atomic::Ordering::Relaxed);
        }
        let head = crate::loader::hex(self.chain.heads.last().expect("just pushed"));
        Ok(Some((tick, self.recorded_chain.get(tick.0 as usize) == Some(&head))))
    }

    /// The log lines of the tick last stepped, as `sentinel run` writes them.
    pub fn tick_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The chain of the ticks stepped so far.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Ticks in the recorded chain.
    pub fn recorded_ticks(&self) -> usize {
        self.recorded_chain.len()
    }

    /// The events of the tick last stepped, in log order.
    pub fn events(&self) -> &[Record] {
        &self.events
    }

    /// Worker threads: `requested`, else the available cores.
    pub fn threads(requested: Option<usize>) -> usize {
        requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Exact truth of an object at the tick last stepped (`None` when it is not in orbit).
    pub fn state(&self, object: u32) -> Option<StateVector> {
        let tick = Tick(self.sim.next_tick().0.checked_sub(1)?);
        self.sim.truth_state(object, tick).ok()
    }
}
