//! Documented allowances: findings that match a known issue being fixed elsewhere are counted and
//! listed, not failed on. Each entry names its issue; remove it when the fix lands.
//!
//! The known input-hardening issues (unbounded file sizes, FIFO and device paths, 40,000 error
//! reports or a ~1,000-member regional center being slow) are kept out of scope by the input caps
//! (`MAX_SCENARIO_BYTES`, `MAX_CATALOG_BYTES`) rather than by entries here; accepted-but-odd values
//! (negative eccentricity, 200° inclination, NaN mean motion, huge `el_sigma_deg`) are not findings
//! unless they make the engine panic, hang or blow up. There is no entry at present.

use crate::case::Case;
use crate::exec::Verdict;

/// The known issue a finding matches, if any.
pub fn allowance(_target: &str, _case: &Case, _v: &Verdict) -> Option<&'static str> {
    None
}
