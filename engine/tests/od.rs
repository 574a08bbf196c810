//! Orbit determination checks: statistical consistency of the estimate and its covariance over
//! seeded fits, and agreement with an independent fit (python `sgp4` + `scipy.optimize.least_squares`,
//! `tests/tools/od_fit.py`).

mod common;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use sentinel_engine::frames::{Site, look_from, sub, teme_to_ecef};
use sentinel_engine::object::Regime;
use sentinel_engine::od::{self, Mat6, Meas, Obs, PriorSigmas, Problem, Vec6};

const OMEGA_EARTH: f64 = 7.292_115_146_706_98e-5;

fn iss() -> sgp4::Elements {
    sgp4::Elements::from_tle(
        Some("ISS (ZARYA)".into()),
        b"1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
        b"2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014",
    )
    .unwrap()
}

fn himawari() -> sgp4::Elements {
    sgp4::Elements::from_tle(
        Some("HIMAWARI-9".into()),
        b"1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
        b"2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037",
    )
    .unwrap()
}

/// A sensor for the simulated tracks.
struct Sensor {
    site: Site,
    radar: bool,
    /// 1-sigma: range km, angles deg.
    sigma: (f64, f64),
}

fn sensors() -> Vec<Sensor> {
    vec![
        Sensor {
            site: Site::new(42.617, -71.491, 146.0),
            radar: true,
            sigma: (0.03, 0.02),
        },
        Sensor {
            site: Site::new(30.572, -86.215, 20.0),
            radar: true,
            sigma: (0.03, 0.02),
        },
        Sensor {
            site: Site::new(20.708, -156.257, 3058.0),
            radar: false,
            sigma: (0.0, 2.0 / 3600.0),
        },
        Sensor {
            site: Site::new(-7.412, 72.452, 10.0),
            radar: false,
            sigma: (0.0, 2.0 / 3600.0),
        },
    ]
}

fn gmst(minutes: f64) -> (f64, f64) {
    (1.234 + OMEGA_EARTH * minutes * 60.0).sin_cos()
}

/// Noise-free detection times: every `step_min` over `span_min`, above 10° elevation, at most
/// `per_pass` per pass and `passes` passes per sensor.
fn schedule(el: &sgp4::Elements, sensors: &[Sensor], span_min: f64, step_min: f64) -> Vec<(usize, f64)> {
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(el).unwrap();
    let mut out = Vec::new();
    for (s, sensor) in sensors.iter().enumerate() {
        let (mut passes, mut in_pass, mut count) = (0, false, 0);
        let mut t = 0.0;
        while t <= span_min && passes <= 2 {
            let r = c
                .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t))
                .unwrap()
                .position;
            let look = look_from(&sensor.site, sub(teme_to_ecef(r, gmst(t)), sensor.site.ecef_km));
            if look.el_deg > 10.0 {
                if !in_pass {
                    (in_pass, count) = (true, 0);
                    passes += 1;
                }
                if count < 8 && passes <= 2 {
                    out.push((s, t));
                    count += 1;
                }
            } else {
                in_pass = false;
            }
            t += step_min;
        }
    }
    out
}

/// Measurements of the truth at the scheduled times with seeded Gaussian noise.
fn measure(el: &sgp4::Elements, sensors: &[Sensor], times: &[(usize, f64)], seed: u64) -> Vec<(Meas, f64)> {
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(el).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut n = || -> f64 { StandardNormal.sample(&mut rng) };
    times
        .iter()
        .map(|&(s, t)| {
            let r = c
                .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t))
                .unwrap()
                .position;
            let sen = &sensors[s];
            let look = look_from(&sen.site, sub(teme_to_ecef(r, gmst(t)), sen.site.ecef_km));
            let m = Meas {
                tick: 0,
                sensor: s as u16,
                range_km: sen.radar.then(|| look.range_km + n() * sen.sigma.0),
                az_deg: (look.az_deg + n() * sen.sigma.1).rem_euclid(360.0),
                el_deg: look.el_deg + n() * sen.sigma.1,
                sigma_range_km: sen.sigma.0,
                sigma_az_deg: sen.sigma.1,
                sigma_el_deg: sen.sigma.1,
            };
            (m, t)
        })
        .collect()
}

