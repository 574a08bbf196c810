//! Sentinel engine: a deterministic simulation of multinational space surveillance.
//!
//! A [`Scenario`] (RON, see `docs/scenario-reference.md`) is validated by [`load_scenario`], built
//! into a [`Sim`] (a `hecs` world of nations, sensors and satellites), and stepped tick by tick;
//! each tick returns its [`Record`]s in log order. The engine does no file IO, reads no clock and
//! uses no OS randomness: the same scenario and seed give the same events on any thread count.
#![warn(missing_docs)]

pub mod catalog;
pub mod conjunction;
pub mod diag;
pub mod event;
pub mod exchange;
pub mod frames;
pub mod injects;
pub mod iod;
pub mod limits;
pub mod moon;
pub mod ndm;
pub mod object;
pub mod od;
pub mod orbit;
pub mod ownership;
pub mod policy;
pub mod rng;
pub mod scenario;
pub mod scorecard;
pub mod sensor;
pub mod spanned;
pub mod sun;
pub mod systems;
pub mod time;
pub mod view;
pub mod world;

pub use diag::{Diagnostic, Diagnostics, Severity, SourceFile};
pub use event::{Event, EventKind, JsonLines, LogLine, Record, parse_line, write_json_line};
pub use object::{ObjectClass, Regime};
pub use scenario::{Scenario, SourceLoader, load as load_scenario};
pub use time::{Clock, Tick};
pub use world::{Sim, SimOptions, StateVector, Stats};

/// Engine version, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
pub(crate) mod testutil {
    /// The ISS element set the unit tests share (LEO, with drag).
    pub fn iss() -> sgp4::Elements {
        sgp4::Elements::from_tle(
            Some("ISS (ZARYA)".into()),
            b"1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
            b"2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014",
        )
        .unwrap()
    }

    /// The HIMAWARI-9 element set the unit tests share (near-equatorial GEO, deep space).
    pub fn himawari() -> sgp4::Elements {
        sgp4::Elements::from_tle(
            Some("HIMAWARI-9".into()),
            b"1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
            b"2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037",
        )
        .unwrap()
    }

    /// SGP4 (AFSPC mode) state of `el`, TEME km and km/s, `minutes` after its epoch.
    pub fn sgp4_state(el: &sgp4::Elements, minutes: f64) -> (crate::frames::Vec3, crate::frames::Vec3) {
        let c = sgp4::Constants::from_elements_afspc_compatibility_mode(el).unwrap();
        let p = c
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
            .unwrap();
        (p.position, p.velocity)
    }

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
