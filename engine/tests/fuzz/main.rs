//! Fuzzing the engine's inputs on stable Rust: a seeded, structured mutator over the scenario,
//! change-file and catalog parsers (TLE, OMM JSON, CSV, KVN, XML), with every loaded input stepped
//! a few ticks, and the CDM reader with the Pc methods behind `sentinel pc`. See "Fuzzing" in ARCHITECTURE.md and README.md.
//!
//! One test, `fuzz`: it replays every regression fixture in `tests/data/fuzz/` (each must be
//! handled without a finding), then fuzzes each target and fails on any panic, hang, memory
//! blow-up or failed check not covered by a documented allowance (`allow.rs`). Findings are written
//! to `target/fuzz-findings/`. By default (CI) it runs a fixed number of mutations per target
//! ([`CI_ITERS`]) from seed 1, so every CI run tries the same inputs whatever the machine's speed;
//! `SENTINEL_FUZZ_SECS` switches to a time budget for long local runs.
//!
//! Environment: `SENTINEL_FUZZ_SECS` (total budget), `SENTINEL_FUZZ_SEED` (default 1; `time` for
//! one from the clock), `SENTINEL_FUZZ_ITERS` (an exact number of mutations per target, to
//! reproduce a (seed, iteration)), `SENTINEL_FUZZ_TARGETS` (comma-separated),
//! `SENTINEL_FUZZ_TIMEOUT_MS` (per input; default 2000, 10000 in debug builds),
//! `SENTINEL_FUZZ_REPLAY` (a file: run only it and print the verdict).

mod allow;
mod case;
mod corpus;
mod exec;
mod mutate;
mod targets;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use sentinel_engine::catalog::CatalogFormat;

use case::Case;
use exec::{Runner, Verdict};
use targets::Target;

/// Largest input per file for the scenario and change targets, bytes.
const MAX_SCENARIO_BYTES: usize = 128 << 10;
/// Largest catalog input, bytes.
const MAX_CATALOG_BYTES: usize = 64 << 10;
/// Inputs kept for mutation (seeds and inputs that produced new feedback).
const POOL_LIMIT: usize = 4000;

/// Every target with its seeds.
fn all_targets() -> Vec<Target> {
    let scenario_seeds = corpus::scenarios();
    let bases: Vec<_> = scenario_seeds
        .iter()
        .filter_map(|c| targets::scenario_of(c).ok())
        .filter(|s| !s.injects.is_empty() || !s.agreements.is_empty())
        .collect();
    assert!(!bases.is_empty(), "no seed scenario loads as a base for change files");
    let bases = Arc::new(bases);
    let [tle, json, csv, kvn, xml] = corpus::catalogs();
    let cat = |name, seeds, f: CatalogFormat| Target {
        name,
        seeds,
        max_len: MAX_CATALOG_BYTES,
        run: Arc::new(move |c: &Case| targets::catalog(f, c)),
    };
    vec![
        Target {
            name: "scenario",
            seeds: scenario_seeds,
            max_len: MAX_SCENARIO_BYTES,
            run: Arc::new(targets::scenario),
        },
        Target {
            name: "change",
            seeds: corpus::changes(),
            max_len: MAX_SCENARIO_BYTES,
            run: Arc::new(move |c: &Case| targets::change(&bases, c)),
        },
        cat("tle", tle, CatalogFormat::Tle),
        cat("omm-json", json, CatalogFormat::OmmJson),
        cat("omm-csv", csv, CatalogFormat::OmmCsv),
        cat("omm-kvn", kvn, CatalogFormat::OmmKvn),
        cat("omm-xml", xml, CatalogFormat::OmmXml),
        Target {
            name: "cdm",
            seeds: corpus::cdms(),
            max_len: MAX_CATALOG_BYTES,
            run: Arc::new(targets::cdm),
        },
    ]
}

/// Where findings go.
fn findings_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| corpus::repo().join("target"), PathBuf::from);
    target.join("fuzz-findings")
}

/// Tallies of one target's run.
#[derive(Default)]
struct Tally {
    execs: u64,
    loaded: u64,
    secs: f64,
    pool: usize,
    signals: usize,
    /// Finding key -> (count, file written for its first input, description).
    findings: BTreeMap<String, (u64, String, String)>,
    /// Allowance -> count.
    allowed: BTreeMap<&'static str, u64>,
}