fn obs<'a>(ms: &[(Meas, f64)], sensors: &'a [Sensor]) -> Vec<Obs<'a>> {
    ms.iter()
        .map(|&(meas, minutes)| Obs {
            meas,
            minutes,
            site: &sensors[meas.sensor as usize].site,
            gmst: gmst(minutes),
        })
        .collect()
}

/// Draws x ~ N(mean, cov) with a seeded generator.
fn draw(mean: &Vec6, cov: &Mat6, seed: u64) -> Vec6 {
    let l = cov.cholesky().expect("positive definite").l();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let z = Vec6::from_fn(|_, _| StandardNormal.sample(&mut rng));
    mean + l * z
}

/// Squared Mahalanobis distance of the position error `minutes` after the epoch under the
/// estimate's position covariance.
fn position_d2(truth: &Vec6, est: &Vec6, cov: &Mat6, el: &sgp4::Elements, minutes: f64) -> f64 {
    let (rt, _) = od::state_of(truth, el.datetime, el, minutes).unwrap();
    let (re, _) = od::state_of(est, el.datetime, el, minutes).unwrap();
    let g = od::state_jacobian(est, el.datetime, el, minutes).unwrap();
    let pc = g * cov * g.transpose();
    let p3 = pc.fixed_view::<3, 3>(0, 0).into_owned();
    let e = nalgebra::Vector3::new(re[0] - rt[0], re[1] - rt[1], re[2] - rt[2]);
    (e.transpose() * p3.try_inverse().unwrap() * e)[0]
}

/// Seeded fits of a known orbit from its simulated tracks, starting from a prior drawn from the
/// regime's published-accuracy covariance: the truth must lie inside the estimate's 3-sigma
/// position ellipsoid (97.1 % expected for a realistic 3-D Gaussian) in 90-99.5 % of fits.
fn consistency(el: &sgp4::Elements, regime: Regime, span_min: f64, step_min: f64, fits: u64) -> (f64, f64, u64) {
    let sensors = sensors();
    let times = schedule(el, &sensors, span_min, step_min);
    assert!(times.len() >= 6, "{} detections scheduled", times.len());
    let truth = od::mean_of(el);
    let prior = od::prior_covariance(&truth, el.datetime, el, 0.0, &PriorSigmas::default_for(regime)).unwrap();
    let (mut inside, mut wrms_sum, mut failed) = (0, 0.0, 0);
    for seed in 0..fits {
        let ms = measure(el, &sensors, &times, seed);
        let o = obs(&ms, &sensors);
        let start = draw(&truth, &prior, seed);
        let p = Problem {
            template: el,
            epoch: el.datetime,
            start,
            prior: Some((start, prior)),
            obs: &o,
            bstar_sigma: None,
        };
        let s = match od::fit(&p) {
            Ok(s) => s,
            Err(e) => {
                println!("seed {seed}: {e}");
                failed += 1;
                continue;
            }
        };
        let last = times.iter().map(|t| t.1).fold(0.0, f64::max);
        if position_d2(&truth, &s.x, &s.covariance, el, last) <= 9.0 {
            inside += 1;
        }
        wrms_sum += s.wrms;
    }
    let ok = (fits - failed) as f64;
    (inside as f64 / ok, wrms_sum / ok, failed)
}

#[test]
fn leo_fits_are_statistically_consistent() {
    let (share, wrms, failed) = consistency(&iss(), Regime::Leo, 1440.0, 20.0 / 60.0, 200);
    assert_eq!(failed, 0);
    println!(
        "LEO: truth inside the 3-sigma position ellipsoid in {:.1} % of 200 fits, mean wRMS {wrms:.3}",
        share * 100.0
    );
    assert!((0.90..=0.995).contains(&share), "{share}");
    assert!((0.8..1.2).contains(&wrms), "{wrms}");
}

fn intelsat_902() -> sgp4::Elements {
    sgp4::Elements::from_tle(
        Some("INTELSAT 902".into()),
        b"1 26900U 01039A   26150.20795828 -.00000274  00000+0  00000+0 0  9997",
        b"2 26900   6.0731  71.9994 0004183 352.2259 208.2625  1.00271460 90510",
    )
    .unwrap()
}

