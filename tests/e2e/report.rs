//! `sentinel report`: the scorecard's numbers, its files, and what a liaison changes.

use crate::util::*;

fn scorecard(scenario: &std::path::Path, dir: &std::path::Path) -> (serde_json::Value, String) {
    run_ok(scenario, dir, &["--quiet"]);
    let o = sentinel(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&read(dir, "report.json")).unwrap();
    // One scorecard: the run's nations.json (computed from the records as they were written) is
    // the report's per-nation part (computed from the log read back).
    let nations: serde_json::Value = serde_json::from_slice(&read(dir, "nations.json")).unwrap();
    assert_eq!(nations, json["nations"]);
    (json, String::from_utf8_lossy(&o.stdout).to_string())
}

#[test]
fn a_liaison_shortens_the_partners_time_to_learn_of_a_manoeuvre() {
    let t = tempfile::tempdir().unwrap();
    let with = repo().join("tests/data/liaison-manoeuvre.ron");
    let text = std::fs::read_to_string(&with).unwrap();
    let without = t.path().join("no-liaison.ron");
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("B-LNO"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&without, cut).unwrap();
    let (a, a_text) = scorecard(&with, &t.path().join("with"));
    let (b, _) = scorecard(&without, &t.path().join("without"));
    let times = |r: &serde_json::Value, nation: &str, what: &str| r["injects"][0]["by_nation"][nation][what].as_u64();
    // A sees it itself, the same way in both runs.
    assert_eq!(a["injects"][0]["inject"], "M1");
    assert!(times(&a, "A", "catalogued_s").is_some());
    assert_eq!(times(&a, "A", "catalogued_s"), times(&b, "A", "catalogued_s"));
    // B hears of it through A's products: 120 s through the liaison, 2 h through the agreement.
    let (told_liaison, told_agreement) = (times(&a, "B", "told_s").unwrap(), times(&b, "B", "told_s").unwrap());
    let (cat_liaison, cat_agreement) = (
        times(&a, "B", "catalogued_s").unwrap(),
        times(&b, "B", "catalogued_s").unwrap(),
    );
    assert!(
        told_liaison + 3600 < told_agreement,
        "{told_liaison} vs {told_agreement}"
    );
    assert_eq!(
        cat_agreement - cat_liaison,
        7200 - 120,
        "the difference is the channel's delay"
    );
    // The table shows the same numbers as report.json.
    let line = a_text
        .lines()
        .find(|l| l.trim_start().starts_with("B ") && l.contains("catalogued"))
        .unwrap();
    assert!(line.contains(&format!("{:.1}", cat_liaison as f64 / 60.0)), "{line}");
    let det = a["nations"]["A"]["detections"].as_u64().unwrap();
    assert!(
        a_text
            .lines()
            .any(|l| l.starts_with("A ") && l.contains(&det.to_string()))
    );
    // Charts: one custody line per nation plus the coalition, and one row per inject.
    let custody = String::from_utf8(read(&t.path().join("with"), "charts/custody.svg")).unwrap();
    assert_eq!(custody.matches("<polyline").count(), 3);
    let injects = String::from_utf8(read(&t.path().join("with"), "charts/injects.svg")).unwrap();
    assert!(injects.contains("M1 (manoeuvre)"));
}

/// The advance width of `text` set in the font file `font` at `size_px`, by fontTools (`None` when
/// the test venv or the font is missing, outside CI).
fn text_width_px(font: &str, text: &str, size_px: f64) -> Option<f64> {
    let (py, font) = (python()?, tool(font)?);
    let code = "import sys\nfrom fontTools.ttLib import TTFont\nf = TTFont(sys.argv[1])\ncmap, hm = f.getBestCmap(), f['hmtx']\n\
                print(sum(hm[cmap[ord(c)]][0] for c in sys.argv[2]) / f['head'].unitsPerEm)";
    let o = std::process::Command::new(py)
        .args(["-c", code, font.to_str().unwrap(), text])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8(o.stdout).unwrap().trim().parse::<f64>().unwrap() * size_px)
}

/// The `x` of the text element holding `label` and the document's width.
fn label_x_and_width(svg: &str, label: &str) -> (f64, f64) {
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    let end = svg.find(label).unwrap();
    let tag = &svg[svg[..end].rfind("<text").unwrap()..end];
    assert!(tag.contains("text-anchor=\"end\""), "{tag}");
    (attr(tag, "x"), attr(&svg[..svg.find('>').unwrap()], "width"))
}

