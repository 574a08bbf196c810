//! Association gate: is a tracklet consistent with an estimate?

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::fit::{OdError, Problem, linearise};
use super::measure::Obs;
use super::state::{Mat6, Vec6};

/// A tracklet tested against an estimate.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    /// Squared Mahalanobis distance of the innovation under S = H P Hᵀ + R.
    pub d2: f64,
    /// Degrees of freedom (measurement components).
    pub dof: usize,
}

impl Gate {
    /// Whether the tracklet passes at the chi-square quantile `p` (e.g. 0.999).
    pub fn passes(&self, p: f64) -> bool {
        self.d2 <= chi2_quantile(p, self.dof)
    }
}

/// Quantile `p` of the chi-square distribution with `dof` degrees of freedom.
pub fn chi2_quantile(p: f64, dof: usize) -> f64 {
    ChiSquared::new(dof.max(1) as f64).map_or(f64::INFINITY, |c| c.inverse_cdf(p))
}

/// The whitened residuals of observations and their Jacobian at elements `x` (every observation
/// active): what a gate at an estimate and the first iteration of a fit from it share (see
/// [`super::fit_from`]).
#[derive(Debug, Clone)]
pub struct Linearisation {
    pub(super) x: Vec6,
    pub(super) r: Vec<f64>,
    pub(super) jac: nalgebra::DMatrix<f64>,
}

/// Innovation test of the observations against elements `x` (covariance `cov`) at `epoch`.
pub fn gate(
    x: &Vec6,
    cov: &Mat6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    obs: &[Obs],
) -> Result<Gate, OdError> {
    gate_at(x, cov, epoch, template, obs).map(|(g, _)| g)
}

/// [`gate`], with the linearisation it made.
pub fn gate_at(
    x: &Vec6,
    cov: &Mat6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    obs: &[Obs],
) -> Result<(Gate, Linearisation), OdError> {
    let template = &super::state::bare(template);
    let p = Problem {
        template,
        epoch,
        start: *x,
        prior: None,
        obs,
        bstar_sigma: None,
    };
    let active = vec![true; obs.len()];
    let (r, jac) = linearise(x, &p, &active)?;
    // Whitened: S = J P Jᵀ + I, d² = rᵀ S⁻¹ r.
    let pm = nalgebra::DMatrix::from_iterator(6, 6, cov.iter().copied());
    let s = &jac * pm * jac.transpose() + nalgebra::DMatrix::identity(r.len(), r.len());
    let rv = nalgebra::DVector::from_column_slice(&r);
    let d2 = match s.cholesky() {
        Some(c) => rv.dot(&c.solve(&rv)),
        None => f64::INFINITY,
    };
    Ok((Gate { d2, dof: r.len() }, Linearisation { x: *x, r, jac }))
}
