//! The scenario: what a planner writes in RON, validated into a [`Scenario`] the world is built from.
//!
//! Parsing never stops at the first semantic problem: every problem in the scenario and in the
//! catalog files it names is collected, each with a position, before the load fails.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;

use crate::catalog::{self, CatalogFormat, ParsedElements};
use crate::diag::{Diagnostic, Diagnostics, Severity, SourceFile};
use crate::object::{ObjectClass, Regime};
use crate::od::PriorSigmas;
use crate::policy::{Agreement, Liaison, RegionalCenter, TaskingRequest};
use crate::spanned::{Spanned, parse_ron};
use crate::time::{Clock, parse_utc};

mod change;
mod exchange;
mod injects;
mod reach;
mod screening;
mod sky;

pub use change::apply_change;
pub use screening::{Protect, Screening};
pub use sky::{Sky, WeatherSpec};

/// Reads the catalog files a scenario names. The CLI implements it over the file system; tests can
/// implement it over memory. Paths are as written in the scenario (relative to the scenario file).
pub trait SourceLoader {
    /// The text of a file, or a message saying why it cannot be read.
    fn load(&mut self, relative_path: &str) -> Result<SourceFile, String>;
}

// ---------------------------------------------------------------------------------------------
// RON model (what the planner writes). Field names carry units.

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    epoch: Spanned<String>,
    duration_s: Spanned<u64>,
    tick_s: Spanned<u32>,
    #[serde(default)]
    seed: u64,
    nations: Vec<RawNation>,
    #[serde(default)]
    sensors: Vec<RawSensor>,
    catalog: Vec<RawSource>,
    #[serde(default)]
    object_overrides: Vec<RawOverride>,
    #[serde(default)]
    track_report_s: Option<Spanned<u32>>,
    #[serde(default)]
    regional_centers: Vec<exchange::RawRegionalCenter>,
    #[serde(default)]
    agreements: Vec<exchange::RawAgreement>,
    #[serde(default)]
    liaisons: Vec<exchange::RawLiaison>,
    #[serde(default)]
    tasking: Vec<exchange::RawRequest>,
    #[serde(default)]
    injects: Vec<injects::RawInject>,
    #[serde(default)]
    catalog_maintenance: Option<injects::RawCatalogRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNation {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    knows: Option<RawKnows>,
    #[serde(default)]
    prior: BTreeMap<Regime, Spanned<PriorSigmas>>,
    #[serde(default)]
    screening: Option<screening::RawScreening>,
}

