//! A running test instance: its address, state and settings, more instances on the same data,
//! and the end of it (dropping a `TestApp` stops the server, then removes its data).

use std::{sync::mpsc, time::Duration};

use tokio::sync::oneshot;
use wiremock::MockServer;
use zhitongche::{
    config::{RawSettings, Settings},
    startup::{Application, build_state},
    state::AppState,
};

use crate::{backends::Backend, resources::Resources};

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    /// The running instance's state: database, Redis, settings.
    pub state: AppState,
    /// The settings it was built from, to start more instances on the same data.
    pub raw: RawSettings,
    pub wechat: MockServer,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    done: Option<mpsc::Receiver<()>>,
    /// `None` for extra instances, which share the first one's data.
    resources: Option<Resources>,
}

impl TestApp {
    /// Runs `app` in the background until the returned `TestApp` is dropped.
    pub(crate) fn run(
        app: Application,
        client: reqwest::Client,
        raw: RawSettings,
        wechat: MockServer,
        backend: Backend,
        resources: Option<Resources>,
    ) -> TestApp {
        let port = app.port();
        let state = app.state().clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async {
                    let _ = stop_rx.await;
                })
                .await;
            let _ = done_tx.send(());
        });
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            state,
            raw,
            wechat,
            backend,
            stop: Some(stop_tx),
            done: Some(done_rx),
            resources,
        }
    }

    /// Starts another instance on the same database and Redis prefix (not cleaned up by it).
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(self.raw.clone()).await
    }

    /// Another instance with adjusted settings, on the same data and the same fake WeChat.
    pub async fn another_instance_with(&self, raw: RawSettings) -> TestApp {
        let settings = Settings::from_raw(raw.clone()).unwrap();
        let state = build_state(settings).await.unwrap();
        let app = Application::with_state(state).unwrap();
        // Unused: this instance calls the first instance's fake WeChat (same settings).
        let wechat = MockServer::start().await;
        TestApp::run(app, self.client.clone(), raw, wechat, self.backend, None)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let done = self.done.take();
        let resources = self.resources.take();
        // A separate thread: the test's runtime keeps driving the server's shutdown meanwhile.
        let _ = std::thread::spawn(move || {
            if let Some(done) = done {
                let _ = done.recv_timeout(Duration::from_secs(10));
            }
            if let Some(resources) = resources {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(resources.remove());
            }
        })
        .join();
    }
}
