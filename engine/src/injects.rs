//! Exercise injects and the catalog-maintenance rules, as validated from the scenario.
//! Times are whole seconds from the epoch ([`Secs`]).

use crate::policy::Secs;

/// Where a launched object's elements come from.
#[derive(Debug, Clone)]
pub enum LaunchOrbit {
    /// Given mean elements (their epoch is kept).
    Elements(Box<sgp4::Elements>),
    /// A circular orbit inserted over a launch site at the launch time: the object is above the site
    /// at `altitude_km`, moving north-east (ascending) in a plane of `inclination_deg`.
    Circular {
        /// Launch site latitude, degrees.
        site_lat_deg: f64,
        /// Launch site longitude, degrees east.
        site_lon_deg: f64,
        /// Altitude above the equatorial radius, km.
        altitude_km: f64,
        /// Inclination, degrees (at least the site's |latitude|).
        inclination_deg: f64,
    },
}

/// An object a launch adds.
#[derive(Debug, Clone)]
pub struct LaunchedObject {
    /// Catalog number it gets (not in the catalog).
    pub id: u32,
    /// Name.
    pub name: String,
    /// Orbit.
    pub orbit: LaunchOrbit,
}

/// What an inject does.
#[derive(Debug, Clone)]
pub enum InjectKind {
    /// The object's velocity changes by `delta_v_m_s` (radial, along-track, cross-track).
    Manoeuvre {
        /// Catalog number.
        object: u32,
        /// Velocity change in the object's RSW frame, m/s.
        delta_v_m_s: [f64; 3],
    },
    /// New objects appear.
    Launch {
        /// Owner nation.
        owner: Option<String>,
        /// The objects.
        objects: Vec<LaunchedObject>,
    },
    /// The object breaks into fragments with seeded velocity changes.
    Breakup {
        /// Parent catalog number.
        object: u32,
        /// Catalog numbers of the fragments: `first_id .. first_id + fragments`.
        first_id: u32,
        /// Number of fragments (from the scenario, or the breakup model's count of catalogued pieces).
        fragments: u32,
        /// Median fragment delta-v, m/s (log-normal, 0.4 dex spread, isotropic direction).
        delta_v_median_m_s: f64,
    },
    /// A new object (the secondary) appears whose truth passes `primary` at `tca`, `miss_m` above
    /// it (radially), crossing its path at `crossing_angle_deg` in the local horizontal plane with
    /// the primary's speed (see `systems::inject::encounter`).
    Conjunction {
        /// The primary's catalog number (a catalog object).
        primary: u32,
        /// The secondary's catalog number (not in the catalog).
        secondary: u32,
        /// The secondary's name.
        name: String,
        /// Time of closest approach, s from the epoch.
        tca: Secs,
        /// Miss distance at TCA, m (radial: the secondary passes above the primary).
        miss_m: f64,
        /// Angle between the two horizontal velocities at TCA, degrees (0, 180].
        crossing_angle_deg: f64,
    },
    /// The object re-enters and leaves the simulation.
    Reentry {
        /// Catalog number.
        object: u32,
    },
    /// A sensor is out of service from `at` to `end`.
    SensorOutage {
        /// Sensor id.
        sensor: String,
    },
    /// A sensor works with lower SNR / larger noise from `at` to `end`.
    SensorDegradation {
        /// Sensor id.
        sensor: String,
        /// SNR loss, dB (radars) or limiting-magnitude loss, mag (telescopes).
        snr_loss_db: f64,
        /// Measurement noise multiplier (>= 1).
        noise_factor: f64,
    },
    /// An agreement is suspended from `at` to `end`.
    AgreementCut {
        /// Agreement id.
        agreement: String,
    },
    /// A liaison is unreachable (off duty) from `at` to `end`.
    LiaisonCut {
        /// Liaison id.
        liaison: String,
    },
    /// A nation gives an object a standing tasking priority on its own sensors from `at` to `end`.
    PriorityChange {
        /// Nation id.
        nation: String,
        /// Catalog number.
        object: u32,
        /// 1 (most urgent) to 9.
        priority: u8,
    },
}

impl InjectKind {
    /// Name in logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            InjectKind::Manoeuvre { .. } => "manoeuvre",
            InjectKind::Launch { .. } => "launch",
            InjectKind::Breakup { .. } => "breakup",
            InjectKind::Conjunction { .. } => "conjunction",
            InjectKind::Reentry { .. } => "reentry",
            InjectKind::SensorOutage { .. } => "sensor_outage",
            InjectKind::SensorDegradation { .. } => "sensor_degradation",
            InjectKind::AgreementCut { .. } => "agreement_cut",
            InjectKind::LiaisonCut { .. } => "liaison_cut",
            InjectKind::PriorityChange { .. } => "priority_change",
        }
    }
}

/// A timed inject.
#[derive(Debug, Clone)]
pub struct Inject {
    /// Stable id.
    pub id: String,
    /// When it fires.
    pub at: Secs,
    /// When a period inject ends (outages, degradations, cuts, priority changes).
    pub end: Option<Secs>,
    /// What it does.
    pub kind: InjectKind,
}

/// Revisit requirement per regime, hours: an object is in custody while its newest observation in the
/// nation's catalog is younger than this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Revisit {
    /// LEO, h.
    pub leo_h: f64,
    /// MEO, h.
    pub meo_h: f64,
    /// GEO, h.
    pub geo_h: f64,
    /// HEO, h.
    pub heo_h: f64,
    /// Other, h.
    pub other_h: f64,
}

impl Default for Revisit {
    fn default() -> Self {
        Revisit {
            leo_h: 6.0,
            meo_h: 24.0,
            geo_h: 48.0,
            heo_h: 12.0,
            other_h: 48.0,
        }
    }
}

/// How nations maintain their catalogs.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRules {
    /// Accuracy custody requires: an entry farther than this from the truth is not in custody, km
    /// (scoring only; association uses the chi-square gate on each nation's own estimates).
    pub uct_gate_km: f64,
    /// Tracks in a row that fit a catalogued entry only as a manoeuvre, needed to declare it.
    pub manoeuvre_tracks: u32,
    /// Tracks associated with a tentative entry (the first included) needed to catalogue it.
    pub new_object_tracks: u32,
    /// Custody requirement.
    pub revisit: Revisit,
    /// Seconds between `custody` samples.
    pub custody_sample_s: u32,
    /// Standing priority a nation gives an object on its own sensors after its first UCT of it, until
    /// it is re-catalogued (`None` = no response).
    pub uct_response_priority: Option<u8>,
    /// The fit span of orbit determination, hours: a span refit uses only measurements this
    /// recent (see `exchange::belief::Entry::refit_span`).
    pub fit_span_h: f64,
}

impl Default for CatalogRules {
    fn default() -> Self {
        CatalogRules {
            uct_gate_km: 10.0,
            manoeuvre_tracks: 2,
            new_object_tracks: 3,
            revisit: Revisit::default(),
            custody_sample_s: 3600,
            uct_response_priority: None,
            fit_span_h: 72.0,
        }
    }
}
