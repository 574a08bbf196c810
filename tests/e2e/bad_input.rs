//! Bad scenarios: exit code 2, every problem reported at its exact `file:line:column`.
//!
//! Each file in tests/data/bad/ lists the positions it must produce in `// expect: FILE:LINE:COL`
//! lines; the run must report exactly that many errors.

use crate::util::*;

#[test]
fn bad_scenarios_report_every_problem_at_its_position() {
    let dir = repo().join("tests/data/bad");
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// expect: "))
            .collect();
        assert!(!expect.is_empty(), "{} lists no expected positions", path.display());
        for cmd in ["check", "run"] {
            let o = sentinel(
                &[cmd, path.to_str().unwrap(), "--out", "/nonexistent/never-written"]
                    [..if cmd == "check" { 2 } else { 4 }],
            );
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{} ({cmd}): exit code\n{err}", path.display());
            assert!(!err.contains("panicked"), "{err}");
            for pos in &expect {
                assert!(
                    err.contains(&format!("{pos}: ")),
                    "{} ({cmd}): no error at {pos}:\n{err}",
                    path.display()
                );
            }
            let summary = format!("{} error(s)", expect.len());
            assert!(
                err.contains(&summary),
                "{} ({cmd}): expected `{summary}`:\n{err}",
                path.display()
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 13);
}
