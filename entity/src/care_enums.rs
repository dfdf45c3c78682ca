//! The text-valued columns of the grid-care and import tables, typed. Each enum's text form
//! is derived once (strum), stored as that text (`DeriveValueType`) and spoken in the API by
//! the same name (serde): snake_case everywhere.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            utoipa::ToSchema, strum::EnumString, strum::Display, strum::AsRefStr, strum::EnumIter,
            DeriveValueType,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        #[sea_orm(value_type = "String")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
    };
}

text_enum! {
    /// Whether a registered person is looked after now.
    pub enum PersonStatus {
        Active,
        /// Moved away, deceased or no longer in a key group: kept, never visited or alerted.
        Archived,
    }
}

text_enum! {
    /// How a visit was made (走访方式).
    pub enum VisitMethod {
        /// 入户
        Home,
        /// 电话
        Phone,
        /// 视频
        Video,
        /// 代访: someone entrusted by the worker went in person.
        Proxy,
    }
}

text_enum! {
    /// What a visit's finding led to.
    pub enum FollowUp {
        None,
        /// A help task for the community (帮扶任务).
        HelpTask,
        /// An application opened on the person's behalf (主动发现, channel `outreach`).
        Application,
    }
}

text_enum! {
    pub enum TaskStatus {
        Open,
        Done,
    }
}

text_enum! {
    /// What happened to a person's record (their timeline).
    pub enum CareAction {
        Registered,
        Imported,
        Updated,
        TierChanged,
        WorkerAssigned,
        Archived,
        Reactivated,
        VisitRecorded,
        VisitDueSoon,
        VisitDue,
        VisitOverdue,
        VisitUrged,
        VisitSupervised,
        HelpTaskOpened,
        HelpTaskDone,
        ApplicationOpened,
    }
}

text_enum! {
    /// What a bulk import loads.
    pub enum ImportKind {
        Jurisdictions,
        Staff,
        CarePeople,
    }
}

text_enum! {
    pub enum ImportFormat {
        Csv,
        Xlsx,
    }
}

text_enum! {
    pub enum ImportStatus {
        Queued,
        Running,
        Done,
        /// The file could not be read, or the service stopped mid-way (rows already written stay;
        /// importing the file again finishes it).
        Failed,
    }
}
