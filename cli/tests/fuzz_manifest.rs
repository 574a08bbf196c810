//! Fuzzing the run-manifest reader through the commands that read a run directory (`verify`,
//! `replay`, `diff`, `report`, `export`, `fork`): a real run is made once, then its
//! `manifest.json` is mutated (the engine fuzzer's mutator, `engine/tests/fuzz/mutate.rs`) and each
//! command is run on it as a process. Every run must exit 0, 1 or 2 (never a panic, a signal or a
//! hang) with bounded output, under a 2 GiB address-space limit. See "Fuzzing" in ARCHITECTURE.md.
//!
//! Environment as for the engine fuzzer: `SENTINEL_FUZZ_SECS` (default 20), `SENTINEL_FUZZ_SEED`,
//! `SENTINEL_FUZZ_ITERS`, `SENTINEL_FUZZ_TIMEOUT_MS` (default 20000). Fixtures:
//! `tests/data/fuzz/manifest-*.case`; findings: `target/fuzz-findings/manifest-*`.

#[path = "../../engine/tests/fuzz/case.rs"]
#[allow(dead_code)]
mod case;
#[path = "../../engine/tests/fuzz/mutate.rs"]
mod mutate;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use case::Case;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

const SCENARIO: &str = r#"Scenario(
    name: "manifest fuzz", epoch: "2026-05-30T12:00:00Z", duration_s: 1800, tick_s: 60, seed: 3,
    nations: [(id: "A", name: "A"), (id: "B", name: "B")],
    sensors: [(id: "A-R", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 0.0,
        max_range_km: 50000.0, reference_snr_db: 120.0, reference_range_km: 1000.0, range_sigma_m: 10.0,
        az_sigma_deg: 0.001, el_sigma_deg: 0.001, capacity: 4))],
    catalog: [File(path: "iss.tle", owner: "A"), File(path: "geo.tle", owner: "B")],
    agreements: [(id: "A-to-B", from: "A", to: "B", products: [Observations], delay_s: 600)],
)"#;

/// The commands that read a manifest, with their arguments (run from the work directory).
const COMMANDS: &[&[&str]] = &[
    &["verify", "run"],
    &["replay", "run"],
    &["diff", "run", "ref"],
    &["report", "run", "--force"],
    &["export", "run", "--format", "tdm", "--out", "-"],
    &["export", "run", "--format", "oem", "--out", "-", "--max-objects", "2"],
    &[
        "fork",
        "run",
        "--at",
        "5",
        "--with",
        "change.ron",
        "--out",
        "forked",
        "--force",
        "--quiet",
    ],
];

/// The work directory: the scenario, its catalog files, a reference run `ref` and the run `run`
/// whose manifest is fuzzed.
fn setup(dir: &Path) -> Vec<u8> {
    std::fs::write(dir.join("s.ron"), SCENARIO).unwrap();
    for (from, to) in [("iss-2026-05-30.tle", "iss.tle"), ("geo-2026-05-30.tle", "geo.tle")] {
        std::fs::copy(repo().join("tests/data/reference").join(from), dir.join(to)).unwrap();
    }
    std::fs::write(
        dir.join("change.ron"),
        r#"Change(add_injects: [SensorOutage(id: "X", sensor: "A-R", start: "T+00:10", end: "T+00:20")])"#,
    )
    .unwrap();
    for out in ["ref", "run"] {
        let st = Command::new(env!("CARGO_BIN_EXE_sentinel"))
            .args(["run", "s.ron", "--out", out, "--quiet", "--view", "all"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "the seed run failed");
    }
    std::fs::read(dir.join("run/manifest.json")).unwrap()
}

/// How one command ended: exit code (None for a signal), output bytes, time.
struct Ran {
    code: Option<i32>,
    output: usize,
    hung: bool,
}

fn run(dir: &Path, args: &[&str], timeout: Duration) -> Ran {
    // A 2 GiB address-space limit: a command that reads without bound fails instead of eating the machine.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_sentinel"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    // Read at most 16 MiB of each stream, on threads, so a full pipe never blocks the child.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut n = 0usize;
            while let Ok(k) = r.read(&mut buf) {
                if k == 0 {
                    break;
                }
                n += k;
            }
            n
        })
    };
    let (o, e) = (drain(Box::new(out)), drain(Box::new(err)));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let output = o.join().unwrap() + e.join().unwrap();
    Ran {
        code: status.and_then(|s| s.code()),
        output,
        hung: status.is_none(),
    }
}

