//! Weighted batch least-squares differential correction of SGP4 mean elements.

use super::gate::Linearisation;
use super::measure::{Obs, predict, whitened_residuals, wrap_deg};
use super::state::{Mat6, Vec6, bare, elements_of, steps};

/// Gauss-Newton iterations allowed per (re)fit.
pub const MAX_ITERATIONS: u32 = 15;
/// A measurement with a component more than this many sigmas from the fit is edited out.
pub const EDIT_SIGMA: f64 = 4.0;
/// A fit whose weighted RMS stays above this has not found the orbit.
pub const MAX_WRMS: f64 = 3.0;
/// Editing rounds (each followed by a refit).
const EDIT_ROUNDS: u32 = 3;

/// A fit to make.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// Drag terms, name and ids of the elements (not estimated).
    pub template: &'a sgp4::Elements,
    /// Epoch of the estimated elements.
    pub epoch: chrono::NaiveDateTime,
    /// Starting guess of x.
    pub start: Vec6,
    /// A-priori mean and covariance of x (the previous estimate), if any.
    pub prior: Option<(Vec6, Mat6)>,
    /// The measurements.
    pub obs: &'a [Obs<'a>],
    /// Estimate the drag term B* too (a seventh parameter), with this a-priori 1-sigma (1/earth
    /// radii) about the template's value, independent of the elements' prior (diffuse when
    /// `prior` is `None`); `None` holds it fixed.
    pub bstar_sigma: Option<f64>,
}

/// A converged fit.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Estimated equinoctial mean elements at the epoch.
    pub x: Vec6,
    /// Their covariance.
    pub covariance: Mat6,
    /// Root mean square of the whitened residuals of the measurements kept (1 when the sigmas are
    /// right).
    pub wrms: f64,
    /// Measurements kept.
    pub used: u32,
    /// Measurements edited out as outliers.
    pub rejected: u32,
    /// Gauss-Newton iterations, all rounds.
    pub iterations: u32,
    /// With [`Problem::bstar_sigma`]: the estimated B* (1/earth radii) and its 1-sigma
    /// (`covariance` is then the elements' marginal).
    pub bstar: Option<(f64, f64)>,
}

/// A parameter vector: the six equinoctial elements, then B* when it is estimated.
type VecN<const N: usize> = nalgebra::SVector<f64, N>;
/// Its covariance.
type MatN<const N: usize> = nalgebra::SMatrix<f64, N, N>;
/// Finite-difference step of B*, 1/earth radii (SGP4's drag terms are smooth in it).
const BSTAR_STEP: f64 = 1e-6;
/// Variance of a diffuse prior (elements without a prior in a fit that estimates B*).
const DIFFUSE: f64 = 1e12;

/// SGP4 elements of a parameter vector (B* from the template unless estimated).
fn elements_n<const N: usize>(x: &VecN<N>, p: &Problem) -> sgp4::Elements {
    let mut el = elements_of(&x.fixed_rows::<6>(0).into_owned(), p.epoch, p.template);
    if N == 7 {
        el.drag_term = x[6];
    }
    el
}

/// Finite-difference steps of a parameter vector.
fn steps_n<const N: usize>(x: &VecN<N>) -> [f64; N] {
    let six = steps(&x.fixed_rows::<6>(0).into_owned());
    std::array::from_fn(|i| if i < 6 { six[i] } else { BSTAR_STEP })
}

/// Why a fit failed (the caller keeps its previous estimate).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OdError {
    /// SGP4 rejected a candidate's elements.
    #[error("SGP4 rejected the elements during the fit: {0}")]
    Sgp4(String),
    /// The normal matrix could not be inverted.
    #[error("the observations do not determine the orbit (singular normal matrix)")]
    Singular,
    /// The iteration did not settle.
    #[error("no convergence after {iterations} iterations (weighted RMS {wrms:.2})")]
    NoConvergence {
        /// Iterations made.
        iterations: u32,
        /// Weighted RMS at the last iterate.
        wrms: f64,
    },
    /// The iterate left the orbits SGP4 handles.
    #[error("the fit left the orbits SGP4 handles (a = {a_km:.0} km, e = {e:.4})")]
    Diverged {
        /// Semi-major axis, km.
        a_km: f64,
        /// Eccentricity.
        e: f64,
    },
    /// A span refit failed (the entry keeps its sequential estimate, which the track did refine).
    #[error("refit over the fit span: {0}")]
    Refit(Box<OdError>),
    /// Fewer measurement components than elements and no prior.
    #[error("{components} measurement components cannot determine 6 elements without a prior")]
    TooFew {
        /// Components available.
        components: usize,
    },
}

