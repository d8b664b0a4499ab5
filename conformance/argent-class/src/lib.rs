//! Empty: this package only exists to be fetched (see Cargo.toml).
