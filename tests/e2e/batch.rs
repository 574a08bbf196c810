//! `sentinel batch` and `sentinel merge`: shards, resumption, ensemble statistics.

use std::process::Command;

use crate::util::*;

fn batch(out: &std::path::Path, extra: &[&str], env: Option<(&str, &str)>) -> std::process::Output {
    batch_of(&quick_look(), 5, out, extra, env)
}

fn batch_of(
    scenario: &std::path::Path,
    runs: u32,
    out: &std::path::Path,
    extra: &[&str],
    env: Option<(&str, &str)>,
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sentinel"));
    let runs = runs.to_string();
    c.args([
        "batch",
        scenario.to_str().unwrap(),
        "--runs",
        &runs,
        "--seed-base",
        "3",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
    .args(extra)
    .current_dir(repo())
    .env_remove("SLURM_ARRAY_TASK_ID")
    .env_remove("JOB_COMPLETION_INDEX");
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn merge(dirs: &[&std::path::Path], out: &std::path::Path) -> (Option<i32>, String) {
    let mut args = vec!["merge".to_string()];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap().to_string()));
    args.extend(["--out".into(), out.to_str().unwrap().into(), "--force".into()]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = sentinel(&a);
    (o.status.code(), String::from_utf8_lossy(&o.stdout).to_string())
}

#[test]
fn shards_merge_to_the_same_runs_and_statistics_as_one_process() {
    let t = tempfile::tempdir().unwrap();
    let one = t.path().join("one");
    batch(&one, &[], None);
    // Three shard processes at once into one directory: two by --shard, one by a Slurm index.
    let three = t.path().join("three");
    std::thread::scope(|s| {
        s.spawn(|| batch(&three, &["--shard", "0/3"], None));
        s.spawn(|| batch(&three, &["--shard", "2/3"], None));
        s.spawn(|| batch(&three, &["--shards", "3"], Some(("SLURM_ARRAY_TASK_ID", "1"))));
    });
    let (code, table) = merge(&[&one], &t.path().join("e1"));
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains("Ensemble of 5 runs") && table.contains("coalition.detections"));
    assert_eq!(merge(&[&three], &t.path().join("e3")).0, Some(0));
    let e1: serde_json::Value = serde_json::from_slice(&read(&t.path().join("e1"), "ensemble.json")).unwrap();
    let e3: serde_json::Value = serde_json::from_slice(&read(&t.path().join("e3"), "ensemble.json")).unwrap();
    assert_eq!(e1["runs"], e3["runs"], "same seeds and log digests per run");
    assert_eq!(e1["metrics"], e3["metrics"], "same ensemble statistics");
    // Seeds differ per run, so the runs differ.
    let shas: std::collections::BTreeSet<&str> = e1["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["events_sha256"].as_str().unwrap())
        .collect();
    assert_eq!(shas.len(), 5);
    // The statistics are those of the runs' scorecards.
    let s = &e1["metrics"]["coalition.detections"];
    let counts: Vec<f64> = (0..5)
        .map(|r| {
            let log = String::from_utf8(read(&one.join(format!("run-{r:05}")), "events.jsonl")).unwrap();
            lines_of_kind(log.as_bytes(), "detection").len() as f64
        })
        .collect();
    let mean = counts.iter().sum::<f64>() / 5.0;
    assert!(
        (s["mean"].as_f64().unwrap() - mean).abs() < 1e-3 && s["n"] == 5,
        "{s} vs {counts:?}"
    );
}

#[test]
fn an_interrupted_batch_resumes_and_merge_names_what_is_missing() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("b");
    batch(&dir, &[], None);
    let full: serde_json::Value = {
        assert_eq!(merge(&[&dir], &t.path().join("e")).0, Some(0));
        serde_json::from_slice(&read(&t.path().join("e"), "ensemble.json")).unwrap()
    };
    // As after an interruption: run 1 never finished, run 3's log was cut short.
    std::fs::remove_dir_all(dir.join("run-00001")).unwrap();
    let log = dir.join("run-00003/events.jsonl");
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() / 2]).unwrap();
    let (code, out) = merge(&[&dir], &t.path().join("e"));
    assert_eq!(code, Some(1));
    assert!(
        out.contains("1 of 5 runs missing: [1]") && out.contains("run-00003"),
        "{out}"
    );
    // Rerunning the batch redoes only those two.
    let o = batch(&dir, &[], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 run(s) made, 3 already complete"));
    assert_eq!(merge(&[&dir], &t.path().join("e")).0, Some(0));
    let again: serde_json::Value = serde_json::from_slice(&read(&t.path().join("e"), "ensemble.json")).unwrap();
    assert_eq!(full, again);
}

