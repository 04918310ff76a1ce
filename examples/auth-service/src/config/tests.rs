//! Tests of the configuration parser (`super`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use super::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn defaults_need_nothing() {
    let c = Config::from_map(map(&[("PATH", "/bin")])).unwrap();
    assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(c.params, Params::OWASP);
    assert_eq!(c.db, PathBuf::from("auth-service.db"));
}

#[test]
fn the_hash_memory_budget_is_a_setting() {
    let c = Config::from_map(map(&[("AUTH_SERVICE_HASH_MEMORY_MIB", "512"), ("AUTH_SERVICE_HASH_CONCURRENCY", "8")]))
        .unwrap();
    assert_eq!((c.hash_limits.memory_budget, c.hash_limits.max_concurrent), (512 << 20, 8));
    assert_eq!(Config::from_map(map(&[])).unwrap().hash_limits.memory_budget, 256 << 20);
    for bad in ["0", "1048577", "x"] {
        assert!(Config::from_map(map(&[("AUTH_SERVICE_HASH_MEMORY_MIB", bad)])).is_err());
    }
}

#[test]
fn the_session_idle_timeout_is_a_setting_within_the_lifetime() {
    let c = Config::from_map(map(&[("AUTH_SERVICE_SESSION_IDLE_SECS", "600")])).unwrap();
    assert_eq!(c.session_idle, Duration::from_secs(600));
    assert_eq!(Config::from_map(map(&[])).unwrap().session_idle, Duration::from_secs(1800));
    let short = Config::from_map(map(&[("AUTH_SERVICE_SESSION_TTL_SECS", "900")])).unwrap();
    assert_eq!(short.session_idle, Duration::from_secs(900), "the default is capped at the lifetime");
    let both = [("AUTH_SERVICE_SESSION_TTL_SECS", "900"), ("AUTH_SERVICE_SESSION_IDLE_SECS", "900")];
    assert_eq!(Config::from_map(map(&both)).unwrap().session_idle, Duration::from_secs(900));
    for bad in ["0", "28801", "x", "-1"] {
        let err = Config::from_map(map(&[("AUTH_SERVICE_SESSION_IDLE_SECS", bad)])).unwrap_err().to_string();
        assert!(err.contains("AUTH_SERVICE_SESSION_IDLE_SECS"), "{bad}: {err}");
    }
    let longer = [("AUTH_SERVICE_SESSION_TTL_SECS", "900"), ("AUTH_SERVICE_SESSION_IDLE_SECS", "901")];
    assert!(Config::from_map(map(&longer)).is_err(), "longer than the lifetime");
}

#[test]
fn values_are_checked_and_never_echoed() {
    let err = Config::from_map(map(&[("AUTH_SERVICE_ARGON2", "hunter2-secret")])).unwrap_err().to_string();
    assert!(err.contains("AUTH_SERVICE_ARGON2") && !err.contains("hunter2"), "{err}");
    let err = Config::from_map(map(&[("AUTH_SERVICE_ADRR", "x")])).unwrap_err().to_string();
    assert!(err.contains("unknown setting"), "{err}");
    assert!(Config::from_map(map(&[("AUTH_SERVICE_LOGIN_PER_IP", "0")])).is_err());
    assert!(Config::from_map(map(&[("AUTH_SERVICE_ARGON2", "8,1")])).is_err());
    assert!(Config::from_map(map(&[("AUTH_SERVICE_API_KEY_PREFIX", "Bad-Prefix")])).is_err());
}

