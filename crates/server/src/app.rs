//! Starting the application: connect, migrate, load the instance keys, build
//! the state, serve until told to stop, then drain in-flight requests for a
//! bounded time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use stint_core::Clock;
use stint_store::{ConnectOptions, Store};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::crypto::random_bytes;
use crate::config::Settings;
use crate::services::webhooks::worker::WorkerHandle;
use crate::state::{AppState, Inner, InstanceKeys};

/// Connects to the configured database and applies pending migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let options = ConnectOptions {
        url: settings.database_url.clone(),
        max_connections: settings.database.max_connections,
        acquire_timeout: settings.database.acquire_timeout,
    };
    let store = Store::connect(&options)
        .await
        .context("could not open the database")?;
    store
        .migrate()
        .await
        .context("could not apply database migrations")?;
    Ok(store)
}

/// The signing and hashing keys: the JWT key from settings when given,
/// otherwise (like the API-key hashing key always) generated once and kept
/// in the database so restarts and sibling processes share it.
async fn load_keys(
    store: &Store,
    settings: &Settings,
    clock: &dyn Clock,
) -> anyhow::Result<InstanceKeys> {
    let now = clock.now();
    let mut tx = store.system().write().await?;
    let jwt = match &settings.auth.jwt_secret {
        Some(secret) => {
            use secrecy::ExposeSecret;
            secret.expose_secret().as_bytes().to_vec()
        }
        None => {
            tx.secret_or_insert("jwt_signing_key", &random_bytes::<32>(), now)
                .await?
        }
    };
    let api_key_hmac = tx
        .secret_or_insert("api_key_hmac", &random_bytes::<32>(), now)
        .await?;
    tx.commit().await?;
    Ok(InstanceKeys { jwt, api_key_hmac })
}

/// Builds the shared state over an open store.
pub async fn build_state(
    store: Store,
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let keys = load_keys(&store, &settings, clock.as_ref()).await?;
    let limits = crate::limits::Limits::new(&settings.rate_limit);
    let credentials = crate::auth::credential_cache::CredentialCache::new(
        settings
            .auth
            .credential_cache
            .enabled(store.backend() == stint_store::Backend::Sqlite),
        settings.auth.credential_cache_ttl,
    );
    Ok(AppState::new(Inner {
        store,
        clock,
        settings,
        keys,
        key_usage: Mutex::new(Default::default()),
        credentials,
        limits,
        openapi_json: crate::api::openapi_json(),
    }))
}

/// A server running in the background, with its webhook delivery worker;
/// dropping the handle does not stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    worker: WorkerHandle,
}

impl RunningServer {
    /// Stops accepting and claiming webhook work, lets in-flight requests
    /// and delivery attempts finish within the grace period, and answers
    /// whether they all did.
    pub async fn shutdown(self, grace: std::time::Duration) -> bool {
        let _ = self.stop.send(true);
        let (served, delivered) = tokio::join!(
            tokio::time::timeout(grace, self.task),
            self.worker.shutdown(grace)
        );
        matches!(served, Ok(Ok(Ok(())))) && delivered
    }
}

/// Serves the application on an already bound listener and starts the
/// webhook delivery worker beside it.
pub fn spawn(listener: TcpListener, state: AppState) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let worker = crate::services::webhooks::worker::spawn(state.clone())?;
    let (stop, mut stopped) = watch::channel(false);
    let app = crate::api::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|s| *s).await;
    });
    let task = tokio::spawn(async move { server.await });
    Ok(RunningServer {
        addr,
        stop,
        task,
        worker,
    })
}

/// `stint serve`: runs until SIGTERM or SIGINT, then drains.
pub async fn serve(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    // Listen for signals before anything else, so a SIGTERM that arrives
    // while starting still means "stop cleanly", never the default kill.
    let shutdown = ShutdownSignal::install()?;
    let store = open_store(&settings).await?;
    announce_first_start(&store).await;
    let listen = settings.listen;
    let grace = settings.http.shutdown_timeout;
    let state = build_state(store.clone(), settings, clock).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("could not listen on {listen}"))?;
    let server = spawn(listener, state)?;
    tracing::info!(address = %server.addr, backend = ?store.backend(), "stint is serving; docs at /api/v1/openapi.json");
    shutdown.wait().await;
    tracing::info!(
        grace_seconds = grace.as_secs(),
        "shutting down: finishing in-flight requests"
    );
    if !server.shutdown(grace).await {
        tracing::warn!("some requests or webhook attempts did not finish within the grace period");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn announce_first_start(store: &Store) {
    let count = async { store.system().read().await?.count_organizations().await }.await;
    if let Ok(0) = count {
        tracing::info!(
            "no organization yet: create the first one with `stint admin create-organization --name \"Acme\" --owner-email you@example.com --owner-password '…'`, or POST /api/v1/signup"
        );
    }
}

/// SIGTERM and SIGINT, registered when created.
struct ShutdownSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    fn install() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())
                    .context("could not listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt())
                    .context("could not listen for SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {},
            _ = self.interrupt.recv() => {},
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
