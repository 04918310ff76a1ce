#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::cell::Cell;

use super::super::{Format, matches, parse};
use super::*;
use crate::Params;

thread_local! {
    /// bcrypt computations run by this thread, counted by `Bcrypt::compute`.
    pub(super) static BCRYPT_RUNS: Cell<usize> = const { Cell::new(0) };
}

/// The caps the replay runs under: the defaults for the OWASP policy.
pub(in crate::legacy) fn caps() -> Caps {
    Caps::for_policy(&Params::OWASP)
}

/// Parses `stored` through the whole prefix table (the real dispatcher).
pub(in crate::legacy) fn parsed(stored: &str) -> Result<Parsed, Error> {
    parse(stored).unwrap_or(Err(Error::Unsupported { what: "no family recognised it" }))
}

/// One replayed row: the password, the stored string and what is expected
/// (`valid`, `invalid`, `refused:<param>`).
pub(in crate::legacy) struct Row {
    pub(in crate::legacy) password: Vec<u8>,
    pub(in crate::legacy) stored: String,
    pub(in crate::legacy) expect: String,
}

/// Every row of the vector files whose stored string one of `formats`
/// identifies: `migrate/{vectors,layout,django50}.tsv` (8 columns),
/// `legacy.tsv` (scheme, password, hash: valid, plus a wrong twin) and
/// `truncation.tsv` (its `guardrail` column is the expectation).
pub(in crate::legacy) fn rows(formats: &[Format]) -> Vec<Row> {
    const MIGRATE: [&str; 3] = [
        include_str!("../../../tests/data/migrate/vectors.tsv"),
        include_str!("../../../tests/data/migrate/layout.tsv"),
        include_str!("../../../tests/data/migrate/django50.tsv"),
    ];
    const LEGACY: &str = include_str!("../../../tests/data/legacy.tsv");
    const TRUNCATION: &str = include_str!("../../../tests/data/truncation.tsv");
    let ours = |stored: &str| {
        super::super::identify(stored).is_some_and(|f| formats.iter().any(|mine| mine.prefix == f.prefix))
    };
    let hex = |h: &str| guardrail_ct::hex::decode_vec(h).unwrap();
    let mut out = Vec::new();
    for line in MIGRATE.iter().flat_map(|file| file.lines()).filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 8, "a migrate row has 8 columns");
        if ours(cols[6]) {
            out.push(Row { password: hex(cols[5]), stored: cols[6].to_owned(), expect: cols[7].to_owned() });
        }
    }
    for line in LEGACY.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "a legacy.tsv row has 3 columns");
        if ours(cols[2]) {
            let password = hex(cols[1]);
            let wrong = [password.as_slice(), b"!"].concat();
            // As tests/legacy.rs: plain bcrypt of a password longer than 72
            // bytes covers only its head, so the password itself is refused.
            let long_bcrypt = cols[0].starts_with("bcrypt-") && password.len() > BCRYPT_MAX_BYTES;
            let expect = if long_bcrypt { "invalid" } else { "valid" };
            out.push(Row { password, stored: cols[2].to_owned(), expect: expect.to_owned() });
            out.push(Row { password: wrong, stored: cols[2].to_owned(), expect: "invalid".to_owned() });
        }
    }
    // scheme, hashed, candidate, framework_says, guardrail, hash.
    for line in TRUNCATION.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 6, "a truncation.tsv row has 6 columns");
        let candidate = hex(cols[2]);
        // The hasher answers for the NFKC form first: only NFKC candidates
        // say what the raw bytes give (as tests/legacy.rs's verify_bytes).
        let nfkc = std::str::from_utf8(&candidate).is_ok_and(unicode_normalization::is_nfkc);
        if ours(cols[5]) && nfkc {
            out.push(Row { password: candidate, stored: cols[5].to_owned(), expect: cols[4].to_owned() });
        }
    }
    out
}

/// Replays `rows`: right → match, wrong/tampered → no match,
/// `refused:<p>` → `check` refuses naming `p`. Returns the schemes seen.
pub(in crate::legacy) fn replay(rows: &[Row]) -> std::collections::BTreeSet<&'static str> {
    let mut seen = std::collections::BTreeSet::new();
    for (n, row) in rows.iter().enumerate() {
        let scheme = parsed(&row.stored).unwrap_or_else(|e| panic!("row {n}: parse: {e}"));
        seen.insert(scheme.id());
        let checked = scheme.check(&caps());
        if let Some(param) = row.expect.strip_prefix("refused:") {
            assert!(matches!(checked, Err(Error::OutOfPolicy { param: p, .. }) if p == param), "row {n}");
            continue;
        }
        checked.unwrap_or_else(|e| panic!("row {n}: {e}"));
        let valid = matches(scheme.as_ref(), &row.password).unwrap();
        assert_eq!(valid, row.expect == "valid", "row {n} ({}): expected {}", scheme.id(), row.expect);
    }
    seen
}

