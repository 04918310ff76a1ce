//! Test support (feature `test-hooks`, never in a production build): the
//! service's state with its pause points reachable, for the race tests.

use std::sync::Arc;

pub use crate::hooks::{Gate, Hooks};
use crate::{Config, StartError, app::AppState};

/// [`build_state`](crate::build_state) with [`Hooks`] the test can arm.
///
/// # Errors
/// What [`build_state`](crate::build_state) refuses.
///
/// # Panics
/// When `build_state` kept a second handle on the state it returned (it
/// spawns nothing, so never).
pub fn build_state_with_hooks(config: &Config) -> Result<(Arc<AppState>, Arc<Hooks>), StartError> {
    let (state, _) = crate::build_state(config)?;
    // Test support: the state is new and unshared; a second handle would be
    // a bug in build_state worth stopping the test for.
    #[allow(clippy::panic)]
    let Ok(mut state) = Arc::try_unwrap(state) else {
        panic!("build_state returned a shared state");
    };
    let hooks = Arc::new(Hooks::default());
    state.hooks = Some(Arc::clone(&hooks));
    Ok((Arc::new(state), hooks))
}
