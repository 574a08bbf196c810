//! Hostile and damaged input: non-regular files, oversized values, manifests naming files outside
//! their run directory. Each is a clear error (exit 2, the file named), never a hang or a panic.

use std::path::Path;
use std::process::Command;

use crate::util::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fails_with(args: &[&str], needle: &str) -> String {
    let o = sentinel(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "sentinel {args:?}: exit code\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "sentinel {args:?}: expected `{needle}` in\n{err}");
    err
}

#[test]
fn a_fifo_or_a_device_is_refused_before_it_is_read() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("catalog.ron");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let f = fifo.to_str().unwrap();
    fails_with(
        &["check", f],
        &format!("cannot read scenario file {f}: it is a FIFO (named pipe); give a regular file"),
    );
    fails_with(
        &["check", "/dev/zero"],
        "cannot read scenario file /dev/zero: it is a character device; give a regular file",
    );
    fails_with(
        &["check", "tests"],
        "cannot read scenario file tests: it is a directory",
    );
}

#[test]
fn a_fork_change_file_that_is_a_device_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &[]);
    fails_with(
        &[
            "fork",
            run.to_str().unwrap(),
            "--at",
            "1",
            "--with",
            "/dev/zero",
            "--out",
            t.path().join("f").to_str().unwrap(),
        ],
        "cannot read change file /dev/zero: it is a character device",
    );
}

#[test]
fn a_long_value_is_cut_in_errors() {
    let t = tempfile::tempdir().unwrap();
    let long = "y".repeat(1 << 20);
    let path = t.path().join("long.ron");
    std::fs::write(
        &path,
        format!(
            "Scenario(name: \"l\", epoch: \"2026-05-30T00:00:00Z\", duration_s: 60, tick_s: 10,\n\
             nations: [(id: \"{long}\", name: \"n\")], catalog: [])\n"
        ),
    )
    .unwrap();
    let err = fails_with(
        &["check", path.to_str().unwrap()],
        &format!(
            "long.ron:2:16: nation id `{}… (1048576 bytes)` is not a valid id",
            "y".repeat(80)
        ),
    );
    assert!(err.len() < 8_000, "{} bytes of stderr", err.len());
}

/// Rewrites one key of a run's manifest.
fn set_manifest(run: &Path, key: &str, file: &str) {
    let path = run.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m[key]["file"] = file.into();
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn a_manifest_naming_files_outside_its_run_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &[]);
    let outside = t.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::copy(run.join("events.jsonl"), outside.join("events.jsonl")).unwrap();
    std::fs::copy(run.join("nations.json"), run.join("nations-copy.json")).unwrap();
    let r = run.to_str().unwrap();
    let abs = outside.join("events.jsonl");
    for (key, file) in [
        ("events", "../outside/events.jsonl"),
        ("events", abs.to_str().unwrap()),
        ("nations_summary", "nations-copy.json"),
    ] {
        set_manifest(&run, key, file);
        let err = fails_with(
            &["verify", r],
            &format!("`{key}.file` is {file:?}; a run directory's manifest names only its own files"),
        );
        assert!(
            err.contains(&format!("{r}/manifest.json is not a valid manifest")),
            "{err}"
        );
        // Every command reading a run reads the manifest through the same reader.
        fails_with(&["diff", r, r], "is not a valid manifest");
        set_manifest(
            &run,
            key,
            if key == "events" {
                "events.jsonl"
            } else {
                "nations.json"
            },
        );
    }
    assert!(sentinel(&["verify", r]).status.success());
    // A symlink leading out of the run directory.
    std::fs::remove_file(run.join("events.jsonl")).unwrap();
    std::os::unix::fs::symlink(&abs, run.join("events.jsonl")).unwrap();
    fails_with(&["verify", r], "events.jsonl is a link to");
}

