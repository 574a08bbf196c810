//! The fuzz targets over the engine's input parsers: scenario loading (catalog files served from
//! the case through an in-memory `SourceLoader`), change files (`apply_change`), and each catalog
//! format. Inputs that load are built into a `Sim` and stepped a few ticks, so accepted but odd
//! values reach propagation, visibility, the exchange and the log writer too.

use std::collections::BTreeMap;
use std::sync::Arc;

use sentinel_engine::catalog::{self, CatalogFormat};
use sentinel_engine::{Diagnostics, Scenario, Sim, SimOptions, SourceFile, SourceLoader, Tick};

use crate::case::Case;
#[cfg(test)]
use crate::corpus;
use crate::exec::TargetResult;

/// Ticks a loaded input is stepped.
pub const STEP_TICKS: u64 = 4;

/// A fuzz target: its seed corpus, its size cap and what it does with a case.
pub struct Target {
    /// Name (file names of findings and fixtures start with it).
    pub name: &'static str,
    /// Seed inputs.
    pub seeds: Vec<Case>,
    /// Largest input, bytes (whole files beyond it are a known, separately handled limit).
    pub max_len: usize,
    /// Handles one case.
    pub run: Arc<dyn Fn(&Case) -> TargetResult + Send + Sync>,
}

/// Serves the case's files other than the first, by name.
struct CaseLoader(BTreeMap<String, String>);

impl SourceLoader for CaseLoader {
    fn load(&mut self, rel: &str) -> Result<SourceFile, String> {
        self.0
            .get(rel)
            .map(|t| SourceFile::new(rel, t.as_str()))
            .ok_or_else(|| "no such file".to_string())
    }
}

/// A diagnostic message with its values taken out, as a feedback signal: new shapes of message
/// mean the input reached new checks.
fn shape(msg: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in msg.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("`_`");
                }
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('#') {
                    out.push('#')
                }
            }
            _ => out.push(c),
        }
        if out.len() > 72 {
            break;
        }
    }
    out
}

/// Checks what an input produced as diagnostics: each span starts inside its file (or at its end)
/// on a character boundary, so its `line:column` is right (the CLI's renderer clamps the end), its
/// location renders, and the total text stays within a linear bound of the input. Returns the
/// feedback signals.
pub fn check_diags(d: &Diagnostics, input_len: usize) -> TargetResult {
    let mut total = 0usize;
    let mut signals = Vec::new();
    for x in &d.0 {
        if let Some(s) = &x.source {
            let (a, b) = (x.span.start, x.span.end);
            if a > s.text.len() || !s.text.is_char_boundary(a) {
                return Err(format!(
                    "span {a}..{b} does not start in {} ({} bytes) on a character boundary: {}",
                    s.name,
                    s.text.len(),
                    x.message
                ));
            }
        }
        total += x.to_string().len();
        signals.push(shape(&x.message));
    }
    let bound = (1 << 20) + 512 * input_len;
    if total > bound {
        return Err(format!(
            "{} diagnostics of {total} bytes for {input_len} input bytes (bound {bound})",
            d.0.len()
        ));
    }
    Ok(signals)
}

/// Builds the world and steps it `STEP_TICKS` ticks, writing every record as the CLI would.
pub fn step(s: &Scenario) -> TargetResult {
    let mut sim = Sim::new(
        s,
        s.seed,
        SimOptions {
            threads: 1,
            ..SimOptions::default()
        },
    );
    let mut kinds = std::collections::BTreeSet::new();
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    for _ in 0..STEP_TICKS {
        if sim.is_done() {
            break;
        }
        for r in sim.step() {
            kinds.insert(format!("event {:?}", r.event.kind()));
            out.clear();
            sentinel_engine::write_json_line(&mut out, &r, &s.clock.iso(Tick(r.tick)), &mut scratch)
                .map_err(|e| format!("writing a record failed: {e}"))?;
        }
    }
    Ok(kinds.into_iter().collect())
}

/// Loads the case's first file as a scenario with the other files as its catalog files.
pub fn scenario(case: &Case) -> TargetResult {
    let files = (1..case.files.len())
        .map(|i| (case.files[i].0.clone(), case.text(i)))
        .collect();
    let src = SourceFile::new(case.files[0].0.as_str(), case.text(0));
    match sentinel_engine::load_scenario(&src, &mut CaseLoader(files)) {
        Ok(s) => {
            let mut signals = check_diags(&s.warnings, case.len())?;
            signals.extend(step(&s)?);
            signals.push("loaded".into());
            Ok(signals)
        }
        Err(d) => check_diags(&d, case.len()),
    }
}

/// A stable 64-bit hash of bytes (FNV-1a), to pick a base scenario and fork time per input.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Applies the case's change file to one of `bases` at a fork time, both chosen by its hash.
pub fn change(bases: &[Scenario], case: &Case) -> TargetResult {
    let h = fnv(&case.files[0].1);
    let base = &bases[(h % bases.len() as u64) as usize];
    let duration_s = (base.clock.ticks * base.clock.tick_s as u64) as i64;
    let fork_s = [0, base.clock.tick_s as i64, duration_s / 2, duration_s][((h >> 8) % 4) as usize];
    let src = SourceFile::new("change.ron", case.text(0));
    match sentinel_engine::scenario::apply_change(base, &src, fork_s) {
        Ok(s) => {
            let mut signals = step(&s)?;
            signals.push(format!("applied at {}", (h >> 8) % 4));
            Ok(signals)
        }
        Err(d) => check_diags(&d, case.len()),
    }
}

