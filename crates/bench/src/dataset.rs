//! The benchmark's organizations. Each is signed up over HTTP against the
//! real server (owner, Public API app on, an API key pair: the server then
//! authenticates the bench for real), then filled through the store's bulk
//! API: members, services, clients, projects, tasks and two years of time
//! entries on working days, with the values the API itself would store
//! (local dates, weeks, months, rounding, rates and amounts).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::json;
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, MemberId, OrgId, ProjectId, ServiceId, TaskId, UserId};
use stint_core::time_tracking::{amount_for, iso_week_label, month_label, round_up_to_minutes};
use stint_store::Store;
use stint_store::bulk::BulkItem;
use stint_store::clients::ClientValues;
use stint_store::members::{MemberProfile, NewMember};
use stint_store::projects::ProjectValues;
use stint_store::services::ServiceValues;
use stint_store::tasks::TaskValues;
use stint_store::time_entries::TimeEntryValues;
use stint_store::users::NewUser;
use uuid::Uuid;

use crate::http::{Conn, Req, str_at};
use crate::rng::Rng;

/// How big each organization is.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub members: usize,
    pub clients: usize,
    pub projects: usize,
    pub tasks: usize,
    pub services: usize,
    pub entries: usize,
}

/// An organization as signed up over HTTP.
#[derive(Debug, Clone)]
pub struct OrgSetup {
    pub id: OrgId,
    pub owner_member: MemberId,
    /// `X-Api-Key` value (key and secret together).
    pub key_token: String,
    pub api_key: String,
    pub api_secret: String,
}

/// An organization after the load: the ids requests pick from.
#[derive(Debug, Clone)]
pub struct Org {
    pub setup: OrgSetup,
    pub members: Vec<String>,
    pub clients: Vec<String>,
    pub tasks: Vec<String>,
    pub services: Vec<String>,
}

/// Rows and time of a load.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadStats {
    pub entries: u64,
    pub entries_time: Duration,
    pub other_rows: u64,
}

const PASSWORD: &str = "bench password, long enough";

/// Signs up an organization, switches its Public API app on and creates a
/// read-write key.
pub async fn sign_up(conn: &mut Conn, name: &str, email: &str) -> Result<OrgSetup> {
    let signup = conn
        .json(
            &Req::post_json(
                "/api/v1/signup",
                &json!({"organization_name": name, "name": "Bench Owner", "email": email,
                        "password": PASSWORD, "timezone": "UTC", "currency": "EUR"}),
            ),
            201,
        )
        .await?;
    let access = str_at(&signup, "/data/access")?;
    let bearer = format!("Bearer {access}");
    conn.json(
        &Req::post_json("/api/v1/apps/public-api/activate", &json!({}))
            .header("authorization", bearer.clone()),
        200,
    )
    .await
    .context("activating the Public API app")?;
    let key = conn
        .json(
            &Req::post_json(
                "/api/v1/api-keys",
                &json!({"name": "bench", "scopes": ["read", "write"]}),
            )
            .header("authorization", bearer),
            201,
        )
        .await
        .context("creating the API key")?;
    Ok(OrgSetup {
        id: str_at(&signup, "/data/organization/id")?
            .parse()
            .map_err(|e| anyhow::anyhow!("organization id: {e:?}"))?,
        owner_member: str_at(&signup, "/data/member/id")?
            .parse()
            .map_err(|e| anyhow::anyhow!("member id: {e:?}"))?,
        key_token: str_at(&key, "/data/token")?,
        api_key: str_at(&key, "/data/api_key")?,
        api_secret: str_at(&key, "/data/api_secret")?,
    })
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(hour, minute, 0).unwrap_or_default())
}

/// A time-ordered id whose timestamp is `when`, as the row would have
/// got had it been created then.
fn id_at(when: DateTime<Utc>) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        when.timestamp() as u64,
        when.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}

struct Project {
    id: ProjectId,
    client: ClientId,
    billing: &'static str,
    rate: Option<i64>,
}

struct Task {
    id: TaskId,
    project: usize,
}

struct Service {
    id: ServiceId,
    rate: i64,
    rounding: i64,
}

const TAGS: [&str; 8] = [
    "meeting",
    "development",
    "design",
    "review",
    "support",
    "travel",
    "research",
    "admin",
];
const NOTES: [&str; 8] = [
    "Weekly sync with the client",
    "Implementation of the checkout flow",
    "Wireframes and mock-ups",
    "Code review and fixes",
    "Support tickets",
    "On-site workshop",
    "Research for the proposal",
    "Planning and estimates",
];

