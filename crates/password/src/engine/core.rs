//! The argon2 compression core behind the engine: one [`Core`] per worker,
//! owning that worker's warm working memory. Two implementations, one
//! chosen at build time:
//!
//! - default: `argon2-rust` 1.1 (a port of the C reference with
//!   runtime-dispatched SIMD), through its pooled `Hasher`, whose arena is
//!   wiped by the dependency every time a hash releases it (its
//!   `zeroize-memory` feature, on in the workspace);
//! - feature `rustcrypto-argon2`: RustCrypto `argon2` 0.6 on a reused
//!   `Vec<Block>`, lanes computed one after another; the engine wipes it
//!   when its queue empties ([`Core::wipe`]).
//!
//! Both take the same [`Input`]; every library error is [`crate::Error::Argon2`]
//! (no value in the message).

use crate::Params;

/// argon2 variant (RFC 9106 §3.4): guardrail's own, independent of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Argon2d,
    Argon2i,
    Argon2id,
}

/// argon2 version: 0x10 (libargon2 before 1.3) or 0x13 (RFC 9106).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V0x10,
    V0x13,
}

/// Everything one argon2 computation reads, borrowed. The tag length is the
/// length of the output buffer.
#[derive(Clone, Copy)]
pub(crate) struct Input<'a> {
    pub(crate) algorithm: Algorithm,
    pub(crate) version: Version,
    pub(crate) params: Params,
    pub(crate) password: &'a [u8],
    pub(crate) salt: &'a [u8],
    /// The optional secret key K (RFC 9106 §3.1); empty for PHC hashes.
    pub(crate) secret: &'a [u8],
    /// The optional associated data X; empty for PHC hashes.
    pub(crate) ad: &'a [u8],
}

impl std::fmt::Debug for Input<'_> {
    /// Parameters and lengths only: never the password, salt, secret or data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("algorithm", &self.algorithm)
            .field("version", &self.version)
            .field("params", &self.params)
            .field("password_len", &self.password.len())
            .field("salt_len", &self.salt.len())
            .field("secret_len", &self.secret.len())
            .field("ad_len", &self.ad.len())
            .finish()
    }
}

/// Bytes in one argon2 block.
const BLOCK_BYTES: usize = 1024;

#[cfg(not(feature = "rustcrypto-argon2"))]
pub(crate) use self::rust::{Core, NAME, PARALLEL_LANES};
#[cfg(feature = "rustcrypto-argon2")]
pub(crate) use self::rustcrypto::{Core, NAME, PARALLEL_LANES};

/// The default engine: argon2-rust's pooled `Hasher`.
#[cfg(not(feature = "rustcrypto-argon2"))]
mod rust {
    use argon2_rust::params::{Memory, TagLen};

    use super::{Algorithm, BLOCK_BYTES, Input, Version};
    use crate::Error;

    /// The engine's name and version, for docs and diagnostics.
    pub(crate) const NAME: &str = "argon2-rust 1.1.0";

    /// Whether a p-lane hash fills its lanes on several threads (here: up
    /// to its thread slots).
    pub(crate) const PARALLEL_LANES: bool = true;

    /// One worker's argon2-rust `Hasher`: its arena is kept between jobs
    /// (warm, already mapped) and wiped by argon2-rust each time a hash
    /// releases it.
    pub(crate) struct Core {
        hasher: argon2_rust::Hasher,
    }