/// The numbers of a report.json, by path, as `sentinel merge` names them (the run's identity and
/// the custody series left out) - written independently of merge's own walk.
fn figures_of(report: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn walk(path: String, v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Number(_) => {
                out.insert(path);
            }
            serde_json::Value::Object(o) if o.get("count") == Some(&serde_json::json!(0)) => {
                out.insert(format!("{path}.count"));
            }
            serde_json::Value::Object(o) => o
                .iter()
                .filter(|(k, _)| *k != "series" && !(path == "conjunctions" && *k == "list"))
                .for_each(|(k, x)| walk(format!("{path}.{k}"), x, out)),
            serde_json::Value::Array(a) => a
                .iter()
                .for_each(|x| walk(format!("{path}.{}", x["inject"].as_str().unwrap()), x, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for k in [
        "nations",
        "regional_centers",
        "coalition",
        "injects",
        "liaisons",
        "conjunctions",
    ] {
        walk(k.to_string(), &report[k], &mut out);
    }
    out
}

#[test]
fn merge_keeps_every_scorecard_figure_with_a_student_t_interval() {
    let t = tempfile::tempdir().unwrap();
    // A liaison slow enough to queue, and an inject: every part of the scorecard has figures.
    let text = std::fs::read_to_string(repo().join("tests/data/liaison-manoeuvre.ron")).unwrap();
    let slow = text.replace(
        "messages_per_hour: 60, queue_limit: 10",
        "messages_per_hour: 1, queue_limit: 3",
    );
    assert_ne!(slow, text);
    let scenario = t.path().join("slow-liaison.ron");
    std::fs::write(&scenario, slow).unwrap();
    let dir = t.path().join("b");
    batch_of(&scenario, 4, &dir, &[], None);
    let (code, table) = merge(&[&dir], &t.path().join("e"));
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains("Student"), "the table says how the interval is made");
    let e: serde_json::Value = serde_json::from_slice(&read(&t.path().join("e"), "ensemble.json")).unwrap();
    let metrics = e["metrics"].as_object().unwrap();
    for name in [
        "injects.M1.first_detection_s",
        "injects.M1.by_nation.A.detected_s",
        "injects.M1.by_nation.A.catalogued_s",
        "injects.M1.by_nation.B.told_s",
        "nations.A.tracks",
        "nations.A.uct_tracks",
        "nations.A.products_shared",
        "nations.A.products_denied",
        "nations.B.custody.at_end",
        "nations.B.request_turnaround.count",
        "coalition.custody.at_end",
        "liaisons.B-LNO.max_depth",
        "liaisons.B-LNO.mean_depth",
        "liaisons.B-LNO.dropped",
    ] {
        assert_eq!(
            metrics.get(name).map(|s| &s["n"]),
            Some(&serde_json::json!(4)),
            "{name}"
        );
        assert!(
            table.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} in the table"
        );
    }
    // Every figure of a run's scorecard is merged: the same set of names.
    let run0 = dir.join("run-00000");
    assert!(sentinel(&["report", run0.to_str().unwrap()]).status.success());
    let report: serde_json::Value = serde_json::from_slice(&read(&run0, "report.json")).unwrap();
    let want = figures_of(&report);
    let got: std::collections::BTreeSet<String> = metrics.keys().cloned().collect();
    assert_eq!(got, want);
    // Values are those of the runs' scorecards.
    // The chart has an axis with a title and values.
    let svg = String::from_utf8(read(&t.path().join("e"), "ensemble.svg")).unwrap();
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .map(|t| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("objects in custody (mean over the run"))
    );
    assert!(texts.contains(&"0") && texts.contains(&"1"), "axis values: {texts:?}");
    let l = &metrics["liaisons.B-LNO.max_depth"];
    assert_eq!(l["mean"].as_f64(), report["liaisons"]["B-LNO"]["max_depth"].as_f64());
}

