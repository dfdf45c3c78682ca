//! The key groups as seeded (分级分类), and the loaded catalogue the registry checks against.
//! Every interval is the city's to change; these are a starting point.

use entity::{care_groups, care_tiers};

use crate::care::domain::ChecklistItem::{
    self, Guardianship, Health, Living, Needs, Safety, Schooling,
};

pub struct GroupSeed {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// The assistance type whose roll this group is.
    pub roll_type: Option<&'static str>,
    pub checklist: &'static [ChecklistItem],
    /// (interval in calendar days, home visit required) for tiers 一级, 二级, 三级.
    pub tiers: [(i32, bool); 3],
}

const ADULT: &[ChecklistItem] = &[Health, Living, Safety, Needs];
const CHILD: &[ChecklistItem] = &[Health, Guardianship, Schooling, Safety, Needs];
/// Weekly, every half month, monthly; the highest two tiers in person.
const USUAL: [(i32, bool); 3] = [(7, true), (15, true), (30, false)];
/// The roll's people are seen less often unless they are also in a risk group.
const ROLL: [(i32, bool); 3] = [(15, true), (30, true), (90, false)];

pub const SEEDS: &[GroupSeed] = &[
    GroupSeed {
        code: "extreme_poverty_dispersed",
        name: "分散供养特困人员",
        description: "在家分散供养的特困人员",
        roll_type: Some("extreme_poverty_support"),
        checklist: ADULT,
        tiers: USUAL,
    },
    GroupSeed {
        code: "minimum_living",
        name: "低保对象",
        description: "享受最低生活保障的家庭成员",
        roll_type: Some("minimum_living_allowance"),
        checklist: ADULT,
        tiers: ROLL,
    },
    GroupSeed {
        code: "low_income_marginal",
        name: "低保边缘家庭成员",
        description: "收入略高于低保标准的低收入家庭成员",
        roll_type: None,
        checklist: ADULT,
        tiers: ROLL,
    },
    GroupSeed {
        code: "elderly_alone",
        name: "孤寡老人",
        description: "无配偶、无子女或子女不在身边的老年人",
        roll_type: None,
        checklist: ADULT,
        tiers: USUAL,
    },
    GroupSeed {
        code: "left_behind_elderly",
        name: "留守老年人",
        description: "子女长期外出、独自或与配偶居住的老年人",
        roll_type: None,
        checklist: ADULT,
        tiers: USUAL,
    },
    GroupSeed {
        code: "children_in_difficulty",
        name: "困境儿童",
        description: "因家庭贫困、残疾或监护缺失而陷入困境的儿童",
        roll_type: None,
        checklist: CHILD,
        tiers: USUAL,
    },
    GroupSeed {
        code: "left_behind_children",
        name: "留守儿童",
        description: "父母双方外出务工或一方外出另一方无监护能力的儿童",
        roll_type: None,
        checklist: CHILD,
        tiers: USUAL,
    },
    GroupSeed {
        code: "orphans",
        name: "孤儿",
        description: "失去父母或查找不到生父母的儿童",
        roll_type: None,
        checklist: CHILD,
        tiers: USUAL,
    },
    GroupSeed {
        code: "de_facto_unsupported_children",
        name: "事实无人抚养儿童",
        description: "父母无力履行抚养义务的儿童",
        roll_type: None,
        checklist: CHILD,
        tiers: USUAL,
    },
    GroupSeed {
        code: "severe_disability",
        name: "重度残疾人",
        description: "一级、二级残疾人",
        roll_type: None,
        checklist: ADULT,
        tiers: USUAL,
    },
];

/// The groups and tiers as stored, for checking registrations and computing schedules.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub groups: Vec<care_groups::Model>,
    pub tiers: Vec<care_tiers::Model>,
}

impl Catalogue {
    /// A group by its code or its name (as a spreadsheet writes it).
    pub fn group(&self, code_or_name: &str) -> Option<&care_groups::Model> {
        let key = code_or_name.trim();
        self.groups.iter().find(|g| g.code == key || g.name == key)
    }

    pub fn tier(&self, group: &str, tier: i32) -> Option<&care_tiers::Model> {
        self.tiers
            .iter()
            .find(|t| t.group_code == group && t.tier == tier)
    }

    pub fn tiers_of(&self, group: &str) -> impl Iterator<Item = &care_tiers::Model> {
        self.tiers.iter().filter(move |t| t.group_code == group)
    }

    /// The checklist of a group, as stored (unknown items are skipped).
    pub fn checklist(&self, group: &str) -> Vec<ChecklistItem> {
        self.groups
            .iter()
            .find(|g| g.code == group)
            .and_then(|g| serde_json::from_value::<Vec<ChecklistItem>>(g.checklist.clone()).ok())
            .unwrap_or_default()
    }

    pub fn group_name(&self, code: &str) -> String {
        self.groups
            .iter()
            .find(|g| g.code == code)
            .map_or_else(|| code.to_string(), |g| g.name.clone())
    }
}
