//! Assistance types: the fields each requires and its time limits, with the seeded catalogue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldErrors;

/// Application fields a type can require beyond the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequiredField {
    Address,
    Household,
    MonthlyIncomeYuan,
    Description,
}

impl RequiredField {
    pub fn as_str(self) -> &'static str {
        match self {
            RequiredField::Address => "address",
            RequiredField::Household => "household",
            RequiredField::MonthlyIncomeYuan => "monthly_income_yuan",
            RequiredField::Description => "description",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequiredField::Address => "居住地址",
            RequiredField::Household => "家庭成员",
            RequiredField::MonthlyIncomeYuan => "家庭月收入",
            RequiredField::Description => "困难情况说明",
        }
    }
}

/// Time limits of one type. Working days follow the Chinese calendar (holidays and 调休).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimeLimits {
    /// Urgent cases: first response (acceptance) within these hours.
    pub urgent_response_hours: i32,
    /// Ordinary cases: acceptance within these working days.
    pub response_working_days: i32,
    /// From acceptance to the investigation report (submit for review).
    pub investigation_working_days: i32,
    /// From review to a decision (or to the start of 公示).
    pub review_working_days: i32,
    /// Calendar days of 公示; 0 = none.
    pub public_notice_days: i32,
    /// The whole case, from submission, clock paused while waiting for the resident and in 公示.
    pub total_working_days: i32,
    /// After 先行救助, the paperwork must be complete within these working days.
    pub emergency_backfill_working_days: i32,
}

impl TimeLimits {
    /// Puts each limit outside its sensible range into `fields`, under `time_limits.<name>`.
    pub fn check(&self, fields: &mut FieldErrors) {
        let ranges = [
            ("urgent_response_hours", self.urgent_response_hours, 1, 72),
            ("response_working_days", self.response_working_days, 1, 30),
            (
                "investigation_working_days",
                self.investigation_working_days,
                1,
                90,
            ),
            ("review_working_days", self.review_working_days, 1, 60),
            ("public_notice_days", self.public_notice_days, 0, 30),
            ("total_working_days", self.total_working_days, 1, 120),
            (
                "emergency_backfill_working_days",
                self.emergency_backfill_working_days,
                1,
                30,
            ),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                fields.insert(
                    format!("time_limits.{name}"),
                    format!("应在 {min}–{max} 之间"),
                );
            }
        }
    }
}

pub struct Seed {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub required: &'static [RequiredField],
    pub limits: TimeLimits,
    pub emergency_allowed: bool,
}

const fn limits(investigation: i32, review: i32, notice: i32, total: i32) -> TimeLimits {
    TimeLimits {
        urgent_response_hours: 2,
        response_working_days: 1,
        investigation_working_days: investigation,
        review_working_days: review,
        public_notice_days: notice,
        total_working_days: total,
        emergency_backfill_working_days: 5,
    }
}

use RequiredField::{Address, Description, Household, MonthlyIncomeYuan};

/// The catalogue as seeded; local practice varies, so every figure is editable.
pub const SEEDS: &[Seed] = &[
    Seed {
        code: "minimum_living_allowance",
        name: "最低生活保障",
        description: "家庭人均收入低于当地低保标准且财产状况符合规定的家庭",
        required: &[Address, Household, MonthlyIncomeYuan, Description],
        limits: limits(15, 5, 7, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "extreme_poverty_support",
        name: "特困人员救助供养",
        description: "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其无履行能力的老年人、残疾人和未成年人",
        required: &[Address, Household, MonthlyIncomeYuan, Description],
        limits: limits(15, 5, 7, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "temporary_assistance",
        name: "临时救助",
        description: "因火灾、交通事故、突发重大疾病等导致基本生活暂时出现严重困难的家庭或个人",
        required: &[Description],
        limits: limits(7, 3, 0, 15),
        emergency_allowed: true,
    },
    Seed {
        code: "medical_assistance",
        name: "医疗救助",
        description: "医疗费用负担过重、影响基本生活的困难群众",
        required: &[Household, Description],
        limits: limits(10, 5, 0, 20),
        emergency_allowed: true,
    },
    Seed {
        code: "education_assistance",
        name: "教育救助",
        description: "在学困难家庭学生",
        required: &[Household, Description],
        limits: limits(10, 5, 0, 20),
        emergency_allowed: false,
    },
    Seed {
        code: "housing_assistance",
        name: "住房救助",
        description: "住房困难的低保、特困等家庭",
        required: &[Address, Household, MonthlyIncomeYuan],
        limits: limits(15, 5, 7, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "employment_assistance",
        name: "就业救助",
        description: "有劳动能力但未就业的低保家庭成员",
        required: &[Description],
        limits: limits(7, 3, 0, 15),
        emergency_allowed: false,
    },
    Seed {
        code: "disaster_relief",
        name: "受灾人员救助",
        description: "因自然灾害造成基本生活困难的受灾人员",
        required: &[Address, Description],
        limits: limits(5, 2, 0, 10),
        emergency_allowed: true,
    },
    Seed {
        code: "orphan",
        name: "孤儿基本生活保障",
        description: "失去父母或父母查找不到的未满 18 周岁的未成年人",
        required: &[Household, Description],
        limits: limits(15, 5, 0, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "de_facto_orphan",
        name: "事实无人抚养儿童保障",
        description: "父母双方均无法履行抚养义务的儿童",
        required: &[Household, Description],
        limits: limits(15, 5, 0, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "children_in_difficulty",
        name: "困境儿童保障",
        description: "因家庭贫困、自身残疾或监护缺失等陷入困境的儿童",
        required: &[Household, Description],
        limits: limits(15, 5, 0, 30),
        emergency_allowed: false,
    },
    Seed {
        code: "left_behind_children",
        name: "留守儿童关爱",
        description: "父母双方外出务工或一方外出务工另一方无监护能力的未成年人",
        required: &[Household, Description],
        limits: limits(10, 5, 0, 20),
        emergency_allowed: false,
    },
];
