//! `sentinel export RUN_DIR --format ...`: standard formats from a run.
//!
//! TDM comes from the event log alone. OEM and CZML also need truth trajectories, which the log does
//! not hold: those are re-propagated by re-simulating the run ([`crate::truth::Resim`], checked tick
//! by tick against the run's hash chain). OMM, a nation's catalog at the end of the run, is read from
//! the same re-simulation. Nothing is written into the run but the export file (or, for KVN OMM, the
//! export directory).

pub mod cdm;
pub mod czml;
pub mod log;
pub mod oem;
pub mod omm;
pub mod tdm;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use sentinel_engine::{Clock, Scenario, StateVector, Tick};

use crate::truth::Resim;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CCSDS TDM 2.0 (KVN) of the detections: one segment per sensor and object pass.
    Tdm,
    /// CCSDS TDM 2.0 in NDM/XML.
    TdmXml,
    /// CCSDS OEM 2.0 (KVN) of chosen objects' truth (TEME), re-propagated.
    Oem,
    /// CCSDS OEM 2.0 in NDM/XML.
    OemXml,
    /// CZML for CesiumJS: satellites, sensors with their field of regard, detections by nation.
    Czml,
    /// CCSDS OMM 3.0 (KVN) of --nation's catalog at the end of the run, with covariance: a
    /// directory holding one CATNR.omm per catalogued object.
    Omm,
    /// CCSDS OMM 3.0 in NDM/XML: one combined `<ndm>` document holding an `<omm>` per object.
    OmmXml,
    /// CCSDS CDM 1.0 (KVN) of the run's conjunction assessments (with --view, a nation's own and
    /// those warnings delivered to it): a directory holding one MESSAGE_ID.cdm per assessment.
    Cdm,
    /// CCSDS CDM 1.0 in XML: a directory holding one MESSAGE_ID.cdm.xml per assessment.
    CdmXml,
}

impl Format {
    /// The default output name; `view` is --view (TDM, CZML) or --nation (OMM).
    fn file_name(self, view: Option<&str>) -> String {
        let (stem, ext) = match self {
            Format::Tdm => ("detections", "tdm"),
            Format::TdmXml => ("detections", "tdm.xml"),
            Format::Oem => ("truth", "oem"),
            Format::OemXml => ("truth", "oem.xml"),
            Format::Czml => ("run", "czml"),
            Format::Omm => ("catalog", "omm"),
            Format::OmmXml => ("catalog", "omm.xml"),
            Format::Cdm => ("conjunctions", "cdm"),
            Format::CdmXml => ("conjunctions", "cdm.xml"),
        };
        match view {
            Some(n) => format!("{stem}-{n}.{ext}"),
            None => format!("{stem}.{ext}"),
        }
    }
}

/// Arguments of `sentinel export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Only what this nation's own sensors detected (TDM, CZML; CZML also shows only its sensors).
    #[arg(long, value_name = "NATION")]
    pub view: Option<String>,
    /// Whose catalog (OMM, required): the nation's catalog at the end of the run.
    #[arg(long, value_name = "ID")]
    pub nation: Option<String>,
    /// Which objects' truth, how often, and how to rebuild it (OEM and CZML).
    #[command(flatten)]
    pub truth: TruthArgs,
    /// Output file (`-` for standard output; a directory for `omm`); default RUN_DIR/exports/<name>.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Replace an existing output file (or `omm` directory).
    #[arg(long)]
    pub force: bool,
}

/// The options of the commands that show truth trajectories (`export` OEM/CZML, `view`).
#[derive(Args, Debug, Clone)]
pub struct TruthArgs {
    /// Objects (catalog numbers, comma separated); default: the most detected ones, up to
    /// --max-objects.
    #[arg(long, value_delimiter = ',', value_name = "CATNR,...")]
    pub objects: Option<Vec<u32>>,
    /// Most objects taken when --objects is not given.
    #[arg(long, default_value_t = 200)]
    pub max_objects: usize,
    /// Trajectory sample spacing, seconds (rounded up to whole ticks).
    #[arg(long, default_value_t = 60)]
    pub step_s: u64,
    /// The scenario file, when it is no longer at the path recorded in the manifest.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Worker threads for the re-simulation (1-256; default: available cores; results do not
    /// depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl TruthArgs {
    /// Checks the values clap cannot.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.step_s == 0 {
            bail!("--step-s must be at least 1 second");
        }
        if let Some(n) = self.threads
            && !(1..=256).contains(&n)
        {
            bail!("--threads must be between 1 and 256, not {n}");
        }
        Ok(())
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        Resim::threads(self.threads)
    }

    /// The CZML options of these arguments.
    pub fn czml(&self, view: Option<String>) -> czml::CzmlOptions {
        czml::CzmlOptions {
            view,
            objects: self.objects.clone(),
            max_objects: self.max_objects,
            step_s: self.step_s,
            scenario: self.scenario.clone(),
            threads: self.threads(),
            progress: None,
        }
    }
}