#[test]
fn export_refuses_a_damaged_log_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &[]);
    let r = run.to_str().unwrap();
    let log = run.join("events.jsonl");
    let good = std::fs::read(&log).unwrap();
    let out = t.path().join("out.tdm");
    let o = out.to_str().unwrap();
    assert!(sentinel(&["export", r, "--format", "tdm", "--out", o]).status.success());
    std::fs::remove_file(&out).unwrap();
    let lines = good.iter().filter(|&&b| b == b'\n').count();
    // Cut mid-line (the size differs: refused before reading).
    std::fs::write(&log, &good[..good.len() - 10]).unwrap();
    fails_with(
        &["export", r, "--format", "tdm", "--out", o],
        &format!(
            "{} is {} bytes, its run's manifest says {} (truncated or appended to",
            log.display(),
            good.len() - 10,
            good.len()
        ),
    );
    // Emptied.
    std::fs::write(&log, b"").unwrap();
    fails_with(
        &["export", r, "--format", "tdm", "--out", o],
        "is 0 bytes, its run's manifest says",
    );
    // One line replaced by garbage of the same size: the digest differs.
    let mut bad = good.clone();
    let second = bad.iter().position(|&b| b == b'\n').unwrap() + 1;
    bad[second..second + 5].copy_from_slice(b"xxxxx");
    std::fs::write(&log, &bad).unwrap();
    fails_with(
        &["export", r, "--format", "tdm", "--out", o],
        &format!("{lines} lines): the log was modified; `sentinel verify` checks a run"),
    );
    assert!(!out.exists(), "an output was written from a damaged log");
    // A log whose last line lost its newline (same size: a byte appended elsewhere) is cut at its line.
    let mut cut = good.clone();
    cut.pop();
    cut.insert(0, b' ');
    std::fs::write(&log, &cut).unwrap();
    fails_with(
        &["export", r, "--format", "tdm", "--out", o],
        &format!("events.jsonl:{lines}: the line is cut"),
    );
    assert!(!out.exists());
}

#[test]
fn out_below_a_regular_file_names_the_file() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let out = file.join("sub/run");
    fails_with(
        &["run", quick_look().to_str().unwrap(), "--out", out.to_str().unwrap()],
        &format!(
            "cannot create {}: {} is a file, not a directory",
            file.join("sub").display(),
            file.display()
        ),
    );
}

#[test]
fn a_recorded_scenario_path_that_is_a_device_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &[]);
    let path = run.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["scenario_path"] = "/dev/zero".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    fails_with(
        &["replay", run.to_str().unwrap()],
        "cannot read scenario file /dev/zero: it is a character device",
    );
}

#[test]
fn counts_and_nesting_past_the_limits_are_errors_at_the_first_item_past_them() {
    let t = tempfile::tempdir().unwrap();
    let nations: Vec<String> = (0..1001).map(|i| format!("(id: \"N{i}\", name: \"n\"),\n")).collect();
    let path = t.path().join("many.ron");
    std::fs::write(
        &path,
        format!(
            "Scenario(name: \"m\", epoch: \"2026-05-30T00:00:00Z\", duration_s: 60, tick_s: 10,\nnations: [\n{}],\n\
             catalog: [File(path: \"{}\")])\n",
            nations.concat(),
            repo()
                .join("scenarios/data/celestrak-stations-2026-05-30.tle")
                .display()
        ),
    )
    .unwrap();
    fails_with(
        &["check", path.to_str().unwrap()],
        "many.ron:1003:6: the scenario has 1001 nations; at most 1000 are supported",
    );
    // A regional center of 257 members (each pair of members is an agreement of the run).
    let members: Vec<String> = (0..257).map(|i| format!("\"N{i}\",\n")).collect();
    let center = t.path().join("center.ron");
    std::fs::write(
        &center,
        format!(
            "Scenario(name: \"m\", epoch: \"2026-05-30T00:00:00Z\", duration_s: 60, tick_s: 10,\nnations: [\n{}],\n\
             catalog: [File(path: \"{}\")],\nregional_centers: [(id: \"RC\", members: [\n{}])])\n",
            nations[..300].concat(),
            repo()
                .join("scenarios/data/celestrak-stations-2026-05-30.tle")
                .display(),
            members.concat(),
        ),
    )
    .unwrap();
    fails_with(
        &["check", center.to_str().unwrap()],
        "center.ron:562:1: regional center `RC` has 257 members; at most 256 are supported",
    );
    let deep = t.path().join("deep.ron");
    let d = 100_000;
    std::fs::write(
        &deep,
        format!(
            "Scenario(name: \"d\", epoch: {}{}, duration_s: 60)\n",
            "[".repeat(d),
            "]".repeat(d)
        ),
    )
    .unwrap();
    fails_with(
        &["check", deep.to_str().unwrap()],
        "values are nested more than 64 deep here",
    );
}