#[test]
fn file_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.env");
    std::fs::write(&file, "# comment\nAUTH_SERVICE_LOGIN_PER_IP = 5\nAUTH_SERVICE_MAX_BODY=1024\n").unwrap();
    let c = Config::from_map(map(&[
        ("AUTH_SERVICE_CONFIG", file.to_str().unwrap()),
        ("AUTH_SERVICE_MAX_BODY", "2048"),
        ("AUTH_SERVICE_ARGON2", "1024,1,1"),
    ]))
    .unwrap();
    assert_eq!(c.per_ip_per_minute.get(), 5);
    assert_eq!(c.max_body, 2048);
    assert_eq!(c.params, Params::new(1024, 1, 1).unwrap());
    std::fs::write(&file, "no equals sign\n").unwrap();
    assert!(Config::from_map(map(&[("AUTH_SERVICE_CONFIG", file.to_str().unwrap())])).is_err());
    // A stray line's name is not echoed: it could be a value.
    std::fs::write(&file, "hunter2=x\n").unwrap();
    let err = Config::from_map(map(&[("AUTH_SERVICE_CONFIG", file.to_str().unwrap())])).unwrap_err().to_string();
    assert!(err.contains("line 1") && !err.contains("hunter2"), "{err}");
}

/// The name with its unit wins: when it is set, the older name is not
/// parsed (valid or not, from the environment or the file); when it is
/// not, the older name is read and checked as before.
#[test]
fn max_body_bytes_wins_over_the_older_name() {
    const OLD: &str = "AUTH_SERVICE_MAX_BODY";
    const NEW: &str = "AUTH_SERVICE_MAX_BODY_BYTES";
    // (older name, new name) -> Ok(max_body) or Err(name in the error)
    let cases = [
        (Some("2048"), Some("4096"), Ok(4096)),
        (Some("not a number"), Some("4096"), Ok(4096)),
        (Some("1"), Some("4096"), Ok(4096)),
        (Some("2048"), Some("not a number"), Err(NEW)),
        (Some("2048"), None, Ok(2048)),
        (Some("not a number"), None, Err(OLD)),
        (None, Some("4096"), Ok(4096)),
        (None, Some("1"), Err(NEW)),
    ];
    for (old, new, expected) in cases {
        let vars: Vec<(&str, &str)> = [(OLD, old), (NEW, new)].into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        let got = Config::from_map(map(&vars)).map(|c| c.max_body).map_err(|e| match e {
            ConfigError::Invalid { name, .. } => name,
            other => other.to_string(),
        });
        assert_eq!(got, expected.map_err(str::to_owned), "{old:?} {new:?}");
    }
    // Either name may come from the file and the other from the
    // environment: the new one wins both ways.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.env");
    for (in_file, in_env) in [((OLD, "bad"), (NEW, "4096")), ((NEW, "4096"), (OLD, "bad"))] {
        std::fs::write(&file, format!("{}={}\n", in_file.0, in_file.1)).unwrap();
        let c = Config::from_map(map(&[("AUTH_SERVICE_CONFIG", file.to_str().unwrap()), in_env])).unwrap();
        assert_eq!(c.max_body, 4096);
    }
}

fn with_file(path: &Path) -> Result<Config, ConfigError> {
    Config::from_map(map(&[("AUTH_SERVICE_CONFIG", path.to_str().unwrap())]))
}

/// Issue 10, item 4: the file is read with a cap; at the cap it loads,
/// one byte past it is refused whole, naming the cap — never cut
/// short (a cut would have applied `AUTH_SERVICE_LOGIN_PER_IP=5` from
/// the last line's first bytes).
#[test]
fn the_file_is_read_up_to_its_cap_and_refused_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.env");
    let setting = "AUTH_SERVICE_LOGIN_PER_IP=5";
    let padding = format!("#{}\n", "x".repeat(MAX_CONFIG_BYTES - setting.len() - 2));
    std::fs::write(&file, format!("{padding}{setting}")).unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().len(), MAX_CONFIG_BYTES as u64);
    assert_eq!(with_file(&file).unwrap().per_ip_per_minute.get(), 5);
    std::fs::write(&file, format!("{padding}{setting}7")).unwrap();
    let err = with_file(&file).unwrap_err();
    assert!(
        matches!(err, ConfigError::File { source: guardrail::secret::Error::InputTooLarge { max }, .. } if max == MAX_CONFIG_BYTES)
    );
    let msg = err.to_string();
    assert!(msg.contains("service.env") && msg.contains("65536 bytes"), "{msg}");
    // Not UTF-8: refused, nothing echoed.
    std::fs::write(&file, b"AUTH_SERVICE_LOGIN_PER_IP=\xff\n").unwrap();
    assert!(matches!(with_file(&file), Err(ConfigError::Invalid { .. })));
}

