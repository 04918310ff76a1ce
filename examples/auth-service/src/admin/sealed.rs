//! The commands about sealed values: `census`, `wrap-legacy`, `reseal`
//! and `key-usage`. None prints a hash, a key or sealed text: only
//! schemes, parameters, key ids and counts.

use std::collections::BTreeMap;

use guardrail::{
    keys::{KeyId, Keyring, Status},
    password::{Error as PasswordError, PasswordHasher, SealState},
};

use super::{AdminError, Report};
use crate::{
    app::AppState,
    db::{self, Db},
    outbox,
};

/// What `census` and `key-usage` print for rows that do not open.
const DOES_NOT_OPEN: &str = "does not open under this keyring";

/// `census`: `<scheme and parameters>\t<count>` by count, most first, then
/// how the rows are sealed and the total; rows that do not open under the
/// keyring, or hold no hash the service reads, last.
pub(super) fn census(state: &AppState) -> Result<Report, AdminError> {
    let rows = state.db.call_blocking(db::admin::hashes)?;
    let mut labels = BTreeMap::<String, usize>::new();
    let (mut bound, mut unbound, mut unsealed) = (0usize, 0usize, 0usize);
    let (mut closed, mut unreadable) = (0usize, 0usize);
    for (id, _, hash) in &rows {
        match state.hasher.seal_state(hash) {
            SealState::Bound => bound += 1,
            SealState::SealedUnbound => unbound += 1,
            _ => unsealed += 1,
        }
        match state.hasher.inspect_bound(hash, &db::binding(*id)) {
            Ok(info) => *labels.entry(info.label()).or_default() += 1,
            Err(PasswordError::Pepper) => closed += 1,
            Err(_) => unreadable += 1,
        }
    }
    let mut sorted: Vec<_> = labels.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut report = Report::default();
    report.out.extend(sorted.into_iter().map(|(label, n)| format!("{label}\t{n}")));
    report.out.push(format!("sealed and bound\t{bound}"));
    report.out.push(format!("sealed, unbound\t{unbound}"));
    report.out.push(format!("unsealed\t{unsealed}"));
    report.out.push(format!("total\t{}", rows.len()));
    if closed > 0 {
        report.out.push(format!("{DOES_NOT_OPEN}\t{closed}"));
    }
    if unreadable > 0 {
        report.out.push(format!("not a hash this service reads\t{unreadable}"));
    }
    Ok(report)
}

/// `wrap-legacy`: every bound legacy hash wrapped in argon2id and stored
/// bound, compare-and-swap on the value read (a login's upgrade in
/// between wins). Rows that cannot be wrapped are counted on stderr.
pub(super) fn wrap_legacy(state: &AppState) -> Result<Report, AdminError> {
    let rows = state.db.call_blocking(db::admin::hashes)?;
    let (mut wrapped, mut already, mut unbound, mut failed) = (0usize, 0usize, 0usize, 0usize);
    for (id, epoch, hash) in rows {
        match state.hasher.wrap_bound(&hash, &db::binding(id)) {
            Ok(Some(new)) => {
                let stored =
                    state.db.write_blocking(|tx| db::upgrade_hash(tx, id, epoch, &hash, new.as_str_for_storage()))?;
                if stored {
                    tracing::info!(target: "security", event = "user_updated", user_id = id, reason = "password_hash_wrapped");
                    wrapped += 1;
                } else {
                    already += 1; // changed since it was read: a login upgraded it, or a new password
                }
            }
            Ok(None) => already += 1,
            Err(PasswordError::Unbound) => unbound += 1,
            Err(_) => failed += 1,
        }
    }
    let mut report = Report::default();
    report.out.push(format!("wrapped {wrapped} legacy hashes ({already} already argon2id)"));
    if unbound > 0 {
        report.err.push(format!("{unbound} hashes are not bound to their row: not wrapped"));
    }
    if failed > 0 {
        report.err.push(format!("{failed} hashes do not open under this keyring or are not hashes: not wrapped"));
    }
    report.incomplete = unbound + failed > 0;
    Ok(report)
}

