//! The seed corpus: the repository's scenarios (bundled, test and bad-input ones) with the catalog
//! files they name (large ones cut down), catalog files in every format, and change files.

use std::path::{Path, PathBuf};

use crate::case::Case;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join(rel)).unwrap_or_else(|e| panic!("seed file {rel}: {e}"))
}

/// The first `n` lines.
fn head(bytes: &[u8], n: usize) -> Vec<u8> {
    let mut end = 0;
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if i == n {
            break;
        }
        end += line.len();
    }
    bytes[..end].to_vec()
}

/// The first `n` objects of an OMM JSON array.
fn json_head(bytes: &[u8], n: usize) -> Vec<u8> {
    let v: Vec<serde_json::Value> = serde_json::from_slice(bytes).expect("seed OMM JSON");
    serde_json::to_vec_pretty(&v[..n.min(v.len())]).unwrap()
}

/// A catalog file cut to a few entries when it is large (the fuzzer wants many small inputs).
fn shrink(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() <= 8 << 10 {
        return bytes;
    }
    match name.rsplit('.').next().unwrap_or("") {
        "json" => json_head(&bytes, 3),
        "csv" => head(&bytes, 6),
        _ => head(&bytes, 12),
    }
}

fn ron_files(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ron"))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    v.sort();
    v
}

/// Scenario seeds: every scenario of the repository with the catalog files it names.
pub fn scenarios() -> Vec<Case> {
    let mut out = Vec::new();
    for rel in ["scenarios", "tests/data", "tests/data/bad"]
        .iter()
        .flat_map(|d| ron_files(d))
    {
        let text = read(&rel);
        let dir = Path::new(&rel).parent().unwrap().to_path_buf();
        let mut case = Case::single("scenario.ron", text.clone());
        let s = String::from_utf8_lossy(&text);
        for piece in s.split("path: \"").skip(1) {
            let Some(path) = piece.split('"').next() else { continue };
            // Only regular files: a bad-input fixture names `/dev/zero`, which reads for ever.
            let file = repo().join(&dir).join(path);
            if !std::fs::metadata(&file).is_ok_and(|m| m.is_file() && m.len() <= 64 << 20) {
                continue;
            }
            if let Ok(bytes) = std::fs::read(&file) {
                case.files.push((path.to_string(), shrink(path, bytes)));
            }
        }
        out.push(case);
    }
    out
}

/// KVN and XML versions of OMM JSON objects.
fn omm_kvn_xml(json: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let v: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(json).unwrap();
    let plain = |x: &serde_json::Value| x.as_str().map_or_else(|| x.to_string(), str::to_string);
    let (mut kvn, mut xml) = (
        String::new(),
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ndm>\n"),
    );
    for obj in &v {
        kvn.push_str(
            "CCSDS_OMM_VERS = 3.0\nCOMMENT generated seed\nCREATION_DATE = 2025-11-18T00:00:00\nORIGINATOR = FUZZ\n",
        );
        xml.push_str("<omm id=\"CCSDS_OMM_VERS\" version=\"3.0\"><header><CREATION_DATE>2025-11-18T00:00:00</CREATION_DATE></header>\n<body><segment><metadata>\n");
        for (k, val) in obj {
            let unit = if k == "MEAN_MOTION" { " [rev/day]" } else { "" };
            kvn.push_str(&format!("{k} = {}{unit}\n", plain(val)));
            xml.push_str(&format!("  <{k}>{}</{k}>\n", plain(val)));
        }
        xml.push_str("</metadata></segment></body></omm>\n");
    }
    xml.push_str("</ndm>\n");
    (kvn.into_bytes(), xml.into_bytes())
}

/// Catalog seeds, by format: (tle, json, csv, kvn, xml).
pub fn catalogs() -> [Vec<Case>; 5] {
    let tle = vec![
        Case::single("a.tle", read("scenarios/data/celestrak-stations-2026-05-30.tle")),
        Case::single("a.tle", head(&read("scenarios/data/celestrak-geo-2026-05-30.tle"), 12)),
        Case::single("a.tle", read("tests/data/bad/broken.tle")),
        Case::single("a.tle", read("tests/data/reference/iss-2026-05-30.tle")),
        Case::single("a.tle", read("tests/data/reference/geo-2026-05-30.tle")),
        Case::single("a.tle", head(&read("tests/data/sgp4-verification/SGP4-VER.TLE"), 40)),
    ];
    let gnss = read("tests/data/celestrak-gnss-2025-11.omm.json");
    let three = json_head(&gnss, 3);
    let one: Vec<serde_json::Value> = serde_json::from_slice(&three).unwrap();
    let json = vec![
        Case::single("a.json", three.clone()),
        Case::single("a.json", serde_json::to_vec(&one[0]).unwrap()),
    ];
    let csv = vec![Case::single(
        "a.csv",
        head(&read("scenarios/data/celestrak-active-2026-07.omm.csv"), 6),
    )];
    let (kvn, xml) = omm_kvn_xml(&three);
    let (kvn1, xml1) = omm_kvn_xml(&json_head(&gnss, 1));
    [
        tle,
        json,
        csv,
        vec![Case::single("a.kvn", kvn), Case::single("a.kvn", kvn1)],
        vec![Case::single("a.xml", xml), Case::single("a.xml", xml1)],
    ]
}