/// Predicted measurement components of the active observations for x.
fn predicted<const N: usize>(x: &VecN<N>, p: &Problem, active: &[bool]) -> Result<Vec<f64>, OdError> {
    let e = x[1].hypot(x[2]);
    if !(x[0] > 6378.0 && x[0] < 1e6 && e < 0.99) {
        return Err(OdError::Diverged { a_km: x[0], e });
    }
    let el = elements_n(x, p);
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(&el).map_err(|e| OdError::Sgp4(e.to_string()))?;
    let mut out = Vec::with_capacity(3 * p.obs.len());
    for (o, _) in p.obs.iter().zip(active).filter(|(_, a)| **a) {
        let s = c
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(o.minutes))
            .map_err(|e| OdError::Sgp4(e.to_string()))?;
        predict(s.position, o, &mut out);
    }
    Ok(out)
}

/// The active observations.
fn kept<'a>(p: &Problem<'a>, active: &[bool]) -> Vec<Obs<'a>> {
    p.obs.iter().zip(active).filter(|(_, a)| **a).map(|(o, _)| *o).collect()
}

/// Whitened residuals r = (z − h(x)) / σ and the Jacobian ∂r/∂x (forward differences).
pub(crate) fn linearise<const N: usize>(
    x: &VecN<N>,
    p: &Problem,
    active: &[bool],
) -> Result<(Vec<f64>, nalgebra::DMatrix<f64>), OdError> {
    let obs = kept(p, active);
    let p0 = predicted(x, p, active)?;
    let mut r = Vec::with_capacity(p0.len());
    whitened_residuals(&obs, &p0, &mut r);
    // Per component: (sigma, is azimuth), in `predict`'s order.
    let mut meta = Vec::with_capacity(p0.len());
    for o in &obs {
        meta.push((o.meas.sigma_az_deg, true));
        meta.push((o.meas.sigma_el_deg, false));
        if o.meas.range_km.is_some() {
            meta.push((o.meas.sigma_range_km, false));
        }
    }
    let mut jac = nalgebra::DMatrix::zeros(p0.len(), N);
    for (c, h) in steps_n(x).iter().enumerate() {
        let mut xp = *x;
        xp[c] += h;
        let pj = predicted(&xp, p, active)?;
        for (i, &(sigma, az)) in meta.iter().enumerate() {
            let d = if az { wrap_deg(pj[i] - p0[i]) } else { pj[i] - p0[i] };
            jac[(i, c)] = -d / (h * sigma);
        }
    }
    Ok((r, jac))
}

/// Solves N dx = g with diagonal scaling (the elements mix km and radians).
fn solve<const N: usize>(n: &MatN<N>, g: &VecN<N>) -> Option<(VecN<N>, MatN<N>)> {
    let d = VecN::<N>::from_fn(|i, _| 1.0 / n[(i, i)].max(1e-300).sqrt());
    let scaled = MatN::<N>::from_fn(|i, j| n[(i, j)] * d[i] * d[j]);
    let inv = scaled.cholesky()?.inverse();
    let cov = MatN::<N>::from_fn(|i, j| inv[(i, j)] * d[i] * d[j]);
    cov.iter().all(|v| v.is_finite()).then(|| (cov * g, cov))
}

/// Whitened cost of x: measurements plus prior.
fn cost<const N: usize>(r: &[f64], x: &VecN<N>, prior: &Option<(VecN<N>, MatN<N>)>, prior_inv: &MatN<N>) -> f64 {
    let m: f64 = r.iter().map(|v| v * v).sum();
    match prior {
        Some((mean, _)) => {
            let d = x - mean;
            m + (d.transpose() * prior_inv * d)[0]
        }
        None => m,
    }
}