/// Parses the case as a catalog file; when elements come out, loads them in a scenario and steps it.
pub fn catalog(format: CatalogFormat, case: &Case) -> TargetResult {
    let src = SourceFile::new(case.files[0].0.as_str(), case.text(0));
    let mut d = Diagnostics::default();
    let parsed = catalog::parse(&src, format, &mut d);
    let mut signals = check_diags(&d, case.len())?;
    let Some(first) = parsed.first() else {
        return Ok(signals);
    };
    let epoch = first.elements.datetime.and_utc();
    let epoch = if (1957..=9999).contains(&chrono::Datelike::year(&epoch)) {
        epoch.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        "2026-01-01T00:00:00Z".to_string()
    };
    let text = format!(
        r#"Scenario(name: "fuzz", epoch: "{epoch}", duration_s: 600, tick_s: 10, nations: [(id: "X", name: "X")],
           sensors: [(id: "R", nation: "X", site: (lat_deg: 0.0, lon_deg: 0.0),
                      kind: Radar(min_elevation_deg: 0.0, max_range_km: 50000.0, reference_snr_db: 40.0,
                                  reference_range_km: 1000.0, range_sigma_m: 25.0, az_sigma_deg: 0.03,
                                  el_sigma_deg: 0.03, capacity: 5))],
           catalog: [File(path: "cat", format: {format:?})])"#
    );
    let files = BTreeMap::from([("cat".to_string(), src.text.to_string())]);
    match sentinel_engine::load_scenario(&SourceFile::new("fuzz.ron", text), &mut CaseLoader(files)) {
        Ok(s) => {
            signals.extend(step(&s)?);
            signals.push("loaded".into());
        }
        Err(d) => signals.extend(check_diags(&d, case.len())?),
    }
    Ok(signals)
}

/// Reads the case as a CDM; when it reads, computes its Pc2D, Nc3D and 2-D validity as `sentinel pc`
/// does, which must give a probability in [0, 1] (or an error) and a finite, non-negative count.
pub fn cdm(case: &Case) -> TargetResult {
    use sentinel_engine::conjunction::{cdm, nc3d, pc2d, validity_2d};
    let src = SourceFile::new(case.files[0].0.as_str(), case.text(0));
    let c = match cdm::parse(&src) {
        Ok(c) => c,
        Err(d) => return check_diags(&d, case.len()),
    };
    let hbr = c.hbr_m.unwrap_or(10.0);
    let mut signals = vec!["loaded".to_string()];
    let pc = match pc2d(&c.objects[0].body(), &c.objects[1].body(), hbr, true) {
        Ok(p) if (0.0..=1.0).contains(&p.pc) => p.pc,
        Ok(p) => return Err(format!("pc2d {} is not a probability", p.pc)),
        Err(e) => {
            signals.push(format!("pc2d: {e}"));
            return Ok(signals);
        }
    };
    let (a, b) = (c.objects[0].body6(), c.objects[1].body6());
    let nc = if hbr > 0.0 {
        nc3d(&a, &b, hbr).map(|n| n.nc)
    } else {
        Some(0.0)
    };
    if let Some(n) = nc
        && !(n.is_finite() && n >= 0.0)
    {
        return Err(format!("nc3d {n} is not a count"));
    }
    signals.push(format!("nc3d {}", nc.is_some()));
    signals.push(format!("valid {}", validity_2d(&a, &b, hbr, pc, nc).valid()));
    Ok(signals)
}

/// Loads a scenario case (for building change-file bases).
pub fn scenario_of(case: &Case) -> Result<Scenario, Diagnostics> {
    let files = (1..case.files.len())
        .map(|i| (case.files[i].0.clone(), case.text(i)))
        .collect();
    let src = SourceFile::new(case.files[0].0.as_str(), case.text(0));
    sentinel_engine::load_scenario(&src, &mut CaseLoader(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer (tests/data/fuzz/omm-*-epoch-*): SGP4's epoch arithmetic overflows for a
    /// year before 1; such epochs are errors at the EPOCH value.
    #[test]
    fn epochs_outside_1957_2199_are_errors_at_their_position() {
        let kvn = corpus::catalogs()[3][1].text(0);
        let line = kvn.lines().position(|l| l.starts_with("EPOCH")).unwrap() + 1;
        for (year, errors) in [("2025", 0), ("1956", 1), ("0000", 1), ("-993", 1), ("2200", 1)] {
            let text = kvn.replace("EPOCH = 2025", &format!("EPOCH = {year}"));
            let mut d = Diagnostics::default();
            let parsed = catalog::parse_omm_kvn(&SourceFile::new("a.kvn", text), &mut d);
            assert_eq!((parsed.len(), d.error_count()), (1 - errors, errors), "{year}: {d}");
            if errors == 1 {
                assert_eq!(d.0[0].location().unwrap(), format!("a.kvn:{line}:9"), "{d}");
                assert!(d.0[0].message.contains("outside the years 1957-2199"), "{d}");
            }
        }
        let json = r#"[{"OBJECT_NAME": "X", "OBJECT_ID": "2000-001A", "EPOCH": "0000-11-17T19:17:15", "MEAN_MOTION": 2.0, "ECCENTRICITY": 0.01, "INCLINATION": 55.0, "RA_OF_ASC_NODE": 1.0, "ARG_OF_PERICENTER": 1.0, "MEAN_ANOMALY": 1.0, "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 1, "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 1, "BSTAR": 0, "MEAN_MOTION_DOT": 0, "MEAN_MOTION_DDOT": 0}]"#;
        let mut d = Diagnostics::default();
        assert!(catalog::parse_omm_json(&SourceFile::new("a.json", json), &mut d).is_empty());
        assert_eq!(d.0.len(), 1, "{d}");
        assert_eq!(d.0[0].location().unwrap(), "a.json:1:58");
    }
}
