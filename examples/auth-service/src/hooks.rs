//! Named pause points for the race tests (feature `test-hooks`).
//!
//! A handler calls [`point`] where a concurrent request could slip in
//! between a check and the act it guards (after a password check, before a
//! commit). In a production build the feature is off: [`point`] does
//! nothing, and neither the `Hooks` type nor `AppState`'s `hooks` field
//! exists. With the feature, `AppState::hooks` is `None` unless a test built
//! the state through `auth_service::testing`; a test arms a point, waits
//! until requests are parked there, runs the interleaving it wants, and
//! releases them.
//!
//! The points: `login.after_verify`, `login.before_commit`,
//! `password.before_commit`, `api_keys.before_store`, `reset.background`,
//! `reset.before_commit`.

use crate::app::AppState;

/// Every point a handler may name; `Hooks::arm` refuses others (a typo in
/// a test would otherwise wait forever).
pub(crate) const POINTS: [&str; 6] = [
    "login.after_verify",
    "login.before_commit",
    "password.before_commit",
    "api_keys.before_store",
    "reset.background",
    "reset.before_commit",
];

/// Parks the request at `name` while a test holds that point armed;
/// returns at once otherwise (and always without the `test-hooks` feature).
pub(crate) async fn point(state: &AppState, name: &'static str) {
    debug_assert!(POINTS.contains(&name), "unknown hook point");
    #[cfg(feature = "test-hooks")]
    if let Some(hooks) = &state.hooks {
        hooks.park(name).await;
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = (state, name);
}

#[cfg(feature = "test-hooks")]
pub use armed::{Gate, Hooks};

#[cfg(feature = "test-hooks")]
mod armed {
    use std::{
        collections::HashMap,
        sync::{Arc, Mutex, PoisonError},
    };

    use tokio::sync::watch;

    /// The armed points of one service (tests only).
    #[derive(Debug, Default)]
    pub struct Hooks {
        gates: Mutex<HashMap<&'static str, Arc<Gate>>>,
    }

    /// One armed point: how many more requests it parks, how many it has
    /// parked, and whether it was released.
    #[derive(Debug)]
    pub struct Gate {
        left: Mutex<usize>,
        arrived: watch::Sender<usize>,
        open: watch::Sender<bool>,
    }

    impl Hooks {
        /// Arms `name`: the next `count` requests that reach it park until
        /// [`Gate::release`]. Arming a point again replaces its gate (a
        /// request parked at the old one stays parked until that one is
        /// released).
        ///
        /// # Panics
        /// When `name` is not one of the points the module docs list.
        pub fn arm(&self, name: &'static str, count: usize) -> Arc<Gate> {
            assert!(super::POINTS.contains(&name), "unknown hook point {name}");
            let gate = Arc::new(Gate {
                left: Mutex::new(count),
                arrived: watch::Sender::new(0),
                open: watch::Sender::new(false),
            });
            self.gates.lock().unwrap_or_else(PoisonError::into_inner).insert(name, Arc::clone(&gate));
            gate
        }

        pub(crate) async fn park(&self, name: &'static str) {
            let gate = self.gates.lock().unwrap_or_else(PoisonError::into_inner).get(name).cloned();
            if let Some(gate) = gate {
                gate.park().await;
            }
        }
    }

    impl Gate {
        async fn park(&self) {
            {
                let mut left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
                if *left == 0 {
                    return;
                }
                *left -= 1;
            }
            let mut open = self.open.subscribe();
            self.arrived.send_modify(|n| *n += 1);
            let _ = open.wait_for(|released| *released).await;
        }

        /// Waits until `n` requests are parked here (or were, before a
        /// release).
        pub async fn reached(&self, n: usize) {
            let mut arrived = self.arrived.subscribe();
            let _ = arrived.wait_for(|k| *k >= n).await;
        }

        /// How many requests have reached this gate so far.
        #[must_use]
        pub fn arrived(&self) -> usize {
            *self.arrived.borrow()
        }

        /// Lets every parked request go on, and every later one pass.
        pub fn release(&self) {
            *self.left.lock().unwrap_or_else(PoisonError::into_inner) = 0;
            self.open.send_replace(true);
        }
    }
}
