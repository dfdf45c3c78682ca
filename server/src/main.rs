//! `zhitongche`: parse the command line and run it.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    zhitongche::cli::run(zhitongche::cli::Cli::parse()).await
}
