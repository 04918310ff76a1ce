//! reqwest's DNS hook: every name the client connects to is resolved by
//! the caller's [`AsyncResolve`] and every address checked with the
//! client's policy before reqwest sees it.

use std::{net::SocketAddr, sync::Arc};

use guardrail_validate::{AsyncResolve, FetchPolicy, Kind};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The resolver reqwest calls for every connection (first request,
/// redirects, reconnects): one bad address refuses the whole answer, so a
/// rebinding name that mixes a public and an internal address never
/// connects.
pub(crate) struct Checking<R> {
    pub(crate) policy: FetchPolicy,
    pub(crate) inner: Arc<R>,
}

impl<R: AsyncResolve + 'static> Resolve for Checking<R> {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            // The contract of AsyncResolve: the canonical name, root dot
            // left off (the hook looks it up as absolute).
            let host = name.as_str().strip_suffix('.').unwrap_or(name.as_str());
            let refused = |reason| guardrail_validate::Error::Invalid { kind: Kind::Url, reason };
            let ips = inner.resolve(host, 0).await.map_err(|_| refused(guardrail_validate::Reason::Resolution))?;
            if ips.is_empty() {
                return Err(refused(guardrail_validate::Reason::Resolution).into());
            }
            for &ip in &ips {
                policy.check_addr(ip).map_err(refused)?;
            }
            // Port 0: reqwest connects to the URL's port.
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}
