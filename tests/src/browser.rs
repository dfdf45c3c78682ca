//! A real browser for the console tests: Debian's headless Chromium driven through its
//! chromedriver with `fantoccini`. One chromedriver process per test; each `session` is a
//! separate browser profile (its own cookies), so two people can work side by side.
//! Without a browser the tests skip loudly, except under `CI`, where that is a failure.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element, key::Key};
use serde_json::{Value, json};

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// A running chromedriver, stopped when dropped.
pub struct Chromedriver {
    child: Child,
    url: String,
    chrome: PathBuf,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver (`CHROMEDRIVER`, else on `PATH`) for Chromium (`CHROME_BIN`, else
/// `chromium` on `PATH`). `None` only outside CI when they are not installed.
pub async fn chromedriver() -> Option<Chromedriver> {
    let driver = find_program("CHROMEDRIVER", &["chromedriver", "chromium-driver"]);
    let chrome = find_program(
        "CHROME_BIN",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let (Some(driver), Some(chrome)) = (driver, chrome) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser tests: install chromium and chromium-driver (.ci/run does)"
        );
        eprintln!(
            "\n*** SKIPPING BROWSER TEST: chromium and chromedriver are not installed \
             (apt-get install chromium chromium-driver fonts-noto-cjk) ***\n"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let cd = Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        chrome,
    };
    let status = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = status.get(format!("{}/status", cd.url)).send().await
            && r.status().is_success()
        {
            return Some(cd);
        }
        assert!(Instant::now() < deadline, "chromedriver did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Chromedriver {
    /// A new browser (its own profile and cookies) with a 1366×768 window; downloads go to
    /// `download_dir`.
    pub async fn session(&self, download_dir: &std::path::Path) -> Browser {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chrome,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1366,768", "--lang=zh-CN", "--force-device-scale-factor=1"],
                "prefs": {
                    "download.default_directory": download_dir,
                    "download.prompt_for_download": false,
                    "intl.accept_languages": "zh-CN"
                }
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session");
        Browser { client }
    }
}

/// One browser window and the steps a person takes in it.
pub struct Browser {
    pub client: Client,
}

const WAIT: Duration = Duration::from_secs(15);

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("page loads");
    }

    /// The element matching `css`, waiting until it is there.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Clicks `css`; a list that redraws itself under the pointer (live updates) is found again.
    pub async fn click(&self, css: &str) {
        for _ in 0..20 {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if e.to_string().contains("stale element") => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        panic!("{css} kept being redrawn");
    }

    /// Types into the element that has the keyboard focus, as a person would.
    pub async fn keys(&self, text: &str) {
        self.client
            .active_element()
            .await
            .expect("a focused element")
            .send_keys(text)
            .await
            .expect("typing");
        tokio::time::sleep(Duration::from_millis(60)).await;
    }

    /// Tab to the next control, then type.
    pub async fn tab_keys(&self, text: &str) {
        self.keys(&(Key::Tab + text)).await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Waits until the page's visible text under `css` contains `wanted`.
    pub async fn wait_text(&self, css: &str, wanted: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = el.text().await
                && t.contains(wanted)
            {
                return t;
            }
            if Instant::now() > deadline {
                let shown = self.text("body").await;
                panic!("{css} never showed {wanted:?}; the page shows:\n{shown}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing matches `css` any more.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        while self.client.find(Locator::Css(css)).await.is_ok() {
            assert!(Instant::now() < deadline, "{css} is still there");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a script in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Saves `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("saved");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

pub use fantoccini::key::Key as Keys;
