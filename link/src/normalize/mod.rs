//! Normalisation: turning the many ways sources write the same thing into forms
//! that can be compared.

pub mod description;
pub mod postcode;
pub mod premises;
pub mod text;
