use sea_orm::entity::prelude::*;

/// One problem with one row of an import: the row number as the spreadsheet shows it, the
/// column's header and a message in Chinese.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_errors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub import_id: Uuid,
    pub row: i32,
    pub column: String,
    pub message: String,
}

impl ActiveModelBehavior for ActiveModel {}