/// Which objects of the catalog a nation's catalog holds at the start.
#[derive(Deserialize)]
enum RawKnows {
    All,
    OwnedOnly,
    Objects(Vec<Spanned<u64>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSensor {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    nation: Spanned<String>,
    site: Spanned<RawSite>,
    kind: RawSensorKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    lat_deg: f64,
    lon_deg: f64,
    #[serde(default)]
    alt_m: f64,
}

#[derive(Deserialize)]
enum RawSensorKind {
    Radar(RawRadar),
    Optical(RawOptical),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSector {
    from_deg: f64,
    to_deg: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRadar {
    min_elevation_deg: Spanned<f64>,
    max_range_km: Spanned<f64>,
    #[serde(default)]
    azimuth_sector: Option<Spanned<RawSector>>,
    reference_snr_db: Spanned<f64>,
    reference_range_km: Spanned<f64>,
    #[serde(default)]
    false_alarm_probability: Option<Spanned<f64>>,
    range_sigma_m: Spanned<f64>,
    az_sigma_deg: Spanned<f64>,
    el_sigma_deg: Spanned<f64>,
    capacity: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptical {
    min_elevation_deg: Spanned<f64>,
    #[serde(default)]
    max_range_km: Option<Spanned<f64>>,
    #[serde(default)]
    azimuth_sector: Option<Spanned<RawSector>>,
    #[serde(default)]
    max_sun_elevation_deg: Option<Spanned<f64>>,
    #[serde(default)]
    require_target_sunlit: Option<bool>,
    limiting_magnitude: Spanned<f64>,
    angle_sigma_arcsec: Spanned<f64>,
    capacity: Spanned<u32>,
    #[serde(default)]
    moon_exclusion_deg: Option<Spanned<f64>>,
    #[serde(default)]
    dark_sky_mag_arcsec2: Option<Spanned<f64>>,
    #[serde(default)]
    extinction_mag_per_airmass: Option<Spanned<f64>>,
    #[serde(default)]
    weather: Option<sky::RawWeather>,
}

#[derive(Deserialize)]
enum RawSource {
    File(RawFileSource),
    Tle(RawInlineTle),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileSource {
    path: Spanned<String>,
    #[serde(default)]
    format: Option<CatalogFormat>,
    #[serde(default)]
    owner: Option<Spanned<String>>,
    #[serde(default)]
    class: Option<ObjectClass>,
    #[serde(default)]
    rcs_m2: Option<Spanned<f64>>,
    #[serde(default)]
    std_magnitude: Option<Spanned<f64>>,
    #[serde(default)]
    military: Option<bool>,
    #[serde(default)]
    infer_owners: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInlineTle {
    lines: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    owner: Option<Spanned<String>>,
    #[serde(default)]
    class: Option<ObjectClass>,
    #[serde(default)]
    rcs_m2: Option<Spanned<f64>>,
    #[serde(default)]
    std_magnitude: Option<Spanned<f64>>,
    #[serde(default)]
    military: Option<bool>,
    #[serde(default)]
    infer_owners: bool,
}

/// Attributes a source (or an override) gives its objects.
struct RawAttrs<'a> {
    owner: &'a Option<Spanned<String>>,
    class: Option<ObjectClass>,
    rcs_m2: &'a Option<Spanned<f64>>,
    std_magnitude: &'a Option<Spanned<f64>>,
    military: Option<bool>,
    /// Owner and military flag inferred from each object's name ([`crate::ownership`]) before
    /// the explicit attributes apply.
    infer_owners: bool,
}

macro_rules! attrs_of {
    ($x:expr) => {
        attrs_of!($x, $x.infer_owners)
    };
    ($x:expr, $infer:expr) => {
        RawAttrs {
            owner: &$x.owner,
            class: $x.class,
            rcs_m2: &$x.rcs_m2,
            std_magnitude: &$x.std_magnitude,
            military: $x.military,
            infer_owners: $infer,
        }
    };
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    id: Spanned<u64>,
    #[serde(default)]
    owner: Option<Spanned<String>>,
    #[serde(default)]
    class: Option<ObjectClass>,
    #[serde(default)]
    rcs_m2: Option<Spanned<f64>>,
    #[serde(default)]
    std_magnitude: Option<Spanned<f64>>,
    #[serde(default)]
    military: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Validated model.

/// A participating nation.
#[derive(Debug, Clone, PartialEq)]
pub struct NationSpec {
    /// Stable id, e.g. `USA`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Which objects of the scenario's catalog its catalog holds at the start.
    pub knows: Knows,
    /// Its own starting accuracy per regime, where it differs from the published catalog's
    /// ([`PriorSigmas::default_for`]).
    pub prior: BTreeMap<Regime, PriorSigmas>,
    /// Its conjunction screening, if it screens.
    pub screening: Option<Screening>,
}

/// Which objects of the scenario's catalog a nation's catalog holds at the start (the rest it can
/// only catalogue from its own measurements, as new objects).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Knows {
    /// Every object (the default).
    #[default]
    All,
    /// The objects it owns.
    OwnedOnly,
    /// These catalog numbers.
    Objects(Vec<u32>),
}

impl Knows {
    /// Whether a nation `nation` with this rule starts with object `id` owned by `owner`.
    pub fn holds(&self, nation: &str, id: u32, owner: Option<&str>) -> bool {
        match self {
            Knows::All => true,
            Knows::OwnedOnly => owner == Some(nation),
            Knows::Objects(list) => list.binary_search(&id).is_ok(),
        }
    }
}

/// An azimuth sector swept clockwise from `from_deg` to `to_deg`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AzimuthSector {
    /// Start azimuth, degrees from north.
    pub from_deg: f64,
    /// End azimuth, degrees from north (clockwise from `from_deg`).
    pub to_deg: f64,
}

/// A ground radar's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RadarSpec {
    /// Lowest elevation the radar sees, degrees.
    pub min_elevation_deg: f64,
    /// Longest slant range, km.
    pub max_range_km: f64,
    /// Field-of-regard sector, if not the full circle.
    pub azimuth_sector: Option<AzimuthSector>,
    /// Single-look SNR for a 1 m² target at `reference_range_km`, dB.
    pub reference_snr_db: f64,
    /// Range at which `reference_snr_db` holds, km.
    pub reference_range_km: f64,
    /// Probability of false alarm of the detector (sets the threshold).
    pub false_alarm_probability: f64,
    /// 1-sigma range noise, metres.
    pub range_sigma_m: f64,
    /// 1-sigma azimuth noise, degrees.
    pub az_sigma_deg: f64,
    /// 1-sigma elevation noise, degrees.
    pub el_sigma_deg: f64,
    /// Objects observed per tick.
    pub capacity: u32,
}

/// A ground optical telescope's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct OpticalSpec {
    /// Lowest elevation, degrees.
    pub min_elevation_deg: f64,
    /// Longest slant range, km (unlimited when `None`).
    pub max_range_km: Option<f64>,
    /// Field-of-regard sector, if not the full circle.
    pub azimuth_sector: Option<AzimuthSector>,
    /// The site counts as dark when the Sun is at or below this elevation, degrees.
    pub max_sun_elevation_deg: f64,
    /// Whether the target must be outside Earth's shadow.
    pub require_target_sunlit: bool,
    /// Visual magnitude detected with probability 0.5.
    pub limiting_magnitude: f64,
    /// 1-sigma angle noise on azimuth and elevation, arcseconds.
    pub angle_sigma_arcsec: f64,
    /// Objects observed per tick.
    pub capacity: u32,
    /// The Moon's exclusion and light, and the site's weather.
    pub sky: Sky,
}

/// What kind of sensor.
#[derive(Debug, Clone, PartialEq)]
pub enum SensorKind {
    /// Ground radar.
    Radar(RadarSpec),
    /// Ground optical telescope.
    Optical(OpticalSpec),
}

/// A sensor as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorSpec {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Owning nation id.
    pub nation: String,
    /// Geodetic latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Height above the WGS-84 ellipsoid, metres.
    pub alt_m: f64,
    /// Radar or optical parameters.
    pub kind: SensorKind,
}

impl SensorKind {
    /// Capacity in objects per tick.
    pub fn capacity(&self) -> u32 {
        match self {
            SensorKind::Radar(r) => r.capacity,
            SensorKind::Optical(o) => o.capacity,
        }
    }
}

impl SensorSpec {
    /// `radar` or `optical`.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            SensorKind::Radar(_) => "radar",
            SensorKind::Optical(_) => "optical",
        }
    }
}

