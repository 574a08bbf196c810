//! `sentinel pc FILE.cdm...`: the probability of collision of each conjunction data message (KVN or
//! XML), as an analyst would compute it: the 2-D Pc with CARA's TCA adjustment
//! (`sentinel_engine::conjunction::pc`), Hall's 3-D expected collision count (`nc3d`), and whether
//! the 2-D method's assumptions hold (`validity`).
//!
//! Every file is read and checked before anything is printed; any bad file is reported at its
//! position and the command exits 2 with nothing on standard output.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use sentinel_engine::conjunction::{Cdm, cdm, nc3d, pc2d, validity_2d};
use sentinel_engine::limits::MAX_CDM_BYTES;
use sentinel_engine::{Diagnostic, Diagnostics, SourceFile};
use serde::Serialize;

use crate::loader::read_capped;
use crate::{Reported, render};

/// Arguments of `sentinel pc`.
#[derive(Args, Debug)]
pub struct PcArgs {
    /// CCSDS CDM files (KVN or XML).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON array, one object per file, instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Combined hard-body radius in m, for every file (default: each CDM's `COMMENT HBR = .. [m]`).
    #[arg(long, value_name = "M")]
    pub hbr: Option<f64>,
}

/// One file's result: the fields `--json` prints, in this order.
#[derive(Serialize, Debug)]
struct Row {
    file: String,
    pc2d: f64,
    hbr_m: f64,
    miss_m: f64,
    method_valid_2d: bool,
    nc3d: Option<f64>,
    tca: String,
    primary: String,
    secondary: String,
    rel_speed_m_s: f64,
    tca_offset_s: f64,
    covariance_remediated: bool,
}

/// Runs the command.
pub fn pc(args: PcArgs) -> anyhow::Result<ExitCode> {
    if let Some(h) = args.hbr
        && !(h >= 0.0 && h.is_finite())
    {
        anyhow::bail!("--hbr {h} is not a radius: give a length in m, 0 or more");
    }
    let mut diags = Diagnostics::default();
    let mut rows = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let bytes = read_capped(path, MAX_CDM_BYTES).map_err(|e| anyhow::anyhow!("cannot read CDM {name}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("CDM {name} is not UTF-8 text ({e})"))?;
        let src = SourceFile::new(name.clone(), text);
        match cdm::parse(&src) {
            Ok(c) => match row(&src, &c, args.hbr) {
                Ok(r) => rows.push(r),
                Err(d) => diags.push(d),
            },
            Err(d) => diags.0.extend(d.0),
        }
    }
    if diags.has_errors() {
        render::diagnostics(&diags);
        return Err(Reported.into());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}

fn row(src: &SourceFile, c: &Cdm, hbr: Option<f64>) -> Result<Row, Diagnostic> {
    let at = 0..1;
    let hbr_m = hbr.or(c.hbr_m).ok_or_else(|| {
        Diagnostic::error(src, at.clone(), "the CDM gives no hard-body radius".to_string())
            .with_help("give the combined radius with `--hbr M`, or write `COMMENT HBR = 10 [m]` in the CDM")
    })?;
    let (a, b) = (c.objects[0].body(), c.objects[1].body());
    let p = pc2d(&a, &b, hbr_m, true).map_err(|e| Diagnostic::error(src, at.clone(), format!("no 2-D Pc: {e}")))?;
    let (a6, b6) = (c.objects[0].body6(), c.objects[1].body6());
    let nc = if hbr_m > 0.0 {
        nc3d(&a6, &b6, hbr_m).map(|n| n.nc)
    } else {
        Some(0.0)
    };
    let validity = validity_2d(&a6, &b6, hbr_m, p.pc, nc);
    Ok(Row {
        file: src.name.clone(),
        pc2d: p.pc,
        hbr_m,
        miss_m: p.miss_m,
        method_valid_2d: validity.valid(),
        nc3d: nc,
        tca: c.tca.clone(),
        primary: c.objects[0].designator.clone(),
        secondary: c.objects[1].designator.clone(),
        rel_speed_m_s: p.rel_speed_m_s,
        tca_offset_s: p.tca_offset_s,
        covariance_remediated: p.remediated,
    })
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<12} {:<12} {:>12} {:>12} {:>8} {:>10} {:>10} {:>8}  file",
        "primary", "secondary", "pc2d", "nc3d", "hbr_m", "miss_m", "vrel_m_s", "2d_valid"
    );
    for r in rows {
        let nc = r.nc3d.map_or_else(|| "-".to_string(), |n| format!("{n:.4e}"));
        println!(
            "{:<12} {:<12} {:>12.4e} {:>12} {:>8.2} {:>10.1} {:>10.1} {:>8}  {}",
            r.primary,
            r.secondary,
            r.pc2d,
            nc,
            r.hbr_m,
            r.miss_m,
            r.rel_speed_m_s,
            if r.method_valid_2d { "yes" } else { "no" },
            r.file
        );
    }
    if rows.iter().any(|r| !r.method_valid_2d) {
        println!("2d_valid no: the 2-D method's assumptions fail for that conjunction (CARA's indicators); use nc3d");
    }
}
