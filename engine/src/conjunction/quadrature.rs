//! Quadrature rules shared by the Pc methods.

use std::sync::OnceLock;

use nalgebra::{DMatrix, SymmetricEigen};

/// The `n`-point Gauss-Legendre rule on [-1, 1] as (node, weight), nodes ascending, for the sizes
/// the Pc methods use (16, 32, 48 and 64 points; others are computed on every call).
///
/// Golub-Welsch: the nodes are the eigenvalues of the Jacobi matrix of the Legendre recurrence,
/// the weights twice the squared first components of its unit eigenvectors.
pub fn legendre(n: usize) -> std::borrow::Cow<'static, [(f64, f64)]> {
    static RULES: [OnceLock<Vec<(f64, f64)>>; 4] = [const { OnceLock::new() }; 4];
    match n {
        16 | 32 | 48 | 64 => std::borrow::Cow::Borrowed(RULES[n / 16 - 1].get_or_init(|| golub_welsch(n))),
        _ => std::borrow::Cow::Owned(golub_welsch(n)),
    }
}

fn golub_welsch(n: usize) -> Vec<(f64, f64)> {
    let mut j = DMatrix::<f64>::zeros(n, n);
    for k in 1..n {
        let b = k as f64 / ((4 * k * k - 1) as f64).sqrt();
        j[(k, k - 1)] = b;
        j[(k - 1, k)] = b;
    }
    let eig = SymmetricEigen::new(j);
    let mut rule: Vec<(f64, f64)> = (0..n)
        .map(|i| (eig.eigenvalues[i], 2.0 * eig.eigenvectors[(0, i)].powi(2)))
        .collect();
    rule.sort_by(|p, q| p.0.total_cmp(&q.0));
    debug_assert!((rule.iter().map(|p| p.1).sum::<f64>() - 2.0).abs() < 1e-12);
    rule
}

#[cfg(test)]
mod tests {
    /// Exact for polynomials of degree 2n − 1: ∫ x^k over [-1, 1] is 2/(k+1) for even k.
    #[test]
    fn gauss_legendre_is_exact_to_its_degree() {
        for n in [16, 32, 48, 64, 5] {
            let rule = super::legendre(n);
            for k in (0..2 * n).step_by(2) {
                let got: f64 = rule.iter().map(|&(x, w)| w * x.powi(k as i32)).sum();
                let exact = 2.0 / (k as f64 + 1.0);
                assert!(
                    (got - exact).abs() < 1e-12 * exact.max(1.0) * 10.0,
                    "n {n} k {k}: {got} vs {exact}"
                );
            }
        }
    }
}
