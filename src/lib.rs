//! qualcode: rule-based qualitative coding of a folder of documents.
//!
//! The pipeline is a chain of stages, one module each, with plain Rust data between them:
//! [`read`] (files → decoded documents) → [`segment`] (documents → units with source
//! positions) → [`coding`] (units + [`codebook`] → matches and codings) → [`tables`]
//! (codings → polars tables) → [`output`] (tables → Parquet + manifest). [`pipeline`] runs
//! the stages batch by batch (and shards and merges runs); [`cli`] wires everything to the
//! command line. Beside the pipeline: the [`workbench`] shows what the codebook does
//! (`check`, `kwic`, `explain`), measures it against hand coding (`agree`) and helps improve it
//! (`suggest`, `similar`); [`exchange`] writes and reads REFI-QDA files for QDA tools and turns
//! another tool's codebook or dictionary into a `codebook.toml`. Whatever goes out from input
//! — to a terminal, a TOML codebook, a CSV file — is escaped for it by [`escape`]. [`text`]
//! holds what several stages need of text: which characters are written without spaces, text
//! cut short.

// Nothing reaches a terminal but through `escape` (clippy.toml lists the macros it replaces).
#![warn(clippy::disallowed_macros)]

#[macro_use]
pub mod escape;
pub mod cli;
pub mod codebook;
pub mod coding;
pub mod exchange;
pub mod output;
pub mod pipeline;
pub mod read;
pub mod report;
pub mod segment;
pub mod tables;
pub mod text;
pub mod workbench;
