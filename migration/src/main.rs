//! Runs the migrations on their own: `cargo run -p migration -- [up|status]`, reading
//! `DATABASE_URL` (default: the embedded SQLite file).

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[derive(Parser)]
struct Cli {
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/zhitongche.db?mode=rwc"
    )]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply every pending migration (the default).
    Up,
    /// List migrations and whether each is applied.
    Status,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    if let Some(path) = cli
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|p| p.split('?').next())
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let db = Database::connect(&cli.database_url).await?;
    match cli.command.unwrap_or(Command::Up) {
        Command::Up => {
            Migrator::up(&db, None).await?;
            println!("migrations applied");
        }
        Command::Status => {
            for m in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", m.status(), m.name());
            }
        }
    }
    Ok(())
}
