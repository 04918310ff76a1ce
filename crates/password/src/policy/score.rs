//! Guessability: zxcvbn's score of a prefix of the password, and the
//! estimate of zxcvbn's work (its l33t matcher's substitution maps times
//! the square of the length) that picks the prefix before zxcvbn runs.

use super::{PasswordPolicy, looks::looks_like_string};

impl PasswordPolicy {
    /// zxcvbn's score (0..=4) of the first [`scored_chars`] characters of
    /// `nfkc`, with the context and service words as user inputs.
    pub(super) fn score(&self, nfkc: &str, context: &[&str], budget: u64) -> u8 {
        let end = nfkc.char_indices().nth(scored_chars(nfkc, budget)).map_or(nfkc.len(), |(i, _)| i);
        let scored = nfkc.get(..end).unwrap_or(nfkc);
        let mut inputs: Vec<&str> = self.service_words.iter().map(String::as_str).collect();
        for word in context {
            inputs.push(word);
            if let Some((local, _)) = word.split_once('@') {
                inputs.push(local);
            }
        }
        // The words as they look too, for the folded form.
        let seen: Vec<String> = inputs.iter().map(|w| looks_like_string(w)).collect();
        inputs.extend(seen.iter().map(String::as_str));
        // Only the score leaves this function; the entropy (feedback and
        // matched pieces of the password) is dropped here.
        u8::from(zxcvbn::zxcvbn(scored, &inputs).score())
    }
}

/// zxcvbn 3.1.1's l33t table (`L33T_TABLE` in its `matching/mod.rs`):
/// each letter and the characters it may be written as.
const L33T_TABLE: [(char, &[char]); 12] = [
    ('a', &['4', '@']),
    ('b', &['8']),
    ('c', &['(', '{', '[', '<']),
    ('e', &['3']),
    ('g', &['6', '9']),
    ('i', &['1', '!', '|']),
    ('l', &['1', '|', '7']),
    ('o', &['0']),
    ('s', &['$', '5']),
    ('t', &['+', '7']),
    ('x', &['%']),
    ('z', &['2']),
];

/// The letters whose substitutes overlap (`1` and `|` for `i` and `l`, `7`
/// for `l` and `t`): only for these does zxcvbn's enumeration depend on the
/// order its hash map lists the letters in.
const SHARED_LETTERS: [char; 3] = ['i', 'l', 't'];

