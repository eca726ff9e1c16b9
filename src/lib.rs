//! qualcode: rule-based qualitative coding of a folder of documents.
//!
//! The pipeline is a chain of stages, one module each, with plain Rust data between them:
//! [`corpus`] (files → decoded documents) → [`segment`] (documents → units with source
//! positions) → [`coding`] (units + [`codebook`] → matches and codings) → [`tables`]
//! (codings → polars tables) → [`output`] (tables → Parquet + manifest). [`cli`] wires them
//! to the command line; [`refi`] exports to
//! REFI-QDA for QDA tools.

pub mod agree;
pub mod cli;
pub mod codebook;
pub mod coding;
pub mod corpus;
pub mod import;
pub mod output;
pub mod refi;
pub mod segment;
pub mod tables;
