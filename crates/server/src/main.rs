//! The `stint` binary: parses the command line and runs the command.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use stint_core::SystemClock;
use stint_core::validation::normalize_email;
use stint_server::cli::{AdminCommand, Cli, Command, DatabaseArgs};
use stint_server::config::{FlagOverrides, Settings};
use stint_server::services::organizations::{NewOrganizationInput, create_organization};
use stint_server::{app, telemetry};

/// mimalloc instead of glibc's malloc: under load glibc's arenas contend
/// (about a fifth of the server's time in the list benchmark went to malloc
/// and free of row values and JSON); see docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stint: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stint: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(cli: &Cli, flags: FlagOverrides) -> anyhow::Result<Settings> {
    Ok(Settings::load(cli.config.as_deref(), &flags)?)
}

fn db_flags(database: &DatabaseArgs) -> FlagOverrides {
    FlagOverrides {
        database_url: database.database_url.clone(),
        ..Default::default()
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => {
            let flags = FlagOverrides {
                listen: args.listen.clone(),
                database_url: args.database.database_url.clone(),
                log_format: args.log_format,
            };
            let settings = load(&cli, flags)?;
            telemetry::init(settings.log_format, &settings.log_level);
            app::serve(settings, Arc::new(SystemClock)).await
        }
        Command::Migrate(database) => {
            let settings = load(&cli, db_flags(database))?;
            telemetry::init(settings.log_format, &settings.log_level);
            app::open_store(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Openapi => {
            print!("{}", stint_server::api::openapi_json());
            Ok(())
        }
        Command::Admin(AdminCommand::CreateOrganization(args)) => {
            let settings = load(&cli, db_flags(&args.database))?;
            telemetry::init(settings.log_format, "warn");
            let store = app::open_store(&settings).await?;
            let state = app::build_state(store, settings, Arc::new(SystemClock)).await?;
            let owner_name = args.owner_name.clone().unwrap_or_else(|| {
                args.owner_email
                    .split('@')
                    .next()
                    .unwrap_or("Owner")
                    .to_owned()
            });
            let created = create_organization(
                &state,
                NewOrganizationInput {
                    organization_name: args.name.clone(),
                    owner_name,
                    email: args.owner_email.clone(),
                    password: args.owner_password.clone(),
                    timezone: args.timezone.clone(),
                    currency: args.currency.clone(),
                },
                false,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created organization {} ({}) owned by {} ({})",
                created.organization.name,
                created.organization.id,
                created.user.email,
                created.user.id
            );
            Ok(())
        }
        Command::Admin(AdminCommand::SetPlan(args)) => {
            let settings = load(&cli, db_flags(&args.database))?;
            telemetry::init(settings.log_format, "warn");
            if !settings.plans.contains_key(&args.plan) {
                let known: Vec<&String> = settings.plans.keys().collect();
                anyhow::bail!("unknown plan `{}`; configured plans: {known:?}", args.plan);
            }
            let org: stint_core::ids::OrgId = args
                .organization
                .parse()
                .map_err(|e| anyhow::anyhow!("--organization: {e}"))?;
            let store = app::open_store(&settings).await?;
            let mut tx = store.system().write().await?;
            if !tx
                .set_plan(org, &args.plan, stint_core::Clock::now(&SystemClock))
                .await?
            {
                anyhow::bail!("no organization {org}");
            }
            tx.commit().await?;
            println!("organization {org} is now on the {} plan", args.plan);
            Ok(())
        }
        Command::Admin(AdminCommand::ResetPassword(args)) => {
            let settings = load(&cli, db_flags(&args.database))?;
            telemetry::init(settings.log_format, "warn");
            if let Some(problem) = stint_core::password::password_problem(&args.password) {
                anyhow::bail!("password {problem}");
            }
            let store = app::open_store(&settings).await?;
            let email = normalize_email(&args.email);
            let hash = stint_server::auth::password::hash_password(args.password.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut tx = store.system().write().await?;
            let user = tx
                .user_by_email(&email)
                .await?
                .with_context(|| format!("no user with email {email}"))?;
            tx.set_password_hash(user.id, &hash, stint_core::Clock::now(&SystemClock))
                .await?;
            tx.commit().await?;
            println!("password of {email} changed");
            Ok(())
        }
    }
}