/// The key id of each sealed service key, by row name.
pub(super) fn service_key_ids(db: &Db) -> Result<BTreeMap<String, Option<KeyId>>, AdminError> {
    let rows = db.call_blocking(db::admin::service_keys)?;
    Ok(rows.into_iter().map(|(name, sealed)| (name, Keyring::sealed_key_id(&sealed))).collect())
}

/// `reseal`: every sealed password hash (bound ones stay bound to their
/// row) and outbox row not under the primary key re-sealed under it,
/// compare-and-swap per row; the service keys were re-sealed by start-up
/// (`keys::csrf_keyring`, `keys::credential_keys`) and are counted against
/// `before`.
pub(super) fn reseal(state: &AppState, before: &BTreeMap<String, Option<KeyId>>) -> Result<Report, AdminError> {
    let primary = state.keyring.primary_id();
    let mut report = Report::default();
    let (mut hashes, mut left) = (0usize, 0usize);
    for (id, epoch, hash) in state.db.call_blocking(db::admin::hashes)? {
        if state.hasher.seal_state(&hash) == SealState::Unsealed
            || PasswordHasher::sealed_key_id(&hash) == Some(primary)
        {
            continue;
        }
        let Ok(new) = state.hasher.reseal_bound(&hash, &db::binding(id)) else {
            left += 1;
            continue;
        };
        if state.db.write_blocking(|tx| db::upgrade_hash(tx, id, epoch, &hash, new.as_str_for_storage()))? {
            hashes += 1;
        }
    }
    let mut messages = 0usize;
    for row in state.db.call_blocking(db::admin::outbox_rows)? {
        if Keyring::sealed_key_id(&row.sealed) == Some(primary) {
            continue;
        }
        let Some(new) = outbox::reseal_row(&state.keyring, &row) else {
            left += 1;
            continue;
        };
        messages += usize::from(state.db.write_blocking(|tx| db::admin::reseal_outbox(tx, row.id, &row.sealed, &new))?);
    }
    let after = service_key_ids(&state.db)?;
    let services = after.iter().filter(|(name, id)| **id == Some(primary) && before.get(*name) != Some(id)).count();
    report.out.push(format!(
        "resealed {hashes} password hashes, {messages} outbox messages, {services} service keys under key {primary}"
    ));
    if left > 0 {
        report.err.push(format!("{left} sealed values do not open under this keyring: left as they are"));
        report.incomplete = true;
    }
    Ok(report)
}

/// `key-usage`: `key <id>\t<enabled|disabled>\t<primary|->\t<rows>` per
/// keyring key — password hashes, outbox rows and service keys sealed
/// under it — then `does not open\t<n>` if any row
/// does not open (its key unknown or disabled, or damaged).
pub(super) fn key_usage(state: &AppState) -> Result<Report, AdminError> {
    let mut used = BTreeMap::<KeyId, usize>::new();
    let mut closed = 0usize;
    for (id, _, hash) in state.db.call_blocking(db::admin::hashes)? {
        if state.hasher.seal_state(&hash) == SealState::Unsealed {
            continue;
        }
        if let Some(key) = PasswordHasher::sealed_key_id(&hash) {
            *used.entry(key).or_default() += 1;
        }
        closed +=
            usize::from(matches!(state.hasher.inspect_bound(&hash, &db::binding(id)), Err(PasswordError::Pepper)));
    }
    for row in state.db.call_blocking(db::admin::outbox_rows)? {
        if let Some(key) = Keyring::sealed_key_id(&row.sealed) {
            *used.entry(key).or_default() += 1;
        }
        closed += usize::from(!outbox::opens(&state.keyring, &row));
    }
    // The service keys opened at start-up (else it failed) and were
    // re-sealed under the primary key.
    for id in service_key_ids(&state.db)?.into_values().flatten() {
        *used.entry(id).or_default() += 1;
    }
    let mut report = Report::default();
    for key in state.keyring.keys() {
        let status = if key.status == Status::Enabled { "enabled" } else { "disabled" };
        let primary = if key.primary { "primary" } else { "-" };
        report.out.push(format!("key {}\t{status}\t{primary}\t{}", key.id, used.get(&key.id).copied().unwrap_or(0)));
    }
    if closed > 0 {
        report.out.push(format!("does not open\t{closed}"));
    }
    Ok(report)
}
