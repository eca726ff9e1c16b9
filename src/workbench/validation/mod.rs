//! Validation samples: the run's coded units in; a probability sample of them for hand coding
//! out ([`design`]); and, once coded, estimates of what a coder would have found in the whole
//! corpus — each code's share with an interval, the rules' precision and recall — out
//! ([`estimate`], with the statistics in [`interval`]). The sheet the coder fills and the file
//! that records the design are in [`sheet`].

pub mod design;
pub mod estimate;
pub mod interval;
pub mod sheet;
