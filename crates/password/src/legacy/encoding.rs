//! Encodings the legacy formats share (stub: WP-A fills it from `old.rs`:
//! ab64, crypt64, hex, base64 standard/padded, decimal numbers).
