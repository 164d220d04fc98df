//! Team (member group) use cases.
