//! The README's DuckDB queries, run by the PyPI `duckdb` package on a gs-injects run's log as it is,
//! with every result compared with figures computed here from the same log.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{python, repo, run_ok};

#[test]
fn readme_duckdb_queries_run_on_the_log_as_is_and_agree_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gi");
    run_ok(&repo().join("scenarios/gs-injects.ron"), &dir, &["--quiet"]);
    let Some(py) = python() else { return };
    let log = dir.join("events.jsonl");
    let o = Command::new(py)
        .arg(repo().join("tests/tools/duckdb_readme.py"))
        .arg(repo().join("README.md"))
        .arg(&log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let results: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows = |i: usize| results[i]["rows"].as_array().unwrap().clone();
    assert_eq!(results.len(), 6, "the view and five queries");
    let events: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |k: &'static str| events.iter().filter(move |e| e["kind"] == k);

    // Events by kind.
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for e in &events {
        *kinds.entry(e["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let got: BTreeMap<String, u64> = rows(1)
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(got, kinds);

    // Detections by nation and sensor, mean radar range.
    let mut det: BTreeMap<(String, String), (u64, f64, u64)> = BTreeMap::new();
    for e in of("detection") {
        let k = (
            e["nation"].as_str().unwrap().to_string(),
            e["sensor"].as_str().unwrap().to_string(),
        );
        let d = det.entry(k).or_default();
        d.0 += 1;
        if let Some(r) = e["measured"]["range_km"].as_f64() {
            d.1 += r;
            d.2 += 1;
        }
    }
    let got = rows(2);
    assert_eq!(got.len(), det.len());
    for (r, ((n, s), (count, sum, ranged))) in got.iter().zip(&det) {
        assert_eq!(
            (r[0].as_str().unwrap(), r[1].as_str().unwrap(), r[2].as_u64().unwrap()),
            (n.as_str(), s.as_str(), *count)
        );
        let mean = (*ranged > 0).then(|| (sum / *ranged as f64).round());
        assert_eq!(r[4].as_f64(), mean, "{n} {s}");
    }

    // Product latency by recipient and channel.
    let mut lat: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for e in of("share_delivered") {
        lat.entry((
            e["to"].as_str().unwrap().to_string(),
            e["channel"].as_str().unwrap().to_string(),
        ))
        .or_default()
        .push(e["latency_s"].as_u64().unwrap());
    }
    let expected: Vec<Value> = lat
        .into_iter()
        .map(|((to, ch), mut v)| {
            v.sort_unstable();
            let n = v.len();
            let median = if n % 2 == 1 {
                v[n / 2] as f64
            } else {
                (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
            };
            json!([to, ch, n, median, v[n - 1]])
        })
        .collect();
    assert_eq!(rows(3), expected);

    // Inject to notice: the first event naming each inject, per kind and nation.
    let inject_tick: BTreeMap<&str, u64> = of("inject")
        .map(|e| (e["inject"].as_str().unwrap(), e["tick"].as_u64().unwrap()))
        .collect();
    let mut first: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for e in events.iter().filter(|e| {
        !e["inject"].is_null() && e["kind"] != "inject" && e["kind"] != "inject_end" && !e["nation"].is_null()
    }) {
        let i = e["inject"].as_str().unwrap();
        let k = (
            i.to_string(),
            e["kind"].as_str().unwrap().to_string(),
            e["nation"].as_str().unwrap().to_string(),
        );
        let dt = e["tick"].as_u64().unwrap() - inject_tick[i];
        first.entry(k).and_modify(|v| *v = (*v).min(dt)).or_insert(dt);
    }
    let got: BTreeMap<(String, String, String), u64> = rows(4)
        .iter()
        .map(|r| {
            (
                (
                    r[0].as_str().unwrap().to_string(),
                    r[2].as_str().unwrap().to_string(),
                    r[3].as_str().unwrap().to_string(),
                ),
                r[4].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        got.len() >= 6,
        "each nation notices the launch, the manoeuvre and the breakup"
    );
    assert_eq!(got, first);

    // Custody shares.
    let mut cust: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for e in of("custody").filter(|e| e["scope"] == "nation") {
        let share = e["in_custody_total"].as_f64().unwrap() / e["known_total"].as_f64().unwrap();
        cust.entry(e["id"].as_str().unwrap().to_string())
            .or_default()
            .push(share);
    }
    let got = rows(5);
    assert_eq!(got.len(), cust.len());
    for (r, (n, v)) in got.iter().zip(&cust) {
        assert_eq!(r[0].as_str().unwrap(), n);
        assert_eq!(r[1].as_f64().unwrap(), v.iter().copied().fold(f64::INFINITY, f64::min));
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!(
            (r[2].as_f64().unwrap() - mean).abs() <= 0.0005 + 1e-12,
            "{n}: {} vs {mean}",
            r[2]
        );
    }
}
