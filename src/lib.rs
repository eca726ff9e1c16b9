//! qualcode: rule-based qualitative coding of a folder of documents.
//!
//! The pipeline is a chain of stages, one module each, with plain Rust data between them:
//! [`read`] (files → decoded documents) → [`segment`] (documents → units with source
//! positions) → [`coding`] (units + [`codebook`] → matches and codings) → [`tables`]
//! (codings → polars tables) → [`output`] (tables → Parquet + manifest). [`pipeline`] runs
//! the stages batch by batch (and shards and merges runs); [`cli`] wires everything to the
//! command line. Beside the pipeline: [`agree`] measures the coding against hand coding,
//! [`inspect`] shows what the codebook does (`check`, `kwic`, `explain`), [`refi`] writes and
//! reads REFI-QDA files for QDA tools, and [`import`] turns another tool's codebook or
//! dictionary into a `codebook.toml`.

pub mod agree;
pub mod cli;
pub mod codebook;
pub mod coding;
pub mod import;
pub mod inspect;
pub mod output;
pub mod pipeline;
pub mod read;
pub mod refi;
pub mod segment;
pub mod tables;

/// The reading stage's former name, kept so that code written against `crate::corpus` still
/// builds while modules move (`cli`'s inspection commands use it).
pub use read as corpus;