/// CDM seeds: CARA's conjunction messages (KVN) and two of them as CDM XML.
pub fn cdms() -> Vec<Case> {
    let ids = [
        "000020580_conj_000022015_20210315_212955_20210313_065123",
        "000035946_conj_000030648_20221210_140311_20221206_003234",
        "000048901_conj_000048903_20211220_012535_20211215_145954",
        "000039574_conj_000039477_20220711_110033_20220705_220442",
    ];
    let kvn: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| read(&format!("tests/data/cara-pc/{id}.cdm")))
        .collect();
    let mut out: Vec<Case> = kvn.iter().map(|k| Case::single("a.cdm", k.clone())).collect();
    out.extend(
        kvn.iter()
            .take(2)
            .map(|k| Case::single("a.xml", cdm_xml(&String::from_utf8_lossy(k)))),
    );
    out
}

/// A KVN CDM as CDM XML: header and relative metadata, then a `<segment>` per object.
fn cdm_xml(kvn: &str) -> Vec<u8> {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cdm id=\"CCSDS_CDM_VERS\" version=\"1.0\"><header>\n",
    );
    let mut segments = 0;
    for line in kvn.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = match line.strip_prefix("COMMENT") {
            Some(rest) => ("COMMENT", rest.trim()),
            None => line
                .split_once('=')
                .map_or(("COMMENT", line), |(k, v)| (k.trim(), v.trim())),
        };
        if k == "TCA" {
            x.push_str("</header><body><relativeMetadataData>\n");
        }
        if k == "OBJECT" {
            x.push_str(if segments == 0 {
                "</relativeMetadataData>"
            } else {
                "</data></segment>"
            });
            x.push_str("<segment><metadata>\n");
            segments += 1;
        }
        if k == "X" {
            x.push_str("</metadata><data>\n");
        }
        match v
            .strip_suffix(']')
            .and_then(|v| v.rsplit_once('['))
            .filter(|_| k != "COMMENT")
        {
            Some((v, u)) => x.push_str(&format!("<{k} units=\"{u}\">{}</{k}>\n", v.trim())),
            None => x.push_str(&format!(
                "<{k}>{}</{k}>\n",
                v.replace('&', "&amp;").replace('<', "&lt;")
            )),
        }
    }
    x.push_str("</data></segment></body></cdm>\n");
    x.into_bytes()
}

/// Change-file seeds: the README's example, the evaluation test's, and one of each entry over the
/// bundled inject scenario's ids.
pub fn changes() -> Vec<Case> {
    let texts = [
        r#"Change(
    add_injects: [SensorOutage(id: "FORK-EGLIN", sensor: "US-EGLIN", start: "T+06:00", end: "T+09:00")],
    remove_injects: ["LNO-LINK-DOWN"],
    agreements: [(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations], delay_s: 600)],
    sensors_down: ["JP-BISEI"],
)"#,
        r#"Change(add_injects: [SensorOutage(id: "EARLY", sensor: "US-EGLIN", start: "T+00:10", end: "T+02:30")])"#,
        r#"Change(add_injects: [Manoeuvre(id: "M2", object: 25544, at: "T+02:00", delta_v_m_s: (along_track: 1.0))])"#,
        r#"Change(add_injects: [Launch(id: "L2", at: "T+02:00", owner: "JPN", objects: [(id: 99501, name: "P", orbit: Circular(site_lat_deg: 30.40, site_lon_deg: 130.97, altitude_km: 500.0, inclination_deg: 30.4))])])"#,
        r#"Change(add_injects: [Breakup(id: "B2", object: 25544, at: "T+03:00", fragments: 10, first_id: 99600, delta_v_median_m_s: 15.0)])"#,
        r#"Change(add_injects: [Conjunction(id: "CJ2", at: "T+01:00", primary: 25544, secondary: (id: 99700, name: "DEB"), tca: "T+02:30", miss_m: 120.0, crossing_angle_deg: 45.0)])"#,
        r#"Change(add_injects: [Reentry(id: "R2", object: 25544, at: "T+05:00")], remove_injects: ["ISS-REBOOST", "BEALE-DOWN"])"#,
        r#"Change(add_injects: [SensorDegradation(id: "D2", sensor: "US-EGLIN", start: "T+02:00", end: "T+06:00", snr_loss_db: 6.0, noise_factor: 2.0)])"#,
        r#"Change(add_injects: [LinkCut(id: "C2", liaison: "JPN-LNO", start: "T+06:00", end: "T+08:00"), PriorityChange(id: "P2", nation: "JPN", object: 41836, priority: 1, start: "T+01:00", end: "T+09:00")])"#,
        r#"Change(agreements: [(id: "JPN-to-USA", from: "JPN", to: "USA", products: [Observations, TaskingSupport], delay_s: 60, rules: [Deny(id: "d", owners: ["JPN"], military: true), Degrade(id: "g", classes: [Payload], angle_noise_deg: 0.02)])], sensors_down: ["US-EGLIN", "US-BEALE"])"#,
        "Change()",
    ];
    texts.iter().map(|t| Case::single("change.ron", *t)).collect()
}