/// A finding's identity: its kind and where it happened (panic location, check message shape).
fn finding_key(v: &Verdict) -> String {
    match v {
        Verdict::Panic(m) => format!("panic {}", m.rsplit(" at ").next().unwrap_or(m)),
        Verdict::Check(m) => format!(
            "check {}",
            m.chars().filter(|c| !c.is_ascii_digit()).take(60).collect::<String>()
        ),
        other => other.kind().unwrap_or("ok").to_string(),
    }
}

/// Records a verdict; returns true when it is a new, unallowed finding.
fn record(t: &Target, case: &Case, v: &Verdict, seed: u64, iter: u64, tally: &mut Tally) -> bool {
    if let Some(reason) = allow::allowance(t.name, case, v) {
        *tally.allowed.entry(reason).or_default() += 1;
        return false;
    }
    let key = finding_key(v);
    if let Some(f) = tally.findings.get_mut(&key) {
        f.0 += 1;
        return false;
    }
    let dir = findings_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}-{}-s{seed}-i{iter}.case", t.name, v.kind().unwrap()));
    std::fs::write(&file, case.encode()).unwrap();
    let desc = format!("{v:?}").chars().take(400).collect::<String>();
    eprintln!(
        "FINDING {} seed {seed} iteration {iter}: {desc}\n  input: {}",
        t.name,
        file.display()
    );
    tally.findings.insert(key, (1, file.display().to_string(), desc));
    true
}

/// Runs the seeds, then mutants until `budget` ends (or `iters` mutants).
fn fuzz_target(
    t: &Target,
    (seed, index): (u64, usize),
    budget: Duration,
    iters: Option<u64>,
    runner: &mut Runner,
) -> Tally {
    let start = Instant::now();
    let mut tally = Tally::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ t.name.bytes().fold(0u64, |h, b| h.rotate_left(8) ^ b as u64));
    let dict = mutate::dictionary(t.seeds.iter().flat_map(|c| c.files.iter().map(|f| f.1.as_slice())));
    let mut pool: Vec<Case> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut iter = 0u64;
    let mut pending: Vec<Case> = t.seeds.clone();
    pending.reverse();
    loop {
        let from_seed = pending.pop();
        let is_mutant = from_seed.is_none();
        if is_mutant {
            let done = match iters {
                Some(n) => iter >= n,
                None => start.elapsed() >= budget,
            };
            if done || runner.abandoned >= 5 || pool.is_empty() {
                break;
            }
            iter += 1;
        }
        let case = from_seed.unwrap_or_else(|| {
            let mut c = pool[rng.random_range(0..pool.len())].clone();
            let i = if c.files.len() > 1 && rng.random_bool(0.3) {
                rng.random_range(1..c.files.len())
            } else {
                0
            };
            let others: Vec<Vec<u8>> = (0..4)
                .map(|_| {
                    let o = &pool[rng.random_range(0..pool.len())];
                    o.files[i.min(o.files.len() - 1)].1.clone()
                })
                .collect();
            let others: Vec<&[u8]> = others.iter().map(Vec::as_slice).collect();
            mutate::mutate(&mut rng, &mut c.files[i].1, &others, &dict, t.max_len);
            c
        });
        exec::set_current(seed, index, iter);
        let run = t.run.clone();
        let job_case = case.clone();
        let v = runner.run(Box::new(move || run(&job_case)));
        tally.execs += 1;
        match &v {
            Verdict::Ok(signals) => {
                tally.loaded += signals.iter().any(|s| s == "loaded" || s.starts_with("applied")) as u64;
                let mut new = !is_mutant;
                for s in signals {
                    new |= seen.insert(s.clone());
                }
                if new {
                    if pool.len() < POOL_LIMIT {
                        pool.push(case);
                    } else {
                        let k = rng.random_range(t.seeds.len()..POOL_LIMIT);
                        pool[k] = case;
                    }
                }
            }
            _ => {
                record(t, &case, &v, seed, iter, &mut tally);
            }
        }
    }
    tally.secs = start.elapsed().as_secs_f64();
    tally.pool = pool.len();
    tally.signals = seen.len();
    tally
}

/// The target a fixture file belongs to: its name starts with `TARGET-`.
fn target_of<'a>(targets: &'a [Target], file: &Path) -> Option<&'a Target> {
    let name = file.file_name()?.to_str()?;
    targets
        .iter()
        .filter(|t| name.starts_with(&format!("{}-", t.name)))
        .max_by_key(|t| t.name.len())
}

