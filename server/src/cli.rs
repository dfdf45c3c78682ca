//! The `zhitongche` command line: `serve` (default), `migrate`, `staff add`, `jurisdiction add`,
//! `demo` and `import`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    audit,
    config::{CONFIG_FILE, RawSettings, Settings},
    db, jurisdictions,
    staff::{
        self, Role,
        domain::{Password, Username},
    },
    startup::{Application, shutdown_signal},
    telemetry,
};

#[derive(Parser)]
#[command(
    name = "zhitongche",
    version,
    about = "社会救助直通车 — social-assistance direct line backend"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate {
        /// List migrations and whether each is applied, without applying anything.
        #[arg(long)]
        status: bool,
    },
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Manage the jurisdiction tree.
    #[command(subcommand)]
    Jurisdiction(JurisdictionCommand),
    /// Load demo data (天津市, its 16 districts, some streets and communities). Idempotent.
    Demo,
    /// WeChat operator actions.
    #[command(subcommand)]
    Wechat(WechatCommand),
    /// Import a CSV or XLSX file: jurisdictions, staff or care_people (the API's checks; every
    /// bad row is reported; importing the same file again changes nothing).
    Import {
        /// jurisdictions, staff or care_people
        #[arg(long)]
        kind: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum WechatCommand {
    /// Invalidate the access token and fetch a new one (`force_refresh`), for a leaked token
    /// only: at most 20 a day and 30 s apart; recorded in the audit log.
    ForceRefreshToken {
        /// Why the token is believed leaked (recorded).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Create a staff account. The password is read from standard input, never from arguments.
    Add {
        #[arg(long)]
        username: String,
        /// admin, supervisor, approver, caseworker, operator or grid_worker
        #[arg(long)]
        role: String,
        /// Code of the jurisdiction node the account belongs to.
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum JurisdictionCommand {
    /// Add a node; without --parent it is a root (a city).
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// city, district, street, community or grid
        #[arg(long)]
        level: String,
        #[arg(long)]
        parent: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let raw = RawSettings::from_file_and_env(std::path::Path::new(CONFIG_FILE))?;
    let log = raw.log();
    telemetry::init_subscriber(telemetry::get_subscriber(
        &log.filter,
        log.format,
        std::io::stdout,
    ));
    let settings = Settings::from_raw(raw.with_dev_secrets()?)?;

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "zhitongche listening; docs at /docs");
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Migrate { status } => {
            let conn = db::connect(&settings.database).await?;
            if status {
                for m in Migrator::get_migration_with_status(&conn).await? {
                    println!("{:?}\t{}", m.status(), m.name());
                }
            } else {
                db::migrate(&conn).await?;
                println!("migrations applied");
            }
            Ok(())
        }
        Command::Staff(StaffCommand::Add {
            username,
            role,
            jurisdiction,
            display_name,
        }) => {
            let password = read_password()?;
            add_staff(
                &settings,
                &username,
                &role,
                &jurisdiction,
                display_name,
                &password,
            )
            .await
        }
        Command::Jurisdiction(JurisdictionCommand::Add {
            code,
            name,
            level,
            parent,
        }) => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let code = jurisdictions::domain::Code::parse(&code).map_err(anyhow::Error::msg)?;
            let name = jurisdictions::domain::parse_name(&name).map_err(anyhow::Error::msg)?;
            let level = jurisdictions::Level::parse(&level)
                .context("--level must be city, district, street, community or grid")?;
            let parent = match parent {
                Some(p) => Some(
                    jurisdictions::store::find_by_code(&conn, &p)
                        .await?
                        .with_context(|| format!("parent {p} does not exist"))?,
                ),
                None => None,
            };
            let expected = match &parent {
                Some(p) => jurisdictions::Level::parse(&p.level).and_then(|l| l.child()),
                None => Some(jurisdictions::Level::City),
            };
            if expected != Some(level) {
                bail!(
                    "a node under this parent must have level {:?}",
                    expected.map(|l| l.as_str())
                );
            }
            let node = jurisdictions::store::insert(&conn, &code, &name, level, parent.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("added {} {} ({})", node.code, node.name, node.level);
            Ok(())
        }
        Command::Demo => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let added = jurisdictions::demo::load(&conn).await?;
            println!(
                "demo data: {added} jurisdiction nodes added ({} in the demo set).\n\
                 Next: echo 'a-long-passw0rd' | cargo run -- staff add --username admin --role admin --jurisdiction 120000",
                jurisdictions::demo::NODES.len()
            );
            Ok(())
        }
        Command::Import { kind, file } => {
            let kind: entity::care_enums::ImportKind = kind
                .parse()
                .ok()
                .context("--kind must be jurisdictions, staff or care_people")?;
            let state = crate::startup::build_state(settings).await?;
            crate::imports::local::import_file(&state, kind, &file).await
        }
        Command::Wechat(WechatCommand::ForceRefreshToken { reason }) => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let redis = settings
                .redis
                .as_ref()
                .map(crate::kv::Redis::new)
                .transpose()?;
            let wechat = crate::wechat::WechatClient::new(&settings.wechat, redis)?;
            anyhow::ensure!(
                !wechat.is_dev(),
                "WECHAT_APP_ID and WECHAT_APP_SECRET must be set: dev WeChat mode has no token"
            );
            let fingerprint = crate::wechat::force::force_refresh(&conn, &wechat, &reason).await?;
            println!("new WeChat access token {fingerprint} in place (recorded in the audit log)");
            Ok(())
        }
    }
}

/// `staff add`: validates everything before touching the database.
pub async fn add_staff(
    settings: &Settings,
    username: &str,
    role: &str,
    jurisdiction: &str,
    display_name: Option<String>,
    password: &str,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(anyhow::Error::msg)?;
    let role = Role::parse(role).context(
        "--role must be admin, supervisor, approver, caseworker, operator or grid_worker",
    )?;
    let display_name = display_name
        .map(|n| staff::domain::parse_display_name(&n).map_err(anyhow::Error::msg))
        .transpose()?;
    let password = Password::parse(password).map_err(anyhow::Error::msg)?;

    let conn = db::connect(&settings.database).await?;
    db::migrate(&conn).await?;
    let node = jurisdictions::store::find_by_code(&conn, jurisdiction)
        .await?
        .with_context(|| {
            format!("jurisdiction {jurisdiction} does not exist (try `zhitongche demo`)")
        })?;
    if let Some(level) = jurisdictions::Level::parse(&node.level) {
        role.check_post(level).map_err(anyhow::Error::msg)?;
    }
    let account = staff::accounts::open(
        &conn,
        audit::Actor::System,
        "cli",
        staff::accounts::NewAccount {
            username,
            display_name,
            password,
            role,
            node: node.clone(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created staff {} ({}) at {} {}",
        account.username,
        role.as_str(),
        node.code,
        node.name
    );
    Ok(())
}

/// Reads the password from the terminal without echo, or the first line of piped input.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