/// For every `valid` row: the scheme rebuilt from its id, public
/// parameters and salt computes the stored digest.
pub(in crate::legacy) fn round_trip(rows: &[Row], from_public: super::super::FromPublicFn) {
    for (n, row) in rows.iter().filter(|r| r.expect == "valid").enumerate() {
        let scheme = parsed(&row.stored).unwrap();
        let rebuilt = from_public(scheme.id(), &scheme.public_params(), scheme.salt())
            .unwrap_or_else(|| panic!("row {n}: id {} not rebuilt", scheme.id()))
            .unwrap();
        assert_eq!(rebuilt.id(), scheme.id());
        assert_eq!(rebuilt.public_params(), scheme.public_params());
        assert!(rebuilt.digest().is_empty(), "row {n}: rebuilt without its digest");
        let same = *rebuilt.compute(&row.password).unwrap() == scheme.digest();
        assert!(same, "row {n} ({}): the rebuilt scheme computes another digest", scheme.id());
    }
}

#[test]
fn vectors_replay_every_bcrypt_form() {
    let seen = replay(&rows(FORMATS));
    let all: std::collections::BTreeSet<_> = Form::ALL.iter().map(|f| f.id()).collect();
    assert_eq!(seen, all, "every form has vectors");
}

#[test]
fn rebuilt_from_public_parts_computes_the_same_digest() {
    let rows = rows(FORMATS);
    // One cheap valid row per form is enough here; the slow ones add nothing.
    let cheap: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.expect == "valid" && parsed(&r.stored).unwrap().public_params() == "cost=4")
        .collect();
    assert!(cheap.len() >= Form::ALL.len());
    round_trip(&cheap, from_public);
}

#[test]
fn from_public_refuses_what_it_cannot_rebuild() {
    let salt = b"abcdefghijklmnopqrstuu";
    assert!(from_public("pbkdf2", "cost=4", salt).is_none(), "not this family's id");
    for (params, salt) in [
        ("cost=3", &salt[..]),
        ("cost=32", salt),
        ("cost=", salt),
        ("rounds=4", salt),
        ("cost=4", b"short"),
        ("cost=4", "ééééééééééé".as_bytes()),
        ("cost=4", b"abcdefghijklmnopqrstu!"),
        // Every length is bcrypt's own: two cost digits, 22 salt characters.
        ("cost=4000000000", salt),
        ("cost=4", &[b'a'; 1 << 16]),
    ] {
        assert!(matches!(from_public("bcrypt", params, salt), Some(Err(Error::Malformed { .. }))), "{params}");
    }
}

/// `stored` parsed, and whether `password` matches, with the bcrypt runs it took.
fn verify_counting(password: &[u8], stored: &str) -> (bool, usize) {
    let scheme = parsed(stored).unwrap();
    let before = BCRYPT_RUNS.with(Cell::get);
    let ok = matches(scheme.as_ref(), password).unwrap();
    (ok, BCRYPT_RUNS.with(Cell::get) - before)
}

/// `password` hashed by the `bcrypt` crate, in every form that gives
/// bcrypt the password itself.
fn spellings(password: &[u8]) -> Vec<String> {
    let parts = bcrypt::hash_with_result(password, 4).unwrap();
    let mut out: Vec<String> = [bcrypt::Version::TwoA, bcrypt::Version::TwoB, bcrypt::Version::TwoY]
        .into_iter()
        .map(|v| parts.format_for_version(v))
        .collect();
    let b = parts.format_for_version(bcrypt::Version::TwoB);
    out.extend([format!("bcrypt${b}"), format!("{{bcrypt}}{b}"), format!("{{CRYPT}}{b}"), format!("{{crypt}}{b}")]);
    out
}

fn plain_part(stored: &str) -> &str {
    &stored[stored.find("$2").unwrap()..]
}

#[test]
fn bcrypt_never_matches_a_candidate_longer_than_72_bytes() {
    let stored_pw = [b'a'; 72];
    let mut longer = stored_pw.to_vec();
    longer.push(b'X');
    for stored in spellings(&stored_pw) {
        // The crate alone takes the 73-byte variant: the fault.
        assert!(bcrypt::verify(&longer, plain_part(&stored)).unwrap(), "{stored}: the crate truncates");
        assert_eq!(verify_counting(&stored_pw, &stored), (true, 1), "{stored}: 72 bytes is whole");
        // Refused, after the same one bcrypt run a wrong password costs.
        assert_eq!(verify_counting(&longer, &stored), (false, 1), "{stored}");
        assert_eq!(verify_counting(b"wrong password", &stored), (false, 1), "{stored}");
        assert_eq!(verify_counting(&[b'a'; 200], &stored), (false, 1), "{stored}");
    }
}