#[test]
fn a_long_inject_label_fits_its_chart() {
    let t = tempfile::tempdir().unwrap();
    let long = "M1-long-inject-identifier-of-the-HIMAWARI-9-station-keeping-burn";
    let text = std::fs::read_to_string(repo().join("tests/data/liaison-manoeuvre.ron")).unwrap();
    let scenario = t.path().join("long.ron");
    std::fs::write(&scenario, text.replace("id: \"M1\"", &format!("id: \"{long}\""))).unwrap();
    let dir = t.path().join("run");
    scorecard(&scenario, &dir);
    let svg = String::from_utf8(read(&dir, "charts/injects.svg")).unwrap();
    let label = format!("{long} (manoeuvre)");
    let (x, width) = label_x_and_width(&svg, &label);
    // The label is right-aligned at x, so it fits when x >= its width: measured by fontTools
    // in the two fonts `sans-serif` maps to here (DejaVu Sans for rsvg, Liberation Sans for Chromium).
    for font in ["dejavu/DejaVuSans.ttf", "liberation/LiberationSans-Regular.ttf"] {
        let Some(w) = text_width_px(&format!("/usr/share/fonts/truetype/{font}"), &label, 12.0) else {
            return;
        };
        assert!(x >= w && w > 300.0, "{font}: the label is {w} px wide and ends at {x}");
    }
    assert!(width > 960.0, "the canvas grew: {width}");
}

#[test]
fn a_second_report_prints_but_does_not_overwrite_without_force() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("run");
    let (_, first) = scorecard(&repo().join("tests/data/liaison-manoeuvre.ron"), &dir);
    let before = read(&dir, "report.json");
    // A report.json edited by hand is kept: the second report prints and leaves the files alone.
    std::fs::write(dir.join("report.json"), b"kept").unwrap();
    let o = sentinel(&["report", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        first,
        "the same scorecard is printed"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("report.json") && err.contains("not rewritten") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&dir, "report.json"), b"kept");
    // Only the charts left: still not rewritten.
    std::fs::remove_file(dir.join("report.json")).unwrap();
    let o = sentinel(&["report", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("injects.svg"));
    assert!(!dir.join("report.json").exists());
    let o = sentinel(&["report", dir.to_str().unwrap(), "--force"]);
    assert!(o.status.success());
    assert_eq!(read(&dir, "report.json"), before, "the same run gives the same report");
    let o = sentinel(&["report", t.path().join("nothing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// What a nation receives changes how well it knows the sky, read from report.json: `gs-injects`
/// with JPN receiving no US observations, the shipped agreement, and the same agreement degrading
/// them with ten times the US radars' stated noise.
#[test]
fn shared_observations_lower_and_degraded_ones_raise_a_nations_catalog_error() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("data")).unwrap();
    for f in ["celestrak-stations-2026-05-30.tle", "celestrak-geo-2026-05-30.tle"] {
        std::fs::copy(repo().join("scenarios/data").join(f), t.path().join("data").join(f)).unwrap();
    }
    let text = std::fs::read_to_string(repo().join("scenarios/gs-injects.ron")).unwrap();
    let shipped =
        r#"(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 7200),"#;
    assert!(text.contains(shipped));
    // Noise ten times the US radars' stated sigmas (0.01 deg, 10-15 m).
    let degraded = r#"(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 7200,
        rules: [Degrade(id: "x10", angle_noise_deg: 0.1, range_noise_m: 150.0)]),"#;
    let median = |name: &str, agreement: &str| -> f64 {
        let scenario = t.path().join(format!("{name}.ron"));
        std::fs::write(&scenario, text.replace(shipped, agreement)).unwrap();
        let (r, table) = scorecard(&scenario, &t.path().join(name));
        let jpn = &r["nations"]["JPN"];
        assert!(table.contains("Catalog accuracy at the end"), "{table}");
        assert!(jpn["accuracy"]["LEO"]["entries"].as_u64().unwrap() > 20);
        jpn["accuracy"]["LEO"]["median_km"].as_f64().unwrap()
    };
    let (none, shared, worse) = (
        median("none", ""),
        median("shared", shipped),
        median("degraded", degraded),
    );
    println!(
        "JPN median LEO error at the end: no US observations {none:.3} km, shared {shared:.3} km, degraded x10 {worse:.3} km"
    );
    assert!(
        shared < none,
        "sharing observations should lower JPN's error: {shared} vs {none}"
    );
    assert!(worse > shared, "degrading them should raise it: {worse} vs {shared}");
}
