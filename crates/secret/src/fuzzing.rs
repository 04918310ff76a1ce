//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `secret_mask`
//! fuzz target and the corpus replay in `cargo test -p guardrail` call
//! these, so both check the same thing.

use crate::Pii;

/// `secret_mask`: the mask of any text has no control character, holds the
/// mask marker, keeps an e-mail domain (its hidden characters masked), and
/// never shows a whole e-mail local part (it keeps fewer characters than
/// the local part has), and keeps at most two characters of text that is
/// not an e-mail address.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn check_mask(text: &str) {
    let shown = Pii::new(text).to_string();
    assert!(!shown.chars().any(char::is_control));
    assert!(shown.contains("***"));
    match text.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            assert!(shown.ends_with(&domain.chars().map(crate::pii::kept).collect::<String>()));
            // `kept` maps one character to one, so counts compare directly.
            let kept_local = shown.chars().count() - "***@".len() - domain.chars().count();
            assert!(kept_local < local.chars().count());
        }
        _ => assert!(shown.chars().count() <= 5),
    }
}