/// One catalog object with its attributes.
#[derive(Debug, Clone)]
pub struct CatalogObject {
    /// Catalog (NORAD) number: the stable id.
    pub id: u32,
    /// Name from the element set (empty when a 2LE had none).
    pub name: String,
    /// Mean elements.
    pub elements: sgp4::Elements,
    /// Object class.
    pub class: ObjectClass,
    /// Owning nation, if known.
    pub owner: Option<String>,
    /// Radar cross-section, m².
    pub rcs_m2: f64,
    /// Standard visual magnitude (1000 km range, 90° phase angle).
    pub std_magnitude: f64,
    /// Orbit regime from mean motion and eccentricity.
    pub regime: Regime,
    /// A military payload (agreements can deny or restrict it).
    pub military: bool,
    /// `file:line` the element set came from.
    pub origin: String,
}

/// A validated scenario, ready to build a world from.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Exercise name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Epoch, tick length, tick count.
    pub clock: Clock,
    /// Seed from the file (the CLI's `--seed` replaces it).
    pub seed: u64,
    /// Nations, sorted by id.
    pub nations: Vec<NationSpec>,
    /// Sensors, sorted by id.
    pub sensors: Vec<SensorSpec>,
    /// Objects, sorted by catalog number.
    pub objects: Vec<CatalogObject>,
    /// A sensor reports an open track at the latest this long after its first detection, seconds.
    pub track_report_s: u32,
    /// Regional centers, sorted by id.
    pub regional_centers: Vec<RegionalCenter>,
    /// Sharing agreements as written, sorted by id.
    pub agreements: Vec<Agreement>,
    /// Liaison officers, sorted by id.
    pub liaisons: Vec<Liaison>,
    /// Tasking requests, sorted by id.
    pub tasking: Vec<TaskingRequest>,
    /// Injects, sorted by id.
    pub injects: Vec<crate::injects::Inject>,
    /// Catalog-maintenance rules.
    pub catalog_rules: crate::injects::CatalogRules,
    /// Warnings found while loading (stale elements, ...).
    pub warnings: Diagnostics,
}

