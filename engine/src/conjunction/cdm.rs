//! Reading a CCSDS Conjunction Data Message (CCSDS 508.0-B-1, CDM 1.0; the same keywords in 2.0),
//! KVN or XML, into what a probability of collision needs.
//!
//! Read and checked: the relative metadata's `TCA` and `MISS_DISTANCE`; per object `OBJECT`,
//! `OBJECT_DESIGNATOR`, `OBJECT_NAME` (optional), `REF_FRAME` (an inertial frame, the same for
//! both), the state `X`..`Z_DOT` and the 21 terms of the 6x6 RTN covariance `CR_R`..`CNDOT_NDOT`.
//! A unit, when written, must be the standard's (`[km]`, `[m**2/s]`...). Other keywords are not
//! read. The combined hard-body radius is not a CDM 1.0 keyword: CARA writes it as
//! `COMMENT HBR = 10 [m]`, which is read, as is an `HBR` keyword. Every problem is reported at its
//! position, all at once.

use std::ops::Range;

use nalgebra::{Matrix3, Matrix6, Vector3};

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::ndm::{self, Item};

/// A conjunction as a CDM states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cdm {
    /// `MESSAGE_ID`, when given.
    pub message_id: Option<String>,
    /// `TCA`, as written (UTC).
    pub tca: String,
    /// `MISS_DISTANCE`, m.
    pub miss_distance_m: f64,
    /// The combined hard-body radius from `COMMENT HBR = .. [m]` or `HBR`, m.
    pub hbr_m: Option<f64>,
    /// OBJECT1 and OBJECT2.
    pub objects: [CdmObject; 2],
}

/// One object of a CDM.
#[derive(Debug, Clone, PartialEq)]
pub struct CdmObject {
    /// `OBJECT_DESIGNATOR` (the catalog number as written, e.g. `000020580`).
    pub designator: String,
    /// `OBJECT_NAME`, when given.
    pub name: Option<String>,
    /// `REF_FRAME` (inertial: EME2000, GCRF, ICRF, TEME, TOD or MOD).
    pub frame: String,
    /// Position at TCA, km.
    pub r_km: Vector3<f64>,
    /// Velocity at TCA, km/s.
    pub v_km_s: Vector3<f64>,
    /// Covariance of (R, T, N, R_DOT, T_DOT, N_DOT) in the object's RTN frame: m², m²/s, m²/s².
    pub cov_rtn: Matrix6<f64>,
}

impl CdmObject {
    /// The rotation from the object's RTN frame to the state's frame (R along the position, N along
    /// the angular momentum, T = N × R, as columns).
    fn rtn(&self) -> Matrix3<f64> {
        let rhat = self.r_km.normalize();
        let nhat = self.r_km.cross(&self.v_km_s).normalize();
        Matrix3::from_columns(&[rhat, nhat.cross(&rhat), nhat])
    }

    /// The position covariance rotated from the object's RTN frame into the state's frame, m².
    pub fn position_covariance_m2(&self) -> Matrix3<f64> {
        let m = self.rtn();
        m * self.cov_rtn.fixed_view::<3, 3>(0, 0) * m.transpose()
    }

    /// The 6x6 covariance rotated into the state's frame (position and velocity blocks by the same
    /// rotation, no rotating-frame term, as CARA does): m², m²/s, m²/s².
    pub fn covariance(&self) -> Matrix6<f64> {
        let mut b = Matrix6::zeros();
        b.fixed_view_mut::<3, 3>(0, 0).copy_from(&self.rtn());
        b.fixed_view_mut::<3, 3>(3, 3).copy_from(&self.rtn());
        let c = b * self.cov_rtn * b.transpose();
        (c + c.transpose()) * 0.5
    }

    /// The object for [`super::nc3d::nc3d`]: SI units, full covariance in the state's frame.
    pub fn body6(&self) -> super::nc3d::Body6 {
        super::nc3d::Body6 {
            r_m: self.r_km * 1e3,
            v_m_s: self.v_km_s * 1e3,
            cov: self.covariance(),
        }
    }

