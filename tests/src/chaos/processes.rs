//! What a fault run is made of: a fresh PostgreSQL database, a private `redis-server` (so that
//! pausing it cannot touch any other test), and instances of the real service as child
//! processes that can be killed, stopped and started again on the same port.

use std::{
    collections::BTreeMap,
    io::{Read, Seek, SeekFrom},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use redis::{AsyncConnectionConfig, aio::MultiplexedConnection};
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

use crate::pg_admin_url;

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// A scratch directory under the system's temporary directory, removed by its owner.
pub fn scratch_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ztc-{what}-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A `redis-server` of this run's own on a free port, without persistence; killed on drop.
pub struct PrivateRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PrivateRedis {
    pub async fn start() -> PrivateRedis {
        let port = free_port();
        let dir = scratch_dir("redis");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH (see README)");
        let redis = PrivateRedis { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = redis.conn().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut c)
                    .await
                    .is_ok()
            {
                return redis;
            }
            assert!(
                Instant::now() < deadline,
                "private redis-server did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A new connection whose commands may wait out a pause.
    pub async fn conn(&self) -> redis::RedisResult<MultiplexedConnection> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(30)));
        redis::Client::open(self.url())?
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    /// `CLIENT PAUSE`: every client, reads and writes alike, waits for `for_`.
    pub async fn pause(&self, for_: Duration) {
        let mut c = self.conn().await.expect("private redis reachable");
        let () = redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(for_.as_millis() as u64)
            .arg("ALL")
            .query_async(&mut c)
            .await
            .expect("CLIENT PAUSE");
    }

    /// How many entries were ever added to `stream` (0 when it does not exist).
    pub async fn entries_added(&self, stream: &str) -> u64 {
        let Ok(mut c) = self.conn().await else {
            return 0;
        };
        let info: redis::RedisResult<redis::Value> = redis::cmd("XINFO")
            .arg("STREAM")
            .arg(stream)
            .query_async(&mut c)
            .await;
        let fields: Vec<redis::Value> = match info {
            Ok(redis::Value::Array(v)) => v,
            Ok(redis::Value::Map(m)) => m.into_iter().flat_map(|(k, v)| [k, v]).collect(),
            _ => return 0,
        };
        fields
            .chunks(2)
            .find_map(|kv| match kv {
                [redis::Value::BulkString(k), redis::Value::Int(n)] if k == b"entries-added" => {
                    u64::try_from(*n).ok()
                }
                [redis::Value::SimpleString(k), redis::Value::Int(n)] if k == "entries-added" => {
                    u64::try_from(*n).ok()
                }
                _ => None,
            })
            .unwrap_or(0)
    }

    /// Deletes keys, as a Redis that restarts without persistence would lose them.
    pub async fn delete(&self, keys: &[String]) {
        let mut c = self.conn().await.expect("private redis reachable");
        let _: i64 = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut c)
            .await
            .expect("DEL");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new PostgreSQL database, dropped (with its connections) on drop.
pub struct FreshDatabase {
    name: String,
}

impl FreshDatabase {
    pub async fn create() -> FreshDatabase {
        let name = format!("ztc_chaos_{}", Uuid::now_v7().simple());
        let admin = Database::connect(format!("{}/postgres", pg_admin_url()))
            .await
            .expect("PostgreSQL must be running on 127.0.0.1:5432 (see README)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("CREATE DATABASE");
        let _ = admin.close().await;
        FreshDatabase { name }
    }

    pub fn url(&self) -> String {
        format!("{}/{}", pg_admin_url(), self.name)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        if std::env::var_os("CHAOS_KEEP_LOGS").is_some() {
            eprintln!("database kept: {name}");
            return;
        }
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(format!("{}/postgres", pg_admin_url())).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// One instance of the service: a child process on a fixed port, its output in a log file.
pub struct Instance {
    pub name: String,
    pub port: u16,
    bin: PathBuf,
    env: BTreeMap<String, String>,
    log: PathBuf,
    child: Option<Child>,
}

impl Instance {
    pub fn new(name: &str, bin: &Path, env: BTreeMap<String, String>, log: PathBuf) -> Instance {
        let port = env
            .get("ZTC_BIND")
            .and_then(|b| b.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .expect("ZTC_BIND with a port");
        Instance {
            name: name.into(),
            port,
            bin: bin.into(),
            env,
            log,
            child: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the process and waits until it answers `/healthz`.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("instance log file");
        let child = Command::new(&self.bin)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.env)
            .env("HOSTNAME", &self.name)
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("the ztc-instance binary starts");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client
                .get(self.url("/healthz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "{} exited at start-up ({status}):\n{}",
                    self.name,
                    self.log_tail(40)
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not come up:\n{}",
                self.name,
                self.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `kill -9`: no shutdown of any kind.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, as an orchestrator stops a container.
    pub fn terminate(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }

    /// Waits up to `within` for the process to end; how long it took, or `None` if it is
    /// still running.
    pub async fn exited_within(&mut self, within: Duration) -> Option<Duration> {
        let started = Instant::now();
        loop {
            match self.child.as_mut().map(Child::try_wait) {
                None => return Some(started.elapsed()),
                Some(Ok(Some(_))) | Some(Err(_)) => {
                    self.child = None;
                    return Some(started.elapsed());
                }
                Some(Ok(None)) => {}
            }
            if started.elapsed() >= within {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// The last `lines` lines of the instance's output, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut bytes = Vec::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
            let _ = f.read_to_end(&mut bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}
