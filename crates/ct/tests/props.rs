//! Property tests: each constant-time path against a plain oracle, and
//! codec round trips and rejections.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure report

use guardrail_ct::{Error, base64, base64url, eq, eq_array, eq_choice, eq_str, hex};
use proptest::prelude::*;

/// Every length 0..=300 (multiples of 8 and not), every position of a
/// single differing byte, with a flip of every bit of that byte.
#[test]
fn eq_detects_every_single_byte_difference() {
    for len in 0..=300usize {
        let a: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
        assert!(eq(&a, &a.clone()), "len {len}: equal slices");
        for pos in 0..len {
            for bit in 0..8 {
                let mut b = a.clone();
                b[pos] ^= 1 << bit;
                assert!(!eq(&a, &b), "len {len}: difference at {pos} bit {bit} missed");
                assert_eq!(eq_choice(&a, &b).unwrap_u8(), 0);
            }
        }
    }
}

proptest! {
    #[test]
    fn eq_agrees_with_eq_operator(a in proptest::collection::vec(any::<u8>(), 0..300),
                                  b in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(a == b, eq(&a, &b));
    }

    #[test]
    fn eq_on_equal_pairs(a in proptest::collection::vec(any::<u8>(), 0..=300)) {
        let b = a.clone();
        prop_assert!(eq(&a, &b));
    }

    #[test]
    fn eq_on_same_length_pairs(pair in (0usize..=300).prop_flat_map(|n| (
        proptest::collection::vec(any::<u8>(), n),
        proptest::collection::vec(any::<u8>(), n),
    ))) {
        prop_assert_eq!(pair.0 == pair.1, eq(&pair.0, &pair.1));
    }

    #[test]
    fn eq_str_and_array_agree(a in ".{0,40}", b in ".{0,40}", x in any::<[u8; 32]>(), y in any::<[u8; 32]>()) {
        prop_assert_eq!(a == b, eq_str(&a, &b));
        prop_assert_eq!(x == y, eq_array(&x, &y));
        prop_assert!(eq_array(&x, &x.clone()));
    }

    #[test]
    fn hex_round_trips(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = hex::encode_string(&data);
        prop_assert_eq!(hex::decode_vec(&text).unwrap(), data.clone());
        prop_assert_eq!(hex::decode_vec(text.to_uppercase()).unwrap(), data.clone());
        let mut buf = vec![0u8; text.len()];
        prop_assert_eq!(hex::encode(&data, &mut buf).unwrap(), text.as_str());
    }

    #[test]
    fn base64_round_trips(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let std = base64::encode_string(&data);
        prop_assert_eq!(base64::decode_vec(&std).unwrap(), data.clone());
        let url = base64url::encode_string(&data);
        prop_assert!(!url.contains(['+', '/', '=']));
        prop_assert_eq!(base64url::decode_vec(&url).unwrap(), data.clone());
    }

    /// Any input either decodes or is an error; whatever decodes re-encodes
    /// to the same text (the codecs are canonical).
    #[test]
    fn decoders_never_panic_and_are_canonical(s in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(bytes) = hex::decode_vec(&s) {
            prop_assert_eq!(hex::encode_string(&bytes), String::from_utf8(s.clone()).unwrap().to_lowercase());
        }
        if let Ok(bytes) = base64::decode_vec(&s) {
            prop_assert_eq!(base64::encode_string(&bytes).into_bytes(), s.clone());
        }
        if let Ok(bytes) = base64url::decode_vec(&s) {
            prop_assert_eq!(base64url::encode_string(&bytes).into_bytes(), s.clone());
        }
    }

    /// The fuzz targets' oracles (feature `fuzzing`) hold on text drawn from
    /// the codecs' alphabets, where most inputs decode.
    #[test]
    fn fuzzing_oracles_hold(s in "[0-9a-zA-Z+/=_-]{0,64}") {
        guardrail_ct::fuzzing::check_hex_decode(s.as_bytes());
        guardrail_ct::fuzzing::check_base64_decode(s.as_bytes());
        guardrail_ct::fuzzing::check_base64url_decode(s.as_bytes());
    }

    #[test]
    fn hex_rejects_any_non_hex_character(prefix in "[0-9a-f]{0,10}", bad in any::<char>().prop_filter("non-hex", |c| !c.is_ascii_hexdigit())) {
        let mut s = prefix.clone();
        s.push(bad);
        if s.len() % 2 == 1 { s.push('0'); }
        prop_assert!(hex::decode_vec(&s).is_err());
    }
}

#[test]
fn malformed_encodings_are_rejected_with_the_right_error() {
    let cases: &[(&str, Error)] = &[
        ("0", Error::InvalidLength),
        ("0g", Error::InvalidEncoding),
        ("0 ", Error::InvalidEncoding),
        ("éé", Error::InvalidEncoding),
    ];
    for (input, want) in cases {
        assert_eq!(hex::decode_vec(input), Err(*want), "hex {input:?}");
    }
    let cases: &[(&str, Error)] = &[
        ("QQ", Error::InvalidLength),         // padding missing
        ("QQ=", Error::InvalidLength),        // not a multiple of four
        ("Q===", Error::InvalidEncoding),     // too much padding
        ("QR==", Error::InvalidEncoding),     // non-canonical trailing bits
        ("QQ==QQ==", Error::InvalidEncoding), // padding in the middle
        ("Q Q=", Error::InvalidEncoding),
        ("QQ\n=", Error::InvalidEncoding),
    ];
    for (input, want) in cases {
        assert_eq!(base64::decode_vec(input), Err(*want), "base64 {input:?}");
    }
    let cases: &[(&str, Error)] = &[
        ("Q", Error::InvalidLength),
        ("QQ==", Error::InvalidEncoding), // no padding in this variant
        ("QR", Error::InvalidEncoding),
        ("Q+8", Error::InvalidEncoding),
    ];
    for (input, want) in cases {
        assert_eq!(base64url::decode_vec(input), Err(*want), "base64url {input:?}");
    }
}

#[test]
fn errors_do_not_echo_input() {
    let secret = "c2VjcmV0LWNhbmFyeQ#";
    let err = base64::decode_vec(secret).unwrap_err();
    for rendered in [format!("{err}"), format!("{err:?}")] {
        assert!(!rendered.contains("c2VjcmV0"), "{rendered}");
    }
}
