//! `sentinel check`: validates a scenario and prints a summary.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use sentinel_engine::Regime;
use sentinel_engine::time::format_iso;

use crate::Reported;
use crate::loader;
use crate::render;

/// Runs the command.
pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let loaded = match loader::load(path)? {
        Ok(l) => l,
        Err(d) => {
            render::diagnostics(&d);
            return Err(Reported.into());
        }
    };
    let s = &loaded.scenario;
    render::diagnostics(&s.warnings);
    println!("scenario: {} ({})", s.name, path.display());
    if !s.description.trim().is_empty() {
        println!("  {}", s.description.trim());
    }
    println!(
        "span: {} to {} ({} ticks of {} s), seed {}",
        format_iso(&s.clock.epoch),
        format_iso(&s.clock.end()),
        s.clock.ticks,
        s.clock.tick_s,
        s.seed
    );
    let nations: Vec<String> = s.nations.iter().map(|n| format!("{} ({})", n.id, n.name)).collect();
    println!("nations: {}: {}", s.nations.len(), nations.join(", "));
    let mut by_nation: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for x in &s.sensors {
        *by_nation
            .entry(&x.nation)
            .or_default()
            .entry(x.kind_name())
            .or_default() += 1;
    }
    let sensors: Vec<String> = by_nation
        .iter()
        .map(|(n, k)| {
            format!(
                "{n} {}",
                k.iter()
                    .map(|(k, c)| format!("{c} {k}"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            )
        })
        .collect();
    println!("sensors: {}: {}", s.sensors.len(), sensors.join(", "));
    let mut regimes: BTreeMap<Regime, usize> = BTreeMap::new();
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &s.objects {
        *regimes.entry(o.regime).or_default() += 1;
        *classes.entry(o.class.as_str()).or_default() += 1;
        *owners.entry(o.owner.as_deref().unwrap_or("unassigned")).or_default() += 1;
    }
    let fmt = |m: Vec<(String, usize)>| {
        m.into_iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("objects: {}", s.objects.len());
    println!(
        "  by regime: {}",
        fmt(regimes.iter().map(|(k, v)| (k.as_str().to_string(), *v)).collect())
    );
    println!(
        "  by class: {}",
        fmt(classes.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    );
    println!(
        "  by owner: {}",
        fmt(owners.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    );
    if let (Some(old), Some(new)) = (
        s.objects.iter().map(|o| o.elements.datetime).min(),
        s.objects.iter().map(|o| o.elements.datetime).max(),
    ) {
        println!("  element epochs: {} to {}", format_iso(&old), format_iso(&new));
    }
    for f in &loaded.inputs {
        println!("input: {} ({} bytes, sha256 {})", f.path, f.bytes, &f.sha256[..16]);
    }
    if !s.regional_centers.is_empty() {
        let c: Vec<String> = s
            .regional_centers
            .iter()
            .map(|c| format!("{} ({})", c.id, c.members.join(" ")))
            .collect();
        println!("regional centers: {}: {}", c.len(), c.join(", "));
    }
    if !s.agreements.is_empty() {
        let rules: usize = s.agreements.iter().map(|a| a.rules.len()).sum();
        println!("agreements: {} ({rules} rules)", s.agreements.len());
        for a in &s.agreements {
            let products: Vec<&str> = a.products.iter().map(|p| p.as_str()).collect();
            println!(
                "  {}: {} -> {}, {}, delay {} s{}",
                a.id,
                a.from,
                a.to,
                products.join("+"),
                a.delay_s,
                if a.rules.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", rules {}",
                        a.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(" ")
                    )
                }
            );
        }
    }
    if !s.liaisons.is_empty() {
        let l: Vec<String> = s
            .liaisons
            .iter()
            .map(|l| format!("{} ({} at {})", l.id, l.home, l.host))
            .collect();
        println!("liaisons: {}: {}", l.len(), l.join(", "));
    }
    if !s.tasking.is_empty() {
        println!("tasking requests: {}", s.tasking.len());
    }
    println!("ok: the scenario is valid");
    Ok(ExitCode::SUCCESS)
}
