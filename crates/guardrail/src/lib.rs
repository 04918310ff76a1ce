#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its
// feature: a gated re-export here takes `#[cfg_attr(docsrs, doc(cfg(feature = "...")))]`.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Constant-time equality and codecs: [`guardrail_ct`].
pub use guardrail_ct as ct;

/// Secret and PII wrappers, loading secrets: [`guardrail_secret`].
pub use guardrail_secret as secret;

/// argon2id hashing with verify-and-upgrade, password policy: [`guardrail_password`].
pub use guardrail_password as password;

/// AEAD and MAC keyrings, rotation, the master-key envelope, HKDF: [`guardrail_keys`].
pub use guardrail_keys as keys;

/// Random tokens, API keys, purpose-bound signed tokens, CSRF: [`guardrail_token`].
pub use guardrail_token as token;

/// Typed validated input (e-mail, username, SSRF-safe URL, contained path): [`guardrail_validate`].
pub use guardrail_validate as validate;

/// Context-aware output encoding: [`guardrail_encode`].
pub use guardrail_encode as encode;

/// axum extractors and layers: value-free `Json`, RFC 9457 `Problem`,
/// sessions, CSRF, API keys, rate-limit keys, security headers:
/// [`guardrail_axum`].
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use guardrail_axum as axum;

/// The SSRF-safe HTTP client for a `FetchUrl`: [`guardrail_fetch`].
#[cfg(feature = "fetch")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
pub use guardrail_fetch as fetch;

/// The names most services need, in one import: `use guardrail::prelude::*;`.
pub mod prelude {
    pub use guardrail_encode::Context as EncodeContext;
    pub use guardrail_password::{NewPassword, PasswordHasher, PasswordPolicy, Verification};
    pub use guardrail_secret::{ExposeSecret, Pii, SecretEq, SecretSlice, SecretString};
    pub use guardrail_validate::{Email, FetchUrl, RelativePath, Username};
}

/// The guide's chapters, compiled as doctests so their examples cannot
/// drift from the code.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../../docs/src/intro.md")]
    struct Intro;
    #[doc = include_str!("../../../docs/src/ct.md")]
    struct Ct;
    #[doc = include_str!("../../../docs/src/secret.md")]
    struct Secret;
    #[doc = include_str!("../../../docs/src/validation.md")]
    struct Validation;
    #[doc = include_str!("../../../docs/src/ssrf.md")]
    struct Ssrf;
    #[doc = include_str!("../../../docs/src/paths.md")]
    struct Paths;
    #[doc = include_str!("../../../docs/src/encoding.md")]
    struct Encoding;
    #[doc = include_str!("../../../docs/src/password.md")]
    struct Password;
    #[doc = include_str!("../../../docs/src/migrating.md")]
    struct Migrating;
    #[doc = include_str!("../../../docs/src/keys.md")]
    struct Keys;
    #[doc = include_str!("../../../docs/src/token.md")]
    struct Token;
    #[doc = include_str!("../../../docs/src/examples.md")]
    struct Examples;
    #[doc = include_str!("../../../docs/src/auth-service.md")]
    struct AuthService;
    #[doc = include_str!("../../../docs/src/axum.md")]
    struct Axum;
    #[doc = include_str!("../../../docs/src/leadership.md")]
    struct Leadership;
    #[doc = include_str!("../../../docs/src/threat-model.md")]
    struct ThreatModel;
    #[doc = include_str!("../../../docs/src/parameters.md")]
    struct Parameters;
    #[doc = include_str!("../../../docs/src/secrets-config.md")]
    struct SecretsConfig;
    #[doc = include_str!("../../../docs/src/patching.md")]
    struct Patching;
    #[doc = include_str!("../../../docs/src/policy-kit.md")]
    struct PolicyKit;
    #[doc = include_str!("../../../docs/src/secret-scanning.md")]
    struct SecretScanning;
    #[doc = include_str!("../../../docs/src/asvs.md")]
    struct Asvs;
    #[doc = include_str!("../../../docs/src/runbooks/index.md")]
    struct Runbooks;
    #[doc = include_str!("../../../docs/src/runbooks/rotate-keyring.md")]
    struct RotateKeyring;
    #[doc = include_str!("../../../docs/src/runbooks/rotate-mac-key.md")]
    struct RotateMacKey;
    #[doc = include_str!("../../../docs/src/runbooks/rotate-pepper.md")]
    struct RotatePepper;
    #[doc = include_str!("../../../docs/src/runbooks/leaked-api-key.md")]
    struct LeakedApiKey;
    #[doc = include_str!("../../../docs/src/runbooks/leaked-database.md")]
    struct LeakedDatabase;
    #[doc = include_str!("../../../docs/src/runbooks/end-sessions.md")]
    struct EndSessions;
}