/// The problem in N parameters: start, and the prior (the template's B* with its sigma
/// appended, independent of the elements, when N is 7).
struct ProblemN<'p, 'a, const N: usize> {
    p: &'p Problem<'a>,
    start: VecN<N>,
    prior: Option<(VecN<N>, MatN<N>)>,
}

impl<'p, 'a, const N: usize> ProblemN<'p, 'a, N> {
    fn of(p: &'p Problem<'a>) -> Self {
        let b = p.template.drag_term;
        let extend = |v: &Vec6| VecN::<N>::from_fn(|i, _| if i < 6 { v[i] } else { b });
        let prior = match (&p.prior, p.bstar_sigma) {
            (Some((mean, cov)), sb) => {
                let mut c = MatN::<N>::zeros();
                c.fixed_view_mut::<6, 6>(0, 0).copy_from(cov);
                if N == 7 {
                    c[(6, 6)] = sb.unwrap_or(0.0).powi(2);
                }
                Some((extend(mean), c))
            }
            // No prior on the elements: diffuse there (no information to speak of), B*'s own.
            (None, Some(sb)) if N == 7 => {
                let mut c = MatN::<N>::from_diagonal_element(DIFFUSE);
                c[(6, 6)] = sb * sb;
                Some((extend(&p.start), c))
            }
            (None, _) => None,
        };
        ProblemN {
            p,
            start: extend(&p.start),
            prior,
        }
    }
}

/// Levenberg-Marquardt (Gauss-Newton, damped when a step does not lower the cost) to convergence
/// on the active observations: (x, covariance, iterations).
fn converge<const N: usize>(
    mut x: VecN<N>,
    q: &ProblemN<N>,
    active: &[bool],
    prior_inv: &MatN<N>,
    mut first: Option<Linearisation>,
) -> Result<(VecN<N>, MatN<N>, u32), OdError> {
    let p = q.p;
    let mut mu = 0.0;
    let wrms_of = |r: &[f64]| (r.iter().map(|v| v * v).sum::<f64>() / r.len().max(1) as f64).sqrt();
    for it in 1..=MAX_ITERATIONS {
        let (r, jac) = match first.take() {
            Some(l) => {
                debug_assert!(N == 6 && l.x.iter().zip(x.iter()).all(|(a, b)| a == b) && active.iter().all(|a| *a));
                debug_assert_eq!(
                    (l.r.clone(), l.jac.clone()),
                    linearise(&x, p, active)?,
                    "the linearisation given is x's"
                );
                (l.r, l.jac)
            }
            None => linearise(&x, p, active)?,
        };
        let jt = jac.transpose();
        let n: MatN<N> = MatN::<N>::from_iterator((&jt * &jac).iter().copied()) + prior_inv;
        let rv = nalgebra::DVector::from_column_slice(&r);
        let mut g: VecN<N> = VecN::<N>::from_iterator((-(&jt * rv)).iter().copied());
        if let Some((mean, _)) = &q.prior {
            g += prior_inv * (mean - x);
        }
        let (dx, cov) = solve(&n, &g).ok_or(OdError::Singular)?;
        let size = (dx.transpose() * n * dx)[0];
        if size < 1e-6 {
            return Ok((x, cov, it));
        }
        let c0 = cost(&r, &x, &q.prior, prior_inv);
        let mut moved = None;
        while mu <= 1e6 {
            let damped = n + MatN::<N>::from_diagonal(&n.diagonal()) * mu;
            let Some((step, _)) = solve(&damped, &g) else { break };
            let xt = x + step;
            if let Ok(pt) = predicted(&xt, p, active) {
                let mut rt = Vec::with_capacity(pt.len());
                whitened_residuals(&kept(p, active), &pt, &mut rt);
                let ct = cost(&rt, &xt, &q.prior, prior_inv);
                if ct <= c0 {
                    x = xt;
                    moved = Some(ct);
                    mu = if mu < 1e-6 { 0.0 } else { mu / 10.0 };
                    break;
                }
            }
            mu = (mu * 10.0).max(1e-4);
        }
        // No damped step lowers the cost, or it barely moves: a minimum to the precision of the
        // model (SDP4's resonance terms make the map from elements to measurements rough in GEO),
        // unless the residuals are still far beyond their sigmas.
        if moved.is_none_or(|ct| c0 - ct <= 1e-6 * c0.max(1.0)) || it == MAX_ITERATIONS {
            let wrms = wrms_of(&r);
            if wrms > MAX_WRMS {
                return Err(OdError::NoConvergence { iterations: it, wrms });
            }
            return Ok((x, cov, it));
        }
    }
    unreachable!("the last iteration returns")
}

