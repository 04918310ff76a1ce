//! Issue 10 item 1, second round: names that only resolve inside a
//! network (Kubernetes services, Consul, special-use TLDs) are refused
//! before any lookup, and the resolver hook receives the one canonical,
//! fully-qualified name.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

mod common;

use common::{Recorder, url_code as code};
use guardrail_validate::FetchUrl;

#[test]
fn cluster_and_special_use_names_are_internal() {
    for url in [
        "http://kubernetes.default.svc/",
        "http://kubernetes.default.svc./",
        "https://KUBERNETES.Default.SVC:443/api",
        "http://kubernetes.default.svc.cluster.local/",
        "http://redis.prod.svc.cluster.local/",
        "http://vault.service.consul/",
        "http://web.service.dc1.consul/",
        "http://app.test/",
        "http://x.invalid/",
        "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/",
        "http://name.alt/",
        "http://router.home/",
        "http://nas.private/",
    ] {
        assert_eq!(code(url), "internal_name", "{url}");
    }
    // Public names that merely contain those words stay allowed.
    for url in ["https://svc.example.com/", "https://consul.io/", "https://test.example.org/", "https://home.example/x"]
    {
        assert_eq!(code(url), "ok", "{url}");
    }
}

/// The hook receives the canonical name, without root dot, the same for
/// every spelling: the contract on `Resolve` says it is fully qualified.
#[test]
fn resolver_hook_sees_the_canonical_fully_qualified_name() {
    for url in [
        "https://Example.COM./a",
        "https://example.com/a",
        "https://xn--bcher-kva.example/",
        "https://b\u{fc}cher.example/",
    ] {
        let hook = Recorder::default();
        let u = FetchUrl::parse(url).unwrap();
        assert!(u.resolve(&hook).is_ok(), "{url}");
        let seen = hook.0.into_inner();
        assert_eq!(seen.len(), 1, "{url}");
        assert_eq!(Some(seen[0].as_str()), u.host_name(), "{url}");
        assert!(!seen[0].ends_with('.') && seen[0].contains('.'), "{url}");
        assert_eq!(seen[0].to_ascii_lowercase(), seen[0], "{url}");
    }
}