/// How many substitution maps zxcvbn's l33t matcher
/// (`enumerate_l33t_replacements` over `relevant_l33t_subtable`) yields for
/// a password holding exactly the l33t characters in `present`; 0 when it
/// holds none (zxcvbn then runs no l33t pass). zxcvbn walks the letters in
/// its hash map's (random) order; every letter without shared substitutes
/// multiplies the count by its number of substitutes present whatever the
/// order, and the count over `i`, `l`, `t` is the largest over their (at
/// most 6) orders, replayed with zxcvbn's own rule, so this is the most
/// any run can enumerate.
fn l33t_maps(present: &[char]) -> u64 {
    let relevant = |subs: &[char]| -> Vec<char> { subs.iter().copied().filter(|c| present.contains(c)).collect() };
    let mut independent: u64 = 1;
    let mut any = false;
    let mut shared: Vec<(char, Vec<char>)> = Vec::new();
    for (letter, subs) in L33T_TABLE {
        let subs = relevant(subs);
        if subs.is_empty() {
            continue;
        }
        any = true;
        if SHARED_LETTERS.contains(&letter) {
            shared.push((letter, subs));
        } else {
            independent = independent.saturating_mul(subs.len() as u64);
        }
    }
    if !any {
        return 0;
    }
    let orders: &[[usize; 3]] = &[[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let most = orders
        .iter()
        .map(|order| {
            let letters = order.iter().filter_map(|&i| shared.get(i));
            enumerate_count(letters)
        })
        .max()
        .unwrap_or(1);
    independent.saturating_mul(most)
}

/// zxcvbn's `enumerate_l33t_replacements` step by step over `letters`
/// (in that order), counting the maps it yields: a substitute already
/// taken by an earlier letter forks the map in two (keep it, or give it to
/// this letter), any other extends it.
fn enumerate_count<'a>(letters: impl Iterator<Item = &'a (char, Vec<char>)>) -> u64 {
    let mut maps: Vec<Vec<(char, char)>> = vec![Vec::new()];
    for (letter, subs) in letters {
        let mut next = Vec::with_capacity(maps.len() * subs.len() * 2);
        for &sub in subs {
            for map in &maps {
                if let Some(taken) = map.iter().position(|&(c, _)| c == sub) {
                    let mut alternative = map.clone();
                    alternative.remove(taken);
                    alternative.push((sub, *letter));
                    next.push(map.clone());
                    next.push(alternative);
                } else {
                    let mut extended = map.clone();
                    extended.push((sub, *letter));
                    next.push(extended);
                }
            }
        }
        maps = next;
    }
    maps.len() as u64
}

/// The estimated work of zxcvbn on `chars` characters for which its l33t
/// matcher enumerates `maps` maps, in units of
/// [`PasswordPolicy::SCORE_WORK_BUDGET`]: a dictionary pass per map plus
/// about 6 for the rest, each `chars²`.
fn score_work(maps: u64, chars: usize) -> u64 {
    let n = chars as u64;
    maps.saturating_add(6).saturating_mul(n.saturating_mul(n))
}

/// How many leading characters of `nfkc` zxcvbn scores: the longest prefix
/// of at most [`PasswordPolicy::SCORED_CHARS`] whose [`score_work`] stays
/// within [`PasswordPolicy::SCORE_WORK_BUDGET`], and never fewer than
/// [`PasswordPolicy::MIN_SCORED_CHARS`] (or the whole, if shorter). Work
/// only grows with the prefix, so the first character that would pass the
/// budget ends it. Counted before zxcvbn runs: at most 100 characters and
/// one map count per new distinct l33t character (at most 20).
fn scored_chars(nfkc: &str, budget: u64) -> usize {
    let mut present: Vec<char> = Vec::new();
    let mut maps = 0;
    let mut chars = 0;
    for c in nfkc.chars().take(PasswordPolicy::SCORED_CHARS) {
        if !present.contains(&c) && L33T_TABLE.iter().any(|(_, subs)| subs.contains(&c)) {
            present.push(c);
            maps = l33t_maps(&present);
        }
        if chars >= PasswordPolicy::MIN_SCORED_CHARS && score_work(maps, chars + 1) > budget {
            break;
        }
        chars += 1;
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zxcvbn's enumeration replayed in full over every order of every
    /// letter present (the independent reference `l33t_maps` shortcuts).
    fn maps_over_all_orders(present: &[char]) -> u64 {
        let table: Vec<(char, Vec<char>)> = L33T_TABLE
            .iter()
            .map(|(l, subs)| (*l, subs.iter().copied().filter(|c| present.contains(c)).collect::<Vec<_>>()))
            .filter(|(_, subs)| !subs.is_empty())
            .collect();
        if table.is_empty() {
            return 0;
        }
        fn permutations(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
            if k == items.len() {
                out.push(items.clone());
            }
            for i in k..items.len() {
                items.swap(k, i);
                permutations(items, k + 1, out);
                items.swap(k, i);
            }
        }
        let mut orders = Vec::new();
        permutations(&mut (0..table.len()).collect(), 0, &mut orders);
        orders.iter().map(|o| enumerate_count(o.iter().filter_map(|&i| table.get(i)))).max().unwrap_or(0)
    }

    const L33T_CHARS: &str = "4@8({[<3691!|70$5+%2";

    #[test]
    fn l33t_map_counts() {
        assert_eq!(l33t_maps(&[]), 0);
        assert_eq!(l33t_maps(&['4']), 1);
        assert_eq!(l33t_maps(&['4', '@']), 2);
        // `1` is both `i` and `l`: one map each.
        assert_eq!(l33t_maps(&['1']), 2);
        // Every l33t character: 2·1·4·1·2·1·2·1·1 (independent letters) × 25 (i, l, t).
        let all: Vec<char> = L33T_CHARS.chars().collect();
        assert_eq!(all.len(), 20);
        assert_eq!(l33t_maps(&all), 800);
        // The shortcut agrees with the full replay over every order, for
        // every subset of a set that holds all shared characters and two
        // independent letters (2^8 subsets; up to 5 letters, 120 orders).
        let sample: Vec<char> = "1!|7+4@(".chars().collect();
        for bits in 0u32..(1 << sample.len()) {
            let subset: Vec<char> =
                sample.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, c)| *c).collect();
            assert_eq!(l33t_maps(&subset), maps_over_all_orders(&subset), "{subset:?}");
        }
    }

    #[test]
    fn plain_text_is_scored_to_100_characters() {
        let words = "correct horse battery staple orbit lantern quiet velvet meadow copper ";
        let text: String = words.chars().cycle().take(128).collect();
        assert_eq!(scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET), PasswordPolicy::SCORED_CHARS);
        assert_eq!(scored_chars("short", PasswordPolicy::SCORE_WORK_BUDGET), 5);
        assert_eq!(scored_chars("", PasswordPolicy::SCORE_WORK_BUDGET), 0);
        // A few l33t characters, as people type them: still all 100.
        let typed: String = "Tr0ub4dor&3 horse! battery$ ".chars().cycle().take(120).collect();
        assert!(l33t_maps(&typed.chars().collect::<Vec<_>>()) <= 16);
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET), 100);
    }

    #[test]
    fn l33t_dense_input_is_scored_on_a_prefix_within_the_budget() {
        let dense: String = "p4$$w0rd!|1+7%2(@{[<368950".chars().cycle().take(4096).collect();
        let n = scored_chars(&dense, PasswordPolicy::SCORE_WORK_BUDGET);
        assert!(n >= PasswordPolicy::MIN_SCORED_CHARS, "{n}");
        assert!(n < 32, "{n}");
        let present: Vec<char> = dense.chars().take(n).filter(|c| L33T_CHARS.contains(*c)).collect();
        assert!(score_work(l33t_maps(&present), n) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // The floor holds even where the budget would cut sooner, and its
        // own worst case (every l33t character in the first 16) is inside.
        let front: String = L33T_CHARS.chars().chain("abcdefgh".chars()).cycle().take(200).collect();
        let n = scored_chars(&front, PasswordPolicy::SCORE_WORK_BUDGET);
        assert!(n >= PasswordPolicy::MIN_SCORED_CHARS);
        let present: Vec<char> = front.chars().take(n).collect();
        assert!(score_work(l33t_maps(&present), n) <= PasswordPolicy::SCORE_WORK_BUDGET, "{n}");
        let floor: Vec<char> = L33T_CHARS.chars().take(PasswordPolicy::MIN_SCORED_CHARS).collect();
        assert!(score_work(l33t_maps(&floor), PasswordPolicy::MIN_SCORED_CHARS) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // Both forms at the floor (each may pass its half there): the
        // worst 16 of the 20 l33t characters (every choice of 4 left out;
        // `4@({[<691!|7$5+2`) cost 206,336 units, so two such estimates
        // 412,672 — the documented excess over the budget (see
        // SCORE_WORK_BUDGET), measured at about 63 ms.
        let all: Vec<char> = L33T_CHARS.chars().collect();
        let mut worst_floor = 0;
        for left_out in 0u32..(1 << all.len()) {
            if left_out.count_ones() as usize != all.len() - PasswordPolicy::MIN_SCORED_CHARS {
                continue;
            }
            let kept: Vec<char> =
                all.iter().enumerate().filter(|(i, _)| left_out & (1 << i) == 0).map(|(_, c)| *c).collect();
            worst_floor = worst_floor.max(score_work(l33t_maps(&kept), PasswordPolicy::MIN_SCORED_CHARS));
        }
        assert_eq!(worst_floor, 206_336);
        assert!(worst_floor <= PasswordPolicy::SCORE_WORK_BUDGET);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// For any text: the prefix is within the budget (or at the floor),
        /// is the longest such, and never exceeds 100 characters.
        #[test]
        fn the_prefix_is_the_longest_within_the_budget(text in "[a-z4@8({\\[<3691!|70$5+%2 A-Z]{0,160}") {
            let n = scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET);
            let len = text.chars().count();
            proptest::prop_assert!(n <= PasswordPolicy::SCORED_CHARS.min(len));
            proptest::prop_assert!(n >= PasswordPolicy::MIN_SCORED_CHARS.min(len));
            let work = |k: usize| {
                let present: Vec<char> = text.chars().take(k).collect();
                score_work(l33t_maps(&present), k)
            };
            proptest::prop_assert!(n <= PasswordPolicy::MIN_SCORED_CHARS || work(n) <= PasswordPolicy::SCORE_WORK_BUDGET);
            if n < PasswordPolicy::SCORED_CHARS.min(len) {
                proptest::prop_assert!(work(n + 1) > PasswordPolicy::SCORE_WORK_BUDGET);
            }
        }
    }

    #[test]
    fn letters_digits_and_separators_are_always_scored_to_100_characters() {
        // Every digit (8 of them are l33t) with any letters and `space . _ -`:
        // 8 maps at most, so 100 characters stay inside the budget and are
        // judged exactly as before the budget existed.
        let digits: Vec<char> = "0123456789 ._-abcdefghijklmnopqrstuvwxyz".chars().collect();
        assert_eq!(l33t_maps(&digits), 8);
        // With the symbols on a keyboard's digit row too (`!@#$%^&*()`): 56
        // maps, so such text may be cut (at 63 characters: 62 × 63² ≤ 250,000 < 62 × 64²).
        let row: Vec<char> = "0123456789!@#$%^&*()".chars().collect();
        assert_eq!(l33t_maps(&row), 56);
        let all_row: String = "a0b1c2d3e4f5g6h7i8j9!@#$%^&*()".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&all_row, PasswordPolicy::SCORE_WORK_BUDGET), 63);
        let typed: String = "dragon 2024.f00tb4ll_summer-1987 ".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET), 100);
        assert!(score_work(8, 100) <= PasswordPolicy::SCORE_WORK_BUDGET);
        // When both forms are scored, each on half the budget: at least 94.
        let text: String = "a0b1c2d3e4f5g6h7i8j9 ._-".chars().cycle().take(100).collect();
        assert_eq!(scored_chars(&text, PasswordPolicy::SCORE_WORK_BUDGET / 2), 94);
        assert_eq!(scored_chars(&typed, PasswordPolicy::SCORE_WORK_BUDGET / 2), 100);
    }

    #[test]
    fn a_prefix_can_score_higher_than_the_whole() {
        // Why the prefix is cut only past the budget: zxcvbn's score is not
        // monotone in the prefix. The whole is a word and a repeated l33t
        // word (score 1); its first 16 characters end inside the repeat.
        let whole = "dragonf00tb4llf00tb4ll";
        let prefix: String = whole.chars().take(16).collect();
        assert!(zxcvbn::zxcvbn(&prefix, &[]).score() > zxcvbn::zxcvbn(whole, &[]).score());
        assert_eq!(scored_chars(whole, PasswordPolicy::SCORE_WORK_BUDGET), whole.chars().count());
    }
}