    impl std::fmt::Debug for Core {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Core").field("engine", &NAME).field("resident_bytes", &self.resident_bytes()).finish()
        }
    }

    impl Core {
        /// A core holding no memory yet (the first job allocates it).
        pub(crate) fn new() -> Self {
            let argon2 = argon2_rust::Argon2::new(
                argon2_rust::Algorithm::Argon2id,
                argon2_rust::Version::V0x13,
                argon2_rust::Params::DEFAULT,
            );
            Self { hasher: argon2.hasher() }
        }

        /// One argon2 computation into `out` (the tag length is `out.len()`),
        /// its lanes filled by up to `threads` OS threads (this one included;
        /// `threads` never changes the tag).
        pub(crate) fn compute(&mut self, input: &Input<'_>, threads: u32, out: &mut [u8]) -> Result<(), Error> {
            let params = argon2_rust::Params::builder()
                .memory(Memory::kib(u64::from(input.params.m_cost())))
                .passes(input.params.t_cost())
                .lanes(input.params.p_cost())
                .threads(threads.clamp(1, input.params.p_cost()))
                .tag_len(TagLen::bytes(out.len() as u64))
                .build()
                .map_err(|_| Error::Argon2)?;
            let algorithm = match input.algorithm {
                Algorithm::Argon2d => argon2_rust::Algorithm::Argon2d,
                Algorithm::Argon2i => argon2_rust::Algorithm::Argon2i,
                Algorithm::Argon2id => argon2_rust::Algorithm::Argon2id,
            };
            let version = match input.version {
                Version::V0x10 => argon2_rust::Version::V0x10,
                Version::V0x13 => argon2_rust::Version::V0x13,
            };
            self.hasher.set_argon2(argon2_rust::Argon2::new(algorithm, version, params));
            self.hasher
                .hash_into_with_ad(input.password, input.salt, input.secret, input.ad, out)
                .map_err(|_| Error::Argon2)
        }

        /// Working memory this core holds now, in bytes.
        pub(crate) fn resident_bytes(&self) -> usize {
            self.hasher.reserved_blocks() * BLOCK_BYTES
        }

        /// The deferred-wipe point. Nothing to do here: argon2-rust wiped
        /// the arena when the last hash released it (before `compute`
        /// returned), so a parked arena is all zeroes already.
        pub(crate) fn wipe(&mut self) {}

        /// Gives the working memory back to the allocator (wiped: see [`Core::wipe`]).
        pub(crate) fn release(&mut self) {
            self.hasher.clear();
        }

        /// Test hook: releases the working memory and reports whether
        /// argon2-rust saw it leave clean (its release audit, `internal-api`):
        /// `true` when nothing was held, or the released arena was all zeroes.
        #[cfg(feature = "fuzzing")]
        pub(crate) fn release_audited(&mut self) -> bool {
            use argon2_rust::__internal::audit;
            let blocks = self.hasher.reserved_blocks();
            if blocks == 0 {
                return true;
            }
            audit::watch(blocks);
            self.hasher.clear();
            let clean = audit::released() >= 1 && audit::released_dirty() == 0;
            audit::watch(0);
            clean
        }
    }
}

/// Feature `rustcrypto-argon2`: RustCrypto `argon2` 0.6 on a reused buffer.
#[cfg(feature = "rustcrypto-argon2")]
mod rustcrypto {
    use argon2::Block;

    use super::{Algorithm, BLOCK_BYTES, Input, Version};
    use crate::Error;

    /// The engine's name and version, for docs and diagnostics.
    pub(crate) const NAME: &str = "RustCrypto argon2 0.6";

    /// Whether a p-lane hash fills its lanes on several threads: no, they
    /// run one after another on the worker, so a job takes one slot.
    pub(crate) const PARALLEL_LANES: bool = false;

    /// One worker's working memory: a `Vec<Block>` grown to the largest
    /// hash seen, left as the last hash wrote it until [`Core::wipe`].
    pub(crate) struct Core {
        blocks: Vec<Block>,
    }

