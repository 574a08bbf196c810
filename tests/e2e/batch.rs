//! `sentinel batch` and `sentinel merge`: shards, resumption, ensemble statistics.

use std::process::Command;

use crate::util::*;

fn batch(out: &std::path::Path, extra: &[&str], env: Option<(&str, &str)>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sentinel"));
    c.args([
        "batch",
        quick_look().to_str().unwrap(),
        "--runs",
        "5",
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
    assert!(table.contains("Ensemble of 5 runs") && table.contains("COALITION.detections"));
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
    let s = &e1["metrics"]["COALITION.detections"];
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
