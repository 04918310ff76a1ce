//! How long a fetch may take and how much it may read.

use std::time::Duration;

use crate::Error;

/// A client's limits: connect, read and total timeouts, the largest
/// response body read, and the most redirects followed (each one checked).
/// [`Default`] is the recommendation for a webhook or a link preview.
///
/// ```
/// use std::time::Duration;
/// use guardrail_fetch::FetchLimits;
/// let limits = FetchLimits::new(Duration::from_secs(2), Duration::from_secs(2), Duration::from_secs(5), 64 * 1024, 3).unwrap();
/// assert_eq!(limits.max_body_bytes(), 65_536);
/// assert!(FetchLimits::new(Duration::ZERO, Duration::from_secs(2), Duration::from_secs(5), 1024, 3).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Duration,
    max_body_bytes: usize,
    max_redirects: u8,
}

impl FetchLimits {
    /// Time to open the connection (TCP and TLS): 5 s.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Longest wait for the next bytes of the response: 5 s.
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);
    /// Time for the whole fetch, redirects and body included: 10 s.
    pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
    /// The largest response body read: 1 MiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
    /// Redirects followed, each one checked: 5.
    pub const DEFAULT_MAX_REDIRECTS: u8 = 5;
    /// The most redirects [`FetchLimits::new`] accepts: 20 (browsers' limit).
    pub const MAX_REDIRECTS: u8 = 20;
    /// The longest timeout [`FetchLimits::new`] accepts: 10 minutes.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

    /// Checked limits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLimit`] naming the parameter: a zero timeout or one
    /// over [`MAX_TIMEOUT`](Self::MAX_TIMEOUT), a connect or read timeout
    /// over the total, a zero body limit, more than
    /// [`MAX_REDIRECTS`](Self::MAX_REDIRECTS) redirects.
    pub fn new(
        connect_timeout: Duration,
        read_timeout: Duration,
        total_timeout: Duration,
        max_body_bytes: usize,
        max_redirects: u8,
    ) -> Result<Self, Error> {
        let invalid = |name| Err(Error::InvalidLimit { name });
        for (name, timeout) in
            [("connect_timeout", connect_timeout), ("read_timeout", read_timeout), ("total_timeout", total_timeout)]
        {
            if timeout.is_zero() || timeout > Self::MAX_TIMEOUT || timeout > total_timeout {
                return invalid(name);
            }
        }
        if max_body_bytes == 0 {
            return invalid("max_body_bytes");
        }
        if max_redirects > Self::MAX_REDIRECTS {
            return invalid("max_redirects");
        }
        Ok(Self { connect_timeout, read_timeout, total_timeout, max_body_bytes, max_redirects })
    }

    /// Time to open the connection.
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Longest wait for the next bytes of the response.
    #[must_use]
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Time for the whole fetch.
    #[must_use]
    pub fn total_timeout(&self) -> Duration {
        self.total_timeout
    }

    /// The largest response body read, in bytes.
    #[must_use]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Redirects followed.
    #[must_use]
    pub fn max_redirects(&self) -> u8 {
        self.max_redirects
    }
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            read_timeout: Self::DEFAULT_READ_TIMEOUT,
            total_timeout: Self::DEFAULT_TOTAL_TIMEOUT,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            max_redirects: Self::DEFAULT_MAX_REDIRECTS,
        }
    }
}