/// Working days of the two years before `anchor`.
pub fn working_days(anchor: NaiveDate) -> Vec<NaiveDate> {
    (1..=730)
        .rev()
        .filter_map(|back| anchor.checked_sub_days(chrono::Days::new(back)))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// Fills one organization. `label` keeps user emails unique across orgs.
pub async fn load(
    store: &Store,
    setup: OrgSetup,
    sizes: Sizes,
    anchor: NaiveDate,
    label: &str,
    seed: u64,
) -> Result<(Org, LoadStats)> {
    let mut rng = Rng::new(seed);
    let mut stats = LoadStats::default();
    let created = at(anchor - chrono::Days::new(800), 9, 0);

    // Members: the owner from signup plus people added through the store.
    let mut members: Vec<(MemberId, Option<i64>)> = vec![(setup.owner_member, None)];
    let mut system = store.system().write().await?;
    for i in 1..sizes.members {
        let user = UserId::from_uuid(id_at(created));
        let member = MemberId::from_uuid(id_at(created));
        let name = format!("Member {i:03}");
        system
            .insert_user(&NewUser {
                id: user,
                email: format!("bench-{label}-{i}@example.com"),
                name: name.clone(),
                password_hash: None,
                now: created,
            })
            .await?;
        let rate = Some(5_000 + 500 * rng.below(15) as i64);
        let mut profile = MemberProfile::named(&name);
        profile.default_hourly_rate = rate;
        system
            .insert_member(&NewMember {
                id: member,
                org_id: setup.id,
                user_id: user,
                role: "member".into(),
                status: "active".into(),
                profile,
                now: created,
            })
            .await?;
        members.push((member, rate));
    }
    system.commit().await?;
    stats.other_rows += 2 * (sizes.members as u64 - 1);

    #[allow(clippy::disallowed_methods)] // the bench fills its own organization
    let scoped = store.scoped(setup.id);
    let mut tx = scoped.write().await?;

    let roundings = [0i64, 5, 15, 15, 30];
    let services: Vec<Service> = (0..sizes.services)
        .map(|i| Service {
            id: ServiceId::from_uuid(id_at(created)),
            rate: 6_000 + 1_000 * (i as i64 % 8),
            rounding: roundings[i % roundings.len()],
        })
        .collect();
    let rows: Vec<BulkItem<ServiceValues>> = services
        .iter()
        .enumerate()
        .map(|(i, s)| BulkItem {
            id: s.id.uuid(),
            created_at: created,
            values: ServiceValues {
                name: format!("Service {i:02}"),
                description: Some("Consulting and delivery".into()),
                kind: "hourly".into(),
                rate: s.rate,
                currency: "EUR".into(),
                unit_code: "HUR".into(),
                vat_rate: 2000,
                rounding: s.rounding,
                status: "active".into(),
            },
        })
        .collect();
    stats.other_rows += tx.bulk_insert(&rows).await?;

    let clients: Vec<ClientId> = (0..sizes.clients)
        .map(|_| ClientId::from_uuid(id_at(created)))
        .collect();
    let rows: Vec<BulkItem<ClientValues>> = clients
        .iter()
        .enumerate()
        .map(|(i, id)| BulkItem {
            id: id.uuid(),
            created_at: created,
            values: ClientValues {
                name: format!("Client {i:05} GmbH"),
                initials: "CG".into(),
                kind: "company".into(),
                email: Some(format!("billing{i}@client.example")),
                phone: None,
                vat_number: None,
                company_number: None,
                street: Some(format!("{} Main Street", i % 200 + 1)),
                postal_code: Some(format!("{:05}", 10_000 + i % 80_000)),
                city: Some("Berlin".into()),
                region: None,
                country_code: Some("DE".into()),
                locale: None,
                currency: "EUR".into(),
                payment_terms_days: Some(30),
                notes: None,
                default_contact_id: None,
                custom_fields: Default::default(),
                status: "active".into(),
                group_ids: Vec::new(),
            },
        })
        .collect();
    stats.other_rows += tx.bulk_insert(&rows).await?;

    let projects: Vec<Project> = (0..sizes.projects)
        .map(|i| {
            let roll = rng.unit();
            let (billing, rate) = if roll < 0.55 {
                ("hourly", Some(8_000 + 500 * rng.below(12) as i64))
            } else if roll < 0.7 {
                ("hourly", None)
            } else if roll < 0.85 {
                ("fixed_fee", None)
            } else {
                ("non_billable", None)
            };
            Project {
                id: ProjectId::from_uuid(id_at(created)),
                client: clients[i % clients.len()],
                billing,
                rate,
            }
        })
        .collect();
    let rows: Vec<BulkItem<ProjectValues>> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| BulkItem {
            id: p.id.uuid(),
            created_at: created,
            values: ProjectValues {
                client_id: Some(p.client),
                name: format!("Project {i:05}"),
                code: Some(format!("P{i:05}")),
                status: "active".into(),
                billing_method: p.billing.into(),
                currency: "EUR".into(),
                hourly_rate: p.rate,
                fixed_fee: (p.billing == "fixed_fee").then_some(1_500_000),
                budget_minutes: Some(6_000),
                budget_amount: None,
                starts_on: None,
                ends_on: None,
                notes: None,
                custom_fields: Default::default(),
                member_ids: Vec::new(),
            },
        })
        .collect();
    stats.other_rows += tx.bulk_insert(&rows).await?;

    let tasks: Vec<Task> = (0..sizes.tasks)
        .map(|i| Task {
            id: TaskId::from_uuid(id_at(created)),
            project: i % projects.len(),
        })
        .collect();
    let rows: Vec<BulkItem<TaskValues>> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| BulkItem {
            id: t.id.uuid(),
            created_at: created,
            values: TaskValues {
                title: format!("Task {i:06}"),
                description: None,
                client_id: Some(projects[t.project].client),
                project_id: Some(projects[t.project].id),
                topic_id: None,
                status: "open".into(),
                due_on: None,
                estimate_minutes: Some(240),
                custom_fields: Default::default(),
                assignee_ids: Vec::new(),
            },
        })
        .collect();
    stats.other_rows += tx.bulk_insert(&rows).await?;
    tx.commit().await?;

    // Two years of time on working days, oldest first (ids follow time).
    let days = working_days(anchor);
    let started = Instant::now();
    let batch = 20_000;
    let mut i = 0;
    while i < sizes.entries {
        let end = (i + batch).min(sizes.entries);
        let rows: Vec<BulkItem<TimeEntryValues>> = (i..end)
            .map(|n| {
                entry(
                    n,
                    sizes.entries,
                    &days,
                    &members,
                    &projects,
                    &tasks,
                    &services,
                    &mut rng,
                )
            })
            .collect();
        let mut tx = scoped.write().await?;
        stats.entries += tx.bulk_insert(&rows).await?;
        tx.commit().await?;
        i = end;
    }
    stats.entries_time = started.elapsed();

    let org = Org {
        setup,
        members: members.iter().map(|(m, _)| m.to_string()).collect(),
        clients: clients.iter().map(ToString::to_string).collect(),
        tasks: tasks.iter().map(|t| t.id.to_string()).collect(),
        services: services.iter().map(|s| s.id.to_string()).collect(),
    };
    Ok((org, stats))
}

