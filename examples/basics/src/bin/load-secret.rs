//! Load a secret from a file the way a deployment hands it over (a mounted
//! secret, mode 0600), and see what is refused.
//!
//! `cargo run -p guardrail-examples --bin load-secret`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::secret::{
    self, ExposeSecret,
    load::FileLoader,
    store::{Mode, write_private},
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hmac_key");
    // What `guardrail keyring new` and the auth service do: owner-only from the start.
    write_private(&path, b"3f9a0c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c2e4b6d8f0a\n", Mode::CreateNew)?;

    let hex = FileLoader::new().max_len(1024).load(&path)?; // one trailing newline removed
    let key = secret::decode_hex(hex.expose_secret())?; // constant-time decode, no copy left behind
    println!("loaded a {}-byte key; Debug shows {key:?}", key.expose_secret().len());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
        let err = FileLoader::new().load(&path).err().ok_or("a group-readable key file was accepted")?;
        println!("refused at mode 0640: {err}");
        // Writable by others: they could replace the key without reading it.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o602))?;
        let err = FileLoader::new().load(&path).err().ok_or("a world-writable key file was accepted")?;
        println!("refused at mode 0602: {err}");
    }
    let missing = FileLoader::new().load(dir.path().join("missing")).err().ok_or("a missing file loaded")?;
    println!("refused: {missing}");
    Ok(())
}
