//! Roles of members and scopes of API keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A member's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Owners and admins manage the organization; members track their own work.
    pub fn is_admin(&self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            other => Err(format!("unknown role `{other}`")),
        }
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

/// A set of scopes, kept as two flags because there are only two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub read: bool,
    pub write: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes {
        read: true,
        write: true,
    };
    pub const READ: Scopes = Scopes {
        read: true,
        write: false,
    };

    pub fn from_list(list: &[Scope]) -> Scopes {
        Scopes {
            read: list.contains(&Scope::Read) || list.contains(&Scope::Write),
            write: list.contains(&Scope::Write),
        }
    }

    pub fn to_list(self) -> Vec<Scope> {
        let mut out = Vec::new();
        if self.read {
            out.push(Scope::Read);
        }
        if self.write {
            out.push(Scope::Write);
        }
        out
    }

    /// Stored as a comma-separated list.
    pub fn to_db(self) -> String {
        self.to_list()
            .iter()
            .map(Scope::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn from_db(text: &str) -> Scopes {
        Scopes {
            read: true,
            write: text.split(',').any(|s| s == "write"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read() {
        assert_eq!(Scopes::from_list(&[Scope::Write]), Scopes::ALL);
        assert_eq!(Scopes::from_db(&Scopes::READ.to_db()), Scopes::READ);
        assert_eq!(Scopes::from_db(&Scopes::ALL.to_db()), Scopes::ALL);
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
    }
}
