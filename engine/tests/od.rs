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

#[test]
fn geo_fits_from_angles_only_are_statistically_consistent() {
    let (share, wrms, failed) = consistency(&himawari(), Regime::Geo, 720.0, 30.0, 200);
    println!(
        "GEO: truth inside the 3-sigma position ellipsoid in {:.1} % of {} converged fits ({failed} failed), mean wRMS {wrms:.3}",
        share * 100.0,
        200 - failed
    );
    assert!((0.90..=0.995).contains(&share), "{share}");
    // Angles-only GEO fits from a prior a few kilometres off sometimes stall in a local minimum
    // (measured: 7 of 200); they fail with the reason and the caller keeps its estimate.
    assert!(failed <= 10, "{failed} of 200 GEO fits failed");
}