#[test]
fn bcrypt_multibyte_boundary() {
    // "é" (C3 A9) straddles byte 72: the stored hash covers only C3.
    let mut straddling = vec![b'a'; 71];
    straddling.extend_from_slice("é".as_bytes());
    assert_eq!(straddling.len(), 73);
    for stored in spellings(&straddling) {
        // Even the password that was hashed: bcrypt never read its last byte.
        assert_eq!(verify_counting(&straddling, &stored), (false, 1), "{stored}");
    }
    let mut fits = vec![b'a'; 70];
    fits.extend_from_slice("é".as_bytes());
    assert_eq!(fits.len(), 72);
    for stored in spellings(&fits) {
        assert_eq!(verify_counting(&fits, &stored), (true, 1), "{stored}");
    }
}

#[test]
fn bcrypt_never_matches_a_candidate_with_nul() {
    for stored in spellings(b"ab") {
        // The crate keys Blowfish with "ab\0" cycled: "ab\0ab" is the same key.
        assert!(bcrypt::verify(b"ab\0ab", plain_part(&stored)).unwrap(), "{stored}: the crate's key cycle");
        assert_eq!(verify_counting(b"ab\0ab", &stored), (false, 1), "{stored}");
        assert_eq!(verify_counting(b"ab\0", &stored), (false, 1), "{stored}");
        assert_eq!(verify_counting(b"ab", &stored), (true, 1), "{stored}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any password bcrypt stored from its first 72 bytes: the head
    /// verifies, the head plus any tail never does, each after one
    /// bcrypt run; a candidate holding a NUL never verifies.
    #[test]
    fn no_tail_past_72_bytes_and_no_nul_ever_verifies(
        head in proptest::collection::vec(1u8..=255, 72),
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        cut in 0usize..72,
    ) {
        let stored = bcrypt::hash(&head, 4).unwrap();
        proptest::prop_assert_eq!(verify_counting(&head, &stored), (true, 1));
        let longer = [head.as_slice(), tail.as_slice()].concat();
        proptest::prop_assert_eq!(verify_counting(&longer, &stored), (false, 1));
        let mut with_nul = head.clone();
        if let Some(b) = with_nul.get_mut(cut) {
            *b = 0;
        }
        let short = head.get(..cut).unwrap_or_default();
        let nul_stored = bcrypt::hash(short, 4).unwrap();
        proptest::prop_assert_eq!(verify_counting(&with_nul, &nul_stored), (false, 1));
        proptest::prop_assert_eq!(verify_counting(&with_nul, &stored), (false, 1));
    }

    /// Any string after any of this family's prefixes: an error or a
    /// scheme, never a panic; a scheme's cost is what `check` judged.
    #[test]
    fn any_tail_after_a_prefix_never_panics(
        which in 0usize..11,
        tail in "\\PC{0,80}",
    ) {
        let stored = format!("{}{tail}", FORMATS[which].prefix);
        if let Ok(scheme) = parsed(&stored) {
            proptest::prop_assert_eq!(scheme.salt().len(), SALT_CHARS);
            proptest::prop_assert_eq!(scheme.digest().len(), SUM_CHARS);
        }
    }
}

#[test]
fn prehashed_forms_read_long_passwords_whole() {
    // Django's bcrypt_sha256: long passwords are not truncated.
    let long = [b'a'; 100];
    let hex = guardrail_ct::hex::encode_string(&Sha256::digest(long));
    let stored = format!("bcrypt_sha256${}", bcrypt::hash(hex.as_bytes(), 4).unwrap());
    assert_eq!(verify_counting(&long, &stored), (true, 1));
    let mut other = long.to_vec();
    other.push(b'X');
    assert_eq!(verify_counting(&other, &stored), (false, 1));
    // A NUL in the password is just a byte of the message.
    for form in [Form::DjangoSha256, Form::PasslibV1, Form::PasslibV2, Form::WordPress] {
        let scheme = rebuild(form, "cost=4", b"abcdefghijklmnopqrstuu").unwrap();
        assert!(scheme.reads_whole(&[0u8; 300]), "{}", form.id());
    }
}

#[test]
fn unused_salt_bits_are_ignored_like_c_bcrypt() {
    // 'u' is canonical (its 4 low bits clear); 'v'..'z' differ only there.
    let stored = "$2b$04$abcdefghijklmnopqrstuu".to_owned();
    let scheme = rebuild(Form::Plain, "cost=4", &stored.as_bytes()[7..]).unwrap();
    let sum = scheme.compute(b"pw").unwrap();
    for last in ['v', 'w', 'z'] {
        let other = rebuild(Form::Plain, "cost=4", format!("abcdefghijklmnopqrstu{last}").as_bytes()).unwrap();
        assert_eq!(*other.compute(b"pw").unwrap(), *sum);
    }
    let full = format!("{stored}{}", std::str::from_utf8(&sum).unwrap());
    assert!(bcrypt::verify(b"pw", &full).unwrap(), "the crate agrees on the canonical salt");
}

#[test]
fn minor_versions_2_and_2x_are_refused_by_name() {
    let sum = "$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234";
    for minor in ["2", "2x"] {
        for stored in [format!("${minor}{sum}"), format!("{{CRYPT}}${minor}{sum}"), format!("bcrypt$${minor}{sum}")] {
            let err = parsed(&stored).err().unwrap();
            assert!(matches!(err, Error::Unsupported { .. }), "{stored}");
            assert!(err.to_string().contains(&format!("${minor}$")), "{err}");
        }
    }
    let v1 = format!("$bcrypt-sha256$2x,04$abcdefghijklmnopqrstuu${}", "a".repeat(31));
    assert!(matches!(parsed(&v1), Err(Error::Unsupported { .. })));
    let v3 = format!("$bcrypt-sha256$v=3,t=2b,r=04$abcdefghijklmnopqrstuu${}", "a".repeat(31));
    assert!(matches!(parsed(&v3), Err(Error::Unsupported { .. })));
}

#[test]
fn hostile_stored_strings_are_errors_never_panics() {
    let salt = "abcdefghijklmnopqrstuu";
    let sum = "abcdefghijklmnopqrstuvwxyz01234";
    for stored in [
        format!("$2b$99${salt}{sum}"),
        format!("$2b$03${salt}{sum}"),
        format!("$2b$32${salt}{sum}"),
        format!("$2b$4${salt}{sum}"),
        format!("$2b$-4${salt}{sum}"),
        format!("$2b$04${salt}{sum}x"),
        format!("$2b$04${salt}"),
        format!("$2b$04$é{salt}{sum}"),
        format!("$2b$04${salt}{}é", &sum[..29]),
        format!("$2b$04$abcdefghijklmnopqrstu!{sum}"),
        format!("$2b$04${salt}abcdefghijklmnopqrstuvwxyz0123!"),
        "$2b$".to_owned(),
        "$2b$04".to_owned(),
        "bcrypt$".to_owned(),
        "$wp$".to_owned(),
        "{CRYPT}$2".to_owned(),
        "$bcrypt-sha256$".to_owned(),
        format!("$bcrypt-sha256$2b,99${salt}${sum}"),
        format!("$bcrypt-sha256$v=2,t=2b,r=04${salt}${sum}$"),
        format!("$bcrypt-sha256$v=2,t=2b${salt}${sum}"),
        format!("$bcrypt-sha256$v=2,t=2b,r=04,x=1${salt}${sum}"),
        format!("$bcrypt-sha256$v=2,t=2b,r=04${salt}x${sum}"),
        format!("$bcrypt-sha256$2b,04${salt}${sum}x"),
        format!("$2b$04${}", "é".repeat(27)),
    ] {
        assert!(matches!(parsed(&stored), Err(Error::Malformed { .. })), "{stored}");
    }
}

#[test]
fn costs_above_the_caps_are_refused_naming_cost_and_its_cap() {
    let caps = caps();
    let scheme = parsed("$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234").unwrap();
    assert!(matches!(scheme.check(&caps), Err(Error::OutOfPolicy { param: "cost", .. })));
    assert_eq!(scheme.cost(), Cost::new(4096, Cost::work(1u64 << 31, factor::BCRYPT)));
    // The cap named is the largest admitted cost: it passes, one more does not.
    let Err(err @ Error::OutOfPolicy { cap, unit: "log2 rounds", .. }) = scheme.check(&caps) else { panic!() };
    assert_eq!(err.to_string(), format!("stored hash out of policy: cost above the cap of {cap} log2 rounds"));
    let cap = u32::try_from(cap).unwrap();
    assert!(check_log2(&caps, "cost", cap, factor::BCRYPT).is_ok());
    assert!(check_log2(&caps, "cost", cap + 1, factor::BCRYPT).is_err());
    // bcrypt 14 stays admitted at the default caps, as before (design §2).
    assert!(cap >= 14, "every framework default (10, 12) and 14 are admitted");
    let fourteen = parsed("$2b$14$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234").unwrap();
    assert!(fourteen.check(&caps).is_ok());
}
