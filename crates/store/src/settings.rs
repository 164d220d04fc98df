//! Organization settings: profile, defaults and invoicing.
