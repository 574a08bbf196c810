//! Sentinel engine: a deterministic simulation of multinational space surveillance.
//!
//! A [`Scenario`] (RON, see `docs/scenario-reference.md`) is validated by [`load_scenario`], built
//! into a [`Sim`] (a `hecs` world of nations, sensors and satellites), and stepped tick by tick;
//! each tick returns its [`Record`]s in log order. The engine does no file IO, reads no clock and
//! uses no OS randomness: the same scenario and seed give the same events on any thread count.
#![warn(missing_docs)]

pub mod catalog;
pub mod diag;
pub mod event;
pub mod exchange;
pub mod frames;
pub mod injects;
pub mod iod;
pub mod limits;
pub mod object;
pub mod od;
pub mod orbit;
pub mod policy;
pub mod rng;
pub mod scenario;
pub mod sensor;
pub mod spanned;
pub mod summary;
pub mod sun;
pub mod systems;
pub mod time;
pub mod view;
pub mod world;

pub use diag::{Diagnostic, Diagnostics, Severity, SourceFile};
pub use event::{Event, EventKind, JsonLines, Record, write_json_line};
pub use object::{ObjectClass, Regime};
pub use scenario::{Scenario, SourceLoader, load as load_scenario};
pub use time::{Clock, Tick};
pub use world::{Sim, SimOptions, StateVector, Stats};

/// Engine version, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
pub(crate) mod testutil {
    /// A tiny seeded xorshift generator of uniforms in [0, 1) for sampling tests (no `rand` needed,
    /// fixed forever, so the samples never change).
    pub fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed.max(1);
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }
}
