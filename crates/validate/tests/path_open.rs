//! `open_under` / `create_under` stay inside the base even when symbolic
//! links inside it point out.
#![cfg(all(unix, feature = "cap-std"))]
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use std::io::{Read, Write};

use guardrail_validate::RelativePath;

#[test]
fn files_inside_the_base_open_and_symlinks_out_do_not() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside").unwrap();
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir(base.path().join("docs")).unwrap();
    std::fs::write(base.path().join("docs/readme.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(outside.path(), base.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), base.path().join("link.txt")).unwrap();
    std::os::unix::fs::symlink("readme.txt", base.path().join("docs/alias.txt")).unwrap();

    let open = |p: &str| RelativePath::parse(p).unwrap().open_under(base.path());
    let mut text = String::new();
    open("docs/readme.txt").unwrap().read_to_string(&mut text).unwrap();
    assert_eq!(text, "inside");
    // A symlink that stays inside is fine.
    assert!(open("docs/alias.txt").is_ok());
    // Symlinks that leave the base are refused, as a directory and as a file.
    assert!(open("escape/secret.txt").is_err());
    assert!(open("link.txt").is_err());
    assert!(open("docs/missing.txt").is_err());
}

#[test]
fn create_under_makes_parents_and_refuses_to_write_through_links() {
    let outside = tempfile::tempdir().unwrap();
    let base = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), base.path().join("escape")).unwrap();

    let path = RelativePath::parse("uploads/2026/report.pdf").unwrap();
    path.create_under(base.path()).unwrap().write_all(b"pdf").unwrap();
    assert_eq!(std::fs::read(base.path().join("uploads/2026/report.pdf")).unwrap(), b"pdf");

    let through = RelativePath::parse("escape/planted.txt").unwrap();
    assert!(through.create_under(base.path()).is_err());
    assert!(!outside.path().join("planted.txt").exists());
}
