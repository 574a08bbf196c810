//! `sentinel verify RUN_DIR`: checks every output of a run against its manifest (size, lines,
//! SHA-256) and recomputes the per-tick hash chain from the log. Exit 0 when all hold, 1 naming
//! every file that does not.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sha2::{Digest, Sha256};

use crate::chain::{Chain, TickReader};
use crate::loader::hex;

/// Arguments of `sentinel verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
}

/// The run's manifest, read as JSON.
pub fn manifest(dir: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(dir.join("manifest.json"))
        .with_context(|| format!("{} is not a run directory (cannot read manifest.json)", dir.display()))?;
    serde_json::from_slice(&bytes).context("manifest.json is not valid JSON")
}

/// Checks one file against its manifest entry; `Err` says what is wrong.
fn check_file(dir: &Path, entry: &serde_json::Value) -> Result<String, String> {
    let name = entry["file"].as_str().ok_or("the manifest entry has no file name")?;
    let bytes = std::fs::read(dir.join(name)).map_err(|e| format!("{name}: cannot read it: {e}"))?;
    let want = |k: &str| entry[k].as_u64();
    if want("bytes") != Some(bytes.len() as u64) {
        return Err(format!(
            "{name}: {} bytes, the manifest says {} (truncated or appended to)",
            bytes.len(),
            entry["bytes"]
        ));
    }
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    if want("lines") != Some(lines) {
        return Err(format!("{name}: {lines} lines, the manifest says {}", entry["lines"]));
    }
    let sha = hex(&Sha256::digest(&bytes));
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
    let ticks = m["ticks"].as_u64().context("manifest.json has no tick count")?;
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
            && std::fs::read_to_string(dir.join("ticks.sha256")).ok().as_deref() == Some(chain.text().as_str())
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