/// Issue 10, item 5: the file may be read by anyone (it holds no
/// secret) but changed by its owner only.
#[cfg(unix)]
#[test]
fn the_file_is_refused_when_others_may_change_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.env");
    std::fs::write(&file, "AUTH_SERVICE_LOGIN_PER_IP=5\n").unwrap();
    for mode in [0o644, 0o444, 0o640, 0o600] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        assert_eq!(with_file(&file).unwrap().per_ip_per_minute.get(), 5, "mode {mode:o}");
    }
    for mode in [0o664, 0o646, 0o666, 0o622, 0o602] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = with_file(&file).unwrap_err();
        assert!(matches!(err, ConfigError::Writable { mode: m, .. } if m == mode), "mode {mode:o}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("service.env") && msg.contains(&format!("{mode:04o}")), "{msg}");
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

    // In a directory others may change: anyone could swap the file.
    let open_dir = dir.path().join("open");
    std::fs::create_dir(&open_dir).unwrap();
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let swappable = open_dir.join("service.env");
    std::fs::write(&swappable, "AUTH_SERVICE_LOGIN_PER_IP=5\n").unwrap();
    let err = with_file(&swappable).unwrap_err();
    assert!(
        matches!(err, ConfigError::File { source: guardrail::secret::Error::InsecureDirectory { .. }, .. }),
        "{err}"
    );

    // Owned by another user (root may hand it out; anyone else may not).
    match std::os::unix::fs::chown(&file, Some(65534), None) {
        Ok(()) => {
            let err = with_file(&file).unwrap_err();
            assert!(
                matches!(err, ConfigError::File { source: guardrail::secret::Error::ForeignOwner { .. }, .. }),
                "{err}"
            );
            assert!(err.to_string().contains("65534"), "{err}");
        }
        // Only root can give a file away: the owner check itself is
        // tested in guardrail-secret.
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied, "{e}"),
    }
}

/// The error a bad value gives: it names the setting and never repeats the
/// value (a secret pasted into the wrong variable must not reach a log).
fn refused(name: &str, value: &str) -> String {
    let err = Config::from_map(map(&[(name, value)])).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(&err, ConfigError::Invalid { name: n, .. } if n == name), "{value:?}: {msg}");
    // Short values ("x", "0") may occur in the message's own words.
    assert!(value.len() < 6 || !msg.contains(value), "{value:?} echoed: {msg}");
    msg
}

#[test]
fn the_hash_caps_are_settings() {
    let default = Config::from_map(map(&[])).unwrap();
    assert_eq!(default.hash_caps, Caps::for_policy(&Params::OWASP));
    let raised = Config::from_map(map(&[
        ("AUTH_SERVICE_HASH_MAX_MEMORY_MIB", "1024"),
        ("AUTH_SERVICE_HASH_MAX_BLOCK_PASSES", "4194304"),
    ]))
    .unwrap();
    assert_eq!((raised.hash_caps.max_memory_bytes, raised.hash_caps.max_block_passes), (1 << 30, 4_194_304));
    assert_eq!(raised.hash_caps.max_p_cost, default.hash_caps.max_p_cost, "only the two caps change");
    // Given after AUTH_SERVICE_ARGON2 or not, the caps start from its policy.
    let argon2 = Config::from_map(map(&[("AUTH_SERVICE_ARGON2", "65536,3,4")])).unwrap();
    assert_eq!(argon2.hash_caps, Caps::for_policy(&Params::new(65536, 3, 4).unwrap()));
    for bad in ["0", "1048577", "x", "-1", "hunter2-secret"] {
        refused("AUTH_SERVICE_HASH_MAX_MEMORY_MIB", bad);
    }
    for bad in ["0", "1000000001", "2^21", "hunter2-secret"] {
        refused("AUTH_SERVICE_HASH_MAX_BLOCK_PASSES", bad);
    }
}

