//! The load test's own helpers.
#![allow(clippy::unwrap_used)] // test code

use super::*;

#[test]
fn files_are_read_up_to_their_cap_and_refused_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.log");
    std::fs::write(&path, "x".repeat(MAX_LOG_BYTES)).unwrap();
    assert_eq!(read_capped(&path, MAX_LOG_BYTES).unwrap().len(), MAX_LOG_BYTES);
    std::fs::write(&path, "x".repeat(MAX_LOG_BYTES + 1)).unwrap();
    let err = read_capped(&path, MAX_LOG_BYTES).unwrap_err();
    assert!(err.contains("server.log") && err.contains("1048576 bytes"), "{err}");
    // /proc files report a size of 0 and are read to their end.
    if std::path::Path::new("/proc/self/stat").exists() {
        assert!(cpu_seconds("self").is_some());
        assert!(peak_rss(std::process::id()).is_some_and(|rss| rss > 0));
    }
}
