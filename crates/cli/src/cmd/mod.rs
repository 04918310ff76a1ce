//! One module per family of subcommands, one function per subcommand.

pub(crate) mod encode;
pub(crate) mod keyring;
pub(crate) mod migrate;
pub(crate) mod password;
pub(crate) mod scan;
pub(crate) mod token;
pub(crate) mod validate;
