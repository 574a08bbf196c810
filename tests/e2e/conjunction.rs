//! Conjunction assessment in a run (`scenarios/conjunction-warning.ron`): a debris object only U.S.
//! radars see will pass Japan's GCOM-C 40 m away at T+09:00. The U.S. screens its own estimates,
//! warns Japan, and the Japanese liaison relays the warning; the what-if fork without the liaison
//! gets it over the agreement's 4-hour channel. Figures come from `report.json`, the CDMs from
//! `sentinel export --format cdm`, read back by two independent NDM readers.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{lines_of_kind, read, read_ndm, repo, run_ok, sentinel};

/// The run and its no-liaison fork, made once: (base directory, run, fork).
fn runs() -> &'static (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    static RUNS: OnceLock<(tempfile::TempDir, std::path::PathBuf, std::path::PathBuf)> = OnceLock::new();
    RUNS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let (run, fork) = (tmp.path().join("cw"), tmp.path().join("cw-no-lno"));
        run_ok(
            &repo().join("scenarios/conjunction-warning.ron"),
            &run,
            &["--view", "JPN", "--threads", "2"],
        );
        let change = repo().join("scenarios/what-if/no-liaison.ron");
        let o = sentinel(&[
            "fork",
            run.to_str().unwrap(),
            "--at",
            "0",
            "--with",
            change.to_str().unwrap(),
            "--out",
            fork.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "fork: {}", String::from_utf8_lossy(&o.stderr));
        for d in [&run, &fork] {
            let o = sentinel(&["report", d.to_str().unwrap()]);
            assert!(o.status.success(), "report: {}", String::from_utf8_lossy(&o.stderr));
        }
        (tmp, run, fork)
    })
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&read(dir, "report.json")).unwrap()
}

/// The scripted conjunction (GCOM-C and the debris) in a report's list.
fn scripted(r: &Value) -> Value {
    let list = r["conjunctions"]["list"].as_array().unwrap();
    list.iter()
        .find(|c| c["objects"] == serde_json::json!([43065, 99001]))
        .unwrap_or_else(|| panic!("the scripted conjunction is not in the report: {list:?}"))
        .clone()
}

#[test]
fn the_us_warns_japan_through_the_liaison_hours_earlier_than_through_the_agreement() {
    let (_, run, fork) = runs();
    let (with, without) = (scripted(&report(run)), scripted(&report(fork)));
    // The truth: the scripted 40 m miss at T+09:00, an event.
    assert_eq!(with["event"], true);
    assert!((with["true_miss_m"].as_f64().unwrap() - 40.0).abs() < 1.0, "{with}");
    assert!((with["tca_h"].as_f64().unwrap() - 9.0).abs() < 0.01, "{with}");
    // The U.S. warned from its own estimate of an object it catalogued by initial orbit
    // determination; Japan, which never saw the debris, did not.
    let us = &with["assessed"]["USA"];
    let first = us["first_warning_h"].as_f64().unwrap();
    assert!(first < 2.0, "U.S. first warning at {first} h");
    assert!(with["assessed"].get("JPN").is_none(), "{with}");
    // Japan was told by the liaison minutes after the U.S. warned; without it, 4 h later.
    let told = &with["told"]["JPN"];
    assert_eq!(told["channel"], "liaison", "{told}");
    assert_eq!(told["via"], "JPN-LNO-USSPACECOM");
    let told_fork = &without["told"]["JPN"];
    assert_eq!(told_fork["channel"], "agreement", "{told_fork}");
    assert_eq!(told_fork["via"], "USA-to-JPN");
    let (lead, lead_fork) = (told["lead_s"].as_f64().unwrap(), told_fork["lead_s"].as_f64().unwrap());
    let gained = lead - lead_fork;
    eprintln!("lead time to Japan: {lead} s with the liaison, {lead_fork} s without ({gained} s gained)");
    assert!(
        (gained - (14_400.0 - 300.0)).abs() <= 20.0,
        "the liaison should save the channel's 4 h less its 5 min latency: {gained} s"
    );
    // The inject table counts the warning as Japan being told of the secondary: at the
    // liaison's delivery, 45 min 10 s after the inject fired at T+0:20.
    let inj = &report(run)["injects"][0];
    assert_eq!(inj["inject"], "CJ-GCOMC");
    assert_eq!(inj["by_nation"]["JPN"]["told_s"], 2710, "{inj}");
    // Scorecard: the U.S. warned the event; Japan, protecting GCOM-C from its own catalog, missed
    // it; the coalition did not.
    let c = &report(run)["conjunctions"];
    assert_eq!(c["nations"]["USA"]["events_warned"], 1, "{c}");
    assert_eq!(c["nations"]["JPN"]["missed"], 1, "{c}");
    assert_eq!(c["coalition"]["missed"], 0, "{c}");
}