/// The `n`-th of `total` entries, with what the API would compute for it.
#[allow(clippy::too_many_arguments)]
fn entry(
    n: usize,
    total: usize,
    days: &[NaiveDate],
    members: &[(MemberId, Option<i64>)],
    projects: &[Project],
    tasks: &[Task],
    services: &[Service],
    rng: &mut Rng,
) -> BulkItem<TimeEntryValues> {
    let date = days[n * days.len() / total.max(1)];
    let (member, _) = members[n % members.len()];
    let task = rng.pick(tasks);
    let with_task = rng.chance(0.9);
    let project = &projects[task.project];
    let service = rng.pick(services);
    // 15 min to 4 h, most of them short; some not on a 5-minute boundary.
    let minutes = (15 + (rng.unit().powi(2) * 225.0) as i64) / 5 * 5;
    let seconds = minutes * 60
        + if rng.chance(0.3) {
            rng.below(240) as i64
        } else {
            0
        };
    let clocked = rng.chance(0.3);
    let slot = ((n / members.len()) % 10) as u32;
    let (started_at, ended_at) = if clocked {
        let start = at(date, 7 + slot, (n % 4) as u32 * 15);
        (
            Some(start),
            Some(start + chrono::Duration::seconds(seconds)),
        )
    } else {
        (None, None)
    };
    let created_at = ended_at.unwrap_or_else(|| at(date, 17, 30)) + chrono::Duration::seconds(30);

    // As time_entry_rules::resolve: billable unless the project is not,
    // no rate on fixed fees, project rate before service rate before the
    // member's, the service's rounding on billable time.
    let billable = project.billing != "non_billable";
    // Every entry has an hourly service, so the member's rate never applies.
    let rate = if billable && project.billing != "fixed_fee" {
        Some(
            project
                .rate
                .map_or((service.rate, "service"), |r| (r, "project")),
        )
    } else {
        None
    };
    let billable_seconds = if billable {
        round_up_to_minutes(seconds, service.rounding)
    } else {
        0
    };
    let billable_amount = rate
        .map(|(r, _)| amount_for(r, billable_seconds, Currency::EUR))
        .unwrap_or(0);
    let mut tags = Vec::new();
    for _ in 0..rng.below(3) {
        let tag = (*rng.pick(&TAGS)).to_owned();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let notes = rng
        .chance(0.6)
        .then(|| format!("{} #{}", rng.pick(&NOTES), n % 997));
    BulkItem {
        id: id_at(created_at),
        created_at,
        values: TimeEntryValues {
            member_id: member,
            client_id: Some(project.client),
            project_id: Some(project.id),
            task_id: with_task.then_some(task.id),
            service_id: Some(service.id),
            date,
            week: iso_week_label(date),
            month: month_label(date),
            started_at,
            ended_at,
            duration_seconds: seconds,
            billable,
            notes,
            tags,
            status: "completed".into(),
            rate: rate.map(|(r, _)| r),
            rate_source: rate.map(|(_, s)| s.to_owned()),
            currency: "EUR".into(),
            billable_seconds,
            billable_amount,
        },
    }
}
