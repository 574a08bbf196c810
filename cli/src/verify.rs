//! `sentinel verify RUN_DIR`: checks every output of a run against its manifest (size, lines,
//! SHA-256) and recomputes the per-tick hash chain from the log. Exit 0 when all hold, 1 naming
//! every file that does not.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use sha2::{Digest, Sha256};

use crate::chain::{Chain, TickReader};
use crate::loader::{hex, open_regular, read_capped};
use sentinel_engine::limits::MAX_MANIFEST_BYTES;

/// Arguments of `sentinel verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
}

/// The run's manifest, read as JSON: the one manifest reader of every command that reads a run.
/// The files it names must be the run's own (`events.jsonl`, `nations.json`, `ticks.sha256`,
/// `views/NATION.jsonl`), inside the run directory: never an absolute path, `..` or a symlink
/// leading out of it.
pub fn manifest(dir: &Path) -> anyhow::Result<serde_json::Value> {
    let path = dir.join("manifest.json");
    let bytes = read_capped(&path, MAX_MANIFEST_BYTES).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a run directory (cannot read manifest.json: {e})",
            dir.display()
        )
    })?;
    let m: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid JSON", path.display()))?;
    check_names(dir, &m).with_context(|| format!("{} is not a valid manifest", path.display()))?;
    Ok(m)
}

/// The run's tick count from its manifest, checked against the size of its `ticks.sha256` (one
/// `TICK HEX` line per tick), so that a manifest claiming more ticks than the run has cannot make a
/// command loop over ticks that are not there: what a command reads stays bounded by what is on disk.
pub fn ticks(dir: &Path, m: &serde_json::Value) -> anyhow::Result<u64> {
    let ticks = m["ticks"]
        .as_u64()
        .with_context(|| format!("{}/manifest.json has no tick count", dir.display()))?;
    let path = dir.join("ticks.sha256");
    let len = std::fs::metadata(&path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    // Lines `T HEX\n`: 66 bytes plus the digits of T, for T in 0..ticks.
    let want: u128 = (1..=20u32)
        .map(|digits| {
            let lo = if digits == 1 { 0 } else { 10u128.pow(digits - 1) };
            let hi = 10u128.pow(digits).min(u128::from(ticks));
            hi.saturating_sub(lo) * (66 + u128::from(digits))
        })
        .sum();
    if u128::from(len) != want {
        bail!(
            "{}/manifest.json says the run has {ticks} ticks, but {} is {len} bytes ({want} for {ticks} ticks): the run directory is damaged; `sentinel verify` checks a run",
            dir.display(),
            path.display()
        );
    }
    Ok(ticks)
}

/// The file entries of a manifest with the name each must have.
fn expected_names(m: &serde_json::Value) -> Vec<(String, &serde_json::Value, String)> {
    let mut out = vec![
        ("events".to_string(), &m["events"], "events.jsonl".to_string()),
        (
            "nations_summary".to_string(),
            &m["nations_summary"],
            "nations.json".to_string(),
        ),
        ("tick_chain".to_string(), &m["tick_chain"], "ticks.sha256".to_string()),
    ];
    for (i, v) in m["views"].as_array().into_iter().flatten().enumerate() {
        let nation = v["nation"].as_str().unwrap_or_default();
        out.push((format!("views[{i}]"), v, format!("views/{nation}.jsonl")));
    }
    out
}

fn check_names(dir: &Path, m: &serde_json::Value) -> anyhow::Result<()> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    for (key, entry, want) in expected_names(m) {
        let Some(name) = entry["file"].as_str() else {
            bail!("`{key}` has no file name");
        };
        let plain = !want.contains("..")
            && Path::new(&want)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if name != want || !plain {
            bail!(
                "`{key}.file` is {:?}; a run directory's manifest names only its own files ({want:?} here), never paths elsewhere",
                clip(name)
            );
        }
        // A symlink may not lead out of the run directory.
        if let Ok(real) = dir.join(name).canonicalize()
            && !real.starts_with(&root)
        {
            bail!("{name} is a link to {}, outside the run directory", real.display());
        }
    }
    Ok(())
}

