//! The inject and catalog-maintenance part of a scenario (RON model and validation).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;

use crate::catalog;
use crate::diag::Diagnostics;
use crate::injects::{CatalogRules, Inject, InjectKind, LaunchOrbit, LaunchedObject, Revisit};
use crate::limits::MAX_FRAGMENTS;
use crate::policy::Secs;
use crate::spanned::Spanned;

#[derive(Deserialize)]
pub(super) enum RawInject {
    Manoeuvre(RawManoeuvre),
    Launch(RawLaunch),
    Breakup(RawBreakup),
    Conjunction(RawConjunction),
    Reentry(RawReentry),
    SensorOutage(RawOutage),
    SensorDegradation(RawDegradation),
    LinkCut(RawLinkCut),
    PriorityChange(RawPriority),
}

impl RawInject {
    /// The inject's id as written.
    pub(super) fn id(&self) -> &Spanned<String> {
        match self {
            RawInject::Manoeuvre(x) => &x.id,
            RawInject::Launch(x) => &x.id,
            RawInject::Breakup(x) => &x.id,
            RawInject::Conjunction(x) => &x.id,
            RawInject::Reentry(x) => &x.id,
            RawInject::SensorOutage(x) => &x.id,
            RawInject::SensorDegradation(x) => &x.id,
            RawInject::LinkCut(x) => &x.id,
            RawInject::PriorityChange(x) => &x.id,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManoeuvre {
    id: Spanned<String>,
    object: Spanned<u64>,
    at: Spanned<String>,
    delta_v_m_s: Spanned<RawRsw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRsw {
    #[serde(default)]
    radial: f64,
    #[serde(default)]
    along_track: f64,
    #[serde(default)]
    cross_track: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLaunch {
    id: Spanned<String>,
    at: Spanned<String>,
    #[serde(default)]
    owner: Option<Spanned<String>>,
    objects: Vec<RawLaunched>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaunched {
    id: Spanned<u64>,
    #[serde(default)]
    name: Option<String>,
    orbit: RawOrbit,
}

#[derive(Deserialize)]
enum RawOrbit {
    Tle(Vec<Spanned<String>>),
    Circular(RawCircular),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCircular {
    site_lat_deg: f64,
    site_lon_deg: f64,
    altitude_km: f64,
    inclination_deg: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBreakup {
    id: Spanned<String>,
    object: Spanned<u64>,
    at: Spanned<String>,
    #[serde(default)]
    fragments: Option<Spanned<u32>>,
    first_id: Spanned<u64>,
    #[serde(default)]
    delta_v_median_m_s: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConjunction {
    id: Spanned<String>,
    at: Spanned<String>,
    primary: Spanned<u64>,
    secondary: RawSecondary,
    tca: Spanned<String>,
    miss_m: Spanned<f64>,
    #[serde(default)]
    crossing_angle_deg: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecondary {
    id: Spanned<u64>,
    #[serde(default)]
    name: Option<String>,
}

/// Largest scripted miss distance, m.
const MAX_CONJUNCTION_MISS_M: f64 = 100_000.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReentry {
    id: Spanned<String>,
    object: Spanned<u64>,
    at: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutage {
    id: Spanned<String>,
    sensor: Spanned<String>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDegradation {
    id: Spanned<String>,
    sensor: Spanned<String>,
    start: Spanned<String>,
    end: Spanned<String>,
    #[serde(default)]
    snr_loss_db: Option<Spanned<f64>>,
    #[serde(default)]
    noise_factor: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLinkCut {
    id: Spanned<String>,
    #[serde(default)]
    agreement: Option<Spanned<String>>,
    #[serde(default)]
    liaison: Option<Spanned<String>>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPriority {
    id: Spanned<String>,
    nation: Spanned<String>,
    object: Spanned<u64>,
    priority: Spanned<u8>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalogRules {
    #[serde(default)]
    uct_gate_km: Option<Spanned<f64>>,
    #[serde(default)]
    manoeuvre_tracks: Option<Spanned<u32>>,
    #[serde(default)]
    new_object_tracks: Option<Spanned<u32>>,
    #[serde(default)]
    revisit_h: Option<RawRevisit>,
    #[serde(default)]
    custody_sample_s: Option<Spanned<u32>>,
    #[serde(default)]
    uct_response_priority: Option<Spanned<u8>>,
    #[serde(default)]
    fit_span_h: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevisit {
    #[serde(default)]
    leo: Option<Spanned<f64>>,
    #[serde(default)]
    meo: Option<Spanned<f64>>,
    #[serde(default)]
    geo: Option<Spanned<f64>>,
    #[serde(default)]
    heo: Option<Spanned<f64>>,
    #[serde(default)]
    other: Option<Spanned<f64>>,
}

/// Fragments of 10 cm and larger from an explosion, by the NASA standard breakup model's
/// N(Lc) = 6 S Lc^-1.6 with S = 1 and Lc = 0.1 m (the size a surveillance network catalogues).
pub const MODEL_FRAGMENTS: u32 = 239;

/// What validation needs from the rest of the scenario: the exchange part's context (source,
/// epoch, nations, objects and its checks) plus the ids injects may name.
pub(super) struct Context<'a> {
    pub base: &'a super::exchange::Context<'a>,
    pub sensors: &'a BTreeSet<String>,
    pub agreements: &'a BTreeSet<String>,
    pub liaisons: &'a BTreeSet<String>,
}

impl<'a> std::ops::Deref for Context<'a> {
    type Target = super::exchange::Context<'a>;
    fn deref(&self) -> &Self::Target {
        self.base
    }
}

impl Context<'_> {
    fn at(&self, d: &mut Diagnostics, t: &Spanned<String>, what: &str) -> Secs {
        let Some(s) = self.time(d, t) else { return 0 };
        if s < 0 || s as u64 >= self.duration_s {
            self.err(
                d,
                &t.span,
                format!("{what} fires outside the run ({s} s from the epoch)"),
                &format!(
                    "injects fire between T+00:00 and the end of the run ({} s)",
                    self.duration_s
                ),
            );
        }
        s
    }

    fn period(&self, d: &mut Diagnostics, start: &Spanned<String>, end: &Spanned<String>, what: &str) -> (Secs, Secs) {
        let a = self.at(d, start, what);
        let b = self.time(d, end).unwrap_or(a + 1);
        if b > a && a >= 0 && (a as u64) < self.duration_s {
            self.within_run(d, (a, start), (b, end), what);
        }
        if b <= a {
            self.err(
                d,
                &end.span,
                format!("{what} ends before it starts"),
                "`end` must be later than `start`",
            );
        }
        (a, b)
    }

    fn named(&self, d: &mut Diagnostics, id: &Spanned<String>, set: &BTreeSet<String>, what: &str, list: &str) {
        if !set.contains(id.as_str()) {
            self.err(
                d,
                &id.span,
                format!("{what} names {list} `{}`, which is not in `{list}s`", **id),
                &format!("use the id of one of the scenario's {list}s"),
            );
        }
    }
}

/// Validates injects; `new_ids` receives the catalog numbers that launches and breakups create.
pub(super) fn validate(
    cx: &Context,
    d: &mut Diagnostics,
    raw: &[RawInject],
    new_ids: &mut BTreeSet<u32>,
) -> Vec<Inject> {
    let mut out = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let taken = |d: &mut Diagnostics, id: u64, span: &Range<usize>, what: &str| {
        cx.err(
            d,
            span,
            format!("{what}: catalog number {id} is already taken"),
            "new objects need catalog numbers that no catalog object or other inject uses",
        );
    };
    for r in raw {
        let id = r.id();
        cx.id(d, &mut ids, id, "inject");
        let what = format!("inject `{}`", **id);
        let (at, end, kind) = match r {
            RawInject::Manoeuvre(m) => {
                let dv = &m.delta_v_m_s;
                let mag =
                    (dv.radial * dv.radial + dv.along_track * dv.along_track + dv.cross_track * dv.cross_track).sqrt();
                if !(mag > 0.0 && mag <= 5000.0) {
                    cx.err(
                        d,
                        &dv.span,
                        format!("{what}: delta-v of {mag} m/s is not between 0 and 5000 m/s"),
                        "give radial, along_track and cross_track in m/s, e.g. (along_track: 2.0)",
                    );
                }
                (
                    cx.at(d, &m.at, &what),
                    None,
                    InjectKind::Manoeuvre {
                        object: cx.object(d, &m.object, &what),
                        delta_v_m_s: [dv.radial, dv.along_track, dv.cross_track],
                    },
                )
            }
            RawInject::Launch(l) => {
                if let Some(o) = &l.owner {
                    cx.nation(d, o, &what);
                }
                if l.objects.is_empty() {
                    cx.err(
                        d,
                        &l.id.span,
                        format!("{what} launches no objects"),
                        "list at least one object",
                    );
                }
                let mut objects = Vec::new();
                for o in l.objects.iter() {
                    let oid = match u32::try_from(o.id.value) {
                        Ok(i) if !cx.objects.contains(&i) && new_ids.insert(i) => i,
                        _ => {
                            taken(d, o.id.value, &o.id.span, &what);
                            0
                        }
                    };
                    let orbit = match &o.orbit {
                        RawOrbit::Tle(lines) => {
                            let lines: Vec<(String, Range<usize>)> =
                                lines.iter().map(|x| (x.value.clone(), x.span.clone())).collect();
                            match catalog::parse_inline_tle(cx.src, &lines, d) {
                                Some(p) => {
                                    if p.elements.norad_id != o.id.value {
                                        cx.err(
                                            d,
                                            &o.id.span,
                                            format!(
                                                "{what}: the TLE is for object {}, not {}",
                                                p.elements.norad_id, o.id.value
                                            ),
                                            "give the object the TLE's catalog number",
                                        );
                                    }
                                    LaunchOrbit::Elements(Box::new(p.elements))
                                }
                                None => continue,
                            }
                        }
                        RawOrbit::Circular(c) => {
                            if !(c.site_lat_deg.abs() <= 90.0 && c.site_lon_deg.abs() <= 360.0) {
                                cx.err(
                                    d,
                                    &o.id.span,
                                    format!("{what}: the launch site is not a latitude/longitude"),
                                    "degrees, north and east positive",
                                );
                            }
                            if !(150.0..=40_000.0).contains(&c.altitude_km) {
                                cx.err(
                                    d,
                                    &o.id.span,
                                    format!("{what}: altitude {} km is outside 150-40000 km", c.altitude_km),
                                    "altitude above the equatorial radius, km",
                                );
                            }
                            if !(c.inclination_deg >= c.site_lat_deg.abs()
                                && c.inclination_deg <= 180.0 - c.site_lat_deg.abs())
                            {
                                cx.err(
                                    d,
                                    &o.id.span,
                                    format!("{what}: inclination {} deg cannot pass over latitude {} deg", c.inclination_deg, c.site_lat_deg),
                                    "an orbit reaches latitudes up to its inclination (or 180 - inclination when retrograde)",
                                );
                            }
                            LaunchOrbit::Circular {
                                site_lat_deg: c.site_lat_deg,
                                site_lon_deg: c.site_lon_deg,
                                altitude_km: c.altitude_km,
                                inclination_deg: c.inclination_deg,
                            }
                        }
                    };
                    objects.push(LaunchedObject {
                        id: oid,
                        name: o.name.clone().unwrap_or_else(|| format!("{} OBJECT", l.id.value)),
                        orbit,
                    });
                }
                (
                    cx.at(d, &l.at, &what),
                    None,
                    InjectKind::Launch {
                        owner: l.owner.as_ref().map(|o| o.value.clone()),
                        objects,
                    },
                )
            }
            RawInject::Breakup(b) => {
                let n = match &b.fragments {
                    Some(f) => {
                        if !(1..=MAX_FRAGMENTS).contains(&f.value) {
                            cx.err(
                                d,
                                &f.span,
                                format!("{what}: {} fragments is outside 1-{MAX_FRAGMENTS}", f.value),
                                "the number of catalogued fragments to create; leave it out for the breakup model's count",
                            );
                        }
                        f.value.clamp(1, MAX_FRAGMENTS)
                    }
                    None => MODEL_FRAGMENTS,
                };
                let first = match u32::try_from(b.first_id.value) {
                    Ok(f) if f.checked_add(n).is_some() => {
                        match (f..f + n).find(|i| cx.objects.contains(i) || new_ids.contains(i)) {
                            Some(i) => taken(d, i as u64, &b.first_id.span, &what),
                            None => new_ids.extend(f..f + n),
                        }
                        f
                    }
                    _ => {
                        cx.err(
                            d,
                            &b.first_id.span,
                            format!("{what}: first_id {} is too large", b.first_id.value),
                            "fragments get first_id, first_id + 1, ...",
                        );
                        0
                    }
                };
                let dv = b.delta_v_median_m_s.as_ref().map_or(30.0, |v| {
                    if !(v.value > 0.0 && v.value <= 2000.0) {
                        cx.err(
                            d,
                            &v.span,
                            format!("delta_v_median_m_s {} is outside (0, 2000]", v.value),
                            "explosions give tens of m/s",
                        );
                    }
                    v.value
                });
                (
                    cx.at(d, &b.at, &what),
                    None,
                    InjectKind::Breakup {
                        object: cx.object(d, &b.object, &what),
                        first_id: first,
                        fragments: n,
                        delta_v_median_m_s: dv,
                    },
                )
            }
            RawInject::Conjunction(c) => {
                let at = cx.at(d, &c.at, &what);
                let tca = cx.at(d, &c.tca, &what);
                if tca <= at {
                    cx.err(
                        d,
                        &c.tca.span,
                        format!("{what}: the closest approach is not after the secondary appears (`at`)"),
                        "give a tca later than at: the secondary exists from at on",
                    );
                }
                if !(0.0..=MAX_CONJUNCTION_MISS_M).contains(&c.miss_m.value) {
                    cx.err(
                        d,
                        &c.miss_m.span,
                        format!(
                            "{what}: miss_m {} is outside 0-{MAX_CONJUNCTION_MISS_M} m",
                            c.miss_m.value
                        ),
                        "the miss distance at TCA, in metres",
                    );
                }
                let angle = c.crossing_angle_deg.as_ref().map_or(90.0, |a| {
                    if !(a.value > 0.0 && a.value <= 180.0) {
                        cx.err(
                            d,
                            &a.span,
                            format!("{what}: crossing_angle_deg {} is outside (0, 180]", a.value),
                            "the angle between the two velocities at TCA: 180 is head-on, small angles are slow encounters",
                        );
                    }
                    a.value
                });
                let sid = match u32::try_from(c.secondary.id.value) {
                    Ok(i) if !cx.objects.contains(&i) && new_ids.insert(i) => i,
                    _ => {
                        taken(d, c.secondary.id.value, &c.secondary.id.span, &what);
                        0
                    }
                };
                (
                    at,
                    None,
                    InjectKind::Conjunction {
                        primary: cx.object(d, &c.primary, &what),
                        secondary: sid,
                        name: c
                            .secondary
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("{} SECONDARY", c.id.value)),
                        tca,
                        miss_m: c.miss_m.value,
                        crossing_angle_deg: angle,
                    },
                )
            }
            RawInject::Reentry(x) => (
                cx.at(d, &x.at, &what),
                None,
                InjectKind::Reentry {
                    object: cx.object(d, &x.object, &what),
                },
            ),
            RawInject::SensorOutage(o) => {
                cx.named(d, &o.sensor, cx.sensors, &what, "sensor");
                let (a, b) = cx.period(d, &o.start, &o.end, &what);
                (
                    a,
                    Some(b),
                    InjectKind::SensorOutage {
                        sensor: o.sensor.value.clone(),
                    },
                )
            }
            RawInject::SensorDegradation(g) => {
                cx.named(d, &g.sensor, cx.sensors, &what, "sensor");
                let (a, b) = cx.period(d, &g.start, &g.end, &what);
                let loss = g.snr_loss_db.as_ref().map_or(0.0, |v| {
                    if !(0.0..=60.0).contains(&v.value) {
                        cx.err(
                            d,
                            &v.span,
                            format!("snr_loss_db {} is outside 0-60", v.value),
                            "dB of SNR lost (magnitudes for telescopes)",
                        );
                    }
                    v.value
                });
                let noise = g.noise_factor.as_ref().map_or(1.0, |v| {
                    if !(1.0..=1000.0).contains(&v.value) {
                        cx.err(
                            d,
                            &v.span,
                            format!("noise_factor {} is outside 1-1000", v.value),
                            "how many times the measurement noise grows",
                        );
                    }
                    v.value
                });
                if loss == 0.0 && noise == 1.0 {
                    cx.err(
                        d,
                        &g.id.span,
                        format!("{what} degrades nothing"),
                        "give snr_loss_db or noise_factor",
                    );
                }
                (
                    a,
                    Some(b),
                    InjectKind::SensorDegradation {
                        sensor: g.sensor.value.clone(),
                        snr_loss_db: loss,
                        noise_factor: noise,
                    },
                )
            }
            RawInject::LinkCut(c) => {
                let (a, b) = cx.period(d, &c.start, &c.end, &what);
                let kind = match (&c.agreement, &c.liaison) {
                    (Some(ag), None) => {
                        cx.named(d, ag, cx.agreements, &what, "agreement");
                        InjectKind::AgreementCut {
                            agreement: ag.value.clone(),
                        }
                    }
                    (None, Some(l)) => {
                        cx.named(d, l, cx.liaisons, &what, "liaison");
                        InjectKind::LiaisonCut {
                            liaison: l.value.clone(),
                        }
                    }
                    _ => {
                        cx.err(
                            d,
                            &c.id.span,
                            format!("{what} must name exactly one of `agreement` or `liaison`"),
                            "e.g. LinkCut(id: \"C1\", liaison: \"JPN-LNO\", start: ..., end: ...)",
                        );
                        InjectKind::LiaisonCut { liaison: String::new() }
                    }
                };
                (a, Some(b), kind)
            }
            RawInject::PriorityChange(p) => {
                cx.nation(d, &p.nation, &what);
                if !(1..=9).contains(&p.priority.value) {
                    cx.err(
                        d,
                        &p.priority.span,
                        format!("priority {} is outside 1-9", p.priority.value),
                        "1 is the most urgent, 9 the least",
                    );
                }
                let (a, b) = cx.period(d, &p.start, &p.end, &what);
                (
                    a,
                    Some(b),
                    InjectKind::PriorityChange {
                        nation: p.nation.value.clone(),
                        object: cx.object(d, &p.object, &what),
                        priority: p.priority.value,
                    },
                )
            }
        };
        out.push(Inject {
            id: id.value.clone(),
            at,
            end,
            kind,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Validates the catalog-maintenance settings.
pub(super) fn rules(cx: &Context, d: &mut Diagnostics, raw: &Option<RawCatalogRules>) -> CatalogRules {
    let mut r = CatalogRules::default();
    let Some(raw) = raw else { return r };
    if let Some(g) = &raw.uct_gate_km {
        if !(g.value > 0.0 && g.value <= 10_000.0) {
            cx.err(
                d,
                &g.span,
                format!("uct_gate_km {} is outside (0, 10000]", g.value),
                "km between the catalog prediction and an observation, e.g. 10",
            );
        }
        r.uct_gate_km = g.value;
    }
    for (v, slot, name) in [
        (&raw.manoeuvre_tracks, &mut r.manoeuvre_tracks, "manoeuvre_tracks"),
        (&raw.new_object_tracks, &mut r.new_object_tracks, "new_object_tracks"),
    ] {
        if let Some(v) = v {
            if !(1..=100).contains(&v.value) {
                cx.err(
                    d,
                    &v.span,
                    format!("{name} {} is outside 1-100", v.value),
                    "the field uses about 3-4 tracks",
                );
            }
            *slot = v.value.max(1);
        }
    }
    if let Some(rv) = &raw.revisit_h {
        let def = Revisit::default();
        let mut pick = |x: &Option<Spanned<f64>>, dflt: f64| match x {
            None => dflt,
            Some(v) => {
                if !(v.value > 0.0 && v.value <= 24.0 * 365.0) {
                    cx.err(
                        d,
                        &v.span,
                        format!("revisit of {} h is not between 0 and a year", v.value),
                        "e.g. (leo: 6, geo: 48)",
                    );
                }
                v.value
            }
        };
        r.revisit = Revisit {
            leo_h: pick(&rv.leo, def.leo_h),
            meo_h: pick(&rv.meo, def.meo_h),
            geo_h: pick(&rv.geo, def.geo_h),
            heo_h: pick(&rv.heo, def.heo_h),
            other_h: pick(&rv.other, def.other_h),
        };
    }
    if let Some(s) = &raw.fit_span_h {
        if !(s.value >= 1.0 && s.value <= 720.0) {
            cx.err(
                d,
                &s.span,
                format!("fit_span_h {} is outside 1-720", s.value),
                "hours of measurements an orbit fit uses, e.g. 72 (CARA's CDMs show about 3.6 days)",
            );
        }
        r.fit_span_h = s.value.clamp(1.0, 720.0);
    }
    if let Some(s) = &raw.custody_sample_s {
        if s.value == 0 {
            cx.err(
                d,
                &s.span,
                "custody_sample_s must be at least 1".into(),
                "seconds between custody samples, e.g. 3600",
            );
        }
        r.custody_sample_s = s.value.max(1);
    }
    if let Some(p) = &raw.uct_response_priority {
        if !(1..=9).contains(&p.value) {
            cx.err(
                d,
                &p.span,
                format!("uct_response_priority {} is outside 1-9", p.value),
                "1 is the most urgent",
            );
        }
        r.uct_response_priority = Some(p.value);
    }
    r
}