/// Fits x to the observations (and the prior, if any), editing out measurements with a component
/// beyond [`EDIT_SIGMA`] (never more than half of them), and returns the estimate with its
/// covariance.
pub fn fit(p: &Problem) -> Result<Solution, OdError> {
    let template = bare(p.template);
    let p = &Problem {
        template: &template,
        ..p.clone()
    };
    match p.bstar_sigma {
        None => fit_n::<6>(&ProblemN::of(p), None),
        Some(_) => fit_n::<7>(&ProblemN::of(p), None),
    }
}

/// [`fit`] of the six elements from `p.start`, given the linearisation there (`first`, from the
/// gate of the same observations at the same elements: [`super::gate_at`]), which it then does
/// not make again. The same solution as [`fit`].
pub fn fit_from(p: &Problem, first: Linearisation) -> Result<Solution, OdError> {
    debug_assert!(p.bstar_sigma.is_none() && first.x == p.start);
    let template = bare(p.template);
    let p = &Problem {
        template: &template,
        ..p.clone()
    };
    fit_n::<6>(&ProblemN::of(p), Some(first))
}

/// [`fit`] in N parameters (`first`: the linearisation at the start, if made).
fn fit_n<const N: usize>(q: &ProblemN<N>, mut first: Option<Linearisation>) -> Result<Solution, OdError> {
    let p = q.p;
    let components: usize = p.obs.iter().map(|o| o.meas.components()).sum();
    if p.prior.is_none() && components < 6 {
        return Err(OdError::TooFew { components });
    }
    let prior_inv = match &q.prior {
        Some((_, cov)) => solve(cov, &VecN::<N>::zeros()).ok_or(OdError::Singular)?.1,
        None => MatN::<N>::zeros(),
    };
    let mut active = vec![true; p.obs.len()];
    let mut x = q.start;
    let mut iterations = 0;
    for round in 0..EDIT_ROUNDS {
        let (xs, cov, it) = converge(x, q, &active, &prior_inv, first.take())?;
        iterations += it;
        x = xs;
        // Whitened residuals of every observation (edited ones too, so they can come back).
        let all = vec![true; p.obs.len()];
        let pred = predicted(&x, p, &all)?;
        let mut r = Vec::with_capacity(pred.len());
        whitened_residuals(p.obs, &pred, &mut r);
        let mut edited = vec![true; p.obs.len()];
        let mut at = 0;
        for (i, o) in p.obs.iter().enumerate() {
            let n = o.meas.components();
            edited[i] = r[at..at + n].iter().all(|v| v.abs() <= EDIT_SIGMA);
            at += n;
        }
        let keep = edited.iter().filter(|a| **a).count();
        let settled = edited == active || 2 * keep < p.obs.len() || round + 1 == EDIT_ROUNDS;
        if settled {
            let (mut sum, mut m) = (0.0, 0usize);
            let mut at = 0;
            for (o, a) in p.obs.iter().zip(&active) {
                let n = o.meas.components();
                if *a {
                    sum += r[at..at + n].iter().map(|v| v * v).sum::<f64>();
                    m += n;
                }
                at += n;
            }
            let used = active.iter().filter(|a| **a).count() as u32;
            return Ok(Solution {
                x: x.fixed_rows::<6>(0).into_owned(),
                covariance: cov.fixed_view::<6, 6>(0, 0).into_owned(),
                wrms: (sum / m.max(1) as f64).sqrt(),
                used,
                rejected: p.obs.len() as u32 - used,
                iterations,
                bstar: (N == 7).then(|| (x[N - 1], cov[(N - 1, N - 1)].sqrt())),
            });
        }
        active = edited;
    }
    unreachable!("the last editing round returns")
}