/// Replays one file; `Err` says why it is a finding.
fn replay(targets: &[Target], file: &Path, runner: &mut Runner) -> Result<(), String> {
    let t = target_of(targets, file).ok_or_else(|| format!("{}: no target named by its file name", file.display()))?;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let default_name = if t.name == "scenario" { "scenario.ron" } else { "input" };
    let case = Case::decode(&bytes, default_name).map_err(|e| format!("{}: {e}", file.display()))?;
    let run = t.run.clone();
    let v = runner.run(Box::new(move || run(&case.clone())));
    let case = Case::decode(&bytes, default_name).unwrap();
    match (&v, allow::allowance(t.name, &case, &v)) {
        (Verdict::Ok(_), _) | (_, Some(_)) => Ok(()),
        _ => Err(format!("{}: {v:?}", file.display())),
    }
}

/// Mutations per target in the default (CI) run: about a minute in the test profile on 2 cores.
const CI_ITERS: u64 = 30_000;

#[test]
fn fuzz() {
    let _serial = exec::MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let secs: Option<f64> = mutate::env("SENTINEL_FUZZ_SECS");
    let seed = mutate::seed_from_env();
    let iters: Option<u64> = mutate::env("SENTINEL_FUZZ_ITERS").or(secs.is_none().then_some(CI_ITERS));
    let secs = secs.unwrap_or(0.0);
    let default_ms = if cfg!(debug_assertions) { 10_000 } else { 2_000 };
    let timeout = Duration::from_millis(mutate::env("SENTINEL_FUZZ_TIMEOUT_MS").unwrap_or(default_ms));
    let mut runner = Runner::new(timeout, 1 << 30);
    let mut targets = all_targets();
    exec::quiet_panics(true);

    if let Ok(file) = std::env::var("SENTINEL_FUZZ_REPLAY") {
        let r = replay(&targets, Path::new(&file), &mut runner);
        exec::quiet_panics(false);
        println!("{file}: {r:?}");
        assert!(r.is_ok(), "{r:?}");
        return;
    }

    // Every regression fixture: a past finding that must now be handled.
    let dir = corpus::repo().join("tests/data/fuzz");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "case"))
                .collect()
        })
        .unwrap_or_default();
    // `manifest-*` fixtures belong to the CLI's manifest fuzzer (cli/tests/fuzz_manifest.rs).
    fixtures.retain(|p| {
        !p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("manifest-"))
    });
    fixtures.sort();
    let failed: Vec<String> = fixtures
        .iter()
        .filter_map(|f| replay(&targets, f, &mut runner).err())
        .collect();
    println!(
        "fuzz: replayed {} regression fixtures, {} failed",
        fixtures.len(),
        failed.len()
    );

    if let Ok(only) = std::env::var("SENTINEL_FUZZ_TARGETS") {
        let only: Vec<&str> = only.split(',').collect();
        targets.retain(|t| only.contains(&t.name));
    }
    match iters {
        Some(n) => println!(
            "fuzz: seed {seed}, {n} mutations per target over {} targets, {} ms per input",
            targets.len(),
            timeout.as_millis()
        ),
        None => println!(
            "fuzz: seed {seed}, {secs} s over {} targets, {} ms per input",
            targets.len(),
            timeout.as_millis()
        ),
    }
    let share = Duration::from_secs_f64(secs / targets.len().max(1) as f64);
    let mut new_findings = Vec::new();
    println!(
        "{:<10} {:>10} {:>8} {:>8} {:>6} {:>7} {:>8} {:>8}",
        "target", "execs", "exec/s", "loaded", "pool", "signals", "findings", "allowed"
    );
    for (index, t) in targets.iter().enumerate() {
        let tally = fuzz_target(t, (seed, index), share, iters, &mut runner);
        let allowed: u64 = tally.allowed.values().sum();
        println!(
            "{:<10} {:>10} {:>8.0} {:>8} {:>6} {:>7} {:>8} {:>8}",
            t.name,
            tally.execs,
            tally.execs as f64 / tally.secs.max(1e-9),
            tally.loaded,
            tally.pool,
            tally.signals,
            tally.findings.len(),
            allowed
        );
        for (reason, n) in &tally.allowed {
            println!("    allowed ({n}x): {reason}");
        }
        for (key, (n, file, desc)) in tally.findings {
            println!("    FINDING ({n}x) {key}\n      {desc}\n      {file}");
            new_findings.push(format!("{}: {key} ({file})", t.name));
        }
        if runner.abandoned >= 5 {
            println!("fuzz: stopped after {} hung inputs", runner.abandoned);
            break;
        }
    }
    exec::quiet_panics(false);
    assert!(failed.is_empty(), "regression fixtures fail:\n{}", failed.join("\n"));
    assert!(
        new_findings.is_empty(),
        "the fuzzer found:\n{}",
        new_findings.join("\n")
    );
}
