//! Object classes and orbit regimes.

/// What an object is. In RON: `Payload`, `RocketBody`, `Debris`, `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub enum ObjectClass {
    /// An active or dead spacecraft.
    Payload,
    /// A spent stage.
    RocketBody,
    /// A fragment.
    Debris,
    /// Not known (analyst objects, `TBA`).
    Unknown,
}

impl ObjectClass {
    /// Infers the class from a catalog name, as Space-Track names objects (`... DEB`, `... R/B`, `TBA ...`).
    pub fn infer(name: &str) -> ObjectClass {
        let n = name.to_ascii_uppercase();
        if n.contains(" DEB") || n.ends_with("DEB") || n.contains("DEBRIS") {
            ObjectClass::Debris
        } else if n.contains("R/B") || n.contains("ROCKET BODY") {
            ObjectClass::RocketBody
        } else if n.starts_with("TBA") || n.contains("TO BE ASSIGNED") || n.is_empty() {
            ObjectClass::Unknown
        } else {
            ObjectClass::Payload
        }
    }

    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectClass::Payload => "payload",
            ObjectClass::RocketBody => "rocket_body",
            ObjectClass::Debris => "debris",
            ObjectClass::Unknown => "unknown",
        }
    }

    /// Default radar cross-section, m².
    pub fn default_rcs_m2(self) -> f64 {
        match self {
            ObjectClass::Payload => 2.0,
            ObjectClass::RocketBody => 8.0,
            ObjectClass::Debris => 0.05,
            ObjectClass::Unknown => 0.1,
        }
    }

    /// Default standard visual magnitude (1000 km range, 90° phase angle).
    pub fn default_std_magnitude(self) -> f64 {
        match self {
            ObjectClass::Payload => 5.5,
            ObjectClass::RocketBody => 4.5,
            ObjectClass::Debris => 9.5,
            ObjectClass::Unknown => 8.5,
        }
    }
}

/// Orbit regime, by the rules of the data README (mean motion `n` in rev/day, eccentricity `e`).
/// In RON: `Leo`, `Meo`, `Geo`, `Heo`, `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub enum Regime {
    /// e < 0.25 and n >= 11.25.
    Leo,
    /// e < 0.25 and 1.1 < n < 11.25.
    Meo,
    /// e < 0.1 and 0.9 <= n <= 1.1.
    Geo,
    /// e >= 0.25.
    Heo,
    /// Anything else (e.g. beyond GEO).
    Other,
}

impl Regime {
    /// Classifies mean elements.
    pub fn of(mean_motion_rev_day: f64, e: f64) -> Regime {
        let n = mean_motion_rev_day;
        if e >= 0.25 {
            Regime::Heo
        } else if n >= 11.25 {
            Regime::Leo
        } else if e < 0.1 && (0.9..=1.1).contains(&n) {
            Regime::Geo
        } else if n > 1.1 && n < 11.25 {
            Regime::Meo
        } else {
            Regime::Other
        }
    }

    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Leo => "LEO",
            Regime::Meo => "MEO",
            Regime::Geo => "GEO",
            Regime::Heo => "HEO",
            Regime::Other => "OTHER",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_from_space_track_names() {
        assert_eq!(ObjectClass::infer("COSMOS 2251 DEB"), ObjectClass::Debris);
        assert_eq!(ObjectClass::infer("SL-16 R/B"), ObjectClass::RocketBody);
        assert_eq!(ObjectClass::infer("TBA - TO BE ASSIGNED"), ObjectClass::Unknown);
        assert_eq!(ObjectClass::infer("ISS (ZARYA)"), ObjectClass::Payload);
    }

    #[test]
    fn regimes_follow_the_data_readme() {
        assert_eq!(Regime::of(15.5, 0.0004), Regime::Leo);
        assert_eq!(Regime::of(2.0, 0.01), Regime::Meo);
        assert_eq!(Regime::of(1.0027, 0.0002), Regime::Geo);
        assert_eq!(Regime::of(2.0, 0.7), Regime::Heo);
        assert_eq!(Regime::of(0.5, 0.01), Regime::Other);
    }
}
