//! End-to-end tests: the `sentinel` binary on the bundled scenarios and on bad inputs.

mod bad_input;
mod batch;
mod conjunction;
mod determinism;
mod dis;
mod duckdb;
mod evaluate;
mod exports;
mod hostile;
mod interrupt;
mod outputs;
mod pc;
mod report;
mod screen;
mod util;
mod view;
mod views;