/// The 95% interval of the mean of `v` by Student's t, as scipy computes it (`None` when the test
/// venv is missing, outside CI).
fn scipy_interval(v: &[f64]) -> Option<(f64, f64)> {
    let py = python()?;
    let code = format!(
        "import scipy.stats as s, statistics as st\nv={v:?}\nlo,hi=s.t.interval(0.95, len(v)-1, loc=st.mean(v), scale=s.sem(v))\nprint(lo, hi)"
    );
    let o = Command::new(py).args(["-c", &code]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut it = out.split_whitespace().map(|x| x.parse::<f64>().unwrap());
    Some((it.next().unwrap(), it.next().unwrap()))
}

#[test]
fn the_interval_of_the_mean_over_four_runs_is_student_t() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("b");
    batch_of(&quick_look(), 4, &dir, &[], None);
    assert_eq!(merge(&[&dir], &t.path().join("e")).0, Some(0));
    let e: serde_json::Value = serde_json::from_slice(&read(&t.path().join("e"), "ensemble.json")).unwrap();
    let s = &e["metrics"]["coalition.detections"];
    let v: Vec<f64> = (0..4)
        .map(|r| {
            let log = read(&dir.join(format!("run-{r:05}")), "events.jsonl");
            lines_of_kind(&log, "detection").len() as f64
        })
        .collect();
    let mean = v.iter().sum::<f64>() / 4.0;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    assert!(sd > 1.0, "the runs differ: {v:?}");
    let (lo, hi) = (s["ci95_low"].as_f64().unwrap(), s["ci95_high"].as_f64().unwrap());
    // t(0.975, 3) = 3.1824 in printed tables (Fisher & Yates; NIST/SEMATECH e-Handbook 1.3.6.7.2);
    // the normal 1.96 would give an interval 38% narrower.
    let half = 3.1824 * sd / 2.0;
    assert!(
        (lo - (mean - half)).abs() < 0.01 * sd && (hi - (mean + half)).abs() < 0.01 * sd,
        "{s} vs {v:?}"
    );
    if let Some((slo, shi)) = scipy_interval(&v) {
        assert!(
            (lo - slo).abs() < 2e-3 && (hi - shi).abs() < 2e-3,
            "{lo} {hi} vs scipy {slo} {shi}"
        );
    }
}

#[test]
fn a_batch_without_logs_merges_to_the_same_statistics_and_keeps_no_log() {
    let t = tempfile::tempdir().unwrap();
    let (with, without) = (t.path().join("with"), t.path().join("without"));
    batch_of(&quick_look(), 3, &with, &[], None);
    batch_of(&quick_look(), 3, &without, &["--log", "none"], None);
    let run = without.join("run-00001");
    assert!(!run.join("events.jsonl").exists());
    let m: serde_json::Value = serde_json::from_slice(&read(&run, "manifest.json")).unwrap();
    assert_eq!(m["log"], "none");
    // The manifest records the digest of the log the run would have written: the logged run's.
    let logged: serde_json::Value = serde_json::from_slice(&read(&with.join("run-00001"), "manifest.json")).unwrap();
    assert_eq!(m["events"], logged["events"]);
    assert_eq!(m["tick_chain_head"], logged["tick_chain_head"]);
    // The run's own scorecard is the one `report` computes from the logged run's log.
    let o = sentinel(&["report", with.join("run-00001").to_str().unwrap()]);
    assert!(o.status.success());
    let computed: serde_json::Value = serde_json::from_slice(&read(&with.join("run-00001"), "report.json")).unwrap();
    let written: serde_json::Value = serde_json::from_slice(&read(&run, "report.json")).unwrap();
    assert_eq!(written, computed);
    let (a, b) = (t.path().join("ea"), t.path().join("eb"));
    assert_eq!(merge(&[&with], &a).0, Some(0));
    assert_eq!(merge(&[&without], &b).0, Some(0));
    assert_eq!(read(&a, "ensemble.json"), read(&b, "ensemble.json"));
    // It verifies; a command that needs the log says the run kept none; a rerun resumes nothing.
    let r = run.to_str().unwrap();
    let o = sentinel(&["verify", r]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    for cmd in [vec!["diff", r, r], vec!["export", r, "--format", "tdm"]] {
        let o = sentinel(&cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("was run with --log none"),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // Replay compares the re-simulation with the chain and with the digest of the log not kept.
    let o = sentinel(&["replay", r, "--quiet"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("match the recorded chain and the digest of the log the run did not keep"),
        "{out}"
    );
    // A chain file altered to hide a change is caught by its manifest digest.
    let chain = run.join("ticks.sha256");
    let saved = std::fs::read(&chain).unwrap();
    let mut altered = saved.clone();
    let at = saved.len() / 2 + saved[saved.len() / 2..].iter().position(u8::is_ascii_hexdigit).unwrap();
    altered[at] = if saved[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&chain, &altered).unwrap();
    let o = sentinel(&["replay", r, "--quiet"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("ticks.sha256: SHA-256") && out.contains("its chain was altered"),
        "{out}"
    );
    std::fs::write(&chain, &saved).unwrap();
    let o = batch_of(&quick_look(), 3, &without, &["--log", "none"], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 run(s) made, 3 already complete"));
    // A damaged scorecard is refused by merge.
    let path = run.join("report.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("\"detections\": ", "\"detections\": 1", 1);
    std::fs::write(&path, text).unwrap();
    assert_ne!(merge(&[&without], &b).0, Some(0));
}
