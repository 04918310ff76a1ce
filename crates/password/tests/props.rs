//! Property tests with small parameters: hash then verify round-trips for
//! any password, any other password fails, and weaker stored parameters
//! (lower m, t or p) always ask for an upgrade.
#![allow(clippy::unwrap_used)] // test code

use guardrail_password::{Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn hash_then_verify_round_trips(password in any::<String>(), other in any::<String>()) {
        let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
        let stored = hasher.hash(&SecretString::from(password.clone())).unwrap();
        prop_assert_eq!(hasher.verify(&SecretString::from(password.clone()), stored.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
        let same_after_nfkc = {
            use unicode_normalization::UnicodeNormalization;
            password.nfkc().eq(other.nfkc())
        };
        if !same_after_nfkc {
            prop_assert_eq!(hasher.verify(&SecretString::from(other), stored.as_str_for_storage()).unwrap(), Verification::Invalid);
        }
    }

    #[test]
    fn raw_bytes_round_trip(password in prop::collection::vec(any::<u8>(), 0..64)) {
        let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
        let stored = hasher.hash_bytes(&password).unwrap();
        prop_assert_eq!(hasher.verify_bytes(&password, stored.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
    }

    #[test]
    fn weaker_parameters_ask_for_an_upgrade(m in 16u32..64, t in 1u32..3, p in 1u32..3) {
        let policy = Params::new(64, 2, 2).unwrap();
        let old = Params::new(m.max(8 * p), t, p).unwrap();
        let stored = PasswordHasher::new(old).hash(&SecretString::from("pw")).unwrap();
        let outcome = PasswordHasher::new(policy).verify(&SecretString::from("pw"), stored.as_str_for_storage()).unwrap();
        let weaker = old.m_cost() < 64 || t < 2 || p < 2;
        prop_assert_eq!(matches!(outcome, Verification::Valid { upgrade: Some(_) }), weaker);
    }
}