/// Loads and validates a scenario. Returns every problem found, or the scenario and its warnings.
pub fn load(scenario: &SourceFile, loader: &mut dyn SourceLoader) -> Result<Scenario, Diagnostics> {
    let src = scenario;
    let raw: RawScenario = match parse_ron(&src.text) {
        Ok(r) => r,
        Err(e) => {
            let mut d = Diagnostics::default();
            d.push(Diagnostic::error(src, e.span, e.message.clone()).with_help(ron_help(&e.message)));
            return Err(d);
        }
    };
    let mut d = Diagnostics::default();
    let err = |span: Range<usize>, msg: String, help: &str| Diagnostic::error(src, span, msg).with_help(help);
    check_counts(&mut d, src, &raw);

    if raw.name.trim().is_empty() {
        d.push(err(
            raw.name.span.clone(),
            "the scenario name is empty".into(),
            "give the exercise a name",
        ));
    }
    let epoch = match parse_utc(raw.epoch.value.as_str()) {
        Ok(t) if (1957..=2200).contains(&chrono::Datelike::year(&t)) => Some(t),
        Ok(t) => {
            d.push(err(
                raw.epoch.span.clone(),
                format!("epoch year {} is outside 1957-2200", chrono::Datelike::year(&t)),
                "the epoch must be within the space age and the range of the time models",
            ));
            None
        }
        Err(m) => {
            d.push(err(
                raw.epoch.span.clone(),
                m,
                "write the epoch as ISO-8601 UTC, e.g. \"2026-07-10T00:00:00Z\"",
            ));
            None
        }
    };
    let tick_s = *raw.tick_s;
    if tick_s == 0 || tick_s > MAX_TICK_S {
        d.push(err(
            raw.tick_s.span.clone(),
            format!("tick_s must be between 1 and {MAX_TICK_S}, not {tick_s}"),
            "ticks are whole seconds, e.g. 10",
        ));
    }
    let duration_s = *raw.duration_s;
    if duration_s > MAX_DURATION_S {
        d.push(err(
            raw.duration_s.span.clone(),
            format!("duration_s {duration_s} is more than ten years ({MAX_DURATION_S} s)"),
            "SGP4 elements are good for days to weeks; split long studies into several scenarios",
        ));
    } else if tick_s > 0 && tick_s <= MAX_TICK_S {
        if duration_s < tick_s as u64 {
            d.push(err(
                raw.duration_s.span.clone(),
                format!("duration_s ({duration_s}) is shorter than one tick ({tick_s} s)"),
                "the run needs at least one tick",
            ));
        } else if !duration_s.is_multiple_of(tick_s as u64) {
            let down = duration_s / tick_s as u64 * tick_s as u64;
            d.push(err(
                raw.duration_s.span.clone(),
                format!("duration_s ({duration_s}) is not a whole number of ticks of {tick_s} s"),
                &format!("use {down} or {}", down + tick_s as u64),
            ));
        }
    }

    // Nations.
    let mut nation_ids: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut nations = Vec::new();
    for n in &raw.nations {
        if !valid_id(&n.id) {
            d.push(err(
                n.id.span.clone(),
                format!("nation id `{}` is not a valid id", *n.id),
                ID_HELP,
            ));
        } else if let Some(first) = nation_ids.get(n.id.as_str()) {
            let (l, c) = src.line_col(first.start);
            d.push(err(
                n.id.span.clone(),
                format!("nation `{}` is defined twice", *n.id),
                &format!("the first is at {}:{l}:{c}; remove one", src.name),
            ));
        } else {
            nation_ids.insert(n.id.value.clone(), n.id.span.clone());
            nations.push(NationSpec {
                id: n.id.value.clone(),
                name: n.name.clone(),
                knows: Knows::All,
                prior: nation_prior(src, &mut d, n),
                screening: None,
            });
        }
    }
    if raw.nations.is_empty() {
        d.push(err(
            0..1,
            "the scenario has no nations".into(),
            "add `nations: [(id: \"USA\", name: \"United States\")]`",
        ));
    }
    nations.sort_by(|a, b| a.id.cmp(&b.id));
    let check_nation = |d: &mut Diagnostics, id: &Spanned<String>, what: &str| {
        if !nation_ids.contains_key(id.as_str()) {
            let known: Vec<_> = nation_ids.keys().map(String::as_str).collect();
            d.push(err(
                id.span.clone(),
                format!("{what} names nation `{}`, which is not in `nations`", **id),
                &format!("use one of: {}", known.join(", ")),
            ));
        }
    };

    // Sensors.
    let mut sensor_ids: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut sensors = Vec::new();
    for s in &raw.sensors {
        if !valid_id(&s.id) {
            d.push(err(
                s.id.span.clone(),
                format!("sensor id `{}` is not a valid id", *s.id),
                ID_HELP,
            ));
        } else if let Some(first) = sensor_ids.get(s.id.as_str()) {
            let (l, c) = src.line_col(first.start);
            d.push(err(
                s.id.span.clone(),
                format!("sensor `{}` is defined twice", *s.id),
                &format!("the first is at {}:{l}:{c}; sensor ids must be unique", src.name),
            ));
        } else {
            sensor_ids.insert(s.id.value.clone(), s.id.span.clone());
        }
        check_nation(&mut d, &s.nation, &format!("sensor `{}`", *s.id));
        let site = &s.site.value;
        if !(-90.0..=90.0).contains(&site.lat_deg) {
            d.push(err(
                s.site.span.clone(),
                format!("lat_deg {} is outside [-90, 90]", site.lat_deg),
                "latitude is geodetic degrees, north positive",
            ));
        }
        if !(-180.0..=360.0).contains(&site.lon_deg) {
            d.push(err(
                s.site.span.clone(),
                format!("lon_deg {} is outside [-180, 360]", site.lon_deg),
                "longitude is degrees east; west is negative",
            ));
        }
        if !(-500.0..=10_000.0).contains(&site.alt_m) {
            d.push(err(
                s.site.span.clone(),
                format!("alt_m {} is not a plausible site height", site.alt_m),
                "alt_m is metres above the WGS-84 ellipsoid (-500 to 10000)",
            ));
        }
        let kind = match &s.kind {
            RawSensorKind::Radar(r) => {
                in_range(
                    &mut d,
                    src,
                    &r.min_elevation_deg,
                    -5.0,
                    89.0,
                    "min_elevation_deg",
                    "radars typically use 3 to 10 deg",
                );
                positive(
                    &mut d,
                    src,
                    &r.max_range_km,
                    "max_range_km",
                    "phased arrays reach ~3000-6000 km; tracking radars farther",
                );
                positive(
                    &mut d,
                    src,
                    &r.reference_range_km,
                    "reference_range_km",
                    "the range at which reference_snr_db holds, e.g. 1000",
                );
                in_range(
                    &mut d,
                    src,
                    &r.reference_snr_db,
                    -50.0,
                    150.0,
                    "reference_snr_db",
                    "SNR of a 1 m² target at reference_range_km, dB",
                );
                let pfa = r.false_alarm_probability.as_ref().map_or(1e-6, |p| p.value);
                if let Some(p) = &r.false_alarm_probability
                    && !(p.value > 0.0 && p.value < 0.5)
                {
                    d.push(err(
                        p.span.clone(),
                        format!("false_alarm_probability {} is outside (0, 0.5)", p.value),
                        "typical values are 1e-4 to 1e-8",
                    ));
                }
                sigma(&mut d, src, &r.range_sigma_m, "range_sigma_m", 100_000.0);
                sigma(&mut d, src, &r.az_sigma_deg, "az_sigma_deg", 10.0);
                sigma(&mut d, src, &r.el_sigma_deg, "el_sigma_deg", 10.0);
                capacity(&mut d, src, &r.capacity);
                SensorKind::Radar(RadarSpec {
                    min_elevation_deg: *r.min_elevation_deg,
                    max_range_km: *r.max_range_km,
                    azimuth_sector: sector(&mut d, src, &r.azimuth_sector),
                    reference_snr_db: *r.reference_snr_db,
                    reference_range_km: *r.reference_range_km,
                    false_alarm_probability: pfa,
                    range_sigma_m: *r.range_sigma_m,
                    az_sigma_deg: *r.az_sigma_deg,
                    el_sigma_deg: *r.el_sigma_deg,
                    capacity: *r.capacity,
                })
            }
            RawSensorKind::Optical(o) => {
                in_range(
                    &mut d,
                    src,
                    &o.min_elevation_deg,
                    -5.0,
                    89.0,
                    "min_elevation_deg",
                    "telescopes typically use 15 to 20 deg",
                );
                if let Some(m) = &o.max_range_km {
                    positive(&mut d, src, m, "max_range_km", "leave it out for no range limit");
                }
                if let Some(s) = &o.max_sun_elevation_deg {
                    in_range(
                        &mut d,
                        src,
                        s,
                        -90.0,
                        90.0,
                        "max_sun_elevation_deg",
                        "nautical darkness is -12 deg",
                    );
                }
                in_range(
                    &mut d,
                    src,
                    &o.limiting_magnitude,
                    -5.0,
                    30.0,
                    "limiting_magnitude",
                    "GEODSS-class telescopes reach about 16-17",
                );
                sigma(&mut d, src, &o.angle_sigma_arcsec, "angle_sigma_arcsec", 36_000.0);
                capacity(&mut d, src, &o.capacity);
                let sky = sky::resolve(
                    src,
                    &mut d,
                    sky::RawSky {
                        moon_exclusion_deg: &o.moon_exclusion_deg,
                        dark_sky_mag_arcsec2: &o.dark_sky_mag_arcsec2,
                        extinction_mag_per_airmass: &o.extinction_mag_per_airmass,
                        weather: &o.weather,
                    },
                );
                SensorKind::Optical(OpticalSpec {
                    min_elevation_deg: *o.min_elevation_deg,
                    max_range_km: o.max_range_km.as_ref().map(|m| m.value),
                    azimuth_sector: sector(&mut d, src, &o.azimuth_sector),
                    max_sun_elevation_deg: o.max_sun_elevation_deg.as_ref().map_or(-12.0, |s| s.value),
                    require_target_sunlit: o.require_target_sunlit.unwrap_or(true),
                    limiting_magnitude: *o.limiting_magnitude,
                    angle_sigma_arcsec: *o.angle_sigma_arcsec,
                    capacity: *o.capacity,
                    sky,
                })
            }
        };
        sensors.push(SensorSpec {
            id: s.id.value.clone(),
            name: s.name.clone().unwrap_or_else(|| s.id.value.clone()),
            nation: s.nation.value.clone(),
            lat_deg: site.lat_deg,
            lon_deg: site.lon_deg,
            alt_m: site.alt_m,
            kind,
        });
    }
    sensors.sort_by(|a, b| a.id.cmp(&b.id));

    // Catalog.
    let mut objects: BTreeMap<u32, CatalogObject> = BTreeMap::new();
    let attrs_ok = |d: &mut Diagnostics, a: &RawAttrs, what: &str| {
        if let Some(o) = a.owner {
            check_nation(d, o, what);
        }
        if let Some(r) = a.rcs_m2 {
            positive(d, src, r, "rcs_m2", "radar cross-section in m², e.g. 1.0");
        }
        if let Some(m) = a.std_magnitude {
            in_range(
                d,
                src,
                m,
                -10.0,
                30.0,
                "std_magnitude",
                "visual magnitude at 1000 km and 90° phase, e.g. 6",
            );
        }
    };
    if raw.catalog.is_empty() {
        d.push(err(
            0..1,
            "the scenario has no catalog".into(),
            "add `catalog: [File(path: \"objects.tle\")]`",
        ));
    }
    let mut too_many_objects = false;
    // Files already listed, by path as written: each is read and parsed once.
    let mut listed: BTreeMap<&str, Range<usize>> = BTreeMap::new();
    for source in &raw.catalog {
        let (parsed, attrs, where_) = match source {
            RawSource::File(f) => {
                if let Some(first) = listed.get(f.path.as_str()) {
                    let (line, col) = src.line_col(first.start);
                    d.push(err(
                        f.path.span.clone(),
                        format!("catalog file `{}` is already listed (at {line}:{col})", *f.path),
                        "list each file once: its objects would be duplicates",
                    ));
                    continue;
                }
                listed.insert(f.path.as_str(), f.path.span.clone());
                attrs_ok(&mut d, &attrs_of!(f), &format!("catalog file `{}`", *f.path));
                let format = match f.format.or_else(|| CatalogFormat::from_path(&f.path)) {
                    Some(fm) => fm,
                    None => {
                        d.push(err(
                            f.path.span.clone(),
                            format!("cannot tell the format of `{}` from its name", *f.path),
                            "add `format: Tle`, `OmmJson`, `OmmCsv`, `OmmKvn` or `OmmXml`",
                        ));
                        continue;
                    }
                };
                match loader.load(&f.path) {
                    Ok(file) => {
                        let before = d.error_count();
                        let parsed = catalog::parse(&file, format, &mut d);
                        if parsed.is_empty() && d.error_count() == before {
                            d.push(
                                Diagnostic::warning(
                                    src,
                                    f.path.span.clone(),
                                    format!("catalog file `{}` holds no element sets", *f.path),
                                )
                                .with_help("check that it is the file you meant; an empty catalog produces no events"),
                            );
                        }
                        (parsed, attrs_of!(f), format!("`{}`", *f.path))
                    }
                    Err(m) => {
                        d.push(err(
                            f.path.span.clone(),
                            format!("cannot read catalog file `{}`: {m}", *f.path),
                            "paths are relative to the scenario file",
                        ));
                        continue;
                    }
                }
            }
            RawSource::Tle(t) => {
                attrs_ok(&mut d, &attrs_of!(t), "inline TLE");
                let lines: Vec<(String, Range<usize>)> =
                    t.lines.iter().map(|l| (l.value.clone(), l.span.clone())).collect();
                if lines.is_empty() {
                    d.push(err(
                        t.lines.span.clone(),
                        "an inline TLE has no lines".into(),
                        "write `lines: [\"NAME\", \"1 ...\", \"2 ...\"]` (the name is optional)",
                    ));
                    continue;
                }
                (
                    catalog::parse_inline_tle(src, &lines, &mut d).into_iter().collect(),
                    attrs_of!(t),
                    "inline TLE".to_string(),
                )
            }
        };
        for p in parsed {
            if objects.len() >= crate::limits::MAX_OBJECTS {
                // Once, at the first object past the limit.
                if !too_many_objects {
                    d.push(
                        Diagnostic::error(
                            &p.source,
                            p.span.clone(),
                            format!("more than {} catalog objects", crate::limits::MAX_OBJECTS),
                        )
                        .with_help("this is a resource limit (docs/scenario-reference.md, Limits); split the catalog"),
                    );
                }
                too_many_objects = true;
                continue;
            }
            add_object(&mut d, &mut objects, p, &attrs, &where_);
        }
    }

    // Overrides.
    let mut overridden: BTreeMap<u64, Range<usize>> = BTreeMap::new();
    for o in &raw.object_overrides {
        if let Some(first) = overridden.get(&*o.id) {
            let (l, c) = src.line_col(first.start);
            d.push(err(
                o.id.span.clone(),
                format!("object {} is overridden twice", *o.id),
                &format!("the first override is at {}:{l}:{c}; merge them into one", src.name),
            ));
            continue;
        }
        overridden.insert(*o.id, o.id.span.clone());
        attrs_ok(&mut d, &attrs_of!(o, false), &format!("override for object {}", *o.id));
        match u32::try_from(*o.id).ok().and_then(|id| objects.get_mut(&id)) {
            Some(obj) => apply_attrs(obj, &attrs_of!(o, false)),
            None => d.push(err(
                o.id.span.clone(),
                format!("object {} is not in the catalog", *o.id),
                "overrides name catalog numbers of objects the catalog sources load",
            )),
        }
    }

    resolve_knows(src, &mut d, &raw.nations, &objects, &mut nations);

    let track_report_s = match &raw.track_report_s {
        Some(t) if t.value == 0 || t.value > 86_400 => {
            d.push(err(
                t.span.clone(),
                format!("track_report_s must be between 1 and 86400, not {}", t.value),
                "how long a sensor accumulates a track before reporting it, e.g. 600",
            ));
            DEFAULT_TRACK_REPORT_S
        }
        Some(t) => t.value,
        None => DEFAULT_TRACK_REPORT_S,
    };
    let sensor_nations: BTreeMap<String, String> = sensors.iter().map(|s| (s.id.clone(), s.nation.clone())).collect();
    let object_ids: std::collections::BTreeSet<u32> = objects.keys().copied().collect();
    let xcx = exchange::Context {
        src,
        epoch,
        duration_s,
        nations: &nation_ids,
        sensors: &sensor_nations,
        objects: &object_ids,
    };
    let ex = exchange::validate(
        &xcx,
        &mut d,
        &raw.regional_centers,
        &raw.agreements,
        &raw.liaisons,
        &raw.tasking,
    );
    let icx = injects::Context {
        base: &xcx,
        sensors: &sensor_nations.keys().cloned().collect(),
        agreements: &ex.agreements.iter().map(|a| a.id.clone()).collect(),
        liaisons: &ex.liaisons.iter().map(|l| l.id.clone()).collect(),
    };
    let mut new_ids = std::collections::BTreeSet::new();
    let injects = injects::validate(&icx, &mut d, &raw.injects, &mut new_ids);
    let catalog_rules = injects::rules(&icx, &mut d, &raw.catalog_maintenance);
    let added: Vec<u32> = new_ids.iter().copied().collect();
    for n in &raw.nations {
        if let (Some(r), Ok(at)) = (
            &n.screening,
            nations.binary_search_by(|x| x.id.as_str().cmp(n.id.as_str())),
        ) {
            nations[at].screening = Some(screening::resolve(src, &mut d, &n.id, r, &objects, &added));
        }
    }

    let mut warnings = Diagnostics::default();
    if let Some(epoch) = epoch {
        let mut stale = 0usize;
        let mut worst: Option<(f64, &CatalogObject)> = None;
        for o in objects.values() {
            let age_days = (epoch - o.elements.datetime).num_seconds() as f64 / 86_400.0;
            if age_days.abs() > 30.0 {
                stale += 1;
                if worst.is_none_or(|(w, _)| age_days.abs() > w) {
                    worst = Some((age_days.abs(), o));
                }
            }
        }
        if let Some((w, o)) = worst {
            warnings.push(Diagnostic::warning(src, raw.epoch.span.clone(), format!(
                "{stale} object(s) have element sets more than 30 days from the scenario epoch (worst: {} `{}`, {w:.0} days, from {}); SGP4 errors grow to tens of km over weeks",
                o.id, o.name, o.origin)).with_help("use a catalog snapshot close to the epoch, or move the epoch"));
        }
    }
    if d.has_errors() {
        d.0.extend(warnings.0);
        return Err(d.sorted());
    }
    let epoch = epoch.expect("no errors means the epoch parsed");
    warnings
        .0
        .extend(d.0.into_iter().filter(|x| x.severity == Severity::Warning));
    let spans = reach::Spans {
        requests: exchange::window_spans(&raw.tasking),
        sensors: raw
            .sensors
            .iter()
            .map(|s| (s.id.value.clone(), s.id.span.clone()))
            .collect(),
    };
    let mut scenario = Scenario {
        name: raw.name.value,
        description: raw.description,
        clock: Clock {
            epoch,
            tick_s,
            ticks: duration_s / tick_s as u64,
        },
        seed: raw.seed,
        nations,
        sensors,
        objects: objects.into_values().collect(),
        track_report_s,
        regional_centers: ex.regional_centers,
        agreements: ex.agreements,
        liaisons: ex.liaisons,
        tasking: ex.tasking,
        injects,
        catalog_rules,
        warnings,
    };
    let geometric = reach::warnings(&scenario, src, &spans);
    scenario.warnings.0.extend(geometric.0);
    Ok(scenario)
}