/// Display names of sensors and objects, when the scenario is at hand.
#[derive(Debug, Default)]
pub struct Names {
    sensors: BTreeMap<String, String>,
    objects: BTreeMap<u32, String>,
}

impl Names {
    /// Names from a scenario.
    pub fn of(s: &Scenario) -> Names {
        Names {
            sensors: s.sensors.iter().map(|x| (x.id.clone(), x.name.clone())).collect(),
            objects: s.objects.iter().map(|o| (o.id, o.name.clone())).collect(),
        }
    }

    /// A sensor's name (its id when unknown).
    pub fn sensor<'a>(&'a self, id: &'a str) -> &'a str {
        self.sensors.get(id).map_or(id, String::as_str)
    }

    /// An object's name (`unnamed` when unknown: launches and fragments).
    pub fn object(&self, id: u32) -> &str {
        self.objects.get(&id).map_or("unnamed", String::as_str)
    }
}

/// A tick as a CCSDS UTC epoch (`YYYY-MM-DDThh:mm:ss.sss`).
pub fn ccsds_epoch(clock: &Clock, tick: u64) -> String {
    clock.time_of(Tick(tick)).format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// Runs the command.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let manifest = crate::manifest::read(dir)?;
    let omm = matches!(args.format, Format::Omm | Format::OmmXml);
    let cdm = matches!(args.format, Format::Cdm | Format::CdmXml);
    if args.view.is_some() && matches!(args.format, Format::Oem | Format::OemXml) {
        bail!("--view applies to tdm, tdm-xml, cdm, cdm-xml and czml; an OEM holds truth, which no nation sees");
    }
    if args.view.is_some() && omm {
        bail!("--view applies to tdm, tdm-xml, cdm, cdm-xml and czml; an OMM export names its nation with --nation");
    }
    if args.nation.is_some() && !omm {
        bail!("--nation applies to omm and omm-xml (whose catalog); use --view to keep a nation's detections");
    }
    args.truth.check()?;
    let named = if omm {
        args.nation.as_deref()
    } else {
        args.view.as_deref()
    };
    let out = match &args.out {
        Some(p) if p.as_os_str() == "-" => {
            if cdm {
                bail!("--format cdm and cdm-xml write a directory (one CDM per file), not standard output");
            }
            if args.format == Format::Omm {
                bail!(
                    "--format omm writes a directory (one OMM per file; KVN has no container for several messages), not standard output; use --format omm-xml for one document"
                );
            }
            None
        }
        Some(p) => Some(p.clone()),
        None => Some(dir.join("exports").join(args.format.file_name(named))),
    };
    if let Some(p) = &out
        && p.exists()
        && !args.force
    {
        bail!("{} exists; pass --force to replace it", p.display());
    }
    let log = manifest.log_path(dir)?;
    let (bytes, summary) = match args.format {
        Format::Tdm | Format::TdmXml => {
            let loaded = crate::recorded::load_recorded(&manifest, args.truth.scenario.as_deref())
                .context("the TDM names its participants from the run's scenario")?;
            let scenario = &loaded.scenario;
            check_nation(scenario, args.view.as_deref())?;
            let passes = log::passes(&log, args.view.as_deref())?;
            let detections: usize = passes.iter().map(|p| p.detections.len()).sum();
            let header = tdm::Header {
                creation: &ccsds_epoch(&scenario.clock, scenario.clock.ticks),
                comments: vec![
                    format!(
                        "Sentinel run of scenario `{}`, seed {}; detections{} from events.jsonl",
                        scenario.name,
                        manifest.seed,
                        args.view
                            .as_ref()
                            .map(|n| format!(" of {n}'s sensors"))
                            .unwrap_or_default()
                    ),
                    "CREATION_DATE is the end of the run's span, so that an export is reproducible".into(),
                ],
            };
            let encoding = if args.format == Format::Tdm {
                tdm::Encoding::Kvn
            } else {
                tdm::Encoding::Xml
            };
            let text = tdm::document(&passes, &Names::of(scenario), &header, encoding, &|t| {
                ccsds_epoch(&scenario.clock, t)
            });
            (
                text.into_bytes(),
                format!("{} segments, {detections} detections", passes.len()),
            )
        }
        Format::Oem | Format::OemXml => {
            let mut resim = Resim::open(dir, args.truth.scenario.as_deref(), args.truth.threads())?;
            let inputs = log::truth_inputs(&log, None)?;
            let objects = choose_objects(&inputs.tracks, args.truth.objects.clone(), args.truth.max_objects);
            let encoding = if args.format == Format::Oem {
                tdm::Encoding::Kvn
            } else {
                tdm::Encoding::Xml
            };
            let (text, segments) = oem::document(&mut resim, &objects, &inputs.changed, args.truth.step_s, encoding)?;
            (
                text.into_bytes(),
                format!("{} objects, {segments} segments", objects.len()),
            )
        }
        Format::Omm | Format::OmmXml => {
            let mut resim = Resim::open(dir, args.truth.scenario.as_deref(), args.truth.threads())?;
            let nation = require_nation(&resim.scenario, args.nation.as_deref(), args.format)?;
            let encoding = if args.format == Format::Omm {
                tdm::Encoding::Kvn
            } else {
                tdm::Encoding::Xml
            };
            let (docs, entries) = omm_documents(&mut resim, &manifest, &nation, encoding)?;
            let summary = format!("{entries} catalog entries of {nation}");
            if encoding == tdm::Encoding::Kvn {
                let p = out.expect("omm refuses standard output above");
                write_dir_atomic(&p, &docs, args.force)?;
                let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
                eprintln!(
                    "sentinel: wrote {} ({summary}; {} files, {bytes} bytes)",
                    p.display(),
                    docs.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let (_, text) = docs.into_iter().next().expect("one XML document");
            (text.into_bytes(), summary)
        }
        Format::Cdm | Format::CdmXml => {
            let loaded = crate::recorded::load_recorded(&manifest, args.truth.scenario.as_deref())
                .context("the run's scenario names its nations")?;
            check_nation(&loaded.scenario, args.view.as_deref())?;
            let list = cdm::assessments(&log, args.view.as_deref())?;
            if list.is_empty() {
                bail!(
                    "the run has no conjunction assessments{} (a nation screens when the scenario gives it `screening`)",
                    args.view
                        .as_ref()
                        .map(|n| format!(" made by or delivered to {n}"))
                        .unwrap_or_default()
                );
            }
            let encoding = if args.format == Format::Cdm {
                tdm::Encoding::Kvn
            } else {
                tdm::Encoding::Xml
            };
            let docs = list
                .iter()
                .map(|a| cdm::document(a, encoding))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let p = out.expect("cdm refuses standard output above");
            write_dir_atomic(&p, &docs, args.force)?;
            let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
            eprintln!(
                "sentinel: wrote {} ({} conjunction data messages, {bytes} bytes)",
                p.display(),
                docs.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Format::Czml => {
            let opts = args.truth.czml(args.view.clone());
            let mut buf = Vec::new();
            let stats = czml::write(dir, &opts, &mut buf)?;
            (
                buf,
                format!(
                    "{} satellites, {} sensors, {} detection tracks",
                    stats.satellites, stats.sensors, stats.detections
                ),
            )
        }
    };
    match out {
        None => std::io::stdout().lock().write_all(&bytes)?,
        Some(p) => {
            if let Some(parent) = p.parent().filter(|p| !p.as_os_str().is_empty()) {
                crate::paths::create_dir_all(parent)?;
            }
            crate::report::write_atomic(&p, &bytes)?;
            eprintln!("sentinel: wrote {} ({summary}; {} bytes)", p.display(), bytes.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a `--view` naming no nation of the scenario.
pub fn check_nation(scenario: &Scenario, view: Option<&str>) -> anyhow::Result<()> {
    if let Some(v) = view
        && !scenario.nations.iter().any(|n| n.id == v)
    {
        let ids: Vec<&str> = scenario.nations.iter().map(|n| n.id.as_str()).collect();
        bail!("--view {v}: the run has no nation `{v}` (nations: {})", ids.join(", "));
    }
    Ok(())
}

/// The nation whose catalog an OMM export holds: `--nation`, which must name a nation of the run.
fn require_nation(scenario: &Scenario, nation: Option<&str>, format: Format) -> anyhow::Result<String> {
    let ids: Vec<&str> = scenario.nations.iter().map(|n| n.id.as_str()).collect();
    let name = if format == Format::Omm { "omm" } else { "omm-xml" };
    match nation {
        None => bail!(
            "--format {name} needs --nation ID, the nation whose catalog to export (nations: {})",
            ids.join(", ")
        ),
        Some(v) if !ids.contains(&v) => {
            bail!(
                "--nation {v}: the run has no nation `{v}` (nations: {})",
                ids.join(", ")
            )
        }
        Some(v) => Ok(v.to_string()),
    }
}

/// Re-simulates the whole run (each tick checked against the hash chain, and the last chain value
/// against the manifest's, so that the catalog is the one the run recorded ended with) and returns
/// `nation`'s catalog at its end as OMM documents (see [`omm::documents`]), with the number of
/// entries they hold.
fn omm_documents(
    resim: &mut Resim,
    manifest: &crate::manifest::Manifest,
    nation: &str,
    encoding: tdm::Encoding,
) -> anyhow::Result<(Vec<(String, String)>, usize)> {
    while resim.step()?.is_some() {}
    let head = resim.chain().head_hex();
    if resim.chain().heads.len() != resim.recorded_ticks() || manifest.tick_chain_head != head {
        bail!(
            "the re-simulation ({} ticks, chain head {}) does not end where the run's manifest and ticks.sha256 say it ended ({} ticks), so its catalog cannot be exported; `sentinel verify` checks a run",
            resim.chain().heads.len(),
            &head[..16.min(head.len())],
            resim.recorded_ticks()
        );
    }
    let mut catalog = resim
        .sim()
        .nation_catalog(nation)
        .with_context(|| format!("the simulation has no catalog for nation `{nation}`"))?;
    if catalog.is_empty() {
        bail!("{nation}'s catalog is empty at the end of the run: there is nothing to export");
    }
    catalog.sort_by_key(|e| e.object);
    let clock = resim.scenario.clock.clone();
    let epoch = |t: u64| ccsds_epoch(&clock, t);
    let creation = epoch(clock.ticks);
    let header = omm::Header {
        creation: &creation,
        originator: nation,
        comments: vec![
            format!(
                "Catalog of {nation} at the end of Sentinel run of scenario `{}`, seed {} (re-simulated, checked against its tick hash chain)",
                resim.scenario.name, resim.seed
            ),
            "CREATION_DATE is the end of the run's span, so that an export is reproducible".into(),
        ],
    };
    let entries: Vec<omm::Entry> = catalog
        .iter()
        .map(|e| omm::Entry {
            estimate: e,
            name: resim
                .sim()
                .object_info(e.object)
                .map_or_else(|| e.object.to_string(), |i| i.name.clone()),
            first_obs: e.first_obs_tick.map(epoch),
            last_obs: e.last_obs_tick.map(epoch),
        })
        .collect();
    Ok((omm::documents(&header, &entries, encoding), entries.len()))
}

/// Writes `files` (name, text) as the directory `dir`, atomically: into a staging directory beside
/// it, then renamed into place. An existing `dir` is replaced only with `force`, and only when it
/// holds nothing but `.omm` files (a directory an earlier export wrote), so that `--force` cannot
/// delete anything else.
fn write_dir_atomic(dir: &std::path::Path, files: &[(String, String)], force: bool) -> anyhow::Result<()> {
    use std::fs;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        crate::paths::create_dir_all(parent)?;
    }
    let existing = dir.symlink_metadata().ok();
    if let Some(m) = &existing {
        if !force {
            bail!("{} exists; pass --force to replace it", dir.display());
        }
        if !m.is_dir() {
            bail!(
                "{} exists and is not a directory; `--format omm` writes a directory",
                dir.display()
            );
        }
        for e in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let e = e?;
            let is_omm = e.file_type()?.is_file() && e.path().extension().is_some_and(|x| x == "omm");
            if !is_omm {
                bail!(
                    "{} holds {}, which an OMM export does not write; not replacing it (choose another --out)",
                    dir.display(),
                    e.file_name().to_string_lossy()
                );
            }
        }
    }
    let name = dir
        .file_name()
        .context("--out names no directory")?
        .to_string_lossy()
        .into_owned();
    let sibling = |tag: &str| dir.with_file_name(format!(".{name}.{tag}-{}", std::process::id()));
    let staging = sibling("partial");
    let _ = fs::remove_dir_all(&staging);
    let result = (|| -> anyhow::Result<()> {
        fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        for (file, text) in files {
            let p = staging.join(file);
            let mut f = fs::File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        if existing.is_some() {
            let old = sibling("old");
            fs::rename(dir, &old).with_context(|| format!("cannot move {} aside", dir.display()))?;
            if let Err(e) = fs::rename(&staging, dir) {
                let _ = fs::rename(&old, dir);
                return Err(e).with_context(|| format!("cannot write {}", dir.display()));
            }
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        } else {
            fs::rename(&staging, dir).with_context(|| format!("cannot write {}", dir.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// The objects OEM and CZML take: `explicit`, or those with the most detections in `tracks`, at
/// most `max`, then in catalog-number order.
pub fn choose_objects(tracks: &[log::Track], explicit: Option<Vec<u32>>, max: usize) -> Vec<u32> {
    if let Some(mut v) = explicit {
        v.sort_unstable();
        v.dedup();
        return v;
    }
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for t in tracks {
        *counts.entry(t.object).or_default() += u64::from(t.detections);
    }
    let mut ranked: Vec<(u32, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut v: Vec<u32> = ranked.into_iter().take(max).map(|(o, _)| o).collect();
    v.sort_unstable();
    v
}

/// Truth samples of `objects` over the whole run, every `step_ticks` and at the last tick, split
/// where an inject changed an object's orbit (a manoeuvre: the segment before ends with the tick
/// before it). Returns, per object, its continuous segments of (tick, state).
pub type Segments = BTreeMap<u32, Vec<Vec<(u64, StateVector)>>>;

/// Re-simulates the run and samples truth (see [`Segments`]). Objects in `changed` (see
/// [`log::TruthInputs`]) are followed every tick, so that a segment can end on the tick before a
/// manoeuvre or a loss; the others only at sample ticks.
pub fn sample(
    resim: &mut Resim,
    objects: &[u32],
    step_ticks: u64,
    changed: &std::collections::BTreeSet<u32>,
) -> anyhow::Result<Segments> {
    use sentinel_engine::Event;
    let step_ticks = step_ticks.max(1);
    let last_tick = resim.scenario.clock.ticks.saturating_sub(1);
    let mut segs: Segments = objects.iter().map(|&o| (o, vec![Vec::new()])).collect();
    let mut previous: BTreeMap<u32, (u64, StateVector)> = BTreeMap::new();
    while let Some(tick) = resim.step()? {
        let t = tick.0;
        let mut split: Vec<u32> = Vec::new();
        for rec in resim.events() {
            if let Event::Inject(e) = &rec.event
                && e.inject_kind == sentinel_engine::event::InjectType::Manoeuvre
            {
                split.extend(e.objects.iter().copied());
            }
        }
        let due = t % step_ticks == 0 || t == last_tick;
        for (&o, list) in segs.iter_mut() {
            if !due && !changed.contains(&o) {
                continue;
            }
            let state = resim.state(o);
            let cur = list.last_mut().expect("never empty");
            if split.contains(&o) && !cur.is_empty() {
                if let Some(&(pt, ps)) = previous.get(&o)
                    && cur.last().is_none_or(|&(lt, _)| lt < pt)
                {
                    cur.push((pt, ps));
                }
                list.push(Vec::new());
            }
            let cur = list.last_mut().expect("never empty");
            match state {
                Some(s) => {
                    if due || cur.is_empty() {
                        cur.push((t, s));
                    }
                    previous.insert(o, (t, s));
                }
                None => {
                    // Lost (re-entry, breakup) or not launched yet: close the segment with its last state.
                    if let Some((pt, ps)) = previous.remove(&o) {
                        if cur.last().is_none_or(|&(lt, _)| lt < pt) {
                            cur.push((pt, ps));
                        }
                        list.push(Vec::new());
                    }
                }
            }
        }
    }
    for list in segs.values_mut() {
        list.retain(|s| !s.is_empty());
    }
    Ok(segs)
}
