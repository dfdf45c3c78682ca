//! One instance of the real service as a process of its own, for the suites that kill and
//! restart it (`tests::chaos`): `zhitongche serve`, every setting from the environment.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    zhitongche::cli::run(zhitongche::cli::Cli { command: None }).await
}
