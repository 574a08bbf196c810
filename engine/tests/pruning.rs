//! Pruning (candidate sensors refreshed every 60 s from conservative bounds) must never change the
//! log: compare runs with pruning off and on, byte for byte, and check that pruning saved work.

mod common;

use sentinel_engine::{Sim, SimOptions};

fn log_and_stats(
    s: &sentinel_engine::Scenario,
    prune_window_s: u32,
    threads: usize,
) -> (String, sentinel_engine::Stats) {
    let mut sim = Sim::new(
        s,
        s.seed,
        SimOptions {
            threads,
            prune_window_s,
        },
    );
    let mut all = Vec::new();
    while !sim.is_done() {
        all.extend(sim.step());
    }
    (common::jsonl(s, &all), sim.stats().clone())
}

#[test]
fn pruning_does_not_change_the_quick_look_log() {
    let s = common::load_file("scenarios/quick-look.ron");
    let (plain, plain_stats) = log_and_stats(&s, 0, 1);
    let (pruned, pruned_stats) = log_and_stats(&s, 60, 2);
    assert!(plain.lines().count() > 3000);
    assert_eq!(plain, pruned);
    assert!(
        pruned_stats.exact_tests * 2 < plain_stats.exact_tests,
        "{pruned_stats:?} vs {plain_stats:?}"
    );
}

#[test]
fn pruning_and_threads_do_not_change_a_slice_of_the_us_japan_exercise() {
    // Thirty minutes of the full 16k-object scenario: every regime, sectors, optical lighting, and
    // 16 chunks of satellites, so that merging chunk outputs is compared across thread counts.
    let mut s = common::load_file("scenarios/us-japan-liaison.ron");
    s.clock.ticks = 180;
    let (plain, _) = log_and_stats(&s, 0, 1);
    let (pruned, stats) = log_and_stats(&s, 60, 3);
    assert!(plain.lines().count() > 10_000, "{} events", plain.lines().count());
    assert_eq!(plain, pruned);
    assert!(stats.propagations < stats.object_ticks / 2, "{stats:?}");
}