#[test]
fn the_login_floor_is_off_auto_or_milliseconds() {
    assert!(matches!(Config::from_map(map(&[])).unwrap().login_floor, LoginFloor::Off));
    let floor = |v: &str| Config::from_map(map(&[("AUTH_SERVICE_LOGIN_FLOOR_MS", v)])).unwrap().login_floor;
    assert!(matches!(floor("off"), LoginFloor::Off));
    assert!(matches!(floor("auto"), LoginFloor::SlowestAdmitted));
    assert!(matches!(floor("250"), LoginFloor::Fixed(d) if d == Duration::from_millis(250)));
    assert!(matches!(floor("60000"), LoginFloor::Fixed(d) if d == Duration::from_secs(60)));
    for bad in ["0", "60001", "Auto", "1.5", "-5", "250ms", "hunter2-secret"] {
        let msg = refused("AUTH_SERVICE_LOGIN_FLOOR_MS", bad);
        assert!(msg.contains("off, auto or milliseconds"), "{msg}");
    }
}

#[test]
fn plaintext_is_accepted_only_by_its_one_spelling() {
    assert!(!Config::from_map(map(&[])).unwrap().accept_plaintext);
    let on = Config::from_map(map(&[("AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP", "accept-plaintext")])).unwrap();
    assert!(on.accept_plaintext);
    for bad in ["1", "true", "yes", "", "accept_plaintext", "ACCEPT-PLAINTEXT", "hunter2-secret"] {
        let msg = refused("AUTH_SERVICE_ACCEPT_PLAINTEXT_NOOP", bad);
        assert!(msg.contains("accept-plaintext (or leave it unset)"), "{msg}");
    }
}