#[test]
fn geo_fits_from_angles_only_are_statistically_consistent() {
    let (share, wrms, failed) = consistency(&intelsat_902(), Regime::Geo, 720.0, 30.0, 200);
    println!(
        "GEO (6 deg inclined): truth inside the 3-sigma position ellipsoid in {:.1} % of {} converged fits ({failed} failed), mean wRMS {wrms:.3}",
        share * 100.0,
        200 - failed
    );
    assert!((0.90..=0.995).contains(&share), "{share}");
    assert!(failed <= 2, "{failed} of 200 GEO fits failed");
}

/// Near-equatorial GEO is SGP4's hard case: its elements have a kink where the inclination
/// passes through zero (node and perigee flip; SDP4's Lyddane terms are not symmetric), so a fit
/// from a prior that straddles it can stall in a local minimum. Those fail with their reason
/// (the caller keeps its estimate); the converged ones stay realistic. Measured: 18 of 200
/// HIMAWARI-9 (0.02 deg) fits from 8 angles-only detections fail.
#[test]
fn near_equatorial_geo_fits_that_converge_are_consistent_and_failures_are_bounded() {
    let (share, _, failed) = consistency(&himawari(), Regime::Geo, 720.0, 30.0, 200);
    println!(
        "GEO (0.02 deg): truth inside the 3-sigma ellipsoid in {:.1} % of {} converged fits ({failed} failed)",
        share * 100.0,
        200 - failed
    );
    assert!((0.90..=0.995).contains(&share), "{share}");
    assert!(failed <= 25, "{failed} of 200 GEO fits failed");
}

/// The independent fit's Python (tests/tools/setup.sh installs it), or `None` with a message to
/// install it; under `CI=true` a missing tool fails the test instead.
fn reference_python() -> Option<std::path::PathBuf> {
    let p = common::repo().join("target/test-tools/py/bin/python");
    if p.exists() {
        return Some(p);
    }
    let msg = format!(
        "{} is missing: install Python 3 with venv and pip (Debian: python3-venv), then run `bash tests/run`",
        p.display()
    );
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "{msg}");
    println!("SKIPPED: {msg}");
    None
}

/// The same observations fitted by the engine and by `tests/tools/od_fit.py` (python `sgp4` +
/// `scipy.optimize.least_squares`, no shared code) give estimates a small fraction of a sigma
/// apart and the same covariance.
#[test]
fn the_engine_fit_agrees_with_an_independent_scipy_fit() {
    let Some(python) = reference_python() else { return };
    let el = iss();
    let times = schedule(&el, &sensors(), 1440.0, 20.0 / 60.0);
    compare_with_scipy(&python, &el, ISS_TLE, &times, None);
}

/// The same with B* estimated (from a drag term of zero, over two days of tracks): the seven
/// parameters agree with the independent fit's.
#[test]
fn the_engine_bstar_fit_agrees_with_an_independent_scipy_fit() {
    let Some(python) = reference_python() else { return };
    let el = iss();
    let times = schedule_spread(&el, &sensors(), 2880.0, 360.0);
    compare_with_scipy(&python, &el, ISS_TLE, &times, Some(1e-3));
}

/// The ISS's element set as text (the independent fit reads its template from it).
const ISS_TLE: (&str, &str) = (
    "1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
    "2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014",
);

