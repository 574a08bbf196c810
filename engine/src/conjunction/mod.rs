//! Conjunction assessment: reading conjunction data messages and the probability of collision.
//!
//! Screening of nations' catalogs, warnings as products and CDM output are to come (issue 13);
//! this module holds what they will share: the CDM reader (`cdm`), the 2-D Pc (`pc`), Hall's 3-D
//! expected collision count (`nc3d`) and whether the 2-D method applies (`validity`).

pub mod cdm;
pub mod nc3d;
pub mod pc;
mod quadrature;
pub mod screen;
mod search;
pub mod validity;

pub use cdm::{Cdm, CdmObject};
pub use nc3d::{Body6, Nc3d, nc3d};
pub use pc::{Body, Pc2d, PcError, pc2d};
pub use screen::{Approach, Orbiter, screen};
pub use validity::{Validity2d, validity_2d};
