//! A telescope's sky (on an `Optical` sensor): the Moon's exclusion angle, the dark sky and
//! extinction its moonlight model reads, and the site's weather (`weather: (...)`), a two-state
//! Markov chain of clear and cloudy hours from a climatological clear-sky fraction per month.

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::spanned::Spanned;

/// Default Moon exclusion angle, degrees (the scattering model's fitted range starts there).
pub const DEFAULT_MOON_EXCLUSION_DEG: f64 = 10.0;
/// Default zenith brightness of the moonless sky, V mag/arcsec² (a dark observatory site).
pub const DEFAULT_DARK_SKY_MAG_ARCSEC2: f64 = 21.6;
/// Default V-band extinction, magnitudes per airmass (Krisciunas & Schaefer's Mauna Kea value).
pub const DEFAULT_EXTINCTION: f64 = 0.172;

/// What a telescope's sky adds to its geometry, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Sky {
    /// No target closer to the Moon than this is observed, degrees (0: none).
    pub moon_exclusion_deg: f64,
    /// Zenith brightness of the moonless sky, V mag/arcsec².
    pub dark_sky_mag_arcsec2: f64,
    /// Extinction, magnitudes per airmass (0: no atmosphere, no scattered moonlight).
    pub extinction_mag_per_airmass: f64,
    /// Cloud, if modelled.
    pub weather: Option<WeatherSpec>,
}

impl Default for Sky {
    fn default() -> Self {
        Sky {
            moon_exclusion_deg: DEFAULT_MOON_EXCLUSION_DEG,
            dark_sky_mag_arcsec2: DEFAULT_DARK_SKY_MAG_ARCSEC2,
            extinction_mag_per_airmass: DEFAULT_EXTINCTION,
            weather: None,
        }
    }
}

/// A site's weather: clear or cloudy for whole UTC hours, as a two-state Markov chain whose
/// stationary clear fraction is the month's `clear_fraction` and whose cloudy spells last
/// `cloudy_spell_h` on average (geometrically distributed); clear spells then last
/// `cloudy_spell_h × f / (1 − f)` on average.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSpec {
    /// Share of clear hours by month (January first).
    pub clear_fraction: [f64; 12],
    /// Mean length of a cloudy spell, hours.
    pub cloudy_spell_h: f64,
}

impl WeatherSpec {
    /// Hourly transition probabilities in a month (0-based): (clear → cloudy, cloudy → clear).
    pub fn transitions(&self, month0: usize) -> (f64, f64) {
        let f = self.clear_fraction[month0];
        if f <= 0.0 {
            return (1.0, 0.0);
        }
        let clearing = 1.0 / self.cloudy_spell_h;
        let clouding = clearing * (1.0 - f) / f;
        debug_assert!(
            (0.0..=1.0).contains(&clouding),
            "validated: clear spells of an hour or more"
        );
        (clouding, clearing)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeather {
    clear_fraction: Spanned<Vec<Spanned<f64>>>,
    cloudy_spell_h: Spanned<f64>,
}

/// The sky fields of a raw `Optical` sensor.
pub(super) struct RawSky<'a> {
    pub moon_exclusion_deg: &'a Option<Spanned<f64>>,
    pub dark_sky_mag_arcsec2: &'a Option<Spanned<f64>>,
    pub extinction_mag_per_airmass: &'a Option<Spanned<f64>>,
    pub weather: &'a Option<RawWeather>,
}

/// Longest mean cloudy spell, hours (a month).
const MAX_SPELL_H: f64 = 720.0;

/// Validates a telescope's sky fields (every problem at once); defaults where left out.
pub(super) fn resolve(src: &SourceFile, d: &mut Diagnostics, raw: RawSky<'_>) -> Sky {
    let mut value = |v: &Option<Spanned<f64>>, default: f64, lo: f64, hi: f64, name: &str, help: &str| {
        let Some(v) = v else { return default };
        super::in_range(d, src, v, lo, hi, name, help);
        v.value
    };
    let moon_exclusion_deg = value(
        raw.moon_exclusion_deg,
        DEFAULT_MOON_EXCLUSION_DEG,
        0.0,
        90.0,
        "moon_exclusion_deg",
        "telescopes avoid the Moon by 10 to 30 deg; 0 turns the exclusion off",
    );
    let dark_sky_mag_arcsec2 = value(
        raw.dark_sky_mag_arcsec2,
        DEFAULT_DARK_SKY_MAG_ARCSEC2,
        16.0,
        23.0,
        "dark_sky_mag_arcsec2",
        "a dark site's moonless zenith is about 21.5-22 V mag/arcsec², a suburban one about 19-20",
    );
    let extinction_mag_per_airmass = value(
        raw.extinction_mag_per_airmass,
        DEFAULT_EXTINCTION,
        0.0,
        2.0,
        "extinction_mag_per_airmass",
        "V-band extinction is about 0.12-0.3 mag per airmass at observatory sites",
    );
    Sky {
        moon_exclusion_deg,
        dark_sky_mag_arcsec2,
        extinction_mag_per_airmass,
        weather: raw.weather.as_ref().and_then(|w| weather(src, d, w)),
    }
}

fn weather(src: &SourceFile, d: &mut Diagnostics, w: &RawWeather) -> Option<WeatherSpec> {
    let spell = &w.cloudy_spell_h;
    let spell_ok = super::in_range(
        d,
        src,
        spell,
        1.0,
        MAX_SPELL_H,
        "cloudy_spell_h",
        "the weather changes at most hourly; mid-latitude cloudy spells last about 12-48 h",
    );
    let list = &w.clear_fraction;
    if list.value.len() != 1 && list.value.len() != 12 {
        d.push(
            Diagnostic::error(
                src,
                list.span.clone(),
                format!("clear_fraction has {} values", list.value.len()),
            )
            .with_help("give one value for the whole year or twelve, January first"),
        );
        return None;
    }
    let mut ok = spell_ok;
    for f in &list.value {
        if !super::in_range(
            d,
            src,
            f,
            0.0,
            1.0,
            "clear_fraction",
            "the share of hours with a clear sky",
        ) {
            ok = false;
        } else if spell_ok && f.value > 0.0 && spell.value * f.value / (1.0 - f.value) < 1.0 {
            let need = ((1.0 - f.value) / f.value).ceil();
            d.push(
                Diagnostic::error(
                    src,
                    f.span.clone(),
                    format!(
                        "clear_fraction {} with cloudy spells of {} h makes clear spells shorter than an hour",
                        f.value, spell.value
                    ),
                )
                .with_help(format!(
                    "the weather changes hourly: raise cloudy_spell_h to at least {need}, or use 0 for a site that is never clear"
                )),
            );
            ok = false;
        }
    }
    let clear_fraction = std::array::from_fn(|m| list.value[m % list.value.len()].value);
    ok.then_some(WeatherSpec {
        clear_fraction,
        cloudy_spell_h: spell.value,
    })
}