#[test]
fn the_warnings_follow_the_estimates_and_false_alarms_are_counted() {
    let (_, run, _) = runs();
    let events = read(run, "events.jsonl");
    // Each hourly screening re-assesses the pair from the current estimates: the Pc history
    // changes as the debris's orbit is refined, and the emergency level is reached before the TCA.
    let r = report(run);
    let hist = scripted(&r)["assessed"]["USA"]["pc_history"]
        .as_array()
        .unwrap()
        .clone();
    assert!(hist.len() >= 8, "{hist:?}");
    let pcs: Vec<f64> = hist.iter().map(|h| h[1].as_f64().unwrap()).collect();
    assert!(pcs.windows(2).any(|w| w[0] != w[1]), "{pcs:?}");
    assert!(
        lines_of_kind(&events, "conjunction_assessed")
            .iter()
            .any(|l| l.contains("\"level\":\"emergency\""))
    );
    // Japan, warned, asks the U.S. to track the debris until the TCA under the U.S. number for it
    // (only the U.S. catalog holds it); U.S. sensors observe it for Japan and report back.
    let followed: Vec<Value> = lines_of_kind(&events, "tasking_reported")
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["request"].as_str().unwrap().starts_with("JPN-FOLLOW-UP-"))
        .collect();
    assert!(!followed.is_empty());
    assert!(
        followed.iter().any(|e| e["outcome"] == "observed"
            && e["requester"] == "JPN"
            && e["provider"] == "USA"
            && e["object"] == 100000),
        "{followed:?}"
    );
    // Where the 2-D method does not apply (the slow, long encounter of two cubesats), the level is
    // decided on Hall's 3-D count.
    let slow: Vec<Value> = lines_of_kind(&events, "conjunction_assessed")
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["valid_2d"] == false)
        .collect();
    assert!(!slow.is_empty());
    for e in &slow {
        assert!(e["rel_speed_m_s"].as_f64().unwrap() < 100.0, "{e}");
        assert_eq!(e["pc"], e["nc3d"], "{e}");
    }
    // A natural approach warned of on the tick-0 estimates that truly misses by more than 1 km is
    // a false alarm; the figures add up.
    let usa = &r["conjunctions"]["nations"]["USA"];
    assert!(usa["false_alarms"].as_u64().unwrap() >= 1, "{usa}");
    assert_eq!(
        usa["conjunctions_warned"].as_u64().unwrap(),
        usa["false_alarms"].as_u64().unwrap() + usa["events_warned"].as_u64().unwrap(),
        "{usa}"
    );
    // Japan's view: the warnings delivered to it, none of the U.S. assessments, no truth.
    let view = read(run, "views/JPN.jsonl");
    let to_jpn = lines_of_kind(&events, "warning_delivered")
        .iter()
        .filter(|l| l.contains("\"to\":\"JPN\""))
        .count();
    assert!(to_jpn >= 8, "{to_jpn}");
    let seen = lines_of_kind(&view, "warning_delivered");
    assert_eq!(seen.len(), to_jpn);
    assert!(seen.iter().all(|l| !l.contains("true_objects")), "{seen:?}");
    assert!(lines_of_kind(&view, "conjunction_assessed").is_empty());
    assert!(lines_of_kind(&view, "close_approach").is_empty());
    assert!(!lines_of_kind(&events, "close_approach").is_empty());
}