/// Refuses lists longer than the limits in [`crate::limits`], at the first item past the limit.
fn check_counts(d: &mut Diagnostics, src: &SourceFile, raw: &RawScenario) {
    use crate::limits::{MAX_EXCHANGE_ITEMS, MAX_INJECTS, MAX_NATIONS};
    let mut over = |what: &str, len: usize, max: usize, first_extra: Option<&Spanned<String>>| {
        if let Some(x) = first_extra {
            d.push(
                Diagnostic::error(src, x.span.clone(), format!("the scenario has {len} {what}; at most {max} are supported"))
                    .with_help("this is a resource limit (docs/scenario-reference.md, Limits); split the exercise into several scenarios"),
            );
        }
    };
    over(
        "nations",
        raw.nations.len(),
        MAX_NATIONS,
        raw.nations.get(MAX_NATIONS).map(|n| &n.id),
    );
    over(
        "sensors",
        raw.sensors.len(),
        MAX_SENSORS,
        raw.sensors.get(MAX_SENSORS).map(|n| &n.id),
    );
    over(
        "injects",
        raw.injects.len(),
        MAX_INJECTS,
        raw.injects.get(MAX_INJECTS).map(|n| n.id()),
    );
    for (what, ids) in [
        (
            "regional centers",
            raw.regional_centers.iter().map(|x| x.id_spanned()).collect::<Vec<_>>(),
        ),
        ("agreements", raw.agreements.iter().map(|x| x.id_spanned()).collect()),
        ("liaisons", raw.liaisons.iter().map(|x| x.id_spanned()).collect()),
        ("tasking requests", raw.tasking.iter().map(|x| x.id_spanned()).collect()),
    ] {
        over(
            what,
            ids.len(),
            MAX_EXCHANGE_ITEMS,
            ids.get(MAX_EXCHANGE_ITEMS).copied(),
        );
    }
}

