//! Schema migrations; they run on PostgreSQL and SQLite alike and never import `entity`.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_foundation;
mod m20261129_000002_create_residents;
mod m20261129_000003_create_assistance_types;
mod m20261129_000010_create_entry_points;
mod m20261129_000011_create_scans;
mod m20261129_000020_create_applications;
mod m20261129_000030_create_hotline;
mod m20261129_000040_create_notifications;
mod m20261129_000041_add_delivery_unknown_outcomes;
mod m20261129_000060_hotline_tasks;
mod m20261129_000061_add_delivery_send_started;
mod m20261202_000001_create_care;
mod m20261202_000002_create_imports;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_foundation::Migration),
            Box::new(m20261129_000002_create_residents::Migration),
            Box::new(m20261129_000003_create_assistance_types::Migration),
            Box::new(m20261129_000010_create_entry_points::Migration),
            Box::new(m20261129_000011_create_scans::Migration),
            Box::new(m20261129_000020_create_applications::Migration),
            Box::new(m20261129_000030_create_hotline::Migration),
            Box::new(m20261129_000040_create_notifications::Migration),
            Box::new(m20261129_000041_add_delivery_unknown_outcomes::Migration),
            Box::new(m20261129_000060_hotline_tasks::Migration),
            Box::new(m20261129_000061_add_delivery_send_started::Migration),
            Box::new(m20261202_000001_create_care::Migration),
            Box::new(m20261202_000002_create_imports::Migration),
        ]
    }
}
