//! Member use cases: invitations, profiles, roles, deactivation.
