//! Exchange with other tools: REFI-QDA projects and codebooks both ways ([`refi`]) and
//! codebooks or dictionaries of other tools turned into a `codebook.toml` ([`import`]).

pub mod import;
pub mod refi;
