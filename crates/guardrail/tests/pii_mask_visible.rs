//! `guardrail-secret`'s masks keep no character that
//! `guardrail-validate` counts as hidden (Cc, Cf, Zs but U+0020, Zl, Zp,
//! Default_Ignorable_Code_Point, U+2800), on every code point. The two
//! crates share no code: secret keeps ASCII graphic characters and
//! letters and digits of any script, and this test is the oracle that the
//! rule hides nothing.
#![allow(clippy::unwrap_used)] // test code

use guardrail::secret::Pii;
use guardrail::validate::fuzzing::is_invisible;

#[test]
fn no_mask_keeps_a_hidden_character() {
    let mut kept = 0_u32;
    for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
        // Text of 8+ characters keeps two; an e-mail keeps the domain whole.
        for text in [format!("{c}{c}-secret-value"), format!("{c}ane@ex{c}ample.com")] {
            let shown = Pii::new(text).to_string();
            assert!(!shown.chars().any(|s| is_invisible(s) || s.is_control()), "U+{:04X}: {shown:?}", u32::from(c));
            if shown.starts_with(c) {
                kept += 1;
            }
        }
    }
    // The rule is not "mask everything": letters and digits of every script are kept.
    assert!(kept > 2 * 100_000, "{kept}");
}
