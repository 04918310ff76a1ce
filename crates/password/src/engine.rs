//! The hashing engine (issue 12): the argon2 core each worker owns.

// Wired into the hasher by the engine's next commit; until then only its
// own unit tests (and the fuzzing oracles) call it.
#[allow(dead_code, unused_imports)]
pub(crate) mod core;