/// Five seeded fits of `el`'s tracks at `times` by the engine and by od_fit.py. With
/// `bstar_sigma`, both start from a drag term of zero (the TLE's B* field blanked for Python)
/// and estimate it.
fn compare_with_scipy(
    python: &std::path::Path,
    el: &sgp4::Elements,
    (line1, line2): (&str, &str),
    times: &[(usize, f64)],
    bstar_sigma: Option<f64>,
) {
    let sensors = sensors();
    let mut template = el.clone();
    let mut line1 = line1.to_string();
    if bstar_sigma.is_some() {
        template.drag_term = 0.0;
        line1.replace_range(53..61, " 00000+0");
    }
    let truth = od::mean_of(el);
    let prior = od::prior_covariance(&truth, el.datetime, el, 0.0, &PriorSigmas::default_for(Regime::Leo)).unwrap();
    let dir = std::env::temp_dir().join(format!("sentinel-od-{}-{}", std::process::id(), bstar_sigma.is_some()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut worst: f64 = 0.0;
    for seed in 0..5u64 {
        let ms = measure(el, &sensors, times, 1000 + seed);
        let o = obs(&ms, &sensors);
        let start = draw(&truth, &prior, 1000 + seed);
        let mine = od::fit(&Problem {
            template: &template,
            epoch: el.datetime,
            start,
            prior: Some((start, prior)),
            obs: &o,
            bstar_sigma,
        })
        .unwrap();
        assert_eq!(mine.rejected, 0, "seed {seed}: editing would make the fits differ");
        let rows: Vec<serde_json::Value> = o
            .iter()
            .map(|ob| {
                let (s, c) = ob.gmst;
                serde_json::json!({
                    "minutes": ob.minutes, "site_ecef_km": ob.site.ecef_km, "site_lat_deg": ob.site.lat_deg,
                    "site_lon_deg": ob.site.lon_deg, "gmst_rad": s.atan2(c), "range_km": ob.meas.range_km,
                    "az_deg": ob.meas.az_deg, "el_deg": ob.meas.el_deg,
                    "sigma_range_km": ob.meas.range_km.map(|_| ob.meas.sigma_range_km),
                    "sigma_az_deg": ob.meas.sigma_az_deg, "sigma_el_deg": ob.meas.sigma_el_deg,
                })
            })
            .collect();
        let rows6 = |m: &Mat6| {
            (0..6)
                .map(|i| (0..6).map(|j| m[(i, j)]).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        let input = serde_json::json!({
            "template": {"line1": line1, "line2": line2},
            "epoch": el.datetime.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            "initial": start.as_slice(),
            "prior": {"mean": start.as_slice(), "covariance": rows6(&prior)},
            "bstar_sigma": bstar_sigma,
            "observations": rows,
        });
        let (inp, out) = (
            dir.join(format!("in-{seed}.json")),
            dir.join(format!("out-{seed}.json")),
        );
        std::fs::write(&inp, input.to_string()).unwrap();
        let run = std::process::Command::new(python)
            .arg(common::repo().join("tests/tools/od_fit.py"))
            .args([&inp, &out])
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let theirs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(theirs["success"], true, "{theirs}");
        let x = Vec6::from_fn(|i, _| theirs["x"][i].as_f64().unwrap());
        let mut d = x - mine.x;
        d[5] = (d[5] + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
        let m = (d.transpose() * mine.covariance.try_inverse().unwrap() * d)[0].sqrt();
        println!(
            "seed {seed}: scipy and engine elements {m:.2e} sigma apart (Mahalanobis), wRMS {:.3} / {:.3}",
            mine.wrms, theirs["rms"]
        );
        assert!(m < 0.05, "seed {seed}: {m} sigma apart");
        for i in 0..6 {
            let theirs_var = theirs["covariance"][i][i].as_f64().unwrap();
            let ratio = theirs_var.sqrt() / mine.covariance[(i, i)].sqrt();
            assert!(
                (ratio - 1.0).abs() < 0.02,
                "seed {seed}: element {i} sigma ratio {ratio}"
            );
        }
        if let Some((b, sb)) = mine.bstar {
            let (tb, tsb) = (
                theirs["x"][6].as_f64().unwrap(),
                theirs["covariance"][6][6].as_f64().unwrap().sqrt(),
            );
            println!("seed {seed}: B* {b:.6e} ± {sb:.2e}, scipy {tb:.6e} ± {tsb:.2e}");
            assert!((b - tb).abs() < 0.05 * sb, "seed {seed}: B* {b} vs {tb} (sigma {sb})");
            assert!((tsb / sb - 1.0).abs() < 0.02, "seed {seed}: B* sigma {sb} vs {tsb}");
        }
        worst = worst.max(m);
    }
    println!("largest difference over 5 fits: {worst:.2e} sigma");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Detection times spread over `span_min`: for each sensor, the first pass (at most 8 detections
/// 20 s apart above 10° elevation) in each window of `window_min`.
fn schedule_spread(el: &sgp4::Elements, sensors: &[Sensor], span_min: f64, window_min: f64) -> Vec<(usize, f64)> {
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(el).unwrap();
    let step_min = 20.0 / 60.0;
    let mut out = Vec::new();
    for (s, sensor) in sensors.iter().enumerate() {
        let (mut window, mut t) = (-1.0_f64, 0.0);
        let mut count = 0;
        while t <= span_min {
            let r = c
                .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t))
                .unwrap()
                .position;
            let look = look_from(&sensor.site, sub(teme_to_ecef(r, gmst(t)), sensor.site.ecef_km));
            let w = (t / window_min).floor();
            if look.el_deg > 10.0 && (w > window || count > 0) && count < 8 {
                (window, count) = (w, count + 1);
                out.push((s, t));
            } else if look.el_deg <= 10.0 {
                count = 0;
            }
            t += step_min;
        }
    }
    out
}

/// The ISS observed over two days, fitted from elements whose drag term is unknown (zero): the
/// estimate of B*, its 1-sigma and the estimate's weighted RMS (at the last iterate, for a fit
/// that does not converge) per seeded fit, with B* estimated (`bstar_sigma`) or held at zero.
fn bstar_fits(fits: u64, bstar_sigma: Option<f64>) -> Vec<(f64, f64, f64)> {
    let truth_el = iss();
    let mut template = truth_el.clone();
    template.drag_term = 0.0;
    let sensors = sensors();
    let times = schedule_spread(&truth_el, &sensors, 2880.0, 360.0);
    assert!(times.len() >= 100, "{} detections scheduled", times.len());
    let truth = od::mean_of(&truth_el);
    let prior = od::prior_covariance(
        &truth,
        truth_el.datetime,
        &truth_el,
        0.0,
        &PriorSigmas::default_for(Regime::Leo),
    )
    .unwrap();
    (0..fits)
        .map(|seed| {
            let ms = measure(&truth_el, &sensors, &times, 2000 + seed);
            let o = obs(&ms, &sensors);
            let start = draw(&truth, &prior, 2000 + seed);
            let s = od::fit(&Problem {
                template: &template,
                epoch: truth_el.datetime,
                start,
                prior: Some((start, prior)),
                obs: &o,
                bstar_sigma,
            });
            match s {
                Ok(s) => {
                    let (b, sb) = s.bstar.unwrap_or((0.0, 0.0));
                    (b, sb, s.wrms)
                }
                // Held at zero, the fit fails for want of the drag: its residuals tell how far.
                Err(od::OdError::NoConvergence { wrms, .. }) if bstar_sigma.is_none() => (0.0, 0.0, wrms),
                Err(e) => panic!("seed {seed}: {e}"),
            }
        })
        .collect()
}

/// B* estimated with the elements (a seventh parameter) from two days of radar and optical
/// tracks of the ISS, starting from a drag term of zero: the truth (2.1767e-4 per earth radius)
/// lies within 2 sigma of the estimate in about 95 % of 200 seeded fits and the normalised
/// squared errors average about 1. Held at zero instead, the same fits cannot explain the
/// tracks (weighted RMS far above 1): what estimating B* is for.
#[test]
fn bstar_estimates_are_statistically_consistent_and_needed() {
    let truth = iss().drag_term;
    let fits = bstar_fits(200, Some(1e-3));
    let z2: Vec<f64> = fits.iter().map(|(b, sb, _)| ((b - truth) / sb).powi(2)).collect();
    let inside = z2.iter().filter(|z| **z <= 4.0).count() as f64 / z2.len() as f64;
    let mean_z2 = z2.iter().sum::<f64>() / z2.len() as f64;
    let wrms = fits.iter().map(|f| f.2).sum::<f64>() / fits.len() as f64;
    let sigma = fits.iter().map(|f| f.1).sum::<f64>() / fits.len() as f64;
    println!(
        "B*: truth within 2 sigma in {:.1} % of 200 fits, mean normalised squared error {mean_z2:.2}, mean sigma {sigma:.2e} (truth {truth:.4e}), mean wRMS {wrms:.3}",
        inside * 100.0
    );
    assert!((0.90..=0.99).contains(&inside), "{inside}");
    assert!((0.7..1.3).contains(&mean_z2), "{mean_z2}");
    assert!(sigma < 0.1 * truth, "B* barely determined: {sigma}");
    assert!((0.8..1.2).contains(&wrms), "{wrms}");
    // Without a prior on the elements (diffuse there), B* keeps its own prior and is found too.
    let truth_el = iss();
    let mut template = truth_el.clone();
    template.drag_term = 0.0;
    let times = schedule_spread(&truth_el, &sensors(), 2880.0, 360.0);
    let ms = measure(&truth_el, &sensors(), &times, 7);
    let sensors = sensors();
    let o = obs(&ms, &sensors);
    let free = od::fit(&Problem {
        template: &template,
        epoch: truth_el.datetime,
        start: od::mean_of(&truth_el),
        prior: None,
        obs: &o,
        bstar_sigma: Some(1e-3),
    })
    .unwrap();
    let (b, sb) = free.bstar.unwrap();
    println!("B* without an element prior: {b:.4e} ± {sb:.1e}");
    assert!((b - truth).abs() <= 3.0 * sb && sb < 0.1 * truth, "{b} ± {sb}");
    let fixed = bstar_fits(20, None);
    let wrms_fixed = fixed.iter().map(|f| f.2).sum::<f64>() / fixed.len() as f64;
    println!("B* held at zero: mean wRMS {wrms_fixed:.2}");
    assert!(wrms_fixed > 3.0 * wrms, "{wrms_fixed}");
}

/// Draws from a published element set's prior covariance ([`od::prior_covariance`]) keep the
/// cross-track error its sigma states, not just at the instant it is computed for but over the
/// following day: for the ISS, TDRS 3 (12.6 degrees) and the near-equatorial GEO satellites
/// HIMAWARI-9 and BSAT-4B, where SDP4's state depends on p and q roughly (before the cross-track
/// bound on p and q, BSAT-4B's draws were 20 km off across track within hours, and the gates of
/// its first tracks failed). (Radial and along-track errors grow faster than stated: the RSW
/// covariance leaves the semi-major axis free within the radial sigma.)
#[test]
fn prior_draws_keep_their_stated_sigmas_for_a_day() {
    let bsat = sgp4::Elements::from_tle(
        Some("BSAT-4B".into()),
        b"1 46112U 20056A   26150.52487818  .00000000  00000+0  00000+0 0  9992",
        b"2 46112   0.0086 191.6025 0004225 276.4156  78.8088  1.00268581 21214",
    )
    .unwrap();
    let inclined = sgp4::Elements::from_tle(
        Some("TDRS 3".into()),
        b"1 19548U 88091B   26150.42208977 -.00000296  00000+0  00000+0 0  9992",
        b"2 19548  12.6156 341.1225 0039238 356.7275  12.9243  1.00281048125214",
    )
    .unwrap();
    for (el, regime) in [
        (iss(), Regime::Leo),
        (inclined, Regime::Geo),
        (himawari(), Regime::Geo),
        (bsat, Regime::Geo),
    ] {
        let sig = PriorSigmas::default_for(regime);
        let x = od::mean_of(&el);
        let p = od::prior_covariance(&x, el.datetime, &el, 0.0, &sig).unwrap();
        let l = p.cholesky().unwrap().l();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let draws: Vec<Vec6> = (0..400)
            .map(|_| x + l * Vec6::from_fn(|_, _| StandardNormal.sample(&mut rng)))
            .collect();
        let mut worst = [0f64; 3];
        for hours in [0.0, 3.0, 6.0, 12.0, 18.0, 24.0] {
            let minutes = hours * 60.0;
            let (r, v) = od::state_of(&x, el.datetime, &el, minutes).unwrap();
            let axes = sentinel_engine::orbit::rsw(r, v);
            let mut sum = [0f64; 3];
            for d in &draws {
                let (rd, _) = od::state_of(d, el.datetime, &el, minutes).unwrap();
                let e = sub(rd, r);
                for k in 0..3 {
                    sum[k] += sentinel_engine::frames::dot(e, axes[k]).powi(2);
                }
            }
            for k in 0..3 {
                worst[k] = worst[k].max((sum[k] / draws.len() as f64).sqrt());
            }
        }
        let stated = [sig.radial_km, sig.along_km + sig.drift_km_per_day, sig.cross_km];
        println!(
            "{}: worst RMS over a day (radial, along, cross) {worst:.2?} km, stated {stated:?}",
            el.object_name.as_deref().unwrap_or("?")
        );
        assert!(worst[2] < 1.5 * stated[2], "{:?}: {worst:?}", el.object_name);
    }
}
