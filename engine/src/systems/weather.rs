//! weather: a telescope with `weather` is clear or cloudy for whole UTC hours, a two-state Markov
//! chain (see [`WeatherSpec`]) started from its stationary distribution at the run's first hour.
//! Each hour's draw comes from the site's own stream (purpose `weather`, keyed by the site's
//! latitude and longitude rounded to 0.01 deg, so telescopes at one site share its sky) at cell
//! (0, hours since the first hour), so no other draw, sensor or thread count moves it. A cloudy
//! site observes nothing: the `frame`'s darkness is cleared for it, so no pass starts and passes
//! in progress end. Changes are logged as `weather` (with the state at the first tick) and every
//! dark period, when it ends, as `night` with the time it spent under cloud.

use chrono::Datelike;
use rand::RngExt;

use crate::event::{Event, Record};
use crate::rng::StreamFamily;
use crate::scenario::{SensorKind, WeatherSpec};
use crate::sensor::SensorModel;
use crate::systems::frame::Frame;
use crate::time::{Clock, Tick};
use crate::world::Sim;

/// The weather of one telescope's site during a run.
#[derive(Clone)]
pub struct SiteWeather {
    spec: WeatherSpec,
    rng: StreamFamily,
    /// (first hour of the run, hour of the current state), hours since the Unix epoch.
    hours: Option<(i64, i64)>,
    clear: bool,
    /// The dark period in progress: its first tick and how many of its ticks were cloudy.
    night: Option<(u64, u64)>,
}

impl SiteWeather {
    /// The weather of a sensor's site, if it has one.
    pub fn of(model: &SensorModel, seed: u64) -> Option<SiteWeather> {
        let SensorKind::Optical(o) = &model.kind else {
            return None;
        };
        // Telescopes at one site share its sky: the stream is keyed by the site's coordinates
        // rounded to 0.01 deg (about a kilometre).
        let site = format!(
            "{},{}",
            (model.site.lat_deg * 100.0).round() as i64,
            (model.site.lon_deg * 100.0).round() as i64
        );
        Some(SiteWeather {
            spec: o.sky.weather.clone()?,
            rng: StreamFamily::new(seed, "weather", &site),
            hours: None,
            clear: true,
            night: None,
        })
    }

    /// Brings the state to the hour of `tick`; returns whether it is new (first tick or changed).
    fn advance(&mut self, clock: &Clock, tick: Tick) -> bool {
        let hour = clock.time_of(tick).and_utc().timestamp().div_euclid(3600);
        let Some((first, mut at)) = self.hours else {
            let u: f64 = self.rng.at(0, 0).random();
            self.clear = u < self.spec.clear_fraction[month0(clock, tick)];
            self.hours = Some((hour, hour));
            return true;
        };
        let before = self.clear;
        while at < hour {
            at += 1;
            let month = chrono::DateTime::from_timestamp(at * 3600, 0)
                .expect("an hour of the run is a valid date (the clock's range is validated)")
                .month0() as usize;
            let (clouding, clearing) = self.spec.transitions(month);
            let u: f64 = self.rng.at(0, (at - first) as u64).random();
            self.clear = if self.clear { u >= clouding } else { u < clearing };
        }
        self.hours = Some((first, at));
        self.clear != before
    }
}

/// Month (0-based) of a tick, UTC.
fn month0(clock: &Clock, tick: Tick) -> usize {
    clock.time_of(tick).month0() as usize
}

/// Runs the system: each site's weather for this tick, its nights, and the frame's darkness
/// cleared where it is cloudy. On the `last` tick a night in progress is logged.
pub fn run(sim: &mut Sim, tick: Tick, frame: &mut Frame, last: bool, events: &mut Vec<Record>) {
    let tick_s = u64::from(sim.clock.tick_s);
    for (s, w) in sim.weather.iter_mut().enumerate() {
        let Some(w) = w else { continue };
        let m = &sim.sensors[s];
        let record = |event| Record {
            tick: tick.0,
            order: s as u64,
            event,
        };
        if w.advance(&sim.clock, tick) {
            events.push(record(Event::Weather {
                sensor: m.id.clone(),
                nation: m.nation.clone(),
                clear: w.clear,
                clear_fraction: w.spec.clear_fraction[month0(&sim.clock, tick)],
            }));
        }
        let dark = frame.dark[s];
        if dark {
            let (first, clouded) = w.night.get_or_insert((tick.0, 0));
            *clouded += u64::from(!w.clear);
            debug_assert!(*clouded <= tick.0 - *first + 1);
        }
        let ended = match w.night {
            Some((first, clouded)) if !dark => Some((first, tick.0 - 1, clouded, false)),
            Some((first, clouded)) if last => Some((first, tick.0, clouded, true)),
            _ => None,
        };
        if let Some((first_tick, last_tick, clouded, run_ended)) = ended {
            w.night = None;
            events.push(record(Event::Night {
                sensor: m.id.clone(),
                nation: m.nation.clone(),
                first_tick,
                last_tick,
                dark_s: (last_tick - first_tick + 1) * tick_s,
                clouded_s: clouded * tick_s,
                run_ended,
            }));
        }
        frame.dark[s] = dark && w.clear;
    }
}