    impl std::fmt::Debug for Core {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Core").field("engine", &NAME).field("resident_bytes", &self.resident_bytes()).finish()
        }
    }

    impl Core {
        /// A core holding no memory yet (the first job allocates it).
        pub(crate) fn new() -> Self {
            Self { blocks: Vec::new() }
        }

        /// One argon2 computation into `out`. The lanes run one after
        /// another on this thread (`threads` is accepted for the engine's
        /// accounting and ignored).
        pub(crate) fn compute(&mut self, input: &Input<'_>, threads: u32, out: &mut [u8]) -> Result<(), Error> {
            let _ = threads;
            let mut builder = argon2::ParamsBuilder::new();
            builder
                .m_cost(input.params.m_cost())
                .t_cost(input.params.t_cost())
                .p_cost(input.params.p_cost())
                .output_len(out.len());
            if !input.ad.is_empty() {
                builder.data(argon2::AssociatedData::new(input.ad).map_err(|_| Error::Argon2)?);
            }
            let params = builder.build().map_err(|_| Error::Argon2)?;
            let blocks = params.block_count();
            let algorithm = match input.algorithm {
                Algorithm::Argon2d => argon2::Algorithm::Argon2d,
                Algorithm::Argon2i => argon2::Algorithm::Argon2i,
                Algorithm::Argon2id => argon2::Algorithm::Argon2id,
            };
            let version = match input.version {
                Version::V0x10 => argon2::Version::V0x10,
                Version::V0x13 => argon2::Version::V0x13,
            };
            let argon = if input.secret.is_empty() {
                argon2::Argon2::new(algorithm, version, params)
            } else {
                argon2::Argon2::new_with_secret(input.secret, algorithm, version, params).map_err(|_| Error::Argon2)?
            };
            if self.blocks.len() < blocks {
                // Too small: wiped, freed, then the new one allocated (the
                // two are never held at once).
                self.release();
                self.blocks = vec![Block::default(); blocks];
            }
            let memory = self.blocks.get_mut(..blocks).ok_or(Error::Argon2)?;
            argon.hash_password_into_with_memory(input.password, input.salt, out, memory).map_err(|_| Error::Argon2)
        }

        /// Working memory this core holds now, in bytes.
        pub(crate) fn resident_bytes(&self) -> usize {
            self.blocks.len() * BLOCK_BYTES
        }

        /// The deferred-wipe point: zeroes the working memory (the last
        /// hash's blocks, derived from its password).
        pub(crate) fn wipe(&mut self) {
            self.blocks.fill(Block::default());
            std::hint::black_box(&self.blocks);
        }

        /// Wipes, then frees the working memory.
        pub(crate) fn release(&mut self) {
            self.wipe();
            self.blocks = Vec::new();
        }

        /// Test hook: whether the held memory is all zeroes (scanned as
        /// held, so it checks that [`Core::wipe`] ran since the last hash),
        /// then releases it.
        #[cfg(feature = "fuzzing")]
        pub(crate) fn release_audited(&mut self) -> bool {
            let clean = self.blocks.iter().all(|b| b.as_ref().iter().all(|w| *w == 0));
            self.release();
            clean
        }
    }

    impl Drop for Core {
        fn drop(&mut self) {
            self.wipe();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;
    use crate::Error;

    fn hex(bytes: &[u8]) -> String {
        guardrail_ct::hex::encode_string(bytes)
    }

    /// RFC 9106 §5.1–5.3: m = 32 KiB, t = 3, p = 4, password 32 × 0x01,
    /// salt 16 × 0x02, secret 8 × 0x03, associated data 12 × 0x04, version
    /// 0x13, 32-byte tags.
    #[test]
    fn rfc9106_vectors_through_the_core() {
        let vectors = [
            (Algorithm::Argon2d, "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb"),
            (Algorithm::Argon2i, "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8"),
            (Algorithm::Argon2id, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"),
        ];
        let mut core = Core::new();
        for (algorithm, want) in vectors {
            for threads in [1, 4] {
                let input = Input {
                    algorithm,
                    version: Version::V0x13,
                    params: Params::new(32, 3, 4).unwrap(),
                    password: &[1; 32],
                    salt: &[2; 16],
                    secret: &[3; 8],
                    ad: &[4; 12],
                };
                let mut tag = [0u8; 32];
                core.compute(&input, threads, &mut tag).unwrap();
                assert_eq!(hex(&tag), want, "{NAME} {algorithm:?} threads {threads}");
                // Tampered twin: one bit of the password.
                let mut password = [1u8; 32];
                password[0] ^= 1;
                core.compute(&Input { password: &password, ..input }, threads, &mut tag).unwrap();
                assert_ne!(hex(&tag), want);
            }
        }
        // The memory stays (warm) until released.
        assert!(core.resident_bytes() >= 32 * 1024);
        core.wipe();
        core.release();
        assert_eq!(core.resident_bytes(), 0);
    }

    /// The input of the reference implementation's test.c vector below.
    fn reference_input() -> Input<'static> {
        Input {
            algorithm: Algorithm::Argon2i,
            version: Version::V0x10,
            params: Params::new(256, 2, 1).unwrap(),
            password: b"password",
            salt: b"somesalt",
            secret: &[],
            ad: &[],
        }
    }

    /// The reference implementation's test.c: argon2i, version 0x10, no
    /// secret or data ("password", "somesalt", m = 256 KiB, t = 2, p = 1;
    /// `tests/data/argon2_test_c.tsv`).
    #[test]
    fn reference_version_0x10_vector() {
        let mut core = Core::new();
        let input = reference_input();
        let mut tag = [0u8; 32];
        core.compute(&input, 1, &mut tag).unwrap();
        assert_eq!(hex(&tag), "fd4dd83d762c49bdeaf57c47bdcd0c2f1babf863fdeb490df63ede9975fccf06");
    }

    /// The release audit the engine's hooks rely on sees a release the
    /// engine's wipe point did not precede: RustCrypto's buffer still holds
    /// the hash's blocks (dirty), argon2-rust wiped its arena itself.
    #[cfg(feature = "fuzzing")]
    #[test]
    fn the_release_audit_checks_the_wipe_point() {
        let input = reference_input();
        let mut tag = [0u8; 32];
        let mut core = Core::new();
        assert!(core.release_audited(), "nothing held is clean");
        core.compute(&input, 1, &mut tag).unwrap();
        assert_eq!(core.release_audited(), !cfg!(feature = "rustcrypto-argon2"), "{NAME}: unwiped release");
        assert_eq!(core.resident_bytes(), 0);
        core.compute(&input, 1, &mut tag).unwrap();
        core.wipe();
        assert!(core.release_audited(), "{NAME}: release after the wipe point");
    }

    #[test]
    fn library_errors_are_argon2_errors() {
        let mut core = Core::new();
        let input = Input {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params: Params::new(8, 1, 1).unwrap(),
            password: b"pw",
            salt: b"short", // below argon2's 8-byte minimum
            secret: &[],
            ad: &[],
        };
        let mut tag = [0u8; 32];
        assert!(matches!(core.compute(&input, 1, &mut tag), Err(Error::Argon2)));
        let mut tiny = [0u8; 2]; // below the 4-byte minimum tag
        assert!(matches!(core.compute(&Input { salt: b"somesalt", ..input }, 1, &mut tiny), Err(Error::Argon2)));
    }
}