#[test]
fn diff_checks_each_log_against_its_manifest() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    run_ok(&quick_look(), &a, &[]);
    run_ok(&quick_look(), &b, &[]);
    assert!(
        sentinel(&["diff", a.to_str().unwrap(), b.to_str().unwrap()])
            .status
            .success()
    );
    // The same bytes changed in both logs: they still agree with each other, not with their manifests.
    for d in [&a, &b] {
        let mut log = std::fs::read(d.join("events.jsonl")).unwrap();
        let at = log.windows(11).position(|w| w == b"\"detection\"").unwrap() + 9;
        log[at] = b'm';
        std::fs::write(d.join("events.jsonl"), &log).unwrap();
    }
    fails_with(
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
        &format!("{}: SHA-256 ", a.join("events.jsonl").display()),
    );
}

#[test]
fn report_refuses_a_damaged_log_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &["--quiet"]);
    let r = run.to_str().unwrap();
    let log = run.join("events.jsonl");
    let good = std::fs::read(&log).unwrap();
    // Cut mid-line: the last line does not parse.
    std::fs::write(&log, &good[..good.len() - 10]).unwrap();
    fails_with(&["report", r], "events.jsonl");
    // Emptied, or a line's digit changed (the lines still parse): the digest differs.
    std::fs::write(&log, b"").unwrap();
    fails_with(&["report", r], "differs from its run's manifest");
    let mut bad = good.clone();
    let i = bad.windows(9).position(|w| w == b"\"el_deg\":").unwrap() + 10;
    bad[i] = if bad[i] == b'1' { b'2' } else { b'1' };
    std::fs::write(&log, &bad).unwrap();
    fails_with(&["report", r], "the file was modified");
    assert!(!run.join("report.json").exists() && !run.join("charts").exists());
    // The intact log scores.
    std::fs::write(&log, &good).unwrap();
    assert!(sentinel(&["report", r]).status.success());
    assert!(run.join("report.json").exists());
}

#[test]
fn every_command_names_a_missing_or_mistyped_manifest_field() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    run_ok(&quick_look(), &run, &[]);
    let r = run.to_str().unwrap();
    let path = run.join("manifest.json");
    let good = std::fs::read(&path).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut m: serde_json::Value = serde_json::from_slice(&good).unwrap();
        f(&mut m);
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    };
    edit(&|m| {
        m.as_object_mut().unwrap().remove("seed");
    });
    for cmd in [
        vec!["verify", r],
        vec!["report", r],
        vec!["diff", r, r],
        vec!["export", r, "--format", "tdm"],
    ] {
        fails_with(&cmd, "missing field `seed`");
    }
    edit(&|m| m["events"]["lines"] = "many".into());
    fails_with(&["verify", r], "invalid type: string \"many\", expected u64");
    edit(&|m| m["format"] = "sentinel-run/9".into());
    fails_with(
        &["report", r],
        "its format is \"sentinel-run/9\", this build reads \"sentinel-run/1\"",
    );
    std::fs::write(&path, &good).unwrap();
    assert!(sentinel(&["verify", r]).status.success());
}
