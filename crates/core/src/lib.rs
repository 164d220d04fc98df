//! Stint's domain, pure: typed ids, money, roles and scopes, validation rules,
//! the clock abstraction. Nothing here touches a database, the network or async.

pub mod clock;
pub mod country;
pub mod currency;
pub mod file_type;
pub mod ids;
pub mod money;
pub mod password;
pub mod role;
pub mod time_tracking;
pub mod timezone;
pub mod unit_codes;
pub mod validation;

pub use clock::{Clock, FakeClock, SystemClock};
pub use role::{Role, Scope, Scopes};
pub use validation::{FieldError, Validation};