    /// The object for [`super::pc::pc2d`]: SI units, covariance in the state's frame.
    pub fn body(&self) -> super::pc::Body {
        super::pc::Body {
            r_m: self.r_km * 1e3,
            v_m_s: self.v_km_s * 1e3,
            cov_m2: self.position_covariance_m2(),
        }
    }
}

/// Frames a CDM state may be in for a probability of collision (inertial or quasi-inertial).
const INERTIAL_FRAMES: [&str; 6] = ["EME2000", "GCRF", "ICRF", "TEME", "TOD", "MOD"];

/// Axes of the covariance, in the keywords' spelling.
const AXES: [&str; 6] = ["R", "T", "N", "RDOT", "TDOT", "NDOT"];

/// Parses a CDM (KVN, or XML when the text starts with `<`).
pub fn parse(src: &SourceFile) -> Result<Cdm, Diagnostics> {
    let mut diags = Diagnostics::default();
    let items = if ndm::is_xml(&src.text) {
        ndm::xml(src, "CDM", &mut diags)
    } else {
        ndm::kvn(src, "CDM", &mut diags)
    };
    let sections = split_sections(src, &items, &mut diags);
    let mut read = Reader { src, diags };
    let cdm = read.cdm(&sections);
    if read.diags.has_errors() {
        return Err(read.diags);
    }
    Ok(cdm.expect("a CDM is built whenever no error was reported"))
}

/// The items of the relative metadata (and header) and of OBJECT1 and OBJECT2, each object's with
/// the span that names it (its `OBJECT` line or element).
struct Sections<'a> {
    relative: Vec<&'a Item>,
    objects: [(Vec<&'a Item>, Option<Range<usize>>); 2],
}

fn split_sections<'a>(src: &SourceFile, items: &'a [Item], diags: &mut Diagnostics) -> Sections<'a> {
    let mut s = Sections {
        relative: Vec::new(),
        objects: Default::default(),
    };
    // KVN: an `OBJECT` line starts a section. XML: the `<segment>` does, and `OBJECT` names it.
    let mut current: Option<usize> = None;
    let mut extra_reported = false;
    for it in items {
        if let Some(seg) = it.segment {
            current = Some(seg);
        }
        if it.key == "OBJECT" {
            let n = match it.value.as_str() {
                "OBJECT1" => 0,
                "OBJECT2" => 1,
                v => {
                    diags.push(
                        Diagnostic::error(src, it.value_span.clone(), format!("OBJECT is `{v}`"))
                            .with_help("a CDM holds OBJECT = OBJECT1, then OBJECT = OBJECT2"),
                    );
                    continue;
                }
            };
            let expected = current.map_or(0, |c| if it.segment.is_some() { c } else { c + 1 });
            if n != expected || s.objects[n].1.is_some() {
                diags.push(
                    Diagnostic::error(src, it.value_span.clone(), format!("{} is out of order", it.value))
                        .with_help("a CDM holds OBJECT1's section, then OBJECT2's, once each"),
                );
            }
            s.objects[n].1.get_or_insert(it.value_span.clone());
            current = Some(n);
            continue;
        }
        match current {
            None => s.relative.push(it),
            Some(n) if n < 2 => s.objects[n].0.push(it),
            Some(_) if !extra_reported => {
                extra_reported = true;
                diags.push(
                    Diagnostic::error(src, it.key_span.clone(), "a third object segment".to_string())
                        .with_help("a CDM has exactly two segments, OBJECT1 and OBJECT2"),
                );
            }
            Some(_) => {}
        }
    }
    s
}

struct Reader<'s> {
    src: &'s SourceFile,
    diags: Diagnostics,
}