fn add_object(
    d: &mut Diagnostics,
    objects: &mut BTreeMap<u32, CatalogObject>,
    p: ParsedElements,
    attrs: &RawAttrs,
    where_: &str,
) {
    let (l, _) = p.source.line_col(p.span.start);
    let origin = format!("{}:{l}", p.source.name);
    let Ok(id) = u32::try_from(p.elements.norad_id) else {
        d.push(Diagnostic::error(
            &p.source,
            p.span.clone(),
            format!("catalog number {} is too large", p.elements.norad_id),
        ));
        return;
    };
    if let Some(prev) = objects.get(&id) {
        d.push(
            Diagnostic::error(
                &p.source,
                p.span.clone(),
                format!("object {id} is loaded twice (first from {})", prev.origin),
            )
            .with_help(format!(
                "remove it from one source ({where_} or the earlier one); each catalog number may appear once"
            )),
        );
        return;
    }
    let name = p.elements.object_name.clone().unwrap_or_default().trim().to_string();
    let class = ObjectClass::infer(&name);
    let mut obj = CatalogObject {
        id,
        regime: Regime::of(p.elements.mean_motion, p.elements.eccentricity),
        rcs_m2: class.default_rcs_m2(),
        std_magnitude: class.default_std_magnitude(),
        class,
        owner: None,
        military: false,
        name,
        elements: p.elements,
        origin,
    };
    apply_attrs(&mut obj, attrs);
    objects.insert(id, obj);
}

