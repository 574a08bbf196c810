//! Orbit determination: what a nation believes about an object, estimated from measurements.
//!
//! **State.** An estimate is a set of SGP4 mean elements (the form the public catalog publishes)
//! at a fixed epoch, parameterised for estimation as the equinoctial mean elements
//! x = (a km, h = e cos ϖ, k = e sin ϖ, p = tan(i/2) cos Ω, q = tan(i/2) sin Ω, λ = ϖ + M rad),
//! where ϖ = Ω + ω and a follows from the mean motion by Kepler's third law (WGS-72 μ). They are
//! regular for circular and equatorial orbits. The 6x6 covariance is of x at the epoch. The drag
//! term (B*) is not estimated: it comes from the element set the entry started from.
//!
//! **Measurements.** Radar: range, azimuth, elevation; optical: azimuth, elevation; each with the
//! sensor's stated 1-sigma (times a degraded sensor's noise factor; for products a partner
//! degraded, the rule's noise added in quadrature). Predicted from x by SGP4 (AFSPC mode), TEME to
//! Earth-fixed by GMST, and the site's east/north/up basis: the model the sensors draw from.
//!
//! **Fit** ([`fit`]): weighted least squares differential correction (Gauss-Newton with a
//! finite-difference Jacobian and step halving) of x, with the previous estimate as a-priori
//! information, outlier editing, and the covariance (HᵀWH + P₀⁻¹)⁻¹ at the solution.

mod fit;
mod gate;
mod measure;
mod prior;
mod state;

pub use fit::{EDIT_SIGMA, MAX_ITERATIONS, MAX_WRMS, OdError, Problem, Solution, fit, fit_from};
pub use gate::{Gate, Linearisation, chi2_quantile, gate, gate_at};
pub use measure::{Meas, Obs, predict, whitened_residuals};
pub use prior::{PriorSigmas, prior_covariance, rsw_covariance};
pub(crate) use state::DEEP_SPACE_A_KM;
pub use state::{Mat6, Vec6, elements_of, mean_of, state_jacobian, state_jacobian_about, state_of};