impl Reader<'_> {
    fn cdm(&mut self, s: &Sections) -> Option<Cdm> {
        let whole = 0..1;
        let tca = self.text(&s.relative, "TCA", &whole);
        if let Some(t) = &tca
            && let Err(e) = crate::time::parse_utc(&t.0)
        {
            self.diags.push(
                Diagnostic::error(self.src, t.1.clone(), format!("TCA `{}` is not a UTC time: {e}", t.0))
                    .with_help("write it as 2021-03-15T21:29:55.881"),
            );
        }
        let miss = self.number(&s.relative, "MISS_DISTANCE", "m", &whole);
        let hbr = self.hbr(s);
        let mut objects = Vec::new();
        for (n, (items, at)) in s.objects.iter().enumerate() {
            let Some(at) = at else {
                self.diags.push(
                    Diagnostic::error(self.src, self.last_char(), format!("no OBJECT{} section", n + 1))
                        .with_help("a CDM holds OBJECT = OBJECT1 and OBJECT = OBJECT2, each with its metadata, state and covariance"),
                );
                continue;
            };
            objects.extend(self.object(items, at));
        }
        if let [a, b] = &objects[..]
            && a.frame != b.frame
        {
            let at = s.objects[1]
                .0
                .iter()
                .find(|i| i.key == "REF_FRAME")
                .map_or(0..1, |i| i.value_span.clone());
            self.diags.push(
                Diagnostic::error(
                    self.src,
                    at,
                    format!("OBJECT2's REF_FRAME {} differs from OBJECT1's {}", b.frame, a.frame),
                )
                .with_help("give both states in the same frame"),
            );
        }
        let [a, b]: [CdmObject; 2] = objects.try_into().ok()?;
        Some(Cdm {
            message_id: s
                .relative
                .iter()
                .find(|i| i.key == "MESSAGE_ID")
                .map(|i| i.value.clone()),
            tca: tca?.0,
            miss_distance_m: miss?,
            hbr_m: hbr,
            objects: [a, b],
        })
    }

    /// The span of the text's last character (the end of an empty text).
    fn last_char(&self) -> Range<usize> {
        let t = &self.src.text;
        t.char_indices().next_back().map_or(0..0, |(i, c)| i..i + c.len_utf8())
    }

    fn object(&mut self, items: &[&Item], at: &Range<usize>) -> Option<CdmObject> {
        let designator = self.text(items, "OBJECT_DESIGNATOR", at);
        let frame = self.text(items, "REF_FRAME", at);
        if let Some((f, span)) = &frame
            && !INERTIAL_FRAMES.contains(&f.as_str())
        {
            self.diags.push(
                Diagnostic::error(
                    self.src,
                    span.clone(),
                    format!("REF_FRAME {f} is not an inertial frame"),
                )
                .with_help(format!(
                    "a probability of collision needs inertial states: one of {}",
                    INERTIAL_FRAMES.join(", ")
                )),
            );
        }
        let xyz = |r: &mut Self, keys: [&str; 3], unit: &str| {
            let v: Vec<Option<f64>> = keys.iter().map(|k| r.number(items, k, unit, at)).collect();
            Some(Vector3::new(v[0]?, v[1]?, v[2]?))
        };
        let r = xyz(self, ["X", "Y", "Z"], "km");
        let v = xyz(self, ["X_DOT", "Y_DOT", "Z_DOT"], "km/s");
        let cov = self.covariance(items, at);
        if let (Some(r), Some(v)) = (r, v)
            && r.cross(&v).norm() == 0.0
        {
            self.diags.push(
                Diagnostic::error(
                    self.src,
                    at.clone(),
                    "the position and velocity are parallel (or zero): no RTN frame".to_string(),
                )
                .with_help("check X..Z_DOT of this object"),
            );
            return None;
        }
        Some(CdmObject {
            designator: designator?.0,
            name: items.iter().find(|i| i.key == "OBJECT_NAME").map(|i| i.value.clone()),
            frame: frame?.0,
            r_km: r?,
            v_km_s: v?,
            cov_rtn: cov?,
        })
    }

    fn covariance(&mut self, items: &[&Item], at: &Range<usize>) -> Option<Matrix6<f64>> {
        let mut c = Matrix6::zeros();
        let mut complete = true;
        for i in 0..6 {
            for j in 0..=i {
                let key = format!("C{}_{}", AXES[i], AXES[j]);
                let unit = match (i < 3, j < 3) {
                    (true, true) => "m**2",
                    (false, false) => "m**2/s**2",
                    _ => "m**2/s",
                };
                match self.number(items, &key, unit, at) {
                    Some(x) => {
                        c[(i, j)] = x;
                        c[(j, i)] = x;
                    }
                    None => complete = false,
                }
            }
        }
        complete.then_some(c)
    }

    fn hbr(&mut self, s: &Sections) -> Option<f64> {
        let all = s.relative.iter().chain(s.objects.iter().flat_map(|o| o.0.iter()));
        for it in all {
            let (value, unit, span) = if it.key == "HBR" {
                (it.value.as_str(), it.unit.clone(), it.value_span.clone())
            } else if it.key == "COMMENT"
                && let Some(rest) = it.value.strip_prefix("HBR")
                && let Some(rest) = rest.trim_start().strip_prefix('=')
            {
                let v0 = it.value_span.start + (it.value.len() - rest.len());
                let (v, unit) = match rest.trim_end().strip_suffix(']').and_then(|r| r.rsplit_once('[')) {
                    Some((v, u)) => (v, Some(u.trim().to_string())),
                    None => (rest, None),
                };
                let lead = v.len() - v.trim_start().len();
                (v.trim(), unit, v0 + lead..v0 + lead + v.trim().len().max(1))
            } else {
                continue;
            };
            return self
                .parse_number("HBR", value, unit.as_deref(), "m", span)
                .filter(|&x| {
                    x >= 0.0 || {
                        self.diags.push(
                            Diagnostic::error(self.src, it.value_span.clone(), format!("HBR {x} is negative"))
                                .with_help("the combined hard-body radius is a length in m, 0 or more"),
                        );
                        false
                    }
                });
        }
        None
    }

    /// The one item `key` of a section, reported when missing (at `at`) or repeated.
    fn find<'i>(&mut self, items: &[&'i Item], key: &str, at: &Range<usize>) -> Option<&'i Item> {
        let mut found = items.iter().filter(|i| i.key == key);
        let first = found.next().copied();
        if let Some(dup) = found.next() {
            self.diags.push(
                Diagnostic::error(
                    self.src,
                    dup.key_span.clone(),
                    format!("{key} is given twice in this section"),
                )
                .with_help("keep one"),
            );
        }
        if first.is_none() {
            self.diags.push(
                Diagnostic::error(self.src, at.clone(), format!("{key} is missing"))
                    .with_help(format!("{key} is a mandatory CDM keyword (CCSDS 508.0-B-1)")),
            );
        }
        first
    }

    fn text(&mut self, items: &[&Item], key: &str, at: &Range<usize>) -> Option<(String, Range<usize>)> {
        let it = self.find(items, key, at)?;
        if it.value.is_empty() {
            self.diags.push(
                Diagnostic::error(self.src, it.value_span.clone(), format!("{key} is empty"))
                    .with_help("give its value"),
            );
            return None;
        }
        Some((it.value.clone(), it.value_span.clone()))
    }

    fn number(&mut self, items: &[&Item], key: &str, unit: &str, at: &Range<usize>) -> Option<f64> {
        let it = self.find(items, key, at)?;
        self.parse_number(key, &it.value, it.unit.as_deref(), unit, it.value_span.clone())
    }

    fn parse_number(
        &mut self,
        key: &str,
        value: &str,
        written: Option<&str>,
        unit: &str,
        span: Range<usize>,
    ) -> Option<f64> {
        if let Some(w) = written
            && !w.eq_ignore_ascii_case(unit)
        {
            self.diags.push(
                Diagnostic::error(self.src, span.clone(), format!("{key} is in [{w}]"))
                    .with_help(format!("CCSDS 508.0-B-1 gives {key} in [{unit}]: convert the value")),
            );
            return None;
        }
        match value.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.diags.push(
                    Diagnostic::error(self.src, span, format!("{key} `{value}` is not a finite number"))
                        .with_help(format!("write a number in [{unit}], e.g. 1.25e+02")),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARA: &str =
        include_str!("../../../tests/data/cara-pc/000020580_conj_000022015_20210315_212955_20210313_065123.cdm");

    #[test]
    fn reads_a_cara_cdm() {
        // The values as written, parsed by the standard library.
        let f = |s: &str| s.parse::<f64>().unwrap();
        let cdm = parse(&SourceFile::new("a.cdm", CARA)).unwrap();
        assert_eq!(cdm.tca, "2021-03-15T21:29:55.881");
        assert_eq!((cdm.miss_distance_m, cdm.hbr_m), (1275.0, Some(10.0)));
        let [a, b] = &cdm.objects;
        assert_eq!(
            (a.designator.as_str(), a.name.as_deref(), a.frame.as_str()),
            ("000020580", Some("HST"), "EME2000")
        );
        assert_eq!(b.designator, "000022015");
        assert_eq!(a.r_km.x, f("6.415116608408431603e+03"));
        assert_eq!(b.v_km_s.z, f("-2.579506196146498787e-01"));
        assert_eq!(
            (a.cov_rtn[(0, 0)], a.cov_rtn[(1, 0)], a.cov_rtn[(0, 1)]),
            (
                f("1.243818360065978013e+01"),
                f("-4.811065462996281212e+02"),
                f("-4.811065462996281212e+02")
            )
        );
        assert_eq!(b.cov_rtn[(5, 5)], f("4.504659051410000249e-05"));
        // RTN to inertial keeps the trace and is symmetric.
        let c = a.position_covariance_m2();
        assert!((c.trace() - (a.cov_rtn[(0, 0)] + a.cov_rtn[(1, 1)] + a.cov_rtn[(2, 2)])).abs() < 1e-6);
        assert!((c - c.transpose()).norm() < 1e-9);
    }

    #[test]
    fn every_problem_is_reported_at_its_position() {
        let text = CARA
            .replace("X                                           = 6.415116608408431603e+03 [km]", "X = 6415.1 [m]")
            .replace("CN_N                                        = 3.117339513823930375e+01 [m**2]", "CN_N = big [m**2]")
            .replace("REF_FRAME                                   = EME2000\nGRAVITY_MODEL                               = EGM-96: 36D 36O\nATMOSPHERIC_MODEL                           = JBH09\nN_BODY_PERTURBATIONS                        = MOON,SUN\nSOLAR_RAD_PRESSURE                          = NO", "REF_FRAME = ITRF\nSOLAR_RAD_PRESSURE = NO")
            .replace("TCA                                         = 2021-03-15T21:29:55.881\n", "")
            .replacen("CNDOT_NDOT", "CNDOT_NDOTX", 1);
        let src = SourceFile::new("bad.cdm", text);
        let err = parse(&src).unwrap_err();
        let got: Vec<String> = err
            .0
            .iter()
            .map(|d| format!("{} {}", d.location().unwrap(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "bad.cdm:1:1 TCA is missing",
                "bad.cdm:53:5 X is in [m]",
                "bad.cdm:64:8 CN_N `big` is not a finite number",
                "bad.cdm:18:47 CNDOT_NDOT is missing",
                "bad.cdm:88:13 REF_FRAME ITRF is not an inertial frame",
            ],
            "{got:#?}"
        );
    }
}