fn apply_attrs(obj: &mut CatalogObject, a: &RawAttrs) {
    if a.infer_owners
        && let Some(rule) = crate::ownership::infer(&obj.name)
    {
        obj.owner = Some(rule.owner.to_string());
        obj.military = rule.military;
    }
    if let Some(c) = a.class {
        obj.class = c;
        obj.rcs_m2 = c.default_rcs_m2();
        obj.std_magnitude = c.default_std_magnitude();
    }
    if let Some(o) = a.owner {
        obj.owner = Some(o.value.clone());
    }
    if let Some(r) = a.rcs_m2 {
        obj.rcs_m2 = r.value;
    }
    if let Some(m) = a.std_magnitude {
        obj.std_magnitude = m.value;
    }
    if let Some(m) = a.military {
        obj.military = m;
    }
}

/// Default of `track_report_s`.
pub const DEFAULT_TRACK_REPORT_S: u32 = 600;
/// A nation's own starting accuracy per regime: every sigma positive and finite.
fn nation_prior(src: &SourceFile, d: &mut Diagnostics, n: &RawNation) -> BTreeMap<Regime, PriorSigmas> {
    let mut out = BTreeMap::new();
    for (regime, p) in &n.prior {
        let s = &p.value;
        let values = [s.radial_km, s.along_km, s.cross_km, s.drift_km_per_day];
        if values.iter().all(|v| v.is_finite() && *v > 0.0 && *v <= 1e5) {
            out.insert(*regime, *s);
        } else {
            d.push(
                Diagnostic::error(
                    src,
                    p.span.clone(),
                    format!(
                        "nation `{}`: every sigma of its {} prior must be a positive number of km (at most 100000)",
                        *n.id,
                        regime.as_str()
                    ),
                )
                .with_help("e.g. (radial_km: 0.2, along_km: 1.0, cross_km: 0.3, drift_km_per_day: 2.0)"),
            );
        }
    }
    out
}

