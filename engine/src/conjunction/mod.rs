//! Conjunction assessment: reading conjunction data messages and the probability of collision.
//!
//! Screening of nations' catalogs, warnings as products and CDM output are to come (issue 13);
//! this module holds what they will share: the CDM reader (`cdm`) and the Pc methods (`pc`).

pub mod cdm;
pub mod pc;

pub use cdm::{Cdm, CdmObject};
pub use pc::{Body, Pc2d, PcError, pc2d};