fn clip(s: &str) -> String {
    sentinel_engine::diag::clip(s).into_owned()
}

/// Size, line count and SHA-256 (hex) of a file, streamed.
pub fn digest_file(path: &Path) -> Result<(u64, u64, String), String> {
    let (file, _) = open_regular(path)?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let (mut bytes, mut lines, mut sha) = (0u64, 0u64, Sha256::new());
    loop {
        let buf = r.fill_buf().map_err(|e| e.to_string())?;
        if buf.is_empty() {
            return Ok((bytes, lines, hex(&sha.finalize())));
        }
        sha.update(buf);
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        bytes += buf.len() as u64;
        let n = buf.len();
        r.consume(n);
    }
}

/// Checks one file against its manifest entry; `Err` says what is wrong.
fn check_file(dir: &Path, entry: &serde_json::Value) -> Result<String, String> {
    let name = entry["file"].as_str().ok_or("the manifest entry has no file name")?;
    let (bytes, lines, sha) = digest_file(&dir.join(name)).map_err(|e| format!("{name}: cannot read it: {e}"))?;
    let want = |k: &str| entry[k].as_u64();
    if want("bytes") != Some(bytes) {
        return Err(format!(
            "{name}: {bytes} bytes, the manifest says {} (truncated or appended to)",
            entry["bytes"]
        ));
    }
    if want("lines") != Some(lines) {
        return Err(format!("{name}: {lines} lines, the manifest says {}", entry["lines"]));
    }
    if entry["sha256"].as_str() != Some(sha.as_str()) {
        return Err(format!(
            "{name}: SHA-256 {sha} differs from the manifest's {} (modified)",
            entry["sha256"]
        ));
    }
    Ok(name.to_string())
}

/// Runs the command.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let m = manifest(dir)?;
    let mut entries = vec![
        m["events"].clone(),
        m["nations_summary"].clone(),
        m["tick_chain"].clone(),
    ];
    entries.extend(m["views"].as_array().cloned().unwrap_or_default());
    let mut failed = 0;
    for e in &entries {
        match check_file(dir, e) {
            Ok(name) => println!("ok      {name}"),
            Err(why) => {
                failed += 1;
                println!("FAILED  {why}");
            }
        }
    }
    // The chain must be the log's, tick by tick.
    let ticks = match ticks(dir, &m) {
        Ok(t) => t,
        Err(e) => {
            println!("FAILED  {e:#}");
            println!("sentinel: verify FAILED for {}", dir.display());
            return Ok(ExitCode::from(1));
        }
    };
    let events = File::open(dir.join("events.jsonl")).context("cannot open events.jsonl")?;
    let mut reader = TickReader::new(BufReader::with_capacity(1 << 20, events));
    let mut chain = Chain::default();
    let mut chain_ok = true;
    for t in 0..ticks {
        match reader.tick(t) {
            Ok(bytes) => chain.push(bytes),
            Err(e) => {
                println!("FAILED  events.jsonl: {e}");
                chain_ok = false;
                break;
            }
        }
    }
    if chain_ok {
        if m["tick_chain_head"].as_str() == Some(chain.head_hex().as_str())
            && read_capped(&dir.join("ticks.sha256"), chain.text().len() as u64)
                .ok()
                .as_deref()
                == Some(chain.text().as_bytes())
        {
            println!("ok      tick chain ({ticks} ticks, head {})", &chain.head_hex()[..16]);
        } else {
            chain_ok = false;
            println!("FAILED  ticks.sha256 does not match the log's per-tick hash chain");
        }
    }
    if failed > 0 || !chain_ok {
        println!("sentinel: verify FAILED for {}", dir.display());
        return Ok(ExitCode::from(1));
    }
    println!(
        "sentinel: verified {} ({} files and the tick chain)",
        dir.display(),
        entries.len()
    );
    Ok(ExitCode::SUCCESS)
}