/// The same double, or its neighbour: the CDM holds the logged value's shortest decimal text,
/// which ccsds-ndm-py's parser does not always round correctly (it reads 3.3609079018634366e-3 as
/// 3.360907901863437e-3, one ulp off; Python's own float() is exact).
fn same_double(a: f64, b: f64) -> bool {
    a == b || (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 1
}

#[test]
fn cdm_export_reads_back_by_two_readers_and_its_pc_is_the_logged_one() {
    let (tmp, run, _) = runs();
    let out = tmp.path().join("cdm-xml");
    for (format, dir) in [("cdm", tmp.path().join("cdm")), ("cdm-xml", out.clone())] {
        let o = sentinel(&[
            "export",
            run.to_str().unwrap(),
            "--format",
            format,
            "--view",
            "JPN",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "export {format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let Some(docs) = read_ndm(&dir) else { return };
        let logged: Vec<Value> = lines_of_kind(&read(run, "events.jsonl"), "conjunction_assessed")
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let delivered: Vec<String> = lines_of_kind(&read(run, "events.jsonl"), "warning_delivered")
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["cdm"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        for doc in &docs {
            let msgs = doc["messages"].as_array().unwrap();
            // Japan's view: exactly the warnings delivered to it.
            let mut ids: Vec<&str> = msgs.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
            ids.sort();
            let mut want: Vec<&str> = delivered.iter().map(String::as_str).collect();
            want.sort();
            want.dedup();
            assert_eq!(ids, want);
            for m in msgs {
                let e = logged.iter().find(|e| e["cdm"] == m["message_id"]).unwrap();
                assert_eq!(m["originator"], "USA");
                assert!(same_double(
                    m["collision_probability"].as_f64().unwrap(),
                    e["pc2d"].as_f64().unwrap()
                ));
                assert!(same_double(
                    m["miss_distance"].as_f64().unwrap(),
                    e["miss_m"].as_f64().unwrap()
                ));
                assert_eq!(m["objects"][0]["ref_frame"], "GCRF");
                assert_eq!(m["objects"][0]["object_designator"], e["object1"]["object"].to_string());
                let cov: Vec<f64> = serde_json::from_value(m["objects"][1]["covariance"].clone()).unwrap();
                let want: Vec<f64> = serde_json::from_value(e["object2"]["cov_rtn"].clone()).unwrap();
                assert!(
                    cov.iter().zip(&want).all(|(a, b)| same_double(*a, *b)),
                    "{cov:?} vs {want:?}"
                );
                assert_eq!(cov.len(), want.len());
                // GCRF differs from the logged TEME by the precession since 2000 (tens of km),
                // yet the distance between the objects is the same.
                let st = |k: usize| -> Vec<f64> { serde_json::from_value(m["objects"][k]["state"].clone()).unwrap() };
                let (a, b) = (st(0), st(1));
                let d: f64 = (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>().sqrt() * 1e3;
                assert!(
                    (d - e["miss_m"].as_f64().unwrap()).abs() < 0.01,
                    "{d} m vs {}",
                    e["miss_m"]
                );
                let teme: Vec<f64> = serde_json::from_value(e["object1"]["r_km"].clone()).unwrap();
                assert!((a[0] - teme[0]).abs() > 1.0, "the state is not converted from TEME");
            }
        }
    }
    // `sentinel pc` on the exported CDMs gives the Pc the run logged (both objects' states at
    // the TCA, so CARA's TCA adjustment moves them by nanoseconds).
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["pc", "--json"];
    args.extend(files.iter().map(String::as_str));
    let o = sentinel(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let logged = String::from_utf8(read(run, "events.jsonl")).unwrap();
    for g in got {
        let id = Path::new(g["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".cdm.xml", "");
        let line = logged
            .lines()
            .find(|l| l.contains(&format!("\"cdm\":\"{id}\"")) && l.contains("conjunction_assessed"))
            .unwrap();
        let e: Value = serde_json::from_str(line).unwrap();
        let (ours, log) = (g["pc2d"].as_f64().unwrap(), e["pc2d"].as_f64().unwrap());
        assert!(
            (ours - log).abs() <= 1e-6 * log,
            "{id}: pc {ours} from the CDM, {log} logged"
        );
    }
}

#[test]
fn screening_and_warnings_do_not_depend_on_threads_or_input_order() {
    let (_, run, _) = runs();
    let t = tempfile::tempdir().unwrap();
    // One thread against the shared run's two (the default on this machine or more).
    let one = t.path().join("t1");
    run_ok(
        &repo().join("scenarios/conjunction-warning.ron"),
        &one,
        &["--threads", "1", "--view", "JPN"],
    );
    assert_eq!(read(&one, "events.jsonl"), read(run, "events.jsonl"));
    // Catalog lines reversed, nations listed the other way round.
    let data = t.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let csv = std::fs::read_to_string(repo().join("scenarios/data/celestrak-active-2026-07-sso800.omm.csv")).unwrap();
    let mut lines: Vec<&str> = csv.lines().collect();
    lines[1..].reverse();
    std::fs::write(
        data.join("celestrak-active-2026-07-sso800.omm.csv"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/conjunction-warning.ron")).unwrap();
    let (usa, jpn) = (
        text.find("        (\n            id: \"USA\"").unwrap(),
        text.find("        (\n            id: \"JPN\"").unwrap(),
    );
    let end = text[jpn..].find("        ),\n").unwrap() + jpn + "        ),\n".len();
    let reordered = format!("{}{}{}{}", &text[..usa], &text[jpn..end], &text[usa..jpn], &text[end..]);
    assert_ne!(reordered, text);
    let scenario = t.path().join("reordered.ron");
    std::fs::write(&scenario, reordered).unwrap();
    let b = t.path().join("reordered");
    run_ok(&scenario, &b, &["--view", "JPN"]);
    assert_eq!(read(&b, "events.jsonl"), read(run, "events.jsonl"));
}

#[test]
fn an_agreement_rule_denies_warnings_as_it_denies_tracks() {
    // The same exercise with a rule of the U.S.-to-Japan agreement that denies products on
    // Japanese-owned objects: the U.S. still assesses and warns, but every warning to Japan is
    // denied by that rule, logged, and none arrives.
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("data")).unwrap();
    let csv = "celestrak-active-2026-07-sso800.omm.csv";
    std::fs::copy(repo().join("scenarios/data").join(csv), t.path().join("data").join(csv)).unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/conjunction-warning.ron")).unwrap();
    let at = "            delay_s: 14400,\n";
    assert!(text.contains(at));
    let denied = text.replacen(
        at,
        "            delay_s: 14400,\n            rules: [Deny(id: \"no-jp-products\", owners: [\"JPN\"])],\n",
        1,
    );
    let scenario = t.path().join("denied.ron");
    std::fs::write(&scenario, denied).unwrap();
    let out = t.path().join("run");
    run_ok(&scenario, &out, &[]);
    let events = read(&out, "events.jsonl");
    let denials: Vec<String> = lines_of_kind(&events, "share_denied")
        .into_iter()
        .filter(|l| l.contains("\"product_kind\":\"conjunction_warnings\""))
        .collect();
    assert!(denials.len() >= 8, "{denials:?}");
    assert!(
        denials
            .iter()
            .all(|l| l.contains("\"rule\":\"no-jp-products\"") && l.contains("\"to\":\"JPN\""))
    );
    assert!(lines_of_kind(&events, "warning_delivered").is_empty());
    assert!(
        lines_of_kind(&events, "conjunction_assessed")
            .iter()
            .any(|l| l.contains("\"level\":\"emergency\""))
    );
}