/// Resolves each nation's `knows` against the loaded catalog (`nations` sorted by id).
fn resolve_knows(
    src: &SourceFile,
    d: &mut Diagnostics,
    raw: &[RawNation],
    objects: &BTreeMap<u32, CatalogObject>,
    nations: &mut [NationSpec],
) {
    for n in raw {
        let Ok(at) = nations.binary_search_by(|x| x.id.as_str().cmp(n.id.as_str())) else {
            continue;
        };
        nations[at].knows = match &n.knows {
            None | Some(RawKnows::All) => Knows::All,
            Some(RawKnows::OwnedOnly) => Knows::OwnedOnly,
            Some(RawKnows::Objects(list)) => {
                let mut ids = Vec::with_capacity(list.len());
                for o in list {
                    match u32::try_from(o.value).ok().filter(|id| objects.contains_key(id)) {
                        Some(id) => ids.push(id),
                        None => d.push(
                            Diagnostic::error(
                                src,
                                o.span.clone(),
                                format!(
                                    "nation `{}` knows object {}, which is not in the catalog",
                                    *n.id, o.value
                                ),
                            )
                            .with_help(
                                "`knows: Objects([...])` names catalog numbers of objects the catalog sources load",
                            ),
                        ),
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                Knows::Objects(ids)
            }
        };
        let spec = &nations[at];
        let holds_any = objects
            .values()
            .any(|o| spec.knows.holds(&spec.id, o.id, o.owner.as_deref()));
        if !holds_any && !objects.is_empty() {
            d.push(
                Diagnostic::warning(
                    src,
                    n.id.span.clone(),
                    format!(
                        "nation `{}` starts with an empty catalog: its `knows` holds none of the catalog's objects",
                        *n.id
                    ),
                )
                .with_help(
                    "it can only catalogue what its sensors or partners observe; give objects an `owner`, or use `knows: All`",
                ),
            );
        }
    }
}

pub use crate::limits::{MAX_DURATION_S, MAX_SENSORS, MAX_TICK_S};

const ID_HELP: &str = "ids are 1-64 characters of letters, digits, `-`, `_` or `.`";

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Reports `v` outside [`lo`, `hi`] (NaN included) at its position; returns whether it is inside.
fn in_range(d: &mut Diagnostics, src: &SourceFile, v: &Spanned<f64>, lo: f64, hi: f64, name: &str, help: &str) -> bool {
    let inside = v.value >= lo && v.value <= hi;
    if !inside {
        d.push(
            Diagnostic::error(
                src,
                v.span.clone(),
                format!("{name} {} is outside [{lo}, {hi}]", v.value),
            )
            .with_help(help),
        );
    }
    inside
}

fn positive(d: &mut Diagnostics, src: &SourceFile, v: &Spanned<f64>, name: &str, help: &str) {
    if !(v.value > 0.0 && v.value.is_finite()) {
        d.push(
            Diagnostic::error(src, v.span.clone(), format!("{name} must be positive, not {}", v.value)).with_help(help),
        );
    }
}

/// A 1-sigma noise value: finite, zero or positive, at most `max` (see the scenario reference).
fn sigma(d: &mut Diagnostics, src: &SourceFile, v: &Spanned<f64>, name: &str, max: f64) {
    if !(v.value >= 0.0 && v.value <= max) {
        d.push(
            Diagnostic::error(
                src,
                v.span.clone(),
                format!("{name} {:?} is outside [0, {max}]", v.value),
            )
            .with_help("noise is a 1-sigma value; larger values would put measurements anywhere"),
        );
    }
}

fn capacity(d: &mut Diagnostics, src: &SourceFile, v: &Spanned<u32>) {
    if v.value == 0 {
        d.push(
            Diagnostic::error(src, v.span.clone(), "capacity must be at least 1".to_string())
                .with_help("capacity is the number of objects the sensor can observe per tick"),
        );
    }
}

fn sector(d: &mut Diagnostics, src: &SourceFile, s: &Option<Spanned<RawSector>>) -> Option<AzimuthSector> {
    let s = s.as_ref()?;
    for v in [s.from_deg, s.to_deg] {
        if !(0.0..=360.0).contains(&v) {
            d.push(
                Diagnostic::error(src, s.span.clone(), format!("azimuth {v} is outside [0, 360]"))
                    .with_help("the sector runs clockwise from from_deg to to_deg, degrees from north"),
            );
        }
    }
    Some(AzimuthSector {
        from_deg: s.from_deg,
        to_deg: s.to_deg,
    })
}

fn ron_help(message: &str) -> String {
    if message.contains("Unexpected field") || message.contains("unknown field") {
        "check the spelling against the scenario reference (docs/scenario-reference.md); unknown fields are errors"
            .into()
    } else if message.contains("missing field") {
        "add the field; see docs/scenario-reference.md for every field and its units".into()
    } else {
        "see docs/scenario-reference.md for the scenario syntax".into()
    }
}
