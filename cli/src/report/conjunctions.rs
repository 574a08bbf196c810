//! The conjunction section of the scorecard as text tables.

use sentinel_engine::scorecard::conjunctions::{Conjunctions, ScreeningScore};

/// The section as text tables (empty when no nation screened).
pub fn render(c: &Conjunctions) -> String {
    if c.nations.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "\nConjunction assessment (assessments, warnings, emergencies; conjunctions warned, false alarms; events, warned before TCA, missed)\n",
    );
    let mut row = |name: &str, x: &ScreeningScore| {
        s += &format!(
            "  {:<20} {:>6} {:>6} {:>6}   {:>5} {:>5}   {:>5} {:>5} {:>5}\n",
            name,
            x.assessments,
            x.warnings,
            x.emergencies,
            x.conjunctions_warned,
            x.false_alarms,
            x.events,
            x.events_warned,
            x.missed
        );
    };
    for (n, x) in &c.nations {
        row(n, x);
    }
    row("COALITION", &c.coalition);
    for k in &c.list {
        s += &format!(
            "  {} x {} TCA {:.2} h, true miss {}{}\n",
            k.objects[0],
            k.objects[1],
            k.tca_h,
            k.true_miss_m
                .map_or("beyond the threshold".to_string(), |m| format!("{m:.0} m")),
            if k.event { " (event)" } else { "" }
        );
        for (n, a) in &k.assessed {
            let last = a.pc_history.last().map_or(0.0, |x| x.1);
            s += &format!(
                "      {:<8} {} assessments, first warning {}, Pc last {:.2e}\n",
                n,
                a.pc_history.len(),
                a.first_warning_h
                    .zip(a.lead_s)
                    .map_or("none".to_string(), |(h, l)| format!(
                        "at {h:.2} h, {:.0} min before TCA",
                        l / 60.0
                    )),
                last
            );
        }
        for (n, t) in &k.told {
            s += &format!(
                "      {:<8} told by {} via {} ({}) at {:.2} h, {:.0} min before TCA, {} warnings\n",
                n,
                t.from,
                t.channel,
                t.via,
                t.at_h,
                t.lead_s / 60.0,
                t.warnings
            );
        }
    }
    s
}