/// Issue 15: the settings for slow clients, connections, API keys,
/// password resets, the outbox and unbound hashes — each with its default,
/// its bounds, and an error naming it (never the value).
#[test]
fn the_issue_15_settings_have_defaults_and_bounds() {
    let d = Config::from_map(map(&[])).unwrap();
    assert_eq!(
        (d.header_timeout, d.body_timeout, d.idle_timeout, d.shutdown_grace),
        (Duration::from_secs(10), Duration::from_secs(10), Duration::from_secs(30), Duration::from_secs(10))
    );
    assert_eq!(
        (d.max_connections, d.ipv6_prefix, d.api_key_fails_per_ip_per_minute, d.max_api_keys),
        (512, 64, 20, 25)
    );
    assert_eq!(d.max_connections_per_client, 32);
    assert_eq!((d.reset_ttl, d.reset_per_login_per_hour, d.reset_max_live), (Duration::from_secs(1800), 5, 3));
    assert_eq!(d.outbox_max_age, Duration::from_secs(604_800));
    assert!(!d.accept_unsealed_hashes);

    let c = Config::from_map(map(&[
        ("AUTH_SERVICE_HEADER_TIMEOUT_MS", "100"),
        ("AUTH_SERVICE_BODY_TIMEOUT_MS", "120000"),
        ("AUTH_SERVICE_IDLE_TIMEOUT_MS", "600000"),
        ("AUTH_SERVICE_MAX_CONNECTIONS", "1"),
        ("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT", "1"),
        ("AUTH_SERVICE_SHUTDOWN_GRACE_MS", "0"),
        ("AUTH_SERVICE_IPV6_PREFIX", "128"),
        ("AUTH_SERVICE_API_KEY_FAILS_PER_IP", "3"),
        ("AUTH_SERVICE_MAX_API_KEYS", "1000"),
        ("AUTH_SERVICE_RESET_TTL_SECS", "60"),
        ("AUTH_SERVICE_RESET_PER_LOGIN", "1"),
        ("AUTH_SERVICE_RESET_MAX_LIVE", "1"),
        ("AUTH_SERVICE_OUTBOX_MAX_AGE_SECS", "3600"),
        ("AUTH_SERVICE_ACCEPT_UNSEALED_HASHES", "accept-unsealed"),
    ]))
    .unwrap();
    assert_eq!(
        (c.header_timeout, c.body_timeout, c.idle_timeout, c.shutdown_grace),
        (Duration::from_millis(100), Duration::from_secs(120), Duration::from_secs(600), Duration::ZERO)
    );
    assert_eq!(
        (c.max_connections, c.ipv6_prefix, c.api_key_fails_per_ip_per_minute, c.max_api_keys),
        (1, 128, 3, 1000)
    );
    assert_eq!(c.max_connections_per_client, 1);
    assert_eq!((c.reset_ttl, c.reset_per_login_per_hour, c.reset_max_live), (Duration::from_secs(60), 1, 1));
    assert_eq!(c.outbox_max_age, Duration::from_secs(3600));
    assert!(c.accept_unsealed_hashes);

    let out_of_range: &[(&str, &[&str])] = &[
        ("AUTH_SERVICE_HEADER_TIMEOUT_MS", &["99", "120001", "10s", "hunter2-secret"]),
        ("AUTH_SERVICE_BODY_TIMEOUT_MS", &["0", "120001", "-1"]),
        ("AUTH_SERVICE_IDLE_TIMEOUT_MS", &["99", "600001", "1.5"]),
        ("AUTH_SERVICE_MAX_CONNECTIONS", &["0", "1000001", "many"]),
        ("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT", &["0", "1000001", "-1", "all"]),
        ("AUTH_SERVICE_SHUTDOWN_GRACE_MS", &["300001", "-1"]),
        ("AUTH_SERVICE_IPV6_PREFIX", &["31", "129", "0", "/64"]),
        ("AUTH_SERVICE_API_KEY_FAILS_PER_IP", &["0", "x"]),
        ("AUTH_SERVICE_MAX_API_KEYS", &["0", "1001"]),
        ("AUTH_SERVICE_RESET_TTL_SECS", &["59", "1801", "3600"]),
        ("AUTH_SERVICE_RESET_PER_LOGIN", &["0", "-5"]),
        ("AUTH_SERVICE_RESET_MAX_LIVE", &["0", "101"]),
        ("AUTH_SERVICE_OUTBOX_MAX_AGE_SECS", &["3599", "31536001"]),
    ];
    for (name, bads) in out_of_range {
        for bad in *bads {
            let msg = refused(name, bad);
            assert!(msg.contains("in range") || msg.contains("positive"), "{name}={bad}: {msg}");
        }
    }
    for bad in ["1", "true", "", "accept_unsealed", "ACCEPT-UNSEALED", "accept-plaintext", "hunter2-secret"] {
        let msg = refused("AUTH_SERVICE_ACCEPT_UNSEALED_HASHES", bad);
        assert!(msg.contains("accept-unsealed (or leave it unset)"), "{msg}");
    }
}

/// Issue 15, fault 4: the per-client connection cap is at most the bound
/// in all — set above it, refused naming both settings (never the value);
/// unset, the default 32 (at a bound of 32 or less the server has no
/// per-client cap).
#[test]
fn the_per_client_connection_cap_is_at_most_the_bound() {
    let over = Config::from_map(map(&[
        ("AUTH_SERVICE_MAX_CONNECTIONS", "16"),
        ("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT", "17"),
    ]))
    .unwrap_err()
    .to_string();
    assert!(
        over.starts_with("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT:")
            && over.ends_with("no larger than AUTH_SERVICE_MAX_CONNECTIONS")
            && !over.contains("17"),
        "{over}"
    );
    let at = Config::from_map(map(&[
        ("AUTH_SERVICE_MAX_CONNECTIONS", "16"),
        ("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT", "16"),
    ]))
    .unwrap();
    assert_eq!((at.max_connections, at.max_connections_per_client), (16, 16));
    let small = Config::from_map(map(&[("AUTH_SERVICE_MAX_CONNECTIONS", "4")])).unwrap();
    assert_eq!((small.max_connections, small.max_connections_per_client), (4, 32));
}
