//! The 2-D probability of collision against NASA CARA's values for 27 real CDMs
//! (`tests/data/cara-pc/`, from nasa/CARA_Analysis_Tools; see its README).

use std::path::Path;

use sentinel_engine::SourceFile;
use sentinel_engine::conjunction::{cdm, pc2d};

struct Row {
    id: String,
    hbr_m: f64,
    miss_m: f64,
    pc2d_noadj: f64,
    pc2d: f64,
    nc3d: f64,
    comment: String,
}

fn table() -> Vec<Row> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cara-pc");
    let mut r = csv::Reader::from_path(dir.join("cara-pc-table.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (id, hbr, miss, noadj, adj, nc3d, comment) = (
        col("Conjunction_ID"),
        col("HBR_m"),
        col("MissDist_m"),
        col("Pc2D_NoAdj"),
        col("Pc2D"),
        col("Nc3D"),
        col("Comment"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let num = |i: usize| rec[i].parse::<f64>().unwrap();
            Row {
                id: rec[id].to_string(),
                hbr_m: num(hbr),
                miss_m: num(miss),
                pc2d_noadj: num(noadj),
                pc2d: num(adj),
                nc3d: num(nc3d),
                comment: rec[comment].to_string(),
            }
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// Every CDM's Pc, with and without the TCA adjustment, within 1e-6 relative of CARA's `Pc2D` and
/// `Pc2D_NoAdj`; the miss distance of the states as written within 1e-9 of `MissDist_m`. The two columns differ by more
/// than the tolerance on some files, so the adjustment is checked, not only the integral.
#[test]
fn pc2d_matches_cara_on_27_cdms() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cara-pc");
    let rows = table();
    assert_eq!(rows.len(), 27);
    let mut worst = (0.0f64, 0.0f64);
    let mut columns_differ = 0;
    for row in &rows {
        let path = dir.join(format!("{}.cdm", row.id));
        let src = SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).unwrap());
        let c = cdm::parse(&src).unwrap_or_else(|d| panic!("{}: {d:?}", row.id));
        assert_eq!(c.hbr_m, Some(row.hbr_m), "{}", row.id);
        let (a, b) = (c.objects[0].body(), c.objects[1].body());
        let adj = pc2d(&a, &b, row.hbr_m, true).unwrap();
        let noadj = pc2d(&a, &b, row.hbr_m, false).unwrap();
        let (e_adj, e_noadj) = (rel(adj.pc, row.pc2d), rel(noadj.pc, row.pc2d_noadj));
        println!(
            "{}: pc2d {:.10e} (CARA {:.10e}, rel {e_adj:.1e}); no adjustment rel {e_noadj:.1e}",
            row.id, adj.pc, row.pc2d
        );
        assert!(e_adj < 1e-6, "{}: {} vs CARA {}", row.id, adj.pc, row.pc2d);
        assert!(
            e_noadj < 1e-6,
            "{}: {} vs CARA (no adjustment) {}",
            row.id,
            noadj.pc,
            row.pc2d_noadj
        );
        assert!(
            rel(noadj.miss_m, row.miss_m) < 1e-9,
            "{}: miss {} vs {}",
            row.id,
            noadj.miss_m,
            row.miss_m
        );
        worst = (worst.0.max(e_adj), worst.1.max(e_noadj));
        columns_differ += usize::from(rel(row.pc2d_noadj, row.pc2d) > 1e-6);
    }
    println!(
        "worst relative difference: {:.1e} (adjusted), {:.1e} (not adjusted)",
        worst.0, worst.1
    );
    assert!(columns_differ >= 3, "{columns_differ}");
}

/// Hall's Nc3D within 1e-2 relative of CARA's `Nc3D` on every CDM (0.1 % measured), and the 2-D
/// method judged valid exactly where CARA's case list says it is (its `Comment` column: 12 cases
/// "No 2D-Pc method usage violation", 15 where the 2-D Pc under- or over-estimates or another
/// method is needed). Most invalid cases are caught only by the 3-D count (`inaccurate`), so the
/// classification checks it too.
#[test]
fn nc3d_matches_cara_on_27_cdms() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cara-pc");
    let mut worst: f64 = 0.0;
    let mut bad = Vec::new();
    for row in table() {
        let path = dir.join(format!("{}.cdm", row.id));
        let src = SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).unwrap());
        let c = cdm::parse(&src).unwrap();
        let n = sentinel_engine::conjunction::nc3d(&c.objects[0].body6(), &c.objects[1].body6(), row.hbr_m).unwrap();
        let e = rel(n.nc, row.nc3d);
        let p = pc2d(&c.objects[0].body(), &c.objects[1].body(), row.hbr_m, true)
            .unwrap()
            .pc;
        let v = sentinel_engine::conjunction::validity_2d(
            &c.objects[0].body6(),
            &c.objects[1].body6(),
            row.hbr_m,
            p,
            Some(n.nc),
        );
        if v.valid() != row.comment.starts_with("No 2D-Pc method usage violation") {
            bad.push(format!("{} validity", row.id));
        }
        println!(
            "{}: nc3d {:.6e} (CARA {:.6e}, rel {e:.1e}) window {:.3?} s, {} evaluations, {} failed; 2-D valid {} (extended {:.1e}, offset {:.1e}, inaccurate {:.1e}); CARA: {}",
            row.id,
            n.nc,
            row.nc3d,
            n.window_s,
            n.evaluations,
            n.failed,
            v.valid(),
            v.extended,
            v.offset,
            v.inaccurate,
            row.comment
        );
        worst = worst.max(e);
        if e >= 1e-2 {
            bad.push(row.id.clone());
        }
    }
    println!("worst relative difference from CARA's Nc3D: {worst:.1e}");
    assert!(bad.is_empty(), "{bad:?}");
}
