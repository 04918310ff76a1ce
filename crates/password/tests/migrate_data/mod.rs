//! The migration vector files of `tests/data/migrate/` (see its README), for
//! the tests that replay them (`migrate_vectors.rs`; `wrap.rs` may share it).

/// Each vector file by name. Tab separated, `#` lines are comments; columns
/// `family, scheme, source, made_by, kind, password_hex, stored, expect`.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("vectors.tsv", include_str!("../data/migrate/vectors.tsv")),
    ("django50.tsv", include_str!("../data/migrate/django50.tsv")),
    ("layout.tsv", include_str!("../data/migrate/layout.tsv")),
];