/// FNV-1a, to pick the command for an input.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Known issues being fixed elsewhere (see `engine/tests/fuzz/allow.rs`): a manifest naming a
/// device or FIFO path (`/dev/...`) is read without bound.
fn allowance(manifest: &[u8], ran: &Ran) -> Option<&'static str> {
    let text = String::from_utf8_lossy(manifest);
    let failed = ran.hung || !matches!(ran.code, Some(0..=2));
    (failed && text.contains("/dev/")).then_some("device or FIFO path read without bound (input hardening)")
}

/// Runs the command the input picks; `Ok` has its exit code, `Err` describes a finding.
fn exec(dir: &Path, manifest: &[u8], timeout: Duration) -> Result<Option<i32>, String> {
    std::fs::write(dir.join("run/manifest.json"), manifest).unwrap();
    let args = COMMANDS[(fnv(manifest) % COMMANDS.len() as u64) as usize];
    let ran = run(dir, args, timeout);
    let bound = (64 << 10) + 16 * manifest.len() + if args[0] == "export" { 16 << 20 } else { 0 };
    let problem = if ran.hung {
        Some(format!("`sentinel {}` ran longer than {timeout:?}", args.join(" ")))
    } else if !matches!(ran.code, Some(0..=2)) {
        Some(format!(
            "`sentinel {}` ended with {:?} (a panic is 101, None a signal)",
            args.join(" "),
            ran.code
        ))
    } else if ran.output > bound {
        Some(format!(
            "`sentinel {}` wrote {} bytes of output (bound {bound})",
            args.join(" "),
            ran.output
        ))
    } else {
        None
    };
    match (problem, allowance(manifest, &ran)) {
        (Some(p), None) => Err(p),
        _ => Ok(ran.code),
    }
}

#[test]
fn fuzz_manifest() {
    let secs: f64 = mutate::env("SENTINEL_FUZZ_SECS").unwrap_or(20.0);
    let seed = mutate::seed_from_env();
    let iters: Option<u64> = mutate::env("SENTINEL_FUZZ_ITERS");
    let timeout = Duration::from_millis(mutate::env("SENTINEL_FUZZ_TIMEOUT_MS").unwrap_or(20_000));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let original = setup(dir);
    let mut failures = Vec::new();

    // Regression fixtures first.
    let fixtures = repo().join("tests/data/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("manifest-") && n.ends_with(".case"))
    });
    files.sort();
    for f in &files {
        let case = Case::decode(&std::fs::read(f).unwrap(), "manifest.json").unwrap();
        if let Err(e) = exec(dir, &case.files[0].1, timeout) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    println!(
        "fuzz_manifest: replayed {} regression fixtures, {} failed",
        files.len(),
        failures.len()
    );

    // Then mutants of the real manifest (and of mutants that were accepted).
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d61_6e69);
    let dict = mutate::dictionary([original.as_slice()]);
    let mut pool = vec![original.clone()];
    let start = Instant::now();
    let (mut execs, mut iter) = (0u64, 0u64);
    let findings_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo().join("target"), PathBuf::from)
        .join("fuzz-findings");
    let mut found = 0;
    let mut codes = std::collections::BTreeMap::new();
    while iters.map_or(start.elapsed().as_secs_f64() < secs, |n| iter < n) && found < 5 {
        iter += 1;
        let mut m = pool[rng.random_range(0..pool.len())].clone();
        let other = pool[rng.random_range(0..pool.len())].clone();
        mutate::mutate(&mut rng, &mut m, &[other.as_slice()], &dict, 1 << 20);
        execs += 1;
        match exec(dir, &m, timeout) {
            Ok(code) => {
                *codes.entry(code).or_insert(0u64) += 1;
                if serde_json::from_slice::<serde_json::Value>(&m).is_ok() && pool.len() < 512 {
                    pool.push(m);
                }
            }
            Err(e) => {
                found += 1;
                std::fs::create_dir_all(&findings_dir).unwrap();
                let file = findings_dir.join(format!("manifest-s{seed}-i{iter}.case"));
                std::fs::write(&file, Case::single("manifest.json", m).encode()).unwrap();
                eprintln!(
                    "FINDING manifest seed {seed} iteration {iter}: {e}\n  input: {}",
                    file.display()
                );
                failures.push(format!("{e} ({})", file.display()));
            }
        }
    }
    let t = start.elapsed().as_secs_f64();
    println!(
        "fuzz_manifest: seed {seed}, {execs} executions in {t:.0} s ({:.0}/s), pool {}, {found} findings; exit codes {codes:?}",
        execs as f64 / t.max(1e-9),
        pool.len()
    );
    assert!(failures.is_empty(), "manifest fuzzing found:\n{}", failures.join("\n"));
}
