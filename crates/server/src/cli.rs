//! The command line: `stint serve`, `stint migrate`, `stint admin …` and
//! `stint openapi`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "stint",
    version,
    about = "Stint: time tracking and invoicing with a public REST API"
)]
pub struct Cli {
    /// Settings file (TOML). Default: ./stint.toml when it exists.
    #[arg(long, global = true, env = "STINT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server: API, docs and workers. Migrations run first.
    #[command(after_long_help = crate::config::settings_help())]
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Operators' commands.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: STINT_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub listen: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Log format [env: STINT_LOG_FORMAT] [default: human]
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// sqlite://FILE or postgres://… [env: STINT_DATABASE_URL] [default: sqlite://./stint-data/stint.db]
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and its owner.
    CreateOrganization(CreateOrganizationArgs),
    /// Set a user's password.
    ResetPassword(ResetPasswordArgs),
    /// Move an organization to another plan (free, pro, business, enterprise, or any configured).
    SetPlan(SetPlanArgs),
}

#[derive(Debug, Args)]
pub struct SetPlanArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The organization's id (org_…).
    #[arg(long)]
    pub organization: String,
    /// A plan name from the configuration.
    #[arg(long)]
    pub plan: String,
}

#[derive(Debug, Args)]
pub struct CreateOrganizationArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The organization's name.
    #[arg(long)]
    pub name: String,
    /// The owner's email; an existing account becomes the owner when the password is its own.
    #[arg(long)]
    pub owner_email: String,
    /// The owner's password (at least 10 characters) [env: STINT_OWNER_PASSWORD]
    #[arg(long, env = "STINT_OWNER_PASSWORD", hide_env_values = true)]
    pub owner_password: String,
    /// The owner's name; the part of the email before @ when absent.
    #[arg(long)]
    pub owner_name: Option<String>,
    /// IANA time zone [default: UTC]
    #[arg(long)]
    pub timezone: Option<String>,
    /// ISO 4217 currency [default: EUR]
    #[arg(long)]
    pub currency: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// The new password [env: STINT_NEW_PASSWORD]
    #[arg(long, env = "STINT_NEW_PASSWORD", hide_env_values = true)]
    pub password: String,
}
