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
use crate::manifest::{LogKind, Manifest, OutputFile};

/// Arguments of `sentinel verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
}

/// The run's tick count from its manifest, checked against the size of its `ticks.sha256` (one
/// `TICK HEX` line per tick), so that a manifest claiming more ticks than the run has cannot make a
/// command loop over ticks that are not there: what a command reads stays bounded by what is on disk.
pub fn ticks(dir: &Path, m: &Manifest) -> anyhow::Result<u64> {
    let ticks = m.ticks;
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
pub fn check_file(dir: &Path, entry: &OutputFile) -> Result<String, String> {
    let name = &entry.file;
    let (bytes, lines, sha) = digest_file(&dir.join(name)).map_err(|e| format!("{name}: cannot read it: {e}"))?;
    if entry.bytes != bytes {
        return Err(format!(
            "{name}: {bytes} bytes, the manifest says {} (truncated or appended to)",
            entry.bytes
        ));
    }
    if entry.lines != lines {
        return Err(format!("{name}: {lines} lines, the manifest says {}", entry.lines));
    }
    if entry.sha256 != sha {
        return Err(format!(
            "{name}: SHA-256 {sha} differs from the manifest's {:?} (modified)",
            entry.sha256
        ));
    }
    Ok(name.to_string())
}

/// Runs the command.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let m = crate::manifest::read(dir)?;
    let entries: Vec<&OutputFile> = m.files().into_iter().map(|(_, e, _)| e).collect();
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
    if m.log == LogKind::None {
        // Without a log the chain is checked by re-simulating (`sentinel replay` of a run with a
        // log); here only its file's digest, above.
        if failed > 0 {
            println!("sentinel: verify FAILED for {}", dir.display());
            return Ok(ExitCode::from(1));
        }
        println!(
            "sentinel: verified {} ({} files; the run kept no event log, so the tick chain ({ticks} ticks) is not checked against one)",
            dir.display(),
            entries.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
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
        if m.tick_chain_head == chain.head_hex()
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
